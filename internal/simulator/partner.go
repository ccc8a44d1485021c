package simulator

import (
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the simulated clients live in real IANA zones, even on hosts without zoneinfo

	"github.com/insights-dev/insights/internal/ratecard"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultPartnerID = "demoPA"
	DefaultAPIKey    = "demo-key"
	DefaultClients   = 6
	DefaultHistory   = 400 * 24 * time.Hour
)

// Config describes the simulated partner. The zero value is usable: New fills
// in the defaults.
type Config struct {
	// PartnerID is the partner id in every path; default "demoPA".
	PartnerID string
	// APIKey is the X-API-Key value every request must carry; default "demo-key".
	APIKey string
	// Seed selects the generated partner and all of its data.
	Seed int64
	// Now is the clock; default time.Now. Data exists only up to Now, and rate
	// limits use it, so tests advance it to free limits.
	Now func() time.Time
	// Clients is the number of clients; default 6.
	Clients int
	// History is how far back data exists, counted from the clock at New;
	// default 400 days.
	History time.Duration
	// ChannelsPerWABA, when positive, gives every WABA exactly that many
	// channels (to reach the per-WABA limit, or for benchmarks); by default
	// each WABA has 1 to 4.
	ChannelsPerWABA int
	// DisableRateLimits turns the usage route's limits off (benchmarks only).
	DisableRateLimits bool
	// Logger receives debug records of faults and rate-limit refusals; default
	// slog.Default().
	Logger *slog.Logger
}

// Client is a generated client of the partner.
type Client struct {
	ID       string
	Name     string
	Country  string // ISO 3166 alpha-2 of the business
	Timezone string // IANA zone
	Currency string // ISO 4217 code of its WABAs
	Vertical string
	Email    string
	WABAs    []WABA
}

// WABA is a WhatsApp Business Account of a client.
type WABA struct {
	ID         string // 360dialog id (waba_account.id)
	ExternalID string // Meta's numeric WABA id
	Name       string
	Currency   string
	Timezone   string
	Channels   []Channel
}

// Channel is one phone number of a WABA.
type Channel struct {
	ID          string
	ClientID    string
	WABAID      string
	PhoneNumber string // digits only, with country code
	PhoneName   string
	Currency    string
	Timezone    string
	// Countries are the markets it messages, its home country first.
	Countries []string
	// Voice reports whether it makes and receives calls.
	Voice bool
	// BillingStartedAt is the first instant it has data (UTC).
	BillingStartedAt time.Time
}

// Simulator is the simulated Partner API; it implements http.Handler and is
// safe for concurrent use.
type Simulator struct {
	cfg       Config
	log       *slog.Logger
	seed      uint64
	dataStart time.Time // first instant any data exists (UTC midnight)

	clients    []Client
	clientByID map[string]*Client
	channels   map[string]*channel
	channelIDs []string // in generation order

	dataMu    sync.RWMutex
	revisions map[revKey]int64
	extra     map[string][]stream // channel id → added (unknown) categories

	// book prices the data (the built-in rate cards); tierCache holds the
	// month-to-date volumes of tiered streams at the start of local days.
	book      *ratecard.Book
	tierMu    sync.Mutex
	tierCache map[tierKey]int64

	mu     sync.Mutex
	faults []*faultEntry
	limits map[string]*window // "ch:"+id or "waba:"+id → accepted usage requests
	stats  Stats
}

// clientTemplate is a made-up business; the first six are the demo partner.
type clientTemplate struct {
	name, country, zone, currency, vertical, domain string
	phonePrefix                                     string
	phoneDigits                                     int
	foreign                                         []string
}

var templates = []clientTemplate{
	{"Nordlicht Mode GmbH", "DE", "Europe/Berlin", "EUR", "RETAIL", "nordlicht-mode.de", "4915", 9, []string{"AT", "CH", "NL"}},
	{"Casa Verde Imóveis", "BR", "America/Sao_Paulo", "BRL", "REAL_ESTATE", "casaverde.com.br", "55119", 8, []string{"PT", "AR"}},
	{"Kirana Express", "IN", "Asia/Kolkata", "INR", "GROCERY", "kiranaexpress.in", "919", 9, []string{"AE", "NP"}},
	{"Brightside Dental", "US", "America/New_York", "USD", "HEALTH", "brightsidedental.com", "1212", 7, []string{"CA", "MX"}},
	{"Himal Treks", "NP", "Asia/Kathmandu", "USD", "TRAVEL", "himaltreks.com.np", "97798", 8, []string{"IN", "GB", "US"}},
	{"Atlas Freight Ltd", "GB", "Europe/London", "GBP", "LOGISTICS", "atlasfreight.co.uk", "447", 9, []string{"IE", "FR", "IN"}},
	{"Maple Lane Realty", "CA", "America/Toronto", "USD", "REAL_ESTATE", "maplelanerealty.ca", "1416", 7, []string{"US"}},
	{"Oasis Pharmacy", "AE", "Asia/Dubai", "AED", "HEALTH", "oasispharmacy.ae", "9715", 8, []string{"IN", "SA"}},
	{"Chatham Island Seafood", "NZ", "Pacific/Chatham", "AUD", "FOOD", "chathamseafood.co.nz", "642", 8, []string{"AU"}},
	{"Kopi Nusantara", "ID", "Asia/Jakarta", "USD", "FOOD", "kopinusantara.id", "628", 10, []string{"SG", "MY"}},
}

// Traits of some clients (by template name, so every round of clients
// repeats them).
const (
	// traitTierBulk: the first channel of each WABA sends utility in bulk,
	// crossing a volume tier within the month.
	traitTierBulk = 1 << iota
	// traitAgent: the first channel of each WABA has a Meta Business Agent
	// stream (tokens) from 2026-08-01.
	traitAgent
	// traitCreditLine: the WABAs are on the partner's credit line, so the
	// usage omits cost on its pricing points.
	traitCreditLine
)

var templateTraits = map[string]int{
	"Kirana Express":    traitTierBulk,
	"Brightside Dental": traitAgent,
	"Himal Treks":       traitCreditLine,
}

// New builds the simulated partner for cfg. Zero fields get their defaults.
func New(cfg Config) *Simulator {
	if cfg.PartnerID == "" {
		cfg.PartnerID = DefaultPartnerID
	}
	if cfg.APIKey == "" {
		cfg.APIKey = DefaultAPIKey
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Clients <= 0 {
		cfg.Clients = DefaultClients
	}
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Simulator{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "simulator"),
		seed:       mix(uint64(cfg.Seed) ^ 0x5eed),
		clientByID: map[string]*Client{},
		channels:   map[string]*channel{},
		revisions:  map[revKey]int64{},
		extra:      map[string][]stream{},
		limits:     map[string]*window{},
		book:       ratecard.Builtin(),
		tierCache:  map[tierKey]int64{},
	}
	start := cfg.Now().UTC().Add(-cfg.History)
	s.dataStart = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	s.stats = newStats()
	s.generate()
	return s
}

// generate builds the partner's clients, WABAs and channels from the seed.
func (s *Simulator) generate() {
	r := &rng{state: s.seed}
	used := map[string]bool{}
	uniqueID := func(suffix string) string {
		for {
			id := r.alnum(6) + suffix
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
	s.clients = make([]Client, 0, s.cfg.Clients)
	for i := 0; i < s.cfg.Clients; i++ {
		t := templates[i%len(templates)]
		name := t.name
		if round := i / len(templates); round > 0 {
			name += " " + strconv.Itoa(round+1)
		}
		loc, err := time.LoadLocation(t.zone)
		if err != nil { // cannot happen with time/tzdata embedded
			loc = time.UTC
		}
		c := Client{
			ID: uniqueID("CL"), Name: name, Country: t.country, Timezone: t.zone,
			Currency: t.currency, Vertical: t.vertical,
			Email: "whatsapp@" + t.domain,
		}
		nWABA := 1 + r.intn(3)
		for w := 0; w < nWABA; w++ {
			wb := WABA{
				ID:         uniqueID("WA"),
				ExternalID: "1" + r.digits(14),
				Name:       wabaName(t.name, w),
				Currency:   t.currency,
				Timezone:   t.zone,
			}
			nCh := 1 + r.intn(4)
			if s.cfg.ChannelsPerWABA > 0 {
				nCh = s.cfg.ChannelsPerWABA
			}
			for k := 0; k < nCh; k++ {
				ch := s.newChannel(r, uniqueID("CH"), &c, &wb, t, k, loc)
				wb.Channels = append(wb.Channels, ch.Channel)
				s.channels[ch.ID] = ch
				s.channelIDs = append(s.channelIDs, ch.ID)
			}
			c.WABAs = append(c.WABAs, wb)
		}
		s.clients = append(s.clients, c)
	}
	for i := range s.clients {
		s.clientByID[s.clients[i].ID] = &s.clients[i]
	}
}

func wabaName(business string, i int) string {
	short := strings.TrimSuffix(strings.TrimSuffix(business, " GmbH"), " Ltd")
	names := []string{"", " Support", " Marketing"}
	return short + names[i%len(names)]
}

var phoneNames = []string{"", " Support", " Sales", " Alerts"}

// newChannel generates one channel: its phone, markets, message streams and voice.
func (s *Simulator) newChannel(r *rng, id string, c *Client, w *WABA, t clientTemplate, k int, loc *time.Location) *channel {
	ch := &channel{
		Channel: Channel{
			ID: id, ClientID: c.ID, WABAID: w.ID,
			PhoneNumber: t.phonePrefix + r.digits(t.phoneDigits),
			PhoneName:   strings.TrimSuffix(strings.TrimSuffix(t.name, " GmbH"), " Ltd") + phoneNames[k%len(phoneNames)],
			Currency:    t.currency,
			Timezone:    t.zone,
			Voice:       r.intn(3) != 0,
		},
		key:  mix(s.seed ^ hashString(id)),
		loc:  loc,
		home: t.country,
	}
	// Most channels have the whole history; some started later.
	// (Both draws are always made so the partner does not depend on History.)
	late, offset := r.intn(4) == 0, r.intn(1000)
	ch.BillingStartedAt = s.dataStart
	if days := int(s.cfg.History / (24 * time.Hour)); late && days > 60 {
		ch.BillingStartedAt = s.dataStart.AddDate(0, 0, 30+offset%(days-45))
	}
	// Markets: home plus up to three foreign ones.
	nForeign := r.intn(len(t.foreign) + 1)
	ch.Countries = append([]string{t.country}, t.foreign[:nForeign]...)
	ch.creditLine = templateTraits[t.name]&traitCreditLine != 0
	ch.streams = s.channelStreams(r, ch, t, k)
	if ch.Voice {
		ch.inMilli = int64(300 + r.intn(900))
		ch.outMilli = int64(150 + r.intn(650))
		ch.callRate = callRate(s.book, t.country, t.currency)
	}
	return ch
}
