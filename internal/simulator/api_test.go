package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

func TestDeterministicForSeed(t *testing.T) {
	a := newHarness(t, Config{Seed: 42})
	b := newHarness(t, Config{Seed: 42})
	c := newHarness(t, Config{Seed: 43})

	ch := a.sim.Channels()[0]
	paths := []string{
		"/partners/demoPA/clients?limit=100",
		"/partners/demoPA/channels?limit=100",
		usagePath(ch, testNow.Add(-72*time.Hour).Unix(), testNow.Unix(), "half_hour"),
		usagePath(ch, testNow.AddDate(0, -2, 0).Unix(), testNow.Unix(), "monthly"),
		fmt.Sprintf("/partners/demoPA/clients/%s/channels/%s/info/balance", ch.ClientID, ch.ID),
	}
	for _, p := range paths {
		ra, rb := a.get(t, p), b.get(t, p)
		if ra.status != http.StatusOK || !bytes.Equal(ra.body, rb.body) {
			t.Errorf("%s: same seed gave different answers (%d, %d bytes vs %d bytes)", p, ra.status, len(ra.body), len(rb.body))
		}
	}
	if a.sim.Channels()[0].ID == c.sim.Channels()[0].ID {
		t.Errorf("seeds 42 and 43 gave the same first channel id %s", c.sim.Channels()[0].ID)
	}
	// Same seed, same partner, whatever History is.
	d := New(Config{Seed: 42, Now: a.clock.Now, History: 30 * 24 * time.Hour})
	if d.Channels()[3].ID != ch3(a.sim) {
		t.Errorf("History changed the generated partner")
	}
}

func ch3(s *Simulator) string { return s.Channels()[3].ID }

func TestAuthAndNotFound(t *testing.T) {
	h := newHarness(t, Config{Seed: 1, APIKey: "s3cret", PartnerID: "abcdEFPA"})
	ch := h.sim.Channels()[0]
	tests := []struct {
		name, path, key string
		want            int
		detail          string
	}{
		{"no key", "/partners/abcdEFPA/clients", "", http.StatusUnauthorized, "API key"},
		{"wrong key", "/partners/abcdEFPA/clients", "nope", http.StatusUnauthorized, "API key"},
		{"wrong key on usage", "/partners/abcdEFPA/clients/x/channels/y/info/usage", "demo-key", http.StatusUnauthorized, "API key"},
		{"good key", "/partners/abcdEFPA/clients", "s3cret", http.StatusOK, ""},
		{"api/v2 prefix", "/api/v2/partners/abcdEFPA/channels", "s3cret", http.StatusOK, ""},
		{"unknown partner", "/partners/otherPA/clients", "s3cret", http.StatusNotFound, "otherPA"},
		{"unknown route", "/partners/abcdEFPA/nothing", "s3cret", http.StatusNotFound, "Not found"},
		{"unknown client", "/partners/abcdEFPA/clients/zzzCL/channels/" + ch.ID + "/info/usage", "s3cret", http.StatusNotFound, "zzzCL"},
		{"channel of another client", fmt.Sprintf("/partners/abcdEFPA/clients/%s/channels/%s/info/balance", otherClient(h.sim, ch.ClientID), ch.ID), "s3cret", http.StatusNotFound, ch.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.getKey(t, tt.path, tt.key)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.detail != "" {
				var e struct{ Detail string }
				decodeExact(t, r.body, &e)
				if !strings.Contains(e.Detail, tt.detail) {
					t.Errorf("detail %q does not mention %q", e.Detail, tt.detail)
				}
			}
		})
	}
	if got := h.sim.Stats().Requests; got != 6 { // authenticated ones only
		t.Errorf("Stats.Requests = %d, want 6", got)
	}
}

func otherClient(s *Simulator, not string) string {
	for _, c := range s.Clients() {
		if c.ID != not {
			return c.ID
		}
	}
	return "none"
}

func TestClientsPaging(t *testing.T) {
	h := newHarness(t, Config{Seed: 7, Clients: 9})
	want := h.sim.Clients()
	if len(want) != 9 {
		t.Fatalf("Clients() = %d, want 9", len(want))
	}
	type page struct {
		Count, Total, Limit, Offset int
		Clients                     []struct {
			ID, Name, Status string
			MetaInfo         struct{ Timezone string } `json:"meta_info"`
			ContactInfo      struct{ Country string }  `json:"contact_info"`
		}
	}
	var got []string
	for offset := 0; ; {
		r := h.get(t, fmt.Sprintf("/partners/demoPA/clients?limit=4&offset=%d", offset))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var p page
		decodeExact(t, r.body, &p)
		if p.Total != 9 || p.Limit != 4 || p.Offset != offset || p.Count != len(p.Clients) {
			t.Fatalf("page meta %+v at offset %d", p, offset)
		}
		for _, c := range p.Clients {
			got = append(got, c.ID)
			wc := want[len(got)-1]
			if c.Name != wc.Name || c.MetaInfo.Timezone != wc.Timezone || c.ContactInfo.Country != wc.Country || c.Status != "active" {
				t.Errorf("client %s = %+v, want %s %s %s", c.ID, c, wc.Name, wc.Timezone, wc.Country)
			}
		}
		offset += p.Count
		if offset >= p.Total {
			break
		}
	}
	if len(got) != 9 {
		t.Fatalf("paged %d clients, want 9", len(got))
	}
	for i, c := range want {
		if got[i] != c.ID {
			t.Errorf("client %d: %s, want %s", i, got[i], c.ID)
		}
	}
	// The first six are the demo partner's businesses, in their zones and currencies.
	names := []struct{ name, zone, cur string }{
		{"Nordlicht Mode GmbH", "Europe/Berlin", "EUR"}, {"Casa Verde Imóveis", "America/Sao_Paulo", "BRL"},
		{"Kirana Express", "Asia/Kolkata", "INR"}, {"Brightside Dental", "America/New_York", "USD"},
		{"Himal Treks", "Asia/Kathmandu", "USD"}, {"Atlas Freight Ltd", "Europe/London", "GBP"},
	}
	for i, n := range names {
		if want[i].Name != n.name || want[i].Timezone != n.zone || want[i].Currency != n.cur {
			t.Errorf("client %d = %s %s %s, want %+v", i, want[i].Name, want[i].Timezone, want[i].Currency, n)
		}
	}

	r := h.get(t, "/partners/demoPA/clients?filters="+url.QueryEscape(`{"name":"Kirana Express"}`))
	var p page
	decodeExact(t, r.body, &p)
	if p.Total != 1 || len(p.Clients) != 1 || p.Clients[0].Name != "Kirana Express" {
		t.Errorf("filter by name: %s", r.body)
	}
	r = h.get(t, "/partners/demoPA/clients?sort=-name&limit=1")
	decodeExact(t, r.body, &p)
	if len(p.Clients) != 1 || p.Clients[0].Name != "Oasis Pharmacy" {
		t.Errorf("sort=-name first: %s", r.body)
	}
}

func TestChannelsPaging(t *testing.T) {
	h := newHarness(t, Config{Seed: 3})
	want := h.sim.Channels()
	type wire struct {
		ID          string `json:"id"`
		ClientID    string `json:"client_id"`
		WABAAccount struct {
			ID, Currency string
			ExternalID   string `json:"external_id"`
			TimezoneID   string `json:"timezone_id"`
		} `json:"waba_account"`
		SetupInfo struct {
			PhoneNumber string `json:"phone_number"`
			PhoneName   string `json:"phone_name"`
		} `json:"setup_info"`
	}
	var got []wire
	for offset := 0; ; {
		r := h.get(t, fmt.Sprintf("/partners/demoPA/channels?limit=5&offset=%d", offset))
		var p struct {
			Count, Total int
			Channels     []wire `json:"partner_channels"`
		}
		decodeExact(t, r.body, &p)
		if p.Count != len(p.Channels) || p.Total != len(want) {
			t.Fatalf("count %d total %d for %d channels", p.Count, p.Total, len(want))
		}
		got = append(got, p.Channels...)
		offset += p.Count
		if offset >= p.Total || p.Count == 0 {
			break
		}
	}
	if len(got) != len(want) {
		t.Fatalf("paged %d channels, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.ClientID != w.ClientID || g.WABAAccount.ID != w.WABAID || g.WABAAccount.Currency != w.Currency ||
			g.WABAAccount.TimezoneID != w.Timezone || g.SetupInfo.PhoneNumber != w.PhoneNumber || g.SetupInfo.PhoneName == "" ||
			len(g.WABAAccount.ExternalID) != 15 {
			t.Errorf("channel %d = %+v, want %+v", i, g, w)
		}
	}
	// Filter by client.
	cid := want[len(want)-1].ClientID
	r := h.get(t, "/partners/demoPA/channels?filters="+url.QueryEscape(`{"client_id":"`+cid+`"}`))
	var p struct {
		Total    int
		Channels []wire `json:"partner_channels"`
	}
	decodeExact(t, r.body, &p)
	for _, c := range p.Channels {
		if c.ClientID != cid {
			t.Errorf("filter client_id=%s returned channel of %s", cid, c.ClientID)
		}
	}
	if p.Total == 0 {
		t.Error("filter by client_id returned nothing")
	}
}

func TestBadParams(t *testing.T) {
	h := newHarness(t, Config{Seed: 1})
	ch := h.sim.Channels()[0]
	base := fmt.Sprintf("/partners/demoPA/clients/%s/channels/%s/info/usage?", ch.ClientID, ch.ID)
	tests := []struct{ name, path, detail string }{
		{"no params", base, "start_date is required"},
		{"no end", base + "start_date=100&granularity=daily", "end_date is required"},
		{"no granularity", base + "start_date=100&end_date=200", "granularity is required"},
		{"bad granularity", base + "start_date=100&end_date=200&granularity=hourly", `"hourly"`},
		{"start not a number", base + "start_date=2026-01-01&end_date=200&granularity=daily", "start_date must be UNIX seconds"},
		{"negative end", base + "start_date=1&end_date=-5&granularity=daily", "end_date must be UNIX seconds"},
		{"end before start", base + "start_date=300&end_date=200&granularity=daily", "before start_date"},
		{"bad countries", base + "start_date=100&end_date=200&granularity=daily&countries=" + url.QueryEscape(`["deu"]`), "2-letter"},
		{"bad limit", "/partners/demoPA/clients?limit=abc", "limit"},
		{"negative offset", "/partners/demoPA/channels?offset=-1", "offset"},
		{"bad filters", "/partners/demoPA/channels?filters=%7Bnope", "filters"},
		{"unknown filter", "/partners/demoPA/clients?filters=" + url.QueryEscape(`{"color":"red"}`), "color"},
		{"unknown sort", "/partners/demoPA/clients?sort=color", "color"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(t, tt.path)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			var e struct{ Detail string }
			decodeExact(t, r.body, &e)
			if !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("detail %q does not mention %q", e.Detail, tt.detail)
			}
		})
	}
	if n := h.sim.Stats().UsageByChannel[ch.ID]; n != 0 {
		t.Errorf("invalid requests counted against the rate limit: %d", n)
	}
}

// TestHalfHourMatchesGroundTruth checks every field of a day of half-hour data
// against UsagePoints and CallPoints, to the nano-unit.
func TestHalfHourMatchesGroundTruth(t *testing.T) {
	h := newHarness(t, Config{Seed: 5})
	ch := busyChannel(t, h.sim)
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday
	end := start.Add(24 * time.Hour)
	w := h.usage(t, ch, start.Unix(), end.Unix()-1, "half_hour")
	if w.ChannelID != ch.ID || w.Currency != ch.Currency || w.Granularity != "half_hour" || w.CallAnalytics.Granularity != "HALF_HOUR" {
		t.Fatalf("envelope %+v", w)
	}
	truth := h.sim.UsagePoints(ch.ID, start, end)
	got := w.points(t)
	if len(got) != len(truth) || len(got) == 0 {
		t.Fatalf("%d points over HTTP, %d in ground truth", len(got), len(truth))
	}
	perBucket := map[int64]int{}
	for i, g := range got {
		p := truth[i]
		if g.Start != p.Start.Unix() || g.End != p.Start.Unix()+1800 || g.PricingCategory != string(p.Category) ||
			g.PricingType != string(p.PricingType) || g.Country != p.Country || g.Volume != p.Volume ||
			nanos(t, g.Cost) != p.CostNanos || g.PhoneNumber != ch.PhoneNumber {
			t.Fatalf("point %d: wire %+v, truth %+v", i, g, p)
		}
		if g.Volume <= 0 {
			t.Errorf("zero point emitted: %+v", g)
		}
		free := usage.PricingType(g.PricingType).Free()
		if free && (g.Tier != nil || nanos(t, g.Cost) != 0) {
			t.Errorf("free point with tier or cost: %+v", g)
		}
		if !free && (g.Tier == nil || nanos(t, g.Cost) <= 0) {
			t.Errorf("billed point without tier or cost: %+v", g)
		}
		perBucket[g.Start]++
	}
	for b, n := range perBucket {
		if n > maxStreams {
			t.Errorf("bucket %d has %d points, more than %d", b, n, maxStreams)
		}
	}
	calls := h.sim.CallPoints(ch.ID, start, end)
	if len(w.CallAnalytics.DataPoints) != len(calls) || len(calls) == 0 {
		t.Fatalf("%d call points over HTTP, %d in ground truth", len(w.CallAnalytics.DataPoints), len(calls))
	}
	for i, g := range w.CallAnalytics.DataPoints {
		c := calls[i]
		if g.Start != c.Start.Unix() || g.Direction != string(c.Direction) || g.Count != c.Count || nanos(t, g.Cost) != c.CostNanos {
			t.Fatalf("call %d: wire %+v, truth %+v", i, g, c)
		}
		if g.Count*g.AverageDuration != c.Seconds {
			t.Errorf("call %d: %d × %d s ≠ %d s", i, g.Count, g.AverageDuration, c.Seconds)
		}
		switch usage.Direction(g.Direction) {
		case usage.DirectionInbound:
			if c.CostNanos != 0 {
				t.Errorf("inbound calls cost %d", c.CostNanos)
			}
		case usage.DirectionOutbound:
			// Cost is a sum of per-call pulse costs: at least the cost of the total seconds as one call
			// rounded down to pulses, at most that plus one pulse per call.
			rate := callRate(h.sim.book, h.sim.channels[ch.ID].home, ch.Currency)
			lo := c.Seconds / usage.PulseSeconds * rate / 10
			hi := lo + c.Count*rate/10
			if c.CostNanos < lo || c.CostNanos > hi {
				t.Errorf("outbound cost %d outside [%d, %d]", c.CostNanos, lo, hi)
			}
		default:
			t.Errorf("direction %q", g.Direction)
		}
	}
}

func TestInclusiveBounds(t *testing.T) {
	h := newHarness(t, Config{Seed: 2})
	ch := h.sim.Channels()[0]
	// A busy bucket: 10:00 UTC yesterday.
	b := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	truth := h.sim.UsagePoints(ch.ID, b, b.Add(30*time.Minute))
	if len(truth) == 0 {
		t.Fatal("no points at 10:00 UTC on a weekday")
	}
	count := func(start, end int64) int {
		n := 0
		for _, p := range h.usage(t, ch, start, end, "half_hour").points(t) {
			if p.Start == b.Unix() {
				n++
			}
		}
		return n
	}
	tests := []struct {
		name       string
		start, end int64
		want       int
	}{
		{"end exactly on the bucket start includes it", b.Unix() - 3600, b.Unix(), len(truth)},
		{"end one second before excludes it", b.Unix() - 3600, b.Unix() - 1, 0},
		{"start exactly on it includes it", b.Unix(), b.Unix() + 7200, len(truth)},
		{"start one second after excludes it", b.Unix() + 1, b.Unix() + 7200, 0},
		{"a window of one instant", b.Unix(), b.Unix(), len(truth)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.start, tt.end); got != tt.want {
				t.Errorf("%d points of the bucket, want %d", got, tt.want)
			}
		})
	}
}

func TestDataOnlyUpToNow(t *testing.T) {
	h := newHarness(t, Config{Seed: 2, History: 20 * 24 * time.Hour})
	ch := h.sim.Channels()[0]
	w := h.usage(t, ch, testNow.Add(-6*time.Hour).Unix(), testNow.Add(48*time.Hour).Unix(), "half_hour")
	var last int64
	for _, p := range w.points(t) {
		if p.End > testNow.Unix() {
			t.Fatalf("bucket ending %d after now %d", p.End, testNow.Unix())
		}
		last = max(last, p.Start)
	}
	// 15:10 now: the last complete bucket is 14:30–15:00.
	if want := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC).Unix(); last != want {
		t.Errorf("last bucket %d, want %d", last, want)
	}
	h.clock.Advance(2 * time.Hour)
	if pts := h.sim.UsagePoints(ch.ID, testNow, testNow.Add(3*time.Hour)); len(pts) == 0 || pts[len(pts)-1].Start.Unix() != time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC).Unix() {
		t.Errorf("after advancing the clock, points end at %v", pts)
	}
	// Nothing before the history.
	old := h.sim.UsagePoints(ch.ID, testNow.AddDate(0, 0, -60), testNow.AddDate(0, 0, -21))
	if len(old) != 0 {
		t.Errorf("%d points before the history window", len(old))
	}
}

// TestDailyAndMonthlyAreSums checks that daily and monthly buckets are the
// sums of the half-hour data inside the window, partial at its edges.
func TestDailyAndMonthlyAreSums(t *testing.T) {
	h := newHarness(t, Config{Seed: 9})
	ch := busyChannel(t, h.sim)
	start := time.Date(2026, 10, 20, 13, 15, 0, 0, time.UTC).Unix() // mid-day: first day partial
	end := time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC).Unix()      // inclusive: includes 06:00

	half := h.usage(t, ch, start, end, "half_hour")
	for _, g := range []struct {
		name   string
		bucket func(int64) (int64, int64)
		meta   string
	}{
		{"daily", func(s int64) (int64, int64) {
			d := s - s%86400
			return d, d + 86400
		}, "DAILY"},
		{"monthly", func(s int64) (int64, int64) {
			t0 := time.Unix(s, 0).UTC()
			m := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
			return m.Unix(), m.AddDate(0, 1, 0).Unix()
		}, "MONTHLY"},
	} {
		t.Run(g.name, func(t *testing.T) {
			type sum struct{ vol, cost int64 }
			want := map[pointKey]sum{}
			ends := map[int64]int64{}
			for _, p := range half.points(t) {
				b, e := g.bucket(p.Start)
				k := pointKey{b, p.PricingCategory, p.PricingType, p.Country}
				s := want[k]
				s.vol += p.Volume
				s.cost += nanos(t, p.Cost)
				want[k] = s
				ends[b] = e
			}
			w := h.usage(t, ch, start, end, g.name)
			if w.CallAnalytics.Granularity != g.meta {
				t.Errorf("call_analytics.granularity %q", w.CallAnalytics.Granularity)
			}
			got := map[pointKey]sum{}
			for _, p := range w.points(t) {
				k := pointKey{p.Start, p.PricingCategory, p.PricingType, p.Country}
				if _, dup := got[k]; dup {
					t.Errorf("duplicate point %+v", k)
				}
				got[k] = sum{p.Volume, nanos(t, p.Cost)}
				if p.End != ends[p.Start] {
					t.Errorf("bucket %d ends %d, want %d", p.Start, p.End, ends[p.Start])
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d %s points, want %d", len(got), g.name, len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%+v: got %+v, want %+v", k, got[k], v)
				}
			}
			// The first bucket is labelled by its usual start although the window starts mid-day.
			first := w.points(t)[0].Start
			if wantFirst, _ := g.bucket(start); first != wantFirst {
				t.Errorf("first bucket labelled %d, want %d", first, wantFirst)
			}
			// Calls: counts, seconds (to the rounded average) and costs sum up.
			type csum struct{ n, secs, cost int64 }
			wantCalls := map[string]csum{}
			for _, c := range half.CallAnalytics.DataPoints {
				b, _ := g.bucket(c.Start)
				k := fmt.Sprint(b, c.Direction)
				s := wantCalls[k]
				s.n += c.Count
				s.secs += c.Count * c.AverageDuration
				s.cost += nanos(t, c.Cost)
				wantCalls[k] = s
			}
			if len(w.CallAnalytics.DataPoints) != len(wantCalls) {
				t.Fatalf("%d call points, want %d", len(w.CallAnalytics.DataPoints), len(wantCalls))
			}
			for _, c := range w.CallAnalytics.DataPoints {
				s := wantCalls[fmt.Sprint(c.Start, c.Direction)]
				if c.Count != s.n || nanos(t, c.Cost) != s.cost || c.AverageDuration != (s.secs+s.n/2)/s.n {
					t.Errorf("call point %+v, want %+v", c, s)
				}
			}
		})
	}
}

func TestCountriesFilter(t *testing.T) {
	h := newHarness(t, Config{Seed: 5})
	ch := busyChannel(t, h.sim)
	home := strings.ToLower(ch.Countries[0])
	path := usagePath(ch, testNow.Add(-24*time.Hour).Unix(), testNow.Unix(), "daily") + "&countries=" + url.QueryEscape(`["`+home+`"]`)
	r := h.get(t, path)
	var w wireUsage
	decodeExact(t, r.body, &w)
	if len(w.points(t)) == 0 {
		t.Fatal("no points for the home country")
	}
	for _, p := range w.points(t) {
		if p.Country != ch.Countries[0] {
			t.Errorf("country %s passed the filter %s", p.Country, home)
		}
	}
}

func TestBalances(t *testing.T) {
	h := newHarness(t, Config{Seed: 4})
	ch := busyChannel(t, h.sim)
	path := fmt.Sprintf("/partners/demoPA/clients/%s/channels/%s/info/balance", ch.ClientID, ch.ID)
	read := func() (int64, int64) {
		var b struct {
			Balance, Threshold json.Number
			Currency           string
		}
		r := h.get(t, path)
		decodeExact(t, r.body, &b)
		if b.Currency != ch.Currency {
			t.Fatalf("currency %q, want %q", b.Currency, ch.Currency)
		}
		return nanos(t, b.Balance), nanos(t, b.Threshold)
	}
	b1, th := read()
	if b1 <= 0 || th <= 0 || th >= b1+h.sim.spend(h.sim.channels[ch.ID], time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix(), testNow.Unix()+1, testNow) {
		t.Fatalf("balance %d threshold %d", b1, th)
	}
	h.clock.Advance(24 * time.Hour)
	b2, _ := read()
	// b1 held the buckets that had ended by testNow (15:10): up to 15:00.
	cut := testNow.Truncate(30 * time.Minute).Unix()
	spent := h.sim.spend(h.sim.channels[ch.ID], cut, testNow.Add(24*time.Hour).Unix()+1, h.clock.Now())
	if b2 >= b1 || b1-b2 != spent {
		t.Errorf("balance went from %d to %d; a day's spend was %d", b1, b2, spent)
	}

	var pb struct {
		Total    json.Number
		Currency string
	}
	decodeExact(t, h.get(t, "/partners/demoPA/balance").body, &pb)
	if pb.Currency != "eur" || nanos(t, pb.Total) <= 0 {
		t.Errorf("partner balance %+v", pb)
	}
}

// TestRealisticShape checks the generated traffic looks like a business's.
func TestRealisticShape(t *testing.T) {
	sim := New(Config{Seed: 11, Now: func() time.Time { return testNow }})
	var clientsSeen int
	for _, c := range sim.Clients() {
		if len(c.WABAs) < 1 || len(c.WABAs) > 3 {
			t.Errorf("%s has %d WABAs", c.Name, len(c.WABAs))
		}
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		var night, day int64
		for _, w := range c.WABAs {
			if len(w.Channels) < 1 || len(w.Channels) > 4 {
				t.Errorf("%s has %d channels", w.ID, len(w.Channels))
			}
			for _, ch := range w.Channels {
				if ch.Currency != c.Currency || ch.Timezone != c.Timezone {
					t.Errorf("channel %s: %s %s, client %s %s", ch.ID, ch.Currency, ch.Timezone, c.Currency, c.Timezone)
				}
				for _, p := range sim.UsagePoints(ch.ID, testNow.AddDate(0, 0, -14), testNow) {
					switch h := p.Start.In(loc).Hour(); {
					case h >= 1 && h < 5:
						night += p.Volume
					case h >= 10 && h < 14:
						day += p.Volume
					}
				}
			}
		}
		if day == 0 || night*5 > day {
			t.Errorf("%s: night volume %d is not far below day volume %d", c.Name, night, day)
		}
		clientsSeen++
	}
	if clientsSeen != DefaultClients {
		t.Errorf("%d clients, want %d", clientsSeen, DefaultClients)
	}
	// Categories seen across the partner over a month.
	seen := map[string]bool{}
	for _, ch := range sim.Channels() {
		for _, p := range sim.UsagePoints(ch.ID, testNow.AddDate(0, -1, 0), testNow) {
			seen[string(p.Category)+"/"+string(p.PricingType)] = true
		}
	}
	var list []string
	for k := range seen {
		list = append(list, k)
	}
	sort.Strings(list)
	// After 2026-10-01 service replies are billed (REGULAR); entry-point
	// conversations stay free.
	for _, want := range []string{"MARKETING/REGULAR", "MARKETING_LITE/REGULAR", "UTILITY/REGULAR", "SERVICE/REGULAR",
		"SERVICE/FREE_ENTRY_POINT", "AUTHENTICATION/REGULAR", "AUTHENTICATION_INTERNATIONAL/REGULAR", "META_BUSINESS_AGENT/REGULAR"} {
		if !seen[want] {
			t.Errorf("no %s points; seen %v", want, list)
		}
	}
	if seen["SERVICE/FREE_CUSTOMER_SERVICE"] {
		t.Errorf("free customer-service points after 2026-10-01; seen %v", list)
	}
}
