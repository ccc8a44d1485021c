package partnerapi

// This file is the one place that knows the JSON shapes and spellings of the
// Partner API. Most of them are a contract (see partner-api.md): when the live
// API turns out to differ, correct it here. Values are read with the raw-JSON
// reader of rawjson.go, so unknown fields are ignored, numbers keep their
// exact text (money never passes through float64), and every error names the
// JSON path of the value at fault.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

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
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"detail", "error", "message"} {
			raw, ok := m[k]
			if !ok || isNull(raw) {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return shorten(s, maxLen)
			}
			var inner struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(raw, &inner) == nil && inner.Message != "" {
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

// decodePage reads the envelope shared by the list endpoints and the raw
// items under key.
func decodePage(body []byte, key string) (page, []object, error) {
	root, err := parseRoot(body)
	if err != nil {
		return page{}, nil, err
	}
	items, err := root.objects(key)
	if err != nil {
		return page{}, nil, err
	}
	p := page{count: len(items)}
	if n, ok, err := root.integer("count"); err != nil {
		return page{}, nil, err
	} else if ok && n != int64(len(items)) {
		return page{}, nil, &DecodeError{Field: "count", Err: fmt.Errorf("says %d but %s holds %d", n, key, len(items))}
	}
	if n, ok, err := root.integer("total"); err != nil {
		return page{}, nil, err
	} else if ok {
		if n < 0 {
			return page{}, nil, &DecodeError{Field: "total", Err: fmt.Errorf("negative: %d", n)}
		}
		p.total, p.hasTotal = int(n), true
	}
	return p, items, nil
}

// decodeClientsPage reads one page of GET /partners/{pid}/clients.
func decodeClientsPage(body []byte) (page, []ClientInfo, error) {
	p, items, err := decodePage(body, "clients")
	if err != nil {
		return page{}, nil, err
	}
	out := make([]ClientInfo, 0, len(items))
	for _, o := range items {
		var ci ClientInfo
		var err error
		if ci.ID, err = o.requiredString("id"); err != nil {
			return page{}, nil, err
		}
		if ci.Name, err = o.text("name"); err != nil {
			return page{}, nil, err
		}
		if ci.Status, err = o.str("status"); err != nil {
			return page{}, nil, err
		}
		if ci.Organisation, err = o.text("organisation"); err != nil {
			return page{}, nil, err
		}
		meta, _, err := o.object("meta_info")
		if err != nil {
			return page{}, nil, err
		}
		if ci.Timezone, err = meta.str("timezone"); err != nil {
			return page{}, nil, err
		}
		contact, _, err := o.object("contact_info")
		if err != nil {
			return page{}, nil, err
		}
		if ci.Country, err = contact.text("country"); err != nil {
			return page{}, nil, err
		}
		out = append(out, ci)
	}
	return p, out, nil
}

// decodeChannelsPage reads one page of GET /partners/{pid}/channels.
func decodeChannelsPage(body []byte) (page, []Channel, error) {
	p, items, err := decodePage(body, "partner_channels")
	if err != nil {
		return page{}, nil, err
	}
	out := make([]Channel, 0, len(items))
	for _, o := range items {
		var ch Channel
		var err error
		if ch.ID, err = o.requiredString("id"); err != nil {
			return page{}, nil, err
		}
		if ch.ClientID, err = o.requiredString("client_id"); err != nil {
			return page{}, nil, err
		}
		if ch.Status, err = o.str("status"); err != nil {
			return page{}, nil, err
		}
		waba, _, err := o.object("waba_account")
		if err != nil {
			return page{}, nil, err
		}
		if ch.WABAID, err = waba.str("id"); err != nil {
			return page{}, nil, err
		}
		if ch.WABAExternalID, err = waba.str("external_id"); err != nil {
			return page{}, nil, err
		}
		if ch.Currency, err = waba.currency("currency"); err != nil {
			return page{}, nil, err
		}
		if ch.Timezone, err = waba.str("timezone_id"); err != nil {
			return page{}, nil, err
		}
		setup, _, err := o.object("setup_info")
		if err != nil {
			return page{}, nil, err
		}
		if ch.PhoneNumber, err = setup.str("phone_number"); err != nil {
			return page{}, nil, err
		}
		if ch.PhoneName, err = setup.text("phone_name"); err != nil {
			return page{}, nil, err
		}
		if ch.BillingStartedAt, _, err = o.timestamp("billing_started_at"); err != nil {
			return page{}, nil, err
		}
		out = append(out, ch)
	}
	return p, out, nil
}

// decodeBalance reads GET …/channels/{chid}/info/balance:
// {"balance": 42.10, "currency": "USD", "threshold": 10.0}.
func decodeBalance(body []byte) (*Balance, error) {
	root, err := parseRoot(body)
	if err != nil {
		return nil, err
	}
	var b Balance
	var ok bool
	if b.BalanceNanos, ok, err = root.money("balance"); err != nil {
		return nil, err
	} else if !ok {
		return nil, root.missing("balance")
	}
	if b.Currency, err = root.currency("currency"); err != nil {
		return nil, err
	} else if b.Currency == "" {
		return nil, root.missing("currency")
	}
	if b.ThresholdNanos, b.HasThreshold, err = root.money("threshold"); err != nil {
		return nil, err
	}
	return &b, nil
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
// error, when ctx is cancelled (the poller is shutting down).
func decodeUsage(ctx context.Context, body []byte, want usage.Granularity) (*Usage, error) {
	root, err := parseRoot(body)
	if err != nil {
		return nil, err
	}
	u := &Usage{Granularity: want}
	if u.ChannelID, err = root.str("channel_id"); err != nil {
		return nil, err
	}
	if u.Currency, err = root.currency("currency"); err != nil {
		return nil, err
	}
	if u.Granularity, err = root.granularity("granularity", want); err != nil {
		return nil, err
	}
	if !root.has("pricing_analytics") && !root.has("call_analytics") {
		return nil, &DecodeError{Err: errors.New("neither pricing_analytics nor call_analytics is present " +
			`(an answer without data still has one, e.g. "pricing_analytics": {"data": []})`)}
	}
	costly := "" // path of the first known cost, to blame a missing currency
	pricing, ok, err := root.object("pricing_analytics")
	if err != nil {
		return nil, err
	}
	if ok {
		u.Points, costly, err = decodeList(ctx, pricing, "pricing_category, pricing_type, country and tier",
			func(o object) (usage.Point, pointKey, bool, error) {
				p, err := decodePricingPoint(o, u)
				return p, pointKey{p.Start.Unix(), p.Category, p.PricingType, p.Country, p.Tier}, p.CostKnown, err
			})
		if err != nil {
			return nil, err
		}
	}
	calls, ok, err := root.object("call_analytics")
	if err != nil {
		return nil, err
	}
	if ok {
		g, err := calls.granularity("granularity", u.Granularity)
		if err != nil {
			return nil, err
		}
		var callCost string
		u.Calls, callCost, err = decodeList(ctx, calls, "direction and country",
			func(o object) (usage.CallPoint, callKey, bool, error) {
				cp, err := decodeCallPoint(o, u, g)
				return cp, callKey{cp.Start.Unix(), cp.Direction, cp.Country}, cp.CostKnown, err
			})
		if err != nil {
			return nil, err
		}
		if costly == "" {
			costly = callCost
		}
	}
	if u.Currency == "" && costly != "" {
		return nil, &DecodeError{Field: "currency", Err: fmt.Errorf("missing, but %s reports a cost", costly)}
	}
	return u, nil
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

// decodeList reads the points of an analytics object with decode, which
// also gives each point's key and whether its cost is known. A point whose
// key repeats an earlier one's is refused (dims names the key's fields): the
// store adds points of one key, so a bucket the source sent twice would count
// twice. It returns the points and the path of the first known cost ("" when
// none).
func decodeList[P any, K comparable](ctx context.Context, list object, dims string,
	decode func(object) (P, K, bool, error)) ([]P, string, error) {
	objs, err := list.dataPoints()
	if err != nil {
		return nil, "", err
	}
	out := make([]P, 0, len(objs))
	seen := make(map[K]int, len(objs))
	costly := ""
	for i, o := range objs {
		if err := checkCancelled(ctx, i); err != nil {
			return nil, "", err
		}
		p, k, costKnown, err := decode(o)
		if err != nil {
			return nil, "", err
		}
		if j, dup := seen[k]; dup {
			return nil, "", &DecodeError{Field: o.where(), Err: fmt.Errorf("repeats %s: same start, %s", objs[j].where(), dims)}
		}
		seen[k] = i
		if costKnown && costly == "" {
			costly = o.at("cost")
		}
		out = append(out, p)
	}
	return out, costly, nil
}

// checkCancelled returns ctx's error every 1024th point, and nil otherwise.
func checkCancelled(ctx context.Context, i int) error {
	if i%1024 != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("decoding stopped: %w", err)
	}
	return nil
}

// decodePricingPoint reads one pricing_analytics data point:
// {"start", "end", "phone_number", "country", "pricing_type",
// "pricing_category", "tier", "volume", "cost"}.
func decodePricingPoint(o object, u *Usage) (usage.Point, error) {
	p := usage.Point{ChannelID: u.ChannelID, Granularity: u.Granularity, Currency: u.Currency}
	var err error
	if p.Start, p.End, err = o.bucket(u.Granularity); err != nil {
		return p, err
	}
	cat, err := o.requiredString("pricing_category")
	if err != nil {
		return p, err
	}
	p.Category = usage.ParseCategory(cat)
	typ, err := o.str("pricing_type")
	if err != nil {
		return p, err
	}
	p.PricingType = usage.ParsePricingType(typ)
	if p.Country, err = o.country("country"); err != nil {
		return p, err
	}
	if p.Tier, err = o.str("tier"); err != nil {
		return p, err
	}
	if p.Volume, err = o.count("volume", true); err != nil {
		return p, err
	}
	if p.CostNanos, p.CostKnown, err = o.money("cost"); err != nil {
		return p, err
	}
	return p, nil
}

// decodeCallPoint reads one call_analytics data point:
// {"start", "end", "direction", "country", "count", "average_duration", "cost"}.
// Seconds is count × average_duration, computed exactly and rounded to the
// nearest second (halves up).
func decodeCallPoint(o object, u *Usage, g usage.Granularity) (usage.CallPoint, error) {
	cp := usage.CallPoint{ChannelID: u.ChannelID, Granularity: g, Currency: u.Currency}
	var err error
	if cp.Start, cp.End, err = o.bucket(g); err != nil {
		return cp, err
	}
	dir, err := o.str("direction")
	if err != nil {
		return cp, err
	}
	cp.Direction = usage.ParseDirection(dir)
	if cp.Country, err = o.country("country"); err != nil {
		return cp, err
	}
	if cp.Count, err = o.count("count", true); err != nil {
		return cp, err
	}
	avg, ok, err := o.decimal("average_duration")
	if err != nil {
		return cp, err
	}
	switch {
	case ok && avg.Sign() < 0:
		return cp, o.fail("average_duration", fmt.Errorf("negative: %s", avg.FloatString(3)))
	case ok:
		secs, exact := roundRat(new(big.Rat).Mul(avg, new(big.Rat).SetInt64(cp.Count)))
		if !exact {
			return cp, o.fail("average_duration", errors.New("count × average_duration is out of range"))
		}
		cp.Seconds = secs
	case cp.Count > 0:
		return cp, o.missing("average_duration")
	}
	if cp.CostNanos, cp.CostKnown, err = o.money("cost"); err != nil {
		return cp, err
	}
	return cp, nil
}

// bucket reads a point's "start" (required) and "end" (derived from g when
// absent); end must come after start.
func (o object) bucket(g usage.Granularity) (start, end time.Time, err error) {
	start, ok, err := o.timestamp("start")
	if err != nil {
		return start, end, err
	}
	if !ok {
		return start, end, o.missing("start")
	}
	end, ok, err = o.timestamp("end")
	if err != nil {
		return start, end, err
	}
	if !ok {
		end = usage.BucketEnd(start, g)
	}
	if !end.After(start) {
		return start, end, o.fail("end", fmt.Errorf("%d is not after start %d", end.Unix(), start.Unix()))
	}
	if g == usage.HalfHour && start.Unix()%usage.HalfHourSeconds != 0 {
		return start, end, o.fail("start", fmt.Errorf("%s is not on a half hour", start.Format(time.RFC3339)))
	}
	return start, end, nil
}
