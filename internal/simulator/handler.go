package simulator

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// Paging of the list routes.
const (
	defaultLimit = 50
	maxLimit     = 100
)

func (s *Simulator) now() time.Time { return s.cfg.Now().UTC() }

// PartnerID is the partner id the simulator answers to.
func (s *Simulator) PartnerID() string { return s.cfg.PartnerID }

// APIKey is the X-API-Key value the simulator requires.
func (s *Simulator) APIKey() string { return s.cfg.APIKey }

// Clients returns a copy of the generated partner: clients, their WABAs and channels.
func (s *Simulator) Clients() []Client {
	out := make([]Client, len(s.clients))
	for i, c := range s.clients {
		c.WABAs = make([]WABA, len(c.WABAs))
		for j, w := range s.clients[i].WABAs {
			w.Channels = make([]Channel, len(w.Channels))
			for k, ch := range s.clients[i].WABAs[j].Channels {
				ch.Countries = append([]string(nil), ch.Countries...)
				w.Channels[k] = ch
			}
			c.WABAs[j] = w
		}
		out[i] = c
	}
	return out
}

// Channels returns every channel of the partner, in generation order.
func (s *Simulator) Channels() []Channel {
	out := make([]Channel, 0, len(s.channelIDs))
	for _, id := range s.channelIDs {
		ch := s.channels[id].Channel
		ch.Countries = append([]string(nil), ch.Countries...)
		out = append(out, ch)
	}
	return out
}

// ServeHTTP answers Partner API requests under /partners/{pid} (an /api/v2
// prefix, as in the real base URL, is accepted too).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-API-Key")
	if key == "" || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) != 1 {
		writeDetail(w, http.StatusUnauthorized, "Invalid or missing API key (send it in the X-API-Key header)")
		return
	}
	s.mu.Lock()
	s.stats.Requests++
	s.mu.Unlock()

	path := strings.TrimPrefix(r.URL.Path, "/api/v2")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) < 3 || segs[0] != "partners" {
		writeDetail(w, http.StatusNotFound, "Not found")
		return
	}
	if segs[1] != s.cfg.PartnerID {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("Partner %s not found", segs[1]))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeDetail(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	rest := segs[2:]
	switch {
	case len(rest) == 1 && rest[0] == "clients":
		if s.applyFault(w, r, "") {
			return
		}
		s.listClients(w, r)
	case len(rest) == 1 && rest[0] == "channels":
		if s.applyFault(w, r, "") {
			return
		}
		s.listChannels(w, r)
	case len(rest) == 1 && rest[0] == "balance":
		if s.applyFault(w, r, "") {
			return
		}
		s.partnerBalance(w)
	case len(rest) == 6 && rest[0] == "clients" && rest[2] == "channels" && rest[4] == "info" &&
		(rest[5] == "usage" || rest[5] == "balance"):
		if _, ok := s.clientByID[rest[1]]; !ok {
			writeDetail(w, http.StatusNotFound, fmt.Sprintf("Client %s not found", rest[1]))
			return
		}
		ch, ok := s.channels[rest[3]]
		if !ok || ch.ClientID != rest[1] {
			writeDetail(w, http.StatusNotFound, fmt.Sprintf("Channel %s not found for client %s", rest[3], rest[1]))
			return
		}
		if s.applyFault(w, r, ch.ID) {
			return
		}
		if rest[5] == "usage" {
			s.channelUsage(w, r, ch)
		} else {
			s.channelBalance(w, ch)
		}
	default:
		writeDetail(w, http.StatusNotFound, "Not found")
	}
}

// applyFault acts out the first matching injected fault. It reports whether
// the request has been answered.
func (s *Simulator) applyFault(w http.ResponseWriter, r *http.Request, channelID string) bool {
	f, ok := s.takeFault(r.URL.Path, channelID)
	if !ok {
		return false
	}
	s.log.Debug("injected fault", "kind", f.Kind.String(), "path", r.URL.Path, "channel", channelID)
	switch f.Kind {
	case FaultServerError:
		writeDetail(w, http.StatusInternalServerError, "Internal server error (injected by the simulator)")
		return true
	case FaultMalformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"channel_id": "` + channelID + `", "pricing_analytics": {"data": [{"data_points": [{"start": 17`))
		return true
	case FaultRateLimit:
		s.mu.Lock()
		s.stats.TooMany++
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(f.RetryAfter), 10))
		writeDetail(w, http.StatusTooManyRequests, "Rate limit exceeded (injected by the simulator)")
		return true
	case FaultSlow:
		if err := sleepCtx(r.Context(), f.Delay); err != nil {
			return true // the client has gone; nobody reads an answer
		}
	}
	return false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errorBody is the API's error shape.
type errorBody struct {
	Detail string `json:"detail"`
}

func writeDetail(w http.ResponseWriter, code int, detail string) {
	writeJSON(w, code, errorBody{Detail: detail})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types are encoded; this is a bug
		http.Error(w, `{"detail": "Internal server error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// paging is the parsed limit, offset, filters and sort of a list request.
type paging struct {
	limit, offset int
	filters       map[string]any
	sort          string
}

// errBadParam marks a request error to answer with 400.
var errBadParam = errors.New("bad parameter")

func parsePaging(r *http.Request, filterKeys, sortKeys []string) (paging, error) {
	q := r.URL.Query()
	p := paging{limit: defaultLimit, filters: map[string]any{}}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("%w: limit must be a non-negative integer, got %q", errBadParam, v)
		}
		if n > 0 {
			p.limit = min(n, maxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("%w: offset must be a non-negative integer, got %q", errBadParam, v)
		}
		p.offset = n
	}
	if v := q.Get("filters"); v != "" {
		if err := json.Unmarshal([]byte(v), &p.filters); err != nil {
			return p, fmt.Errorf("%w: filters must be a JSON object: %v", errBadParam, err)
		}
		for k := range p.filters {
			if !contains(filterKeys, k) {
				return p, fmt.Errorf("%w: cannot filter by %q (supported: %s)", errBadParam, k, strings.Join(filterKeys, ", "))
			}
		}
	}
	if v := q.Get("sort"); v != "" {
		if !contains(sortKeys, strings.TrimPrefix(v, "-")) {
			return p, fmt.Errorf("%w: cannot sort by %q (supported: %s, with - for descending)", errBadParam, v, strings.Join(sortKeys, ", "))
		}
		p.sort = v
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// matches reports whether every filter equals the field's value.
func (p paging) matches(field func(string) string) bool {
	for k, v := range p.filters {
		if fmt.Sprint(v) != field(k) {
			return false
		}
	}
	return true
}

// page cuts [offset, offset+limit) out of n items.
func (p paging) page(n int) (int, int) {
	lo := min(p.offset, n)
	return lo, min(lo+p.limit, n)
}

// sortBy orders idx by the sort key using field; stable, so ties keep generation order.
func (p paging) sortBy(idx []int, field func(i int, key string) string) {
	if p.sort == "" {
		return
	}
	key, desc := strings.TrimPrefix(p.sort, "-"), strings.HasPrefix(p.sort, "-")
	sort.SliceStable(idx, func(a, b int) bool {
		fa, fb := field(idx[a], key), field(idx[b], key)
		if desc {
			return fa > fb
		}
		return fa < fb
	})
}

type clientJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	Organisation string          `json:"organisation"`
	MetaInfo     clientMetaInfo  `json:"meta_info"`
	ContactInfo  clientContactJS `json:"contact_info"`
}

type clientMetaInfo struct {
	Timezone         string `json:"timezone"`
	BusinessVertical string `json:"business_vertical"`
}

type clientContactJS struct {
	Country string `json:"country"`
	Email   string `json:"email"`
}

type clientsPage struct {
	Count   int            `json:"count"`
	Total   int            `json:"total"`
	Limit   int            `json:"limit"`
	Offset  int            `json:"offset"`
	Filters map[string]any `json:"filters"`
	Sort    string         `json:"sort"`
	Clients []clientJSON   `json:"clients"`
}

func (s *Simulator) listClients(w http.ResponseWriter, r *http.Request) {
	p, err := parsePaging(r, []string{"id", "name", "status"}, []string{"id", "name"})
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	field := func(c *Client, k string) string {
		switch k {
		case "id":
			return c.ID
		case "name":
			return c.Name
		case "status":
			return "active"
		}
		return ""
	}
	var idx []int
	for i := range s.clients {
		if p.matches(func(k string) string { return field(&s.clients[i], k) }) {
			idx = append(idx, i)
		}
	}
	p.sortBy(idx, func(i int, k string) string { return field(&s.clients[i], k) })
	lo, hi := p.page(len(idx))
	out := clientsPage{Total: len(idx), Limit: p.limit, Offset: p.offset, Filters: p.filters, Sort: p.sort, Clients: []clientJSON{}}
	for _, i := range idx[lo:hi] {
		c := &s.clients[i]
		out.Clients = append(out.Clients, clientJSON{
			ID: c.ID, Name: c.Name, Status: "active", Organisation: c.Name,
			MetaInfo:    clientMetaInfo{Timezone: c.Timezone, BusinessVertical: c.Vertical},
			ContactInfo: clientContactJS{Country: c.Country, Email: c.Email},
		})
	}
	out.Count = len(out.Clients)
	writeJSON(w, http.StatusOK, out)
}

type channelJSON struct {
	ID               string      `json:"id"`
	ClientID         string      `json:"client_id"`
	Status           string      `json:"status"`
	WABAAccount      wabaJSON    `json:"waba_account"`
	SetupInfo        setupInfoJS `json:"setup_info"`
	BillingStartedAt string      `json:"billing_started_at"`
}

type wabaJSON struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Currency   string `json:"currency"`
	TimezoneID string `json:"timezone_id"`
}

type setupInfoJS struct {
	PhoneNumber string `json:"phone_number"`
	PhoneName   string `json:"phone_name"`
}

type channelsPage struct {
	Count    int            `json:"count"`
	Total    int            `json:"total"`
	Limit    int            `json:"limit"`
	Offset   int            `json:"offset"`
	Filters  map[string]any `json:"filters"`
	Sort     string         `json:"sort"`
	Channels []channelJSON  `json:"partner_channels"`
}

func (s *Simulator) listChannels(w http.ResponseWriter, r *http.Request) {
	p, err := parsePaging(r, []string{"id", "client_id", "status", "waba_account.id"}, []string{"id", "client_id"})
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	field := func(ch *channel, k string) string {
		switch k {
		case "id":
			return ch.ID
		case "client_id":
			return ch.ClientID
		case "status":
			return "ready"
		case "waba_account.id":
			return ch.WABAID
		}
		return ""
	}
	var idx []int
	for i, id := range s.channelIDs {
		ch := s.channels[id]
		if p.matches(func(k string) string { return field(ch, k) }) {
			idx = append(idx, i)
		}
	}
	p.sortBy(idx, func(i int, k string) string { return field(s.channels[s.channelIDs[i]], k) })
	lo, hi := p.page(len(idx))
	out := channelsPage{Total: len(idx), Limit: p.limit, Offset: p.offset, Filters: p.filters, Sort: p.sort, Channels: []channelJSON{}}
	for _, i := range idx[lo:hi] {
		ch := s.channels[s.channelIDs[i]]
		wb := s.waba(ch)
		out.Channels = append(out.Channels, channelJSON{
			ID: ch.ID, ClientID: ch.ClientID, Status: "ready",
			WABAAccount:      wabaJSON{ID: wb.ID, ExternalID: wb.ExternalID, Name: wb.Name, Currency: wb.Currency, TimezoneID: wb.Timezone},
			SetupInfo:        setupInfoJS{PhoneNumber: ch.PhoneNumber, PhoneName: ch.PhoneName},
			BillingStartedAt: ch.BillingStartedAt.Format(time.RFC3339),
		})
	}
	out.Count = len(out.Channels)
	writeJSON(w, http.StatusOK, out)
}

// waba finds the channel's WABA.
func (s *Simulator) waba(ch *channel) *WABA {
	c := s.clientByID[ch.ClientID]
	for i := range c.WABAs {
		if c.WABAs[i].ID == ch.WABAID {
			return &c.WABAs[i]
		}
	}
	return &WABA{ID: ch.WABAID}
}

type balanceJSON struct {
	Balance   json.Number `json:"balance"`
	Currency  string      `json:"currency"`
	Threshold json.Number `json:"threshold"`
}

// channelBalance answers the channel balance: a monthly top-up sized from
// last month's spend, minus this month's spend so far.
func (s *Simulator) channelBalance(w http.ResponseWriter, ch *channel) {
	bal, threshold := s.Balance(ch.ID)
	writeJSON(w, http.StatusOK, balanceJSON{Balance: number(bal), Currency: ch.Currency, Threshold: number(threshold)})
}

// Balance returns a channel's balance and low-balance threshold in nano-units
// of its currency, as the balance route reports them: each UTC month starts
// with a top-up of 1.5× last month's spend (rounded up to 50 units, at least
// about 100 USD), and the month's spend so far is taken off it.
func (s *Simulator) Balance(channelID string) (balance, threshold int64) {
	ch, ok := s.channels[channelID]
	if !ok {
		return 0, 0
	}
	now := s.now()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	prev := month.AddDate(0, -1, 0)
	last := s.spend(ch, prev.Unix(), month.Unix(), now)
	mtd := s.spend(ch, month.Unix(), now.Unix()+1, now)
	const unit = 50 * 1_000_000_000
	topUp := (last*3/2 + unit - 1) / unit * unit
	topUp = max(topUp, (toCurrency(100_000_000_000, ch.Currency)+unit-1)/unit*unit)
	threshold = topUp / 5 / 1_000_000_000 * 1_000_000_000
	return topUp - mtd, threshold
}

// spend sums message and call costs of the half hours starting in [from, to).
func (s *Simulator) spend(ch *channel, from, to int64, now time.Time) int64 {
	var sum int64
	for _, p := range s.usagePoints(ch, from, to, now) {
		sum += p.CostNanos
	}
	for _, c := range s.callPoints(ch, from, to, now) {
		sum += c.CostNanos
	}
	return sum
}

type partnerBalanceJSON struct {
	Total    json.Number `json:"total"`
	Currency string      `json:"currency"`
}

// partnerBalance answers the partner account's balance (EUR, a seeded amount).
func (s *Simulator) partnerBalance(w http.ResponseWriter) {
	cents := int64(100_000 + mix(s.seed^0xba1)%900_000)
	writeJSON(w, http.StatusOK, partnerBalanceJSON{Total: number(cents * 10_000_000), Currency: "eur"})
}

// number writes nano-units as an exact JSON number.
func number(nanos int64) json.Number {
	if nanos == 0 {
		return "0"
	}
	return json.Number(usage.FormatDecimal(nanos))
}
