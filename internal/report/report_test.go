package report_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// seed stores, for client c1's channel ch1, one marketing and one utility
// half-hour point at 09:00 UTC on every day of February and March 2026: marketing 10 messages
// at 1.00 EUR each day, utility 2 messages at 0.50 EUR.
func seed(t *testing.T) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "c1", Name: "One", Timezone: "UTC"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch1", ClientID: "c1", WABAID: "w1", Currency: "EUR", Timezone: "UTC"}}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var pts []usage.Point
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		for _, p := range []struct {
			cat  usage.Category
			vol  int64
			cost int64
		}{{usage.CategoryMarketing, 10, 1_000_000_000}, {usage.CategoryUtility, 2, 500_000_000}} {
			b := d.Add(9 * time.Hour)
			pts = append(pts, usage.Point{Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour, Category: p.cat,
				PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX", Volume: p.vol,
				Currency: "EUR", CostNanos: p.cost, CostKnown: true})
		}
	}
	if err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch1", Start: start, End: end, Granularity: usage.HalfHour, Points: pts}); err != nil {
		t.Fatal(err)
	}
	return st
}

func march(t *testing.T) usage.Period {
	t.Helper()
	return usage.MonthPeriod(2026, time.March, time.UTC)
}

func TestUsageTotalsAndPrevious(t *testing.T) {
	s := report.Service{Store: seed(t)}
	ctx := context.Background()
	p, err := usage.NewPeriod(usage.Date{Year: 2026, Month: time.March, Day: 11}, usage.Date{Year: 2026, Month: time.March, Day: 20}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	q := report.Query{Period: p, Granularity: usage.Day, GroupBy: []usage.GroupField{usage.ByCategory},
		Source: report.SourceAPI, Scope: store.AllClients()}
	tests := []struct {
		name       string
		within     report.DateBounds
		wantPrev   int64
		prevHidden bool
	}{
		{"open", report.DateBounds{}, 120, false},
		{"previous period outside the shared days", report.DateBounds{From: p.From}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := q
			q.Within = tt.within
			r, err := s.Usage(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if r.Current.Volume != 120 || r.Current.Cost["EUR"] != 15_000_000_000 {
				t.Errorf("current = %d messages, %v; want 120 messages, 15 EUR", r.Current.Volume, r.Current.Cost)
			}
			if got := len(r.Current.Series); got != 20 {
				t.Errorf("series has %d entries, want 20 (10 days × 2 categories)", got)
			}
			if r.PrevHidden != tt.prevHidden || r.Previous.Volume != tt.wantPrev {
				t.Errorf("previous = %d messages (hidden %v), want %d (hidden %v)", r.Previous.Volume, r.PrevHidden, tt.wantPrev, tt.prevHidden)
			}
		})
	}
}

func TestMonth(t *testing.T) {
	s := report.Service{Store: seed(t)}
	ctx := context.Background()
	q := report.Query{Period: march(t), Granularity: usage.Day, ClientIDs: []string{"c1"},
		GroupBy: []usage.GroupField{usage.ByCategory, usage.ByChannel}, Source: report.SourceAPI, Scope: store.AllClients()}
	r, err := s.Month(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if r.Cur.Volume != 31*12 || r.Before.Volume != 28*12 {
		t.Errorf("March %d, February %d messages; want %d and %d", r.Cur.Volume, r.Before.Volume, 31*12, 28*12)
	}
	byCat := report.SumBy(r.Cur, func(k usage.GroupKey) string { return string(k.Category) })
	if m := byCat[string(usage.CategoryMarketing)]; m == nil || m.Volume != 310 || m.Cost["EUR"] != 31_000_000_000 {
		t.Errorf("marketing in March = %+v, want 310 messages and 31 EUR", m)
	}
	if got := report.SortDims(byCat)[0].Key; got != string(usage.CategoryMarketing) {
		t.Errorf("largest category = %s, want marketing", got)
	}

	q.Within = report.DateBounds{From: march(t).From}
	if r, err = s.Month(ctx, q); err != nil {
		t.Fatal(err)
	}
	if !r.PrevHidden || r.Before.Volume != 0 {
		t.Errorf("February read (%d messages, hidden %v) though outside the shared days", r.Before.Volume, r.PrevHidden)
	}

	q.Within = report.DateBounds{From: usage.Date{Year: 2026, Month: time.March, Day: 2}}
	_, err = s.Month(ctx, q)
	var qe *report.QueryError
	if !errors.As(err, &qe) || qe.Field != "month" {
		t.Errorf("month partly outside the shared days: err = %v, want a QueryError on month", err)
	}
}

func TestTooLargeError(t *testing.T) {
	s := report.Service{Store: seed(t)}
	p := march(t)
	cats := make([]string, 40)
	for i := range cats {
		cats[i] = "cat" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	// 31 days of half hours (1488 buckets) times 40 categories.
	q := report.Query{Period: p, Granularity: usage.HalfHour, Categories: cats,
		GroupBy: []usage.GroupField{usage.ByCategory}, Source: report.SourceAPI, Scope: store.AllClients()}
	for name, read := range map[string]func() error{
		"usage": func() error { _, err := s.Usage(context.Background(), q); return err },
		"calls": func() error { _, err := s.Calls(context.Background(), q); return err },
	} {
		t.Run(name, func(t *testing.T) {
			err := read()
			var qe *report.QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("err = %v, want a *report.QueryError", err)
			}
			if qe.Field != "group_by" || !strings.Contains(qe.Msg, "narrow it") || !strings.Contains(qe.Msg, "50000") {
				t.Errorf("error = %q on %q, want group_by, naming the 50000 bound and what to narrow", qe.Msg, qe.Field)
			}
		})
	}
}

func TestReconcileFlag(t *testing.T) {
	tests := []struct {
		a, b int64
		want bool
	}{
		{100, 100, false}, {100, 105, false}, {100, 106, true}, // more than 5 and more than 2 %
		{1000, 1015, false}, {1000, 1030, true}, {0, 6, true}, {0, 5, false},
	}
	for _, tt := range tests {
		if got := report.ReconcileFlag(tt.a, tt.b); got != tt.want {
			t.Errorf("ReconcileFlag(%d, %d) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestReconcile(t *testing.T) {
	s := report.Service{Store: seed(t)}
	d, err := s.Reconcile(context.Background(), store.AllClients(), "c1", march(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.SortedDays()); got != 31 {
		t.Fatalf("%d days, want 31", got)
	}
	var month report.Cell
	for _, day := range d.SortedDays() {
		for _, cat := range report.Categories(d.Days[day]) {
			month.Add(*d.Days[day][cat])
		}
		if d.HasWebhooks(day) {
			t.Errorf("%s has webhook counts, none were stored", day)
		}
	}
	if month.APIVolume != 372 || month.HookVolume != 0 || !month.Flagged() {
		t.Errorf("month = %+v, want 372 API messages, none from webhooks, flagged", month)
	}
	if d.APICurrency != "EUR" || d.HookCurrency != "" || !d.Comparable {
		t.Errorf("currencies %q / %q comparable %v, want EUR / none, comparable", d.APICurrency, d.HookCurrency, d.Comparable)
	}
}

func TestQueryFilters(t *testing.T) {
	q := report.Query{Period: march(t), ClientIDs: []string{"c1"}, Countries: []string{"DE"}}
	f := q.StoreFilter(q.Period, []usage.GroupField{usage.ByCountry})
	if f.MaxRows != report.MaxStoredRows || !f.Start.Equal(q.Period.Start()) || len(f.Countries) != 1 {
		t.Errorf("store filter = %+v", f)
	}
	if v := q.Values(); v.Get("client") != "c1" || v.Get("from") != "2026-03-01" || v.Has("source") {
		t.Errorf("values = %v", v)
	}
}

// seedTokens adds to seed's data Meta Business Agent tokens on ch1 at 10:00
// UTC on every day of February and March 2026: 5,000 tokens at 0.01 EUR.
func seedTokens(t *testing.T, st *store.Store) {
	t.Helper()
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var pts []usage.Point
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		b := d.Add(10 * time.Hour)
		pts = append(pts, usage.Point{Start: b, End: b.Add(30 * time.Minute), Granularity: usage.HalfHour,
			Category: usage.CategoryMetaBusinessAgent, PricingType: usage.PricingRegular, Country: "DE", Tier: "0:MAX",
			Volume: 5000, Currency: "EUR", CostNanos: 10_000_000, CostKnown: true})
	}
	// A second window over the same span would replace seed's points: add
	// the tokens in windows of their own half hour.
	for _, p := range pts {
		w := store.UsageWindow{ChannelID: "ch1", Start: p.Start, End: p.End, Granularity: usage.HalfHour, Points: []usage.Point{p}}
		if err := st.SaveUsageWindow(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
}

// The report's messages leave the agent's tokens out; the tokens come as
// units of their category in the period and the previous one, whether the
// reads keep categories apart or not, and their cost is in the cost.
func TestUsageCarriesTokensApart(t *testing.T) {
	st := seed(t)
	seedTokens(t, st)
	s := report.Service{Store: st}
	ctx := context.Background()
	p, err := usage.NewPeriod(usage.Date{Year: 2026, Month: time.March, Day: 11}, usage.Date{Year: 2026, Month: time.March, Day: 20}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		groupBy    []usage.GroupField
		prevBy     []usage.GroupField
		categories []string
		without    bool
		wantTokens int64 // per period
		wantMsgs   int64
	}{
		{"by category", []usage.GroupField{usage.ByCategory}, nil, nil, false, 50_000, 120},
		{"by client", []usage.GroupField{usage.ByClient}, []usage.GroupField{usage.ByClient}, nil, false, 50_000, 120},
		{"no groups, previous by category", nil, []usage.GroupField{usage.ByCategory}, nil, false, 50_000, 120},
		{"marketing only", nil, nil, []string{"MARKETING"}, false, 0, 100},
		{"the agent only", nil, nil, []string{"META_BUSINESS_AGENT"}, false, 50_000, 0},
		{"without units", []usage.GroupField{usage.ByClient}, nil, nil, true, 0, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := report.Query{Period: p, Granularity: usage.Day, GroupBy: tc.groupBy, Categories: tc.categories,
				Source: report.SourceAPI, Scope: store.AllClients()}
			if tc.without {
				q = q.WithoutUnits()
			}
			r, err := s.Usage(ctx, q, tc.prevBy...)
			if err != nil {
				t.Fatal(err)
			}
			for _, sum := range []struct {
				name string
				s    usage.Summary
			}{{"current", r.Current}, {"previous", r.Previous}} {
				if sum.s.Volume != tc.wantMsgs {
					t.Errorf("%s: %d messages, want %d (no tokens)", sum.name, sum.s.Volume, tc.wantMsgs)
				}
				tokens, cost := sum.s.UnitsOf(usage.CategoryMetaBusinessAgent)
				if tokens != tc.wantTokens {
					t.Errorf("%s: units %+v, want %d tokens", sum.name, sum.s.Units, tc.wantTokens)
				}
				if tc.wantTokens > 0 && (cost["EUR"] != 100_000_000 || sum.s.Units[0].Unit != usage.UnitToken) {
					t.Errorf("%s: the tokens %+v, want 0.10 EUR", sum.name, sum.s.Units)
				}
				if tc.categories == nil && sum.s.Cost["EUR"] != 10*1_500_000_000+10*10_000_000 {
					t.Errorf("%s: cost %v, want the messages' and the tokens'", sum.name, sum.s.Cost)
				}
			}
		})
	}
}
