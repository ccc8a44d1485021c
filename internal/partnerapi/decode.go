package partnerapi

// This file is the one place that knows the JSON shapes and spellings of the
// Partner API. Most of them are its documented contract: when the live
// API turns out to differ, correct it here. Each body is decoded into the
// wire structs below with github.com/go-json-experiment/json; their fields
// are the value types of values.go, so unknown fields are ignored, numbers
// keep their exact text (money never passes through float64), and every
// error names the JSON path of the value at fault. What a single value cannot
// check (a required field, a key that repeats) is checked here afterwards.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/insights-dev/insights/internal/jsonread"
	"github.com/insights-dev/insights/internal/usage"
)

// apiGranularity is the usage endpoint's spelling of a granularity.
func apiGranularity(g usage.Granularity) (string, error) {
	switch g {
	case usage.HalfHour:
		return "half_hour", nil
	case usage.Day:
		return "daily", nil
	case usage.Month:
		return "monthly", nil
	}
	return "", fmt.Errorf("unsupported granularity %q", g)
}

// countriesParam formats country codes as the usage endpoint wants them: a
// JSON array of lower-case ISO 3166 alpha-2 codes, e.g. ["us","de"].
func countriesParam(codes []string) (string, error) {
	out := make([]string, len(codes))
	for i, c := range codes {
		c = strings.ToLower(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'a' || c[0] > 'z' || c[1] < 'a' || c[1] > 'z' {
			return "", fmt.Errorf("country %q: want a two-letter code", codes[i])
		}
		out[i] = c
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// errorMessage extracts the human message of an error body: "detail" or
// "error" (a string, or an object with "message"), else the body's text.
func errorMessage(body []byte) string {
	const maxLen = 300
	var m map[string]jsontext.Value
	if jsonread.Unmarshal(body, &m) == nil {
		for _, k := range []string{"detail", "error", "message"} {
			raw, ok := m[k]
			if !ok || raw.Kind() == 'n' {
				continue
			}
			var s string
			if jsonread.Unmarshal(raw, &s) == nil {
				return shorten(s, maxLen)
			}
			var inner struct {
				Message string `json:"message"`
			}
			if jsonread.Unmarshal(raw, &inner) == nil && inner.Message != "" {
				return shorten(inner.Message, maxLen)
			}
			return shorten(string(raw), maxLen) // e.g. a list of validation errors
		}
	}
	return shorten(strings.Join(strings.Fields(string(body)), " "), maxLen)
}

// page is the paging envelope of a list response.
type page struct {
	count    int // items in this page
	total    int // items in the whole list
	hasTotal bool
}

// pageWire is the envelope shared by the list endpoints.
type pageWire struct {
	Count   whole `json:"count"`
	Total   whole `json:"total"`
	Limit   known `json:"limit"`
	Offset  known `json:"offset"`
	Filters known `json:"filters"`
	Sort    known `json:"sort"`
}

// check reads the envelope of a page of n items listed under key.
func (w pageWire) check(key string, n int) (page, error) {
	p := page{count: n}
	if w.Count.set && w.Count.n != int64(n) {
		return page{}, &DecodeError{Field: "count", Err: fmt.Errorf("says %d but %s holds %d", w.Count.n, key, n)}
	}
	if w.Total.set {
		if w.Total.n < 0 {
			return page{}, &DecodeError{Field: "total", Err: fmt.Errorf("negative: %d", w.Total.n)}
		}
		p.total, p.hasTotal = int(w.Total.n), true
	}
	return p, nil
}

// clientWire is one item of GET /partners/{pid}/clients.
type clientWire struct {
	ID           code `json:"id" check:"required"`
	Name         name `json:"name"`
	Status       code `json:"status"`
	Organisation name `json:"organisation"`
	Meta         object[struct {
		Timezone         code  `json:"timezone"`
		BusinessVertical known `json:"business_vertical"`
	}] `json:"meta_info"`
	Contact object[struct {
		Country name  `json:"country"`
		Email   known `json:"email"`
	}] `json:"contact_info"`
}

// clientsPageWire is a page of GET /partners/{pid}/clients.
type clientsPageWire struct {
	pageWire `json:",inline"`
	Clients  list[clientWire] `json:"clients"`
}

// decodeClientsPage reads one page of GET /partners/{pid}/clients.
func decodeClientsPage(body []byte) (page, []ClientInfo, error) {
	var w clientsPageWire
	if err := decodeBody(body, &w); err != nil {
		return page{}, nil, err
	}
	p, err := w.check("clients", w.Clients.n)
	if err != nil {
		return page{}, nil, err
	}
	out := make([]ClientInfo, 0, w.Clients.n)
	for i, c := range w.Clients.all() {
		if c.ID == "" {
			return page{}, nil, where{"clients", i}.missing("id")
		}
		out = append(out, ClientInfo{ID: string(c.ID), Name: string(c.Name), Status: string(c.Status),
			Organisation: string(c.Organisation), Timezone: string(c.Meta.v.Timezone), Country: string(c.Contact.v.Country)})
	}
	return p, out, nil
}

// channelWire is one item of GET /partners/{pid}/channels.
type channelWire struct {
	ID       code `json:"id" check:"required"`
	ClientID code `json:"client_id" check:"required"`
	Status   code `json:"status"`
	WABA     object[struct {
		ID         code  `json:"id"`
		ExternalID code  `json:"external_id"`
		Name       known `json:"name"`
		Currency   code  `json:"currency"`
		Timezone   code  `json:"timezone_id"`
	}] `json:"waba_account"`
	Setup object[struct {
		PhoneNumber code `json:"phone_number"`
		PhoneName   name `json:"phone_name"`
	}] `json:"setup_info"`
	BillingStartedAt stamp `json:"billing_started_at"`
}

// channelsPageWire is a page of GET /partners/{pid}/channels.
type channelsPageWire struct {
	pageWire `json:",inline"`
	Channels list[channelWire] `json:"partner_channels"`
}

// decodeChannelsPage reads one page of GET /partners/{pid}/channels.
func decodeChannelsPage(body []byte) (page, []Channel, error) {
	var w channelsPageWire
	if err := decodeBody(body, &w); err != nil {
		return page{}, nil, err
	}
	p, err := w.check("partner_channels", w.Channels.n)
	if err != nil {
		return page{}, nil, err
	}
	out := make([]Channel, 0, w.Channels.n)
	for i, c := range w.Channels.all() {
		at := where{"partner_channels", i}
		switch {
		case c.ID == "":
			return page{}, nil, at.missing("id")
		case c.ClientID == "":
			return page{}, nil, at.missing("client_id")
		}
		waba := c.WABA.v
		cur, err := currency(waba.Currency, where{at.at("waba_account"), -1}, "currency")
		if err != nil {
			return page{}, nil, err
		}
		out = append(out, Channel{ID: string(c.ID), ClientID: string(c.ClientID), Status: string(c.Status),
			WABAID: string(waba.ID), WABAExternalID: string(waba.ExternalID), Currency: cur, Timezone: string(waba.Timezone),
			PhoneNumber: string(c.Setup.v.PhoneNumber), PhoneName: string(c.Setup.v.PhoneName), BillingStartedAt: c.BillingStartedAt.time()})
	}
	return p, out, nil
}

// currency checks an ISO 4217 code and upper-cases it; "" stays "".
func currency(c code, at where, key string) (string, error) {
	if c == "" {
		return "", nil
	}
	s := usage.NormalizeCurrency(string(c))
	if len(s) != 3 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", at.fail(key, fmt.Errorf("not a currency code: %q", string(c)))
	}
	return s, nil
}

// balanceWire is the body of GET …/channels/{chid}/info/balance.
type balanceWire struct {
	Balance   money `json:"balance" check:"required"`
	Currency  code  `json:"currency" check:"required"`
	Threshold money `json:"threshold"`
}

// decodeBalance reads GET …/channels/{chid}/info/balance:
// {"balance": 42.10, "currency": "USD", "threshold": 10.0}.
func decodeBalance(body []byte) (*Balance, error) {
	var w balanceWire
	if err := decodeBody(body, &w); err != nil {
		return nil, err
	}
	root := where{index: -1}
	if !w.Balance.known {
		return nil, root.missing("balance")
	}
	cur, err := currency(w.Currency, root, "currency")
	if err != nil {
		return nil, err
	}
	if cur == "" {
		return nil, root.missing("currency")
	}
	return &Balance{Currency: cur, BalanceNanos: w.Balance.nanos,
		ThresholdNanos: w.Threshold.nanos, HasThreshold: w.Threshold.known}, nil
}

// usageWire is the body of GET …/channels/{chid}/info/usage.
type usageWire struct {
	ID          known                              `json:"id"` // Meta's WABA id, in Meta's own answers
	StartDate   known                              `json:"start_date"`
	EndDate     known                              `json:"end_date"`
	ChannelID   code                               `json:"channel_id"`
	Currency    code                               `json:"currency"`
	Granularity code                               `json:"granularity"`
	Pricing     object[analyticsWire[pricingWire]] `json:"pricing_analytics"`
	Calls       object[analyticsWire[callWire]]    `json:"call_analytics"`
}

// analyticsWire is pricing_analytics or call_analytics. Its points come in
// either wrapping, or both: data[].data_points[] and data_points[].
type analyticsWire[P any] struct {
	Granularity code `json:"granularity"`
	// Directions is the call directions Meta echoes for call_analytics
	// ("USER_INITIATED", or a list): the direction of points without one.
	Directions directions `json:"directions"`
	Data       list[struct {
		DataPoints list[P] `json:"data_points"`
	}] `json:"data"`
	DataPoints list[P] `json:"data_points"`
}

// pricingWire is one pricing_analytics point.
type pricingWire struct {
	Start       stamp `json:"start" check:"required"`
	End         stamp `json:"end"`
	PhoneNumber known `json:"phone_number"`
	Country     code  `json:"country"`
	PricingType code  `json:"pricing_type"`
	Category    code  `json:"pricing_category" check:"required"`
	Tier        code  `json:"tier"`
	Volume      whole `json:"volume" check:"required"`
	Cost        money `json:"cost"`
}

// callWire is one call_analytics point.
type callWire struct {
	Start           stamp   `json:"start" check:"required"`
	End             stamp   `json:"end"`
	Direction       code    `json:"direction"`
	Country         code    `json:"country"`
	PhoneNumber     known   `json:"phone_number"`
	Count           whole   `json:"count" check:"required"`
	AverageDuration decimal `json:"average_duration"`
	Cost            money   `json:"cost"`
}

// decodeUsage reads GET …/channels/{chid}/info/usage. want is the granularity
// asked for, used when the response does not say. Points are returned as the
// body has them (ChannelID from the body's channel_id, possibly empty); the
// caller filters them to its window.
//
// Both wrappings of each analytics list are read: X.data[].data_points[] and
// X.data_points[]. One of pricing_analytics and call_analytics may be absent
// or null (no data of that kind), not both: the poller saves an answer as the
// whole truth about its window, so an answer that says nothing ({}, or other
// names) must not pass for "no usage" and wipe the stored window. No data is
// said with an empty list, such as "pricing_analytics": {"data": []}.
//
// A backfill answer runs to megabytes, so decoding stops early, with ctx's
// error, when ctx is cancelled (the poller is shutting down): it is looked
// at every 1,024 points.
func decodeUsage(ctx context.Context, body []byte, want usage.Granularity) (*Usage, error) {
	return decodeUsageIn(ctx, body, want, "")
}

// decodeUsageIn is decodeUsage for a channel whose currency is known (""
// when not): Meta's analytics report cost in the WABA's currency and its own
// answers do not name it, so an answer without a currency is taken to be in
// the channel's.
func decodeUsageIn(ctx context.Context, body []byte, want usage.Granularity, channelCurrency string) (*Usage, error) {
	var w usageWire
	if err := decodeBody(body, &w, stopWhenCancelled(ctx)); err != nil {
		return nil, err
	}
	root := where{index: -1}
	u := &Usage{ChannelID: string(w.ChannelID)}
	var err error
	if u.Currency, err = currency(w.Currency, root, "currency"); err != nil {
		return nil, err
	}
	if u.Currency == "" {
		u.Currency = usage.NormalizeCurrency(channelCurrency)
	}
	if u.Granularity, err = granularity(w.Granularity, root, "granularity", want); err != nil {
		return nil, err
	}
	if !w.Pricing.set && !w.Calls.set {
		return nil, &DecodeError{Err: errors.New("neither pricing_analytics nor call_analytics is present " +
			`(an answer without data still has one, e.g. "pricing_analytics": {"data": []})`)}
	}
	var costly, callCost string // paths of the first known costs, to blame a missing currency
	if w.Pricing.ok {
		u.Points, costly, err = decodeList(w.Pricing.v, "pricing_analytics", "pricing_category, pricing_type, country and tier",
			func(p *pricingWire, at where) (usage.Point, pointKey, bool, error) {
				pt, err := decodePricingPoint(p, at, u)
				return pt, pointKey{pt.Start.Unix(), pt.Category, pt.PricingType, pt.Country, pt.Tier}, pt.CostKnown, err
			})
		if err != nil {
			return nil, err
		}
	}
	if w.Calls.ok {
		g, err := granularity(w.Calls.v.Granularity, where{"call_analytics", -1}, "granularity", u.Granularity)
		if err != nil {
			return nil, err
		}
		u.Calls, callCost, err = decodeList(w.Calls.v, "call_analytics", "direction and country",
			func(c *callWire, at where) (usage.CallPoint, callKey, bool, error) {
				cp, err := decodeCallPoint(c, at, u, g, w.Calls.v.Directions.only())
				return cp, callKey{cp.Start.Unix(), cp.Direction, cp.Country}, cp.CostKnown, err
			})
		if err != nil {
			return nil, err
		}
	}
	if u.Currency == "" && cmp.Or(costly, callCost) != "" {
		return nil, &DecodeError{Field: "currency", Err: fmt.Errorf("missing, but %s reports a cost", cmp.Or(costly, callCost))}
	}
	return u, nil
}

// stopWhenCancelled makes a usage decode look at ctx every 1,024 points and
// stop with a *stoppedError once it is cancelled.
func stopWhenCancelled(ctx context.Context) json.Options {
	points := 0
	check := func() error {
		points++
		if points%1024 == 1 {
			if err := ctx.Err(); err != nil {
				return &stoppedError{err}
			}
		}
		return json.SkipFunc // then decode the point as usual
	}
	return json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFromFunc(func(*jsontext.Decoder, *pricingWire) error { return check() }),
		json.UnmarshalFromFunc(func(*jsontext.Decoder, *callWire) error { return check() })))
}

// granularity reads a granularity in any spelling; def when absent.
func granularity(c code, at where, key string, def usage.Granularity) (usage.Granularity, error) {
	if c == "" {
		return def, nil
	}
	g, err := usage.ParseGranularity(string(c))
	if err != nil {
		return def, at.fail(key, err)
	}
	return g, nil
}

// pointKey is what makes a pricing point one of its kind in an answer: the
// store's natural key within the channel and granularity.
type pointKey struct {
	start         int64
	category      usage.Category
	pricingType   usage.PricingType
	country, tier string
}

// callKey is pointKey for call points.
type callKey struct {
	start     int64
	direction usage.Direction
	country   string
}

// decodeList reads the points of an analytics object (at path) with decode,
// which also gives each point's key and whether its cost is known. The object
// must name data or data_points, and every group of data its data_points (an
// empty list or null says "no points"): {} or a shape of other names is no
// answer, not an empty one. A point whose key repeats an earlier one's is
// refused (dims names the key's fields): the store adds points of one key,
// so a bucket the source sent twice would count twice. It returns the points
// and the path of the first known cost ("" when none).
func decodeList[W, P any, K comparable](a analyticsWire[W], path, dims string,
	decode func(*W, where) (P, K, bool, error)) ([]P, string, error) {
	if !a.Data.set && !a.DataPoints.set {
		return nil, "", &DecodeError{Field: path, Err: errors.New("has neither data nor data_points")}
	}
	n := a.DataPoints.n
	for g, group := range a.Data.all() {
		if !group.DataPoints.set {
			return nil, "", where{path + ".data", g}.missing("data_points")
		}
		n += group.DataPoints.n
	}
	out := make([]P, 0, n)
	seen := make(map[K]where, n)
	costly := ""
	add := func(w *W, at where) error {
		p, k, costKnown, err := decode(w, at)
		if err != nil {
			return err
		}
		if first, dup := seen[k]; dup {
			return &DecodeError{Field: at.String(), Err: fmt.Errorf("repeats %s: same start, %s", first, dims)}
		}
		seen[k] = at
		if costKnown && costly == "" {
			costly = at.at("cost")
		}
		out = append(out, p)
		return nil
	}
	for g, group := range a.Data.all() {
		list := where{path + ".data", g}.at("data_points")
		for i, w := range group.DataPoints.all() {
			if err := add(w, where{list, i}); err != nil {
				return nil, "", err
			}
		}
	}
	direct := path + ".data_points"
	for i, w := range a.DataPoints.all() {
		if err := add(w, where{direct, i}); err != nil {
			return nil, "", err
		}
	}
	return out, costly, nil
}

// decodePricingPoint checks one pricing_analytics data point:
// {"start", "end", "phone_number", "country", "pricing_type",
// "pricing_category", "tier", "volume", "cost"}.
func decodePricingPoint(w *pricingWire, at where, u *Usage) (usage.Point, error) {
	p := usage.Point{ChannelID: u.ChannelID, Granularity: u.Granularity, Currency: u.Currency,
		PricingType: usage.ParsePricingType(string(w.PricingType)), Country: strings.ToUpper(string(w.Country)),
		Tier: string(w.Tier), CostNanos: w.Cost.nanos, CostKnown: w.Cost.known}
	var err error
	if p.Start, p.End, err = bucket(w.Start, w.End, at, u.Granularity); err != nil {
		return p, err
	}
	if w.Category == "" {
		return p, at.missing("pricing_category")
	}
	p.Category = usage.ParseCategory(string(w.Category))
	if p.Volume, err = w.Volume.count(at, "volume", true); err != nil {
		return p, err
	}
	return p, nil
}

// decodeCallPoint checks one call_analytics data point:
// {"start", "end", "direction", "country", "count", "average_duration", "cost"}.
// A point without a direction takes dir, the one direction its object
// names ("" when none). Seconds is count × average_duration, computed exactly and rounded to the
// nearest second (halves up).
func decodeCallPoint(w *callWire, at where, u *Usage, g usage.Granularity, dir code) (usage.CallPoint, error) {
	cp := usage.CallPoint{ChannelID: u.ChannelID, Granularity: g, Currency: u.Currency,
		Direction: usage.ParseDirection(string(cmp.Or(w.Direction, dir))), Country: strings.ToUpper(string(w.Country)),
		CostNanos: w.Cost.nanos, CostKnown: w.Cost.known}
	var err error
	if cp.Start, cp.End, err = bucket(w.Start, w.End, at, g); err != nil {
		return cp, err
	}
	if cp.Count, err = w.Count.count(at, "count", true); err != nil {
		return cp, err
	}
	avg := w.AverageDuration.v
	switch {
	case avg != nil && avg.Sign() < 0:
		return cp, at.fail("average_duration", fmt.Errorf("negative: %s", avg.FloatString(3)))
	case avg != nil:
		secs, exact := roundRat(new(big.Rat).Mul(avg, new(big.Rat).SetInt64(cp.Count)))
		if !exact {
			return cp, at.fail("average_duration", errors.New("count × average_duration is out of range"))
		}
		cp.Seconds = secs
	case cp.Count > 0:
		return cp, at.missing("average_duration")
	}
	return cp, nil
}

// bucket checks a point's "start" (required) and "end" (derived from g when
// absent); end must come after start.
func bucket(s, e stamp, at where, g usage.Granularity) (start, end time.Time, err error) {
	if !s.set {
		return start, end, at.missing("start")
	}
	start, end = s.time(), e.time()
	if !e.set {
		end = usage.BucketEnd(start, g)
	}
	if !end.After(start) {
		return start, end, at.fail("end", fmt.Errorf("%d is not after start %d", end.Unix(), start.Unix()))
	}
	if g == usage.HalfHour && start.Unix()%usage.HalfHourSeconds != 0 {
		return start, end, at.fail("start", fmt.Errorf("%s is not on a half hour", start.Format(time.RFC3339)))
	}
	return start, end, nil
}
