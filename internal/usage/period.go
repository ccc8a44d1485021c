package usage

import (
	"fmt"
	"time"
)

// Granularity is the size of a time bucket. The Partner API spells day and
// month "daily" and "monthly"; partnerapi translates.
type Granularity string

// Granularities.
const (
	HalfHour Granularity = "half_hour"
	Day      Granularity = "day"
	Month    Granularity = "month"
)

// ParseGranularity accepts half_hour, day (or daily) and month (or monthly).
func ParseGranularity(s string) (Granularity, error) {
	switch s {
	case "half_hour", "HALF_HOUR":
		return HalfHour, nil
	case "day", "daily", "DAILY":
		return Day, nil
	case "month", "monthly", "MONTHLY":
		return Month, nil
	}
	return "", fmt.Errorf("unknown granularity %q (want half_hour, day or month)", s)
}

// HalfHourSeconds is the length of a half-hour bucket.
const HalfHourSeconds = 1800

// Date is a calendar day without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// MinYear and MaxYear bound the dates Insights accepts from people and
// scripts: WhatsApp business messaging did not exist before 2000, and a year
// past 2100 is a typo. Outside them a date is refused as bad input rather
// than reaching the database as an absurd range.
const (
	MinYear = 2000
	MaxYear = 2100
)

// ParseDate reads YYYY-MM-DD with a year from MinYear to MaxYear.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("not a date in YYYY-MM-DD form: %q", s)
	}
	if err := checkYear(t.Year(), s); err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

// ParseMonth reads YYYY-MM with a year from MinYear to MaxYear.
func ParseMonth(s string) (int, time.Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a month in YYYY-MM form", s)
	}
	if err := checkYear(t.Year(), s); err != nil {
		return 0, 0, err
	}
	return t.Year(), t.Month(), nil
}

func checkYear(y int, s string) error {
	if y < MinYear || y > MaxYear {
		return fmt.Errorf("%q is out of range: years %d to %d are accepted", s, MinYear, MaxYear)
	}
	return nil
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// In returns local midnight of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays moves by n calendar days.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 0, 0, 0, 0, time.UTC))
}

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.In(time.UTC).Before(o.In(time.UTC)) }

// DaysUntil counts the days from d to o (o − d).
func (d Date) DaysUntil(o Date) int {
	return int(o.In(time.UTC).Sub(d.In(time.UTC)).Hours() / 24)
}

// String formats as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Year == 0 }

// Period is an inclusive range of calendar days in a time zone.
type Period struct {
	From, To Date
	Loc      *time.Location
}

// NewPeriod validates from ≤ to and returns the period.
func NewPeriod(from, to Date, loc *time.Location) (Period, error) {
	if to.Before(from) {
		return Period{}, fmt.Errorf("period ends (%s) before it starts (%s)", to, from)
	}
	if loc == nil {
		loc = time.UTC
	}
	return Period{From: from, To: to, Loc: loc}, nil
}

// MonthPeriod is the whole calendar month containing d, in loc.
func MonthPeriod(year int, month time.Month, loc *time.Location) Period {
	first := Date{year, month, 1}
	last := DateOf(time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC))
	return Period{From: first, To: last, Loc: loc}
}

// Start is the first instant of the period (local midnight of From).
func (p Period) Start() time.Time { return p.From.In(p.Loc) }

// End is the first instant after the period (local midnight after To).
func (p Period) End() time.Time { return p.To.AddDays(1).In(p.Loc) }

// Days is the number of calendar days in the period.
func (p Period) Days() int { return p.From.DaysUntil(p.To) + 1 }

// Previous is the equally long period just before p.
func (p Period) Previous() Period {
	n := p.Days()
	return Period{From: p.From.AddDays(-n), To: p.From.AddDays(-1), Loc: p.Loc}
}

// Contains reports whether instant t lies within the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start()) && t.Before(p.End()) }

// String formats as "2026-11-01 – 2026-11-30".
func (p Period) String() string { return p.From.String() + " – " + p.To.String() }

// LoadZone loads an IANA zone, with a message that names the bad value.
func LoadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// BucketStart returns the start of the display bucket of granularity g that
// holds instant t, in loc. Source points are half-hour aligned in UTC; in zones
// whose offset is not a multiple of 30 minutes (Nepal, Chatham) a point is
// placed at the nearest half hour of local time, which ZoneIsApproximate flags.
func BucketStart(t time.Time, g Granularity, loc *time.Location) time.Time {
	local := t.In(loc)
	if g == HalfHour {
		return local.Truncate(HalfHourSeconds * time.Second)
	}
	_, off := local.Zone()
	if rem := ((off % HalfHourSeconds) + HalfHourSeconds) % HalfHourSeconds; rem != 0 {
		if rem >= HalfHourSeconds/2 {
			local = local.Add(time.Duration(HalfHourSeconds-rem) * time.Second)
		} else {
			local = local.Add(-time.Duration(rem) * time.Second)
		}
	}
	y, m, d := local.Date()
	if g == Month {
		return dayStart(y, m, 1, loc)
	}
	return dayStart(y, m, d, loc)
}

// ZoneIsApproximate reports whether loc has an offset that is not a whole
// number of half hours at any point of p, so half-hour source data can only
// be bucketed to the nearest half hour.
func ZoneIsApproximate(loc *time.Location, p Period) bool {
	for t := p.Start(); t.Before(p.End()); t = t.Add(24 * time.Hour) {
		if _, off := t.In(loc).Zone(); off%HalfHourSeconds != 0 {
			return true
		}
	}
	return false
}

// Buckets lists every bucket start of granularity g in p, in order, so series
// can show empty buckets as zero instead of leaving gaps.
func Buckets(p Period, g Granularity) []time.Time {
	var out []time.Time
	end := p.End()
	for t := BucketStart(p.Start(), g, p.Loc); t.Before(end); t = nextBucket(t, g, p.Loc) {
		out = append(out, t)
	}
	return out
}

// nextBucket is the start of the display bucket after the one starting at t
// in loc. Day and month buckets start at the beginning of a local day, not
// at t's clock time a day later: a day whose midnight did not exist starts
// at 01:00, the day after it at 00:00 again.
func nextBucket(t time.Time, g Granularity, loc *time.Location) time.Time {
	y, m, d := t.Date()
	switch g {
	case HalfHour:
		return BucketEnd(t, g)
	case Month:
		return dayStart(y, m+1, 1, loc)
	default:
		return dayStart(y, m, d+1, loc)
	}
}

// dayStart is the first instant of the local day y-m-d (normalized as by
// time.Date) in loc: its midnight, or where the clocks are put forward at
// midnight the moment they jump. time.Date may answer such a missing
// midnight with the hour before it, on the day before (Santiago, Havana),
// which would start the day in the previous one and never step past it.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	wy, wm, wd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date()
	if ty, tm, td := t.Date(); ty == wy && tm == wm && td == wd {
		return t
	}
	if _, jump := t.ZoneBounds(); !jump.IsZero() {
		return jump
	}
	return t
}

// BucketEnd is the end (exclusive) of the bucket of granularity g that
// starts at start, in start's location: half an hour later, or the same clock
// time a calendar month or day later (any granularity other than half hour
// and month counts as a day, as in BucketStart). Source buckets are UTC, so
// callers pass a source bucket's start in UTC. It is the one place that knows
// how long a bucket is.
func BucketEnd(start time.Time, g Granularity) time.Time {
	switch g {
	case HalfHour:
		return start.Add(HalfHourSeconds * time.Second)
	case Month:
		return start.AddDate(0, 1, 0)
	default:
		return start.AddDate(0, 0, 1)
	}
}
