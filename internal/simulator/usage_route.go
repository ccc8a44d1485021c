package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// Granularity spellings of the usage route (contract) and of call_analytics (Meta's).
var (
	apiGranularity = map[string]usage.Granularity{
		"half_hour": usage.HalfHour, "HALF_HOUR": usage.HalfHour,
		"daily": usage.Day, "DAILY": usage.Day,
		"monthly": usage.Month, "MONTHLY": usage.Month,
	}
	metaGranularity = map[usage.Granularity]string{usage.HalfHour: "HALF_HOUR", usage.Day: "DAILY", usage.Month: "MONTHLY"}
)

type usageResponse struct {
	ChannelID        string           `json:"channel_id"`
	Currency         string           `json:"currency"`
	Granularity      string           `json:"granularity"`
	StartDate        int64            `json:"start_date"`
	EndDate          int64            `json:"end_date"`
	PricingAnalytics pricingAnalytics `json:"pricing_analytics"`
	CallAnalytics    callAnalytics    `json:"call_analytics"`
}

type pricingAnalytics struct {
	Data []pricingData `json:"data"`
}

type pricingData struct {
	DataPoints []pricingPointJSON `json:"data_points"`
}

type pricingPointJSON struct {
	Start           int64       `json:"start"`
	End             int64       `json:"end"`
	PhoneNumber     string      `json:"phone_number"`
	Country         string      `json:"country"`
	PricingType     string      `json:"pricing_type"`
	PricingCategory string      `json:"pricing_category"`
	Tier            string      `json:"tier,omitempty"`
	Volume          int64       `json:"volume"`
	Cost            json.Number `json:"cost,omitempty"` // left out for a WABA on a credit line
}

type callAnalytics struct {
	Granularity string          `json:"granularity"`
	DataPoints  []callPointJSON `json:"data_points"`
}

type callPointJSON struct {
	Start           int64       `json:"start"`
	End             int64       `json:"end"`
	Direction       string      `json:"direction"`
	Count           int64       `json:"count"`
	AverageDuration int64       `json:"average_duration"`
	Cost            json.Number `json:"cost"`
}

// usageQuery is a validated usage request.
type usageQuery struct {
	start, end  int64 // inclusive UNIX seconds
	granularity usage.Granularity
	spelling    string          // as requested, echoed back
	countries   map[string]bool // nil: all
}

func parseUsageQuery(q url.Values) (usageQuery, error) {
	var uq usageQuery
	var err error
	if uq.start, err = unixParam(q, "start_date"); err != nil {
		return uq, err
	}
	if uq.end, err = unixParam(q, "end_date"); err != nil {
		return uq, err
	}
	if uq.end < uq.start {
		return uq, fmt.Errorf("end_date (%d) is before start_date (%d)", uq.end, uq.start)
	}
	uq.spelling = q.Get("granularity")
	if uq.spelling == "" {
		return uq, fmt.Errorf("granularity is required: half_hour, daily or monthly")
	}
	g, ok := apiGranularity[uq.spelling]
	if !ok {
		return uq, fmt.Errorf("granularity %q is not one of half_hour, daily, monthly", uq.spelling)
	}
	uq.granularity = g
	if vals := q["countries"]; len(vals) > 0 {
		uq.countries = map[string]bool{}
		for _, v := range vals {
			codes, err := parseCountries(v)
			if err != nil {
				return uq, err
			}
			for _, c := range codes {
				uq.countries[c] = true
			}
		}
	}
	return uq, nil
}

func unixParam(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, fmt.Errorf("%s is required (UNIX seconds)", name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be UNIX seconds, got %q", name, v)
	}
	return n, nil
}

// parseCountries reads `["us","de"]` or `us,de` into upper-case codes.
func parseCountries(v string) ([]string, error) {
	var codes []string
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		if err := json.Unmarshal([]byte(v), &codes); err != nil {
			return nil, fmt.Errorf("countries must be a JSON list of 2-letter codes: %v", err)
		}
	} else {
		codes = strings.Split(v, ",")
	}
	for i, c := range codes {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return nil, fmt.Errorf("countries: %q is not a 2-letter country code", codes[i])
		}
		codes[i] = c
	}
	return codes, nil
}

// channelUsage answers Get Channel Usage: validation, rate limits, then the
// pricing and call analytics of the buckets starting in [start_date, end_date].
func (s *Simulator) channelUsage(w http.ResponseWriter, r *http.Request, ch *channel) {
	uq, err := parseUsageQuery(r.URL.Query())
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	now := s.now()
	if wait, ok := s.admitUsage(ch, now); !ok {
		secs := retryAfterSeconds(wait)
		s.log.Debug("rate limited", "channel", ch.ID, "waba", ch.WABAID, "retry_after", secs)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeDetail(w, http.StatusTooManyRequests, fmt.Sprintf(
			"Rate limit exceeded: at most %d usage requests per hour per channel and %d per WABA; retry in %d seconds",
			ChannelLimitPerHour, WABALimitPerHour, secs))
		return
	}
	writeJSON(w, http.StatusOK, s.usageBody(ch, uq, now))
}

// usageBody builds the response for a validated query. The countries filter
// applies to pricing points only: call points carry no country.
func (s *Simulator) usageBody(ch *channel, uq usageQuery, now time.Time) usageResponse {
	pts := s.usagePoints(ch, uq.start, uq.end+1, now)
	if uq.countries != nil {
		kept := pts[:0]
		for _, p := range pts {
			if uq.countries[p.Country] {
				kept = append(kept, p)
			}
		}
		pts = kept
	}
	calls := s.callPoints(ch, uq.start, uq.end+1, now)
	if uq.granularity != usage.HalfHour {
		pts = rebucketPoints(pts, uq.granularity)
		calls = rebucketCalls(calls, uq.granularity)
	}
	sortPoints(pts)

	resp := usageResponse{
		ChannelID: ch.ID, Currency: ch.Currency, Granularity: uq.spelling,
		StartDate: uq.start, EndDate: uq.end,
		PricingAnalytics: pricingAnalytics{Data: []pricingData{{DataPoints: make([]pricingPointJSON, 0, len(pts))}}},
		CallAnalytics:    callAnalytics{Granularity: metaGranularity[uq.granularity], DataPoints: make([]callPointJSON, 0, len(calls))},
	}
	for _, p := range pts {
		j := pricingPointJSON{
			Start: p.Start.Unix(), End: p.End.Unix(), PhoneNumber: ch.PhoneNumber, Country: p.Country,
			PricingType: string(p.PricingType), PricingCategory: string(p.Category), Tier: p.Tier,
			Volume: p.Volume,
		}
		if p.CostKnown {
			j.Cost = number(p.CostNanos)
		}
		resp.PricingAnalytics.Data[0].DataPoints = append(resp.PricingAnalytics.Data[0].DataPoints, j)
	}
	for _, c := range calls {
		resp.CallAnalytics.DataPoints = append(resp.CallAnalytics.DataPoints, callPointJSON{
			Start: c.Start.Unix(), End: c.End.Unix(), Direction: string(c.Direction), Count: c.Count,
			AverageDuration: (c.Seconds + c.Count/2) / c.Count, Cost: number(c.CostNanos),
		})
	}
	return resp
}

// bucketOf returns the UTC day or month bucket holding t.
func bucketOf(t time.Time, g usage.Granularity) (time.Time, time.Time) {
	y, m, d := t.Date()
	if g == usage.Month {
		start := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	}
	start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 0, 1)
}

// rebucketPoints sums half-hour points into UTC days or months, keeping
// category, pricing type, country and tier apart.
func rebucketPoints(pts []usage.Point, g usage.Granularity) []usage.Point {
	type key struct {
		start int64
		cat   usage.Category
		pt    usage.PricingType
		cty   string
		tier  string
	}
	idx := map[key]int{}
	var out []usage.Point
	for _, p := range pts {
		start, end := bucketOf(p.Start, g)
		k := key{start.Unix(), p.Category, p.PricingType, p.Country, p.Tier}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			q := p
			q.Start, q.End, q.Granularity, q.Volume, q.CostNanos = start, end, g, 0, 0
			out = append(out, q)
		}
		out[i].Volume += p.Volume
		out[i].CostNanos += p.CostNanos
	}
	return out
}

// rebucketCalls sums half-hour call points into UTC days or months per direction.
func rebucketCalls(calls []usage.CallPoint, g usage.Granularity) []usage.CallPoint {
	type key struct {
		start int64
		dir   usage.Direction
	}
	idx := map[key]int{}
	var out []usage.CallPoint
	for _, c := range calls {
		start, end := bucketOf(c.Start, g)
		k := key{start.Unix(), c.Direction}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			q := c
			q.Start, q.End, q.Granularity, q.Count, q.Seconds, q.CostNanos = start, end, g, 0, 0, 0
			out = append(out, q)
		}
		out[i].Count += c.Count
		out[i].Seconds += c.Seconds
		out[i].CostNanos += c.CostNanos
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Direction < out[j].Direction
	})
	return out
}
