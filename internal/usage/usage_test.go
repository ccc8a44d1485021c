package usage

import (
	"errors"
	"testing"
	"time"
)

func TestParseAndFormatDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		out  string
	}{
		{"13.0812", 13_081_200_000, "13.0812"},
		{"0", 0, "0.00"},
		{"0.1", 100_000_000, "0.10"},
		{"-1.5", -1_500_000_000, "-1.50"},
		{"1e-3", 1_000_000, "0.001"},
		{"0.000000001", 1, "0.000000001"},
		{"42", 42_000_000_000, "42.00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDecimal(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseDecimal(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			if s := FormatDecimal(got); s != tt.out {
				t.Errorf("FormatDecimal = %q, want %q", s, tt.out)
			}
		})
	}
	for _, bad := range []string{"", "abc", "1.2.3", "0.0000000001", "1e30"} {
		if _, err := ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
	if _, err := ParseDecimal("0.0000000001"); !errors.Is(err, ErrInexact) {
		t.Errorf("want ErrInexact, got %v", err)
	}
	// 0.1 + 0.2 is exactly 0.3 in nano-units.
	a, _ := ParseDecimal("0.1")
	b, _ := ParseDecimal("0.2")
	if FormatDecimal(a+b) != "0.30" {
		t.Errorf("0.1+0.2 = %s", FormatDecimal(a+b))
	}
}

// FuzzParseDecimalPlain: the fast path for plain amounts agrees with the
// exact big.Rat reading on every text it accepts.
func FuzzParseDecimalPlain(f *testing.F) {
	for _, s := range []string{"13.0812", "0", "-0", "-1.5", "999999999.999999999", "-999999999.999999999", "1.", ".5",
		"0001.5", "1234567890", "1.1234567891", "--1", "1e3", "+1", "0.000000001", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		n, ok := parsePlainNanos(s)
		if !ok {
			return
		}
		want, err := parseRatNanos(s)
		if err != nil || n != want {
			t.Fatalf("parsePlainNanos(%q) = %d; big.Rat gives %d, %v", s, n, want, err)
		}
	})
}

func TestFormatFixed(t *testing.T) {
	for in, want := range map[int64]string{
		13_081_200_000: "13.08", 13_085_000_000: "13.09", -13_085_000_000: "-13.09", 0: "0.00", 999_999_999: "1.00",
	} {
		if got := FormatFixed(in, 2); got != want {
			t.Errorf("FormatFixed(%d) = %q, want %q", in, got, want)
		}
	}
	if got := FormatFixed(1_500_000_000, 0); got != "2" {
		t.Errorf("FormatFixed 0 digits = %q", got)
	}
}

func TestTotalsKeepCurrenciesApart(t *testing.T) {
	tot := Totals{}
	tot.Add("USD", 5)
	tot.Add("EUR", 7)
	tot.Add("USD", 1)
	l := tot.List()
	if len(l) != 2 || l[0] != (Money{"EUR", 7}) || l[1] != (Money{"USD", 6}) {
		t.Errorf("got %v", l)
	}
}

func TestCategoriesKeepUnknownValues(t *testing.T) {
	if c := ParseCategory("marketing_lite"); c != CategoryMarketingLite || c.Label() != "Marketing Lite" {
		t.Errorf("got %q %q", c, c.Label())
	}
	c := ParseCategory("brand_new_thing")
	if c != "BRAND_NEW_THING" || c.Known() || c.Label() != "Brand New Thing" || c.Rank() != len(KnownCategories) {
		t.Errorf("unknown category mangled: %q %q", c, c.Label())
	}
	if !PricingFreeEntryPoint.Free() || PricingRegular.Free() {
		t.Error("Free() wrong")
	}
}

func TestPeriodPrevious(t *testing.T) {
	from, _ := ParseDate("2026-11-01")
	to, _ := ParseDate("2026-11-30")
	p, err := NewPeriod(from, to, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	prev := p.Previous()
	if p.Days() != 30 || prev.From.String() != "2026-10-02" || prev.To.String() != "2026-10-31" {
		t.Errorf("previous = %s (%d days)", prev, p.Days())
	}
	if _, err := NewPeriod(to, from, time.UTC); err == nil {
		t.Error("reversed period accepted")
	}
}

func TestPeriodAcrossDST(t *testing.T) {
	berlin, _ := LoadZone("Europe/Berlin")
	d, _ := ParseDate("2026-10-25") // clocks go back: a 25-hour day
	p := Period{From: d, To: d, Loc: berlin}
	if got := p.End().Sub(p.Start()); got != 25*time.Hour {
		t.Errorf("DST day lasts %s", got)
	}
	if n := len(Buckets(p, HalfHour)); n != 50 {
		t.Errorf("half-hour buckets on a 25h day = %d, want 50", n)
	}
	if n := len(Buckets(p, Day)); n != 1 {
		t.Errorf("day buckets = %d", n)
	}
}

func TestBucketEnd(t *testing.T) {
	berlin, _ := LoadZone("Europe/Berlin")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		start time.Time
		g     Granularity
		want  time.Time
	}{
		{"half hour", utc("2026-03-01T23:30:00Z"), HalfHour, utc("2026-03-02T00:00:00Z")},
		{"day", utc("2026-02-28T00:00:00Z"), Day, utc("2026-03-01T00:00:00Z")},
		{"month", utc("2026-02-01T00:00:00Z"), Month, utc("2026-03-01T00:00:00Z")},
		{"day keeps the start's clock time", utc("2026-02-28T12:00:00Z"), Day, utc("2026-03-01T12:00:00Z")},
		{"a local day with a clock change lasts 25 hours", time.Date(2026, 10, 25, 0, 0, 0, 0, berlin), Day,
			time.Date(2026, 10, 25, 0, 0, 0, 0, berlin).Add(25 * time.Hour)},
		{"any other granularity counts as a day", utc("2026-02-28T00:00:00Z"), "", utc("2026-03-01T00:00:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BucketEnd(tt.start, tt.g); !got.Equal(tt.want) {
				t.Errorf("BucketEnd(%s, %q) = %s, want %s", tt.start, tt.g, got, tt.want)
			}
		})
	}
}

// TestBucketsWhereMidnightIsSkipped checks day buckets in zones that put
// their clocks forward at midnight: the day starts when the clocks jump, the
// next at midnight again, and listing them ends.
func TestBucketsWhereMidnightIsSkipped(t *testing.T) {
	for _, tt := range []struct {
		zone    string
		from    string
		skipped int // the day of from's month whose midnight is missing
	}{
		{"Asia/Beirut", "2026-03-28", 29},     // time.Date answers 01:00 of the day
		{"America/Santiago", "2026-09-04", 6}, // time.Date answers 23:00 of the day before
		{"America/Havana", "2026-03-06", 8},   // likewise
		{"America/Asuncion", "2024-10-04", 6}, // likewise
		{"Europe/Berlin", "2026-03-28", 0},    // clocks change at 02:00: every day starts at midnight
	} {
		t.Run(tt.zone, func(t *testing.T) {
			loc, err := LoadZone(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			from, _ := ParseDate(tt.from)
			p := Period{From: from, To: from.AddDays(4), Loc: loc}
			done := make(chan []time.Time, 1)
			go func() { done <- Buckets(p, Day) }()
			var got []time.Time
			select {
			case got = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Buckets never ends")
			}
			if len(got) != 5 {
				t.Fatalf("buckets = %v, want 5 days", got)
			}
			for i, b := range got {
				day := from.AddDays(i)
				want := time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, loc)
				if day.Day == tt.skipped {
					want = time.Date(day.Year, day.Month, day.Day, 1, 0, 0, 0, loc)
				}
				if !b.Equal(want) || b.Hour() != want.Hour() {
					t.Errorf("bucket %d = %s, want %s", i, b, want)
				}
				if noon := time.Date(day.Year, day.Month, day.Day, 12, 0, 0, 0, loc); !BucketStart(noon, Day, loc).Equal(b) {
					t.Errorf("BucketStart(%s) = %s, want %s", noon, BucketStart(noon, Day, loc), b)
				}
			}
		})
	}
}

func TestBucketStart(t *testing.T) {
	kolkata, _ := LoadZone("Asia/Kolkata")
	kathmandu, _ := LoadZone("Asia/Kathmandu")
	berlin, _ := LoadZone("Europe/Berlin")
	utc := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	tests := []struct {
		name string
		t    time.Time
		g    Granularity
		loc  *time.Location
		want string
	}{
		{"kolkata evening is next local day", utc("2026-11-03T18:30:00Z"), Day, kolkata, "2026-11-04T00:00:00+05:30"},
		{"kolkata before midnight", utc("2026-11-03T18:00:00Z"), Day, kolkata, "2026-11-03T00:00:00+05:30"},
		{"kathmandu rounds to nearest half hour", utc("2026-11-03T18:00:00Z"), Day, kathmandu, "2026-11-04T00:00:00+05:45"},
		{"berlin month", utc("2026-10-31T23:30:00Z"), Month, berlin, "2026-11-01T00:00:00+01:00"},
		{"half hour keeps alignment", utc("2026-11-03T18:30:00Z"), HalfHour, kolkata, "2026-11-04T00:00:00+05:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BucketStart(tt.t, tt.g, tt.loc).Format(time.RFC3339); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	from, _ := ParseDate("2026-11-01")
	if !ZoneIsApproximate(kathmandu, Period{from, from, kathmandu}) || ZoneIsApproximate(kolkata, Period{from, from, kolkata}) {
		t.Error("ZoneIsApproximate wrong")
	}
}

func TestAggregateRebucketsIntoLocalDays(t *testing.T) {
	kolkata, _ := LoadZone("Asia/Kolkata")
	d, _ := ParseDate("2026-11-04")
	p := Period{From: d, To: d, Loc: kolkata}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	rows := []Row{
		{Bucket: at("2026-11-03T18:00:00Z"), Key: GroupKey{Category: CategoryMarketing}, Currency: "INR", Volume: 100, CostNanos: 1}, // Nov 3 local: outside
		{Bucket: at("2026-11-03T18:30:00Z"), Key: GroupKey{Category: CategoryMarketing}, Currency: "INR", Volume: 5, CostNanos: 50},
		{Bucket: at("2026-11-04T10:00:00Z"), Key: GroupKey{Category: CategoryMarketing}, Currency: "INR", Volume: 7, CostNanos: 70},
		{Bucket: at("2026-11-04T10:00:00Z"), Key: GroupKey{Category: CategoryUtility}, Currency: "INR", Volume: 1, CostNanos: 3, CostMissing: 1},
	}
	s := Aggregate(rows, p, Day)
	if s.Volume != 13 || s.Cost["INR"] != 123 || s.CostMissing != 1 || len(s.Series) != 2 {
		t.Fatalf("summary = %+v", s)
	}
	if s.Series[0].Key.Category != CategoryMarketing || s.Series[0].Volume != 12 {
		t.Errorf("series[0] = %+v", s.Series[0])
	}
}

// Estimated points are counted per entry and in the summary, with their
// cost in the totals; calls likewise.
func TestAggregateCountsEstimatedCosts(t *testing.T) {
	d, _ := ParseDate("2026-11-04")
	p := Period{From: d, To: d, Loc: time.UTC}
	at := d.In(time.UTC).Add(time.Hour)
	s := Aggregate([]Row{
		{Bucket: at, Key: GroupKey{Category: CategoryMarketing}, Currency: "USD", Volume: 4, CostNanos: 40, CostEstimated: 2},
		{Bucket: at.Add(time.Hour), Key: GroupKey{Category: CategoryMarketing}, Currency: "USD", Volume: 1, CostNanos: 10, CostEstimated: 1},
		{Bucket: at, Key: GroupKey{Category: CategoryUtility}, Currency: "USD", Volume: 3, CostNanos: 30},
	}, p, Day)
	if s.CostEstimated != 3 || s.Cost["USD"] != 80 || len(s.Series) != 2 {
		t.Fatalf("summary = %+v", s)
	}
	if s.Series[0].CostEstimated != 3 || s.Series[1].CostEstimated != 0 {
		t.Errorf("series = %+v", s.Series)
	}
	c := AggregateCalls([]CallRow{
		{Bucket: at, Direction: DirectionOutbound, Count: 2, Seconds: 100, Currency: "USD", CostNanos: 9, CostEstimated: 1},
		{Bucket: at, Direction: DirectionOutbound, Count: 1, Seconds: 10, Currency: "USD", CostMissing: 1},
	}, p, Day)
	if c.CostEstimated != 1 || c.CostMissing != 1 || c.Cost["USD"] != 9 {
		t.Errorf("calls summary %+v", c)
	}
}

func TestCompare(t *testing.T) {
	if c := Compare(150, 100); !c.OK || c.Percent != 50 {
		t.Errorf("got %+v", c)
	}
	if c := Compare(5, 0); c.OK {
		t.Error("previous zero must not be OK (n/a)")
	}
}

func TestCalls(t *testing.T) {
	if Pulses(56) != 10 || Pulses(60) != 10 || Pulses(61) != 11 || Pulses(0) != 0 {
		t.Error("pulses wrong")
	}
	rate := int64(60_000_000) // 0.06 per minute
	if got := CallCost(DirectionOutbound, 56, rate); got != 60_000_000 {
		t.Errorf("56s at 0.06/min = %d nanos", got)
	}
	if CallCost(DirectionInbound, 56, rate) != 0 {
		t.Error("inbound must be free")
	}
	d, _ := ParseDate("2026-11-04")
	p := Period{From: d, To: d, Loc: time.UTC}
	at := d.In(time.UTC).Add(time.Hour)
	s := AggregateCalls([]CallRow{
		{Bucket: at, Direction: DirectionInbound, Count: 3, Seconds: 300, Currency: "USD"},
		{Bucket: at, Direction: DirectionOutbound, Count: 2, Seconds: 100, Currency: "USD", CostNanos: 9},
	}, p, Day)
	if s.Calls != 5 || s.Inbound != 3 || s.Outbound != 2 || s.AverageSeconds() != 80 || s.Cost["USD"] != 9 || len(s.Series) != 2 {
		t.Errorf("calls summary %+v", s)
	}
}

// TestParsePlainDecimal checks amounts typed by people are plain decimals
// only: what ParseDecimal accepts from JSON (exponents, hex, underscores,
// fractions, plus signs) is refused.
func TestParsePlainDecimal(t *testing.T) {
	for in, want := range map[string]int64{"500": 500_000_000_000, "1250.50": 1_250_500_000_000, " 0.5 ": 500_000_000, "-2": -2_000_000_000} {
		if got, err := ParsePlainDecimal(in); err != nil || got != want {
			t.Errorf("ParsePlainDecimal(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0x10", "1_000", "1e5", "1E5", "+5", "1/3", ".5", "5.", "1,000", "--1", "Inf", "NaN", "٥"} {
		if got, err := ParsePlainDecimal(bad); err == nil {
			t.Errorf("ParsePlainDecimal(%q) = %d, accepted", bad, got)
		}
	}
}

func TestCategoryUnits(t *testing.T) {
	for _, tc := range []struct {
		c    Category
		want Unit
	}{
		{CategoryMetaBusinessAgent, UnitToken},
		{CategoryMarketing, UnitMessage},
		{CategoryService, UnitMessage},
		{ParseCategory("new_thing"), UnitMessage}, // unknown: counted as messages
		{"", UnitMessage},
	} {
		if got := tc.c.Unit(); got != tc.want {
			t.Errorf("%q.Unit() = %q, want %q", tc.c, got, tc.want)
		}
	}
	if got := TokenCategories(); len(got) != 1 || got[0] != CategoryMetaBusinessAgent {
		t.Errorf("TokenCategories() = %v", got)
	}
	TokenCategories()[0] = CategoryMarketing // a copy: the list stays
	if CategoryMarketing.Unit() != UnitMessage {
		t.Error("TokenCategories handed out its own list")
	}
	if UnitToken.Noun(1) != "token" || UnitToken.Noun(2) != "tokens" || UnitMessage.Noun(0) != "messages" {
		t.Errorf("nouns: %q %q %q", UnitToken.Noun(1), UnitToken.Noun(2), UnitMessage.Noun(0))
	}
}

// Tokens are carried as units of their category, never added to the
// message volume; their cost is in the cost totals. An unknown category is
// kept, counted as messages and named among the unknown ones.
func TestAggregateKeepsTokensApart(t *testing.T) {
	d, _ := ParseDate("2026-11-04")
	p := Period{From: d, To: d, Loc: time.UTC}
	at := time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)
	rows := []Row{
		{Bucket: at, Key: GroupKey{Category: CategoryMarketing}, Currency: "USD", Volume: 7, CostNanos: 70},
		{Bucket: at, Key: GroupKey{Category: CategoryMetaBusinessAgent}, Currency: "USD", Units: 5000, CostNanos: 500},
		{Bucket: at.Add(time.Hour), Key: GroupKey{Category: CategoryMetaBusinessAgent}, Currency: "USD", Units: 1000, CostNanos: 100},
		{Bucket: at, Key: GroupKey{Category: "NEW_THING"}, Currency: "USD", Volume: 3, CostNanos: 30},
	}
	s := Aggregate(rows, p, Day)
	if s.Volume != 10 || s.Cost["USD"] != 700 {
		t.Errorf("volume %d, cost %d: want 10 messages (no tokens) and 700 (tokens' cost included)", s.Volume, s.Cost["USD"])
	}
	if len(s.Units) != 1 {
		t.Fatalf("units = %+v", s.Units)
	}
	if u := s.Units[0]; u.Category != CategoryMetaBusinessAgent || u.Unit != UnitToken || u.Currency != "USD" || u.Volume != 6000 || u.CostNanos != 600 {
		t.Errorf("units = %+v", u)
	}
	if v, cost := s.UnitsOf(CategoryMetaBusinessAgent); v != 6000 || cost["USD"] != 600 {
		t.Errorf("UnitsOf = %d, %v", v, cost)
	}
	if v, cost := s.UnitsOf("OTHER_TOKENS"); v != 0 || cost == nil || len(cost) != 0 {
		t.Errorf("UnitsOf of nothing = %d, %v", v, cost)
	}
	if got := s.UnitCategories(); len(got) != 1 || got[0] != CategoryMetaBusinessAgent {
		t.Errorf("UnitCategories = %v", got)
	}
	for _, e := range s.Series {
		if e.Key.Category == CategoryMetaBusinessAgent && (e.Volume != 0 || e.Units != 6000 || e.Quantity() != 6000) {
			t.Errorf("agent entry %+v", e)
		}
	}
	if got := s.UnknownCategories(); len(got) != 1 || got[0] != "NEW_THING" || got[0].Label() != "New Thing" {
		t.Errorf("unknown categories = %v", got)
	}
}
