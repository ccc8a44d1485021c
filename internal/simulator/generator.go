package simulator

import (
	"hash/fnv"
	"sort"
	"time"

	"github.com/insights-dev/insights/internal/usage"
)

// halfHour is the source bucket length in seconds.
const halfHour = usage.HalfHourSeconds

// maxStreams caps the points a channel reports per half hour (before added categories).
const maxStreams = 8

// growthEpoch anchors the slow growth of volumes, so a bucket's numbers never
// depend on the clock.
var growthEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// hourWeight is the share of a day's messages sent in each local hour (quiet at night).
var hourWeight = [24]int64{5, 5, 5, 5, 5, 5, 15, 40, 80, 110, 120, 120, 100, 100, 110, 110, 100, 90, 80, 70, 60, 40, 20, 10}

var hourWeightSum = func() int64 {
	var s int64
	for _, w := range hourWeight {
		s += w
	}
	return s
}()

// channel is a generated channel with what its data is made from.
type channel struct {
	Channel
	key      uint64
	loc      *time.Location
	home     string
	streams  []stream
	inMilli  int64 // expected inbound calls per business half hour, in thousandths
	outMilli int64 // expected outbound calls per business half hour, in thousandths
	callRate int64 // per-minute rate of outbound calls, nano-units of the currency
	// creditLine: the WABA is on the partner's credit line; its usage omits cost.
	creditLine bool
}

// stream is one (category, pricing type, country) series of a channel.
type stream struct {
	category   usage.Category
	pricing    usage.PricingType // the base type; see cswReply
	country    string
	dailyMilli int64 // expected units per weekday at growth 1, in thousandths
	campaign   bool  // marketing: has spike days
	salt       uint64
	// phases price the stream under each card of the channel's currency.
	phases []phase
	// cswReply: a reply inside the customer-service window, free or billed
	// as the card in force says (see pricePhases).
	cswReply bool
	// tiered: priced at the tier the month's volume has reached.
	tiered bool
	// tokens: volume counts tokens (Meta Business Agent); no webhooks.
	tokens bool
	// from is the first bucket the stream has volume in (0: always).
	from int64
}

// revKey names a revised number: one category of one channel's half hour.
type revKey struct {
	channel  string
	bucket   int64
	category usage.Category
}

// channelStreams picks the message series of a channel: the home market gets
// most categories, foreign markets marketing plus service or authentication.
// The tier client's first channel sends utility in bulk (crossing a volume
// tier within the month); the agent client's first channel has a Meta
// Business Agent stream.
func (s *Simulator) channelStreams(r *rng, ch *channel, t clientTemplate, k int) []stream {
	scale := int64(30 + r.intn(270)) // percent: 0.3× to 3×
	add := func(out []stream, cat usage.Category, pt usage.PricingType, country string, perDay int64) []stream {
		return append(out, s.newStream(ch, cat, pt, country, perDay*1000*scale/100))
	}
	var out []stream
	home := t.country
	out = add(out, usage.CategoryMarketing, usage.PricingRegular, home, int64(150+r.intn(500)))
	out = add(out, usage.CategoryUtility, usage.PricingRegular, home, int64(80+r.intn(300)))
	out = add(out, usage.CategoryService, usage.PricingFreeCustomerService, home, int64(100+r.intn(400)))
	if r.intn(2) == 0 {
		out = add(out, usage.CategoryAuthentication, usage.PricingRegular, home, int64(40+r.intn(200)))
	}
	if r.intn(3) == 0 {
		out = add(out, usage.CategoryMarketingLite, usage.PricingRegular, home, int64(60+r.intn(200)))
	}
	if r.intn(3) == 0 {
		out = add(out, usage.CategoryService, usage.PricingFreeEntryPoint, home, int64(10+r.intn(60)))
	}
	latest := s.book.Pick(usage.Date{Year: usage.MaxYear, Month: 1, Day: 1}, ch.Currency)
	for _, c := range ch.Countries[1:] {
		out = add(out, usage.CategoryMarketing, usage.PricingRegular, c, int64(20+r.intn(120)))
		if _, ok := latest.Messages[usage.CategoryAuthenticationInternational][c]; ok && c != home {
			out = add(out, usage.CategoryAuthenticationInternational, usage.PricingRegular, c, int64(5+r.intn(40)))
		} else {
			out = add(out, usage.CategoryService, usage.PricingFreeCustomerService, c, int64(10+r.intn(80)))
		}
	}
	if len(out) > maxStreams {
		out = out[:maxStreams]
	}
	traits := templateTraits[t.name]
	if traits&traitTierBulk != 0 && k == 0 {
		// Replaces the home utility stream: one key per point.
		out[1] = s.newStream(ch, usage.CategoryUtility, usage.PricingRegular, home, tierBulkPerDay*1000)
		out[1].tiered = true
	}
	if traits&traitAgent != 0 && k == 0 {
		st := s.newStream(ch, usage.CategoryMetaBusinessAgent, usage.PricingRegular, home, agentTokensPerDay*1000)
		st.tokens, st.from = true, agentFrom
		out = append(out, st)
	}
	return out
}

// Volumes of the special streams, per weekday at growth 1.
const (
	tierBulkPerDay    = 40_000  // utility messages: crosses 750,000 around mid-month
	agentTokensPerDay = 400_000 // Meta Business Agent tokens
)

// newStream makes a stream priced from the book in the channel's currency.
func (s *Simulator) newStream(ch *channel, cat usage.Category, pt usage.PricingType, country string, dailyMilli int64) stream {
	csw := cat == usage.CategoryService && pt == usage.PricingFreeCustomerService
	return stream{
		category: cat, pricing: pt, country: country, dailyMilli: dailyMilli, cswReply: csw,
		phases:   pricePhases(s.book, cat, pt, country, ch.Currency, csw),
		campaign: cat == usage.CategoryMarketing || cat == usage.CategoryMarketingLite,
		salt:     hashString(string(cat) + "/" + string(pt) + "/" + country),
	}
}

// priced is a stream's pricing type, tier and cost in bucket b for v units.
func (s *Simulator) priced(ch *channel, st *stream, b, v int64) (usage.PricingType, string, int64) {
	ph := st.phaseAt(b)
	if ph.pricing.Free() || !st.tiered {
		return ph.pricing, ph.tier, usage.MulRate(v, ph.price)
	}
	t, ok := ph.card.TierAt(st.category, st.country, s.monthVolumeBefore(ch, st, b))
	if !ok {
		return ph.pricing, ph.tier, usage.MulRate(v, ph.price)
	}
	return ph.pricing, t.String(), usage.MulRate(v, t.Rate)
}

// dayInfo holds what is shared by all buckets of one local day.
type dayInfo struct {
	key     uint64 // local yyyymmdd
	weekday time.Weekday
}

// volume computes a stream's message count in the half hour starting at b.
func (s *Simulator) volume(ch *channel, st *stream, b int64, hour int, d dayInfo) int64 {
	milli := st.dailyMilli * hourWeight[hour] / (2 * hourWeightSum)
	switch d.weekday {
	case time.Saturday:
		milli = milli * 60 / 100
	case time.Sunday:
		milli = milli * 45 / 100
	}
	// Day-to-day noise of ±20 %.
	milli = milli * int64(80+hash3(ch.key, d.key, st.salt^0xd1)%41) / 100
	// Slow growth: ×0.7 at the epoch, +30 % a year, capped at ×2.5.
	g := 700 + (b-growthEpoch)/86400*300/365
	g = max(300, min(g, 2500))
	milli = milli * g / 1000
	// An occasional campaign day multiplies marketing fourfold.
	if st.campaign && d.weekday != time.Sunday && hash3(ch.key, d.key, 0xca)%23 == 0 {
		milli *= 4
	}
	// Stochastic rounding keeps the mean while giving whole messages.
	return (milli + int64(hash3(ch.key, uint64(b), st.salt)%1000)) / 1000
}

// localDay returns the local hour of bucket b and its day info.
func localDay(ch *channel, b int64) (int, dayInfo) {
	t := time.Unix(b, 0).In(ch.loc)
	y, m, d := t.Date()
	return t.Hour(), dayInfo{key: uint64(y*10000 + int(m)*100 + d), weekday: t.Weekday()}
}

// genState is a consistent snapshot of test-made changes for one generation.
type genState struct {
	extra     []stream
	revisions map[revKey]int64
}

// snapshot takes the channel's added streams and the revisions; callers hold dataMu.RLock.
func (s *Simulator) snapshot(ch *channel) genState {
	return genState{extra: s.extra[ch.ID], revisions: s.revisions}
}

// bucketPoints appends the non-zero usage points of ch's half hour b to out.
func (s *Simulator) bucketPoints(ch *channel, b int64, g genState, out []usage.Point) []usage.Point {
	hour, d := localDay(ch, b)
	start, end := time.Unix(b, 0).UTC(), time.Unix(b+halfHour, 0).UTC()
	emit := func(st *stream) {
		if b < st.from {
			return
		}
		v := s.volume(ch, st, b, hour, d)
		if len(g.revisions) > 0 {
			if rv, ok := g.revisions[revKey{ch.ID, b, st.category}]; ok {
				v = rv
			}
		}
		if v <= 0 {
			return
		}
		pt, tier, cost := s.priced(ch, st, b, v)
		p := usage.Point{
			ChannelID: ch.ID, Start: start, End: end, Granularity: usage.HalfHour,
			Category: st.category, PricingType: pt, Country: st.country, Tier: tier,
			Volume: v, Currency: ch.Currency, CostNanos: cost, CostKnown: true,
		}
		if ch.creditLine { // a WABA on the partner's credit line: no cost reported
			p.CostNanos, p.CostKnown = 0, false
		}
		out = append(out, p)
	}
	for i := range ch.streams {
		emit(&ch.streams[i])
	}
	for i := range g.extra {
		emit(&g.extra[i])
	}
	return out
}

// bucketCalls appends the call points of ch's half hour b to out: a few calls
// in both directions in local business hours, with durations whose average is
// a whole number of seconds, and outbound costs summed per call.
func (s *Simulator) bucketCalls(ch *channel, b int64, out []usage.CallPoint) []usage.CallPoint {
	start, end := time.Unix(b, 0).UTC(), time.Unix(b+halfHour, 0).UTC()
	for _, pc := range s.plannedCalls(ch, b) {
		var total, cost int64
		for _, secs := range pc.seconds {
			total += secs
			cost += usage.CallCost(pc.dir, secs, ch.callRate)
		}
		out = append(out, usage.CallPoint{
			ChannelID: ch.ID, Start: start, End: end, Granularity: usage.HalfHour,
			Direction: pc.dir, Count: int64(len(pc.seconds)), Seconds: total,
			Currency: ch.Currency, CostNanos: cost, CostKnown: true,
		})
	}
	return out
}

// directionCalls are the calls of one direction in one half hour: the
// duration of each, in seconds.
type directionCalls struct {
	dir     usage.Direction
	salt    uint64
	seconds []int64
}

// plannedCalls generates the calls of ch's half hour b, outbound first; the
// durations of each direction average to a whole number of seconds.
func (s *Simulator) plannedCalls(ch *channel, b int64) []directionCalls {
	if !ch.Voice {
		return nil
	}
	hour, d := localDay(ch, b)
	var pct int64 // share of the business-hour call rate
	switch {
	case d.weekday == time.Sunday:
		pct = 0
	case d.weekday == time.Saturday:
		if hour >= 9 && hour < 13 {
			pct = 50
		}
	case hour >= 8 && hour < 19:
		pct = 100
	case hour >= 19 && hour < 22:
		pct = 15
	}
	if pct == 0 {
		return nil
	}
	var out []directionCalls
	for _, dir := range []usage.Direction{usage.DirectionOutbound, usage.DirectionInbound} {
		lambda, salt := ch.inMilli, uint64(0x1b)
		if dir == usage.DirectionOutbound {
			lambda, salt = ch.outMilli, 0x0b
		}
		h := hash3(ch.key, uint64(b), salt)
		n := (lambda*pct/100 + int64(h%1000)) / 1000
		if n > 0 && (h>>20)%10 == 0 {
			n++ // an occasional busy half hour
		}
		if n == 0 {
			continue
		}
		dc := directionCalls{dir: dir, salt: salt, seconds: make([]int64, 0, n)}
		var total int64
		for i := int64(0); i < n; i++ {
			hd := hash3(ch.key, uint64(b), salt^uint64(i+1)<<8)
			secs := int64(20 + hd%300 + (hd>>24)%240)
			if i == n-1 { // make the average whole: count × average = total
				if rem := (total + secs) % n; rem != 0 {
					secs += n - rem
				}
			}
			total += secs
			dc.seconds = append(dc.seconds, secs)
		}
		out = append(out, dc)
	}
	return out
}

// span clips the half-hour buckets starting in [from, to) to the data that
// exists at now, returning aligned first and last-exclusive bucket starts.
func (s *Simulator) span(ch *channel, from, to int64, now time.Time) (int64, int64) {
	first := ceilDiv(from, halfHour) * halfHour
	if ds := ch.BillingStartedAt.Unix(); first < ds {
		first = ds
	}
	// A bucket exists once it has ended.
	limit := floorDiv(now.Unix(), halfHour) * halfHour // exclusive: start of the running bucket
	if to > limit {
		to = limit
	}
	return first, to
}

// usagePoints returns the half-hour points of ch whose start is in [from, to).
func (s *Simulator) usagePoints(ch *channel, from, to int64, now time.Time) []usage.Point {
	first, last := s.span(ch, from, to, now)
	s.dataMu.RLock()
	g := s.snapshot(ch)
	var out []usage.Point
	if last > first {
		// Most buckets carry most streams; one allocation instead of many.
		out = make([]usage.Point, 0, int((last-first)/halfHour)*(len(ch.streams)+len(g.extra))*3/4)
	}
	for b := first; b < last; b += halfHour {
		out = s.bucketPoints(ch, b, g, out)
	}
	s.dataMu.RUnlock()
	return out
}

// callPoints returns the half-hour call points of ch whose start is in [from, to).
func (s *Simulator) callPoints(ch *channel, from, to int64, now time.Time) []usage.CallPoint {
	first, last := s.span(ch, from, to, now)
	var out []usage.CallPoint
	for b := first; b < last; b += halfHour {
		out = s.bucketCalls(ch, b, out)
	}
	return out
}

// UsagePoints is the ground truth for tests: the half-hour usage points of a
// channel whose bucket start lies in [start, end), as they exist now, computed
// straight from the generator (revisions and added categories included).
// It returns nil for an unknown channel.
func (s *Simulator) UsagePoints(channelID string, start, end time.Time) []usage.Point {
	ch, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	pts := s.usagePoints(ch, unixCeil(start), unixCeil(end), s.now())
	sortPoints(pts)
	return pts
}

// CallPoints is the ground truth for tests: the half-hour call points of a
// channel whose bucket start lies in [start, end), as they exist now.
func (s *Simulator) CallPoints(channelID string, start, end time.Time) []usage.CallPoint {
	ch, ok := s.channels[channelID]
	if !ok {
		return nil
	}
	return s.callPoints(ch, unixCeil(start), unixCeil(end), s.now())
}

// sortPoints orders points by start, category (known ones first), pricing type, country, tier.
func sortPoints(p []usage.Point) {
	sort.SliceStable(p, func(i, j int) bool {
		a, b := p[i], p[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		if a.Category != b.Category {
			if ra, rb := a.Category.Rank(), b.Category.Rank(); ra != rb {
				return ra < rb
			}
			return a.Category < b.Category
		}
		if a.PricingType != b.PricingType {
			return a.PricingType < b.PricingType
		}
		if a.Country != b.Country {
			return a.Country < b.Country
		}
		return a.Tier < b.Tier
	})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// unixCeil is t in UNIX seconds, rounded up when t has a fraction of a second.
func unixCeil(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// mix is the splitmix64 finaliser: a cheap, well-spread 64-bit hash step.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func hash3(a, b, c uint64) uint64 {
	return mix(a ^ mix(b+0x9e3779b97f4a7c15^mix(c+0x632be59bd9b4e019)))
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// rng is a splitmix64 sequence for generating the partner.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix(r.state)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

const alnumChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (r *rng) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumChars[r.intn(len(alnumChars))]
	}
	return string(b)
}

func (r *rng) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.intn(10))
	}
	return string(b)
}
