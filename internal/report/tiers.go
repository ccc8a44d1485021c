package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/ratecard"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/internal/webhook"
)

// Where a tier row's current tier comes from.
const (
	TierFromUsage   = "usage"   // the tier strings of the Partner API's usage points
	TierFromWebhook = "webhook" // a VOLUME_BASED_PRICING_TIER_UPDATE for the month
	TierFromCard    = "card"    // neither: the rate card's tier for the month's volume
)

// TierRow is the volume-tier progress of one market and category in a
// month: where the month's volume stands, how far the next tier is and what
// it would change per message.
type TierRow struct {
	// Country is the market's ISO code; "" when a tier update named a
	// region Insights cannot map to one (Region then says which).
	Country  string
	Region   string
	Category usage.Category
	// Volume is the month's paid volume so far (all WABAs of the client).
	Volume int64
	// Tier is the current tier; Source says where it comes from.
	Tier   ratecard.Tier
	Source string
	// Next is the next tier on the card, when there is one (HasNext).
	Next    ratecard.Tier
	HasNext bool
	// ToNext is the units left before the next tier (Tier.To − Volume, at
	// least 0); HasToNext is false in a tier without upper bound.
	ToNext    int64
	HasToNext bool
	// Rate and NextRate are the card's rates per unit of Tier and Next
	// (nano-units of Currency); HasRate and HasNext say whether they are known.
	Rate, NextRate int64
	HasRate        bool
	Currency       string
	// PaceVolume is the month's volume at the pace so far (0 once the month
	// is over or when nothing was sent), and PaceSavingNanos what the units
	// past the next tier's start would save at NextRate instead of Rate
	// (HasPaceSaving when the pace reaches the next tier).
	PaceVolume      int64
	PaceSavingNanos int64
	HasPaceSaving   bool
}

// TierProgress is a client's volume-tier progress in a month.
type TierProgress struct {
	Month    usage.Period
	Currency string // of the rates; "" when no card is in force
	CardID   string
	Rows     []TierRow
	// WABAs lists the client's WABAs. Meta counts tiers per business
	// portfolio (all WABAs of a business): with more than one, the volumes
	// here are summed over them, which is right only when they belong to one
	// portfolio.
	WABAs []string
}

// MultiWABA reports whether the client's channels span several WABAs (see
// TierProgress.WABAs).
func (p TierProgress) MultiWABA() bool { return len(p.WABAs) > 1 }

// TierInput is what Tiers computes from.
type TierInput struct {
	Month   usage.Period
	Now     time.Time
	Card    *ratecard.Card
	Volumes []store.TierVolume
	// Events are the month's tier updates (other events are skipped).
	Events []store.AccountEvent
	WABAs  []string
}

// Tiers reads a client's tier volumes and tier updates for month and
// computes its progress with the card of book in force on the month's
// first day, in the currency of the client's channels (the book's default
// when it lacks that currency).
func (s Service) Tiers(ctx context.Context, sc store.Scope, clientID string, month usage.Period,
	book *ratecard.Book, now time.Time) (TierProgress, error) {
	chs, err := s.Store.ListChannels(ctx, sc, store.ChannelFilter{ClientIDs: []string{clientID}})
	if err != nil {
		return TierProgress{}, fmt.Errorf("report: tiers: %w", err)
	}
	in := TierInput{Month: month, Now: now}
	currency := ""
	for _, ch := range chs {
		if !slices.Contains(in.WABAs, ch.WABAID) {
			in.WABAs = append(in.WABAs, ch.WABAID)
		}
		if currency == "" {
			currency = ch.Currency
		}
	}
	in.Card = book.Pick(month.From, currency)
	if in.Volumes, err = s.Store.TierVolumes(ctx, sc, clientID, month.Start(), month.End()); err != nil {
		return TierProgress{}, fmt.Errorf("report: tiers: %w", err)
	}
	in.Events, err = s.Store.ListAccountEvents(ctx, sc, store.AccountEventFilter{ClientIDs: []string{clientID},
		Events: []string{webhook.EventTierUpdate}, EffectiveMonth: fmt.Sprintf("%04d-%02d", month.From.Year, int(month.From.Month))})
	if err != nil {
		return TierProgress{}, fmt.Errorf("report: tiers: %w", err)
	}
	return ComputeTiers(in), nil
}

type tierKey struct {
	country, region string
	cat             usage.Category
}

// ComputeTiers is the progress per market and category: the month's volume,
// the highest tier Meta reported (in usage points or a tier update, which
// only go up within a month) or else the card's tier for the volume, the
// next tier on the card, and their rates.
func ComputeTiers(in TierInput) TierProgress {
	out := TierProgress{Month: in.Month, WABAs: in.WABAs}
	if in.Card != nil {
		out.Currency, out.CardID = in.Card.Currency, in.Card.ID
	}
	rows := map[tierKey]*TierRow{}
	row := func(k tierKey) *TierRow {
		if r, ok := rows[k]; ok {
			return r
		}
		r := &TierRow{Country: k.country, Region: k.region, Category: k.cat}
		rows[k] = r
		return r
	}
	seen := func(r *TierRow, tier, source string) {
		if t, ok := ratecard.ParseTier(tier); ok && (r.Source == "" || t.From > r.Tier.From) {
			r.Tier, r.Source = t, source
		}
	}
	for _, v := range in.Volumes {
		r := row(tierKey{country: strings.ToUpper(v.Country), cat: v.Category})
		r.Volume += v.Volume
		seen(r, v.Tier, TierFromUsage)
	}
	for _, e := range in.Events {
		if e.Event != webhook.EventTierUpdate {
			continue
		}
		k := tierKey{country: RegionCountry(e.Region), cat: e.PricingCategory}
		if k.country == "" {
			k.region = e.Region
		}
		seen(row(k), e.Tier, TierFromWebhook)
	}
	for _, r := range rows {
		r.price(in.Card)
		r.pace(in.Month, in.Now)
		out.Rows = append(out.Rows, *r)
	}
	slices.SortFunc(out.Rows, func(a, b TierRow) int {
		return cmp.Or(cmp.Compare(a.Country+a.Region, b.Country+b.Region), cmp.Compare(a.Category.Rank(), b.Category.Rank()),
			cmp.Compare(a.Category, b.Category))
	})
	return out
}

// price fills the row's tier (from the card when Meta reported none), the
// next tier and the rates of both.
func (r *TierRow) price(card *ratecard.Card) {
	var tiers []ratecard.Tier
	if card != nil && r.Country != "" {
		tiers = card.TiersFor(r.Category, r.Country)
		r.Currency = card.Currency
	}
	if r.Source == "" {
		if t, ok := card.TierAt(r.Category, r.Country, r.Volume); ok && r.Country != "" {
			r.Tier, r.Source = t, TierFromCard
		} else {
			r.Tier, r.Source = ratecard.Tier{}, TierFromCard
		}
	}
	if r.Tier.To > 0 {
		r.ToNext, r.HasToNext = max(r.Tier.To-r.Volume, 0), true
	}
	for i, t := range tiers {
		if !t.Contains(r.Tier.From) {
			continue
		}
		r.Rate, r.HasRate = t.Rate, true
		if i+1 < len(tiers) {
			r.Next, r.NextRate, r.HasNext = tiers[i+1], tiers[i+1].Rate, true
		}
		break
	}
}

// pace projects the month's volume from its pace so far and, when that
// passes the current tier, what the units past it save at the next rate.
func (r *TierRow) pace(month usage.Period, now time.Time) {
	start, end := month.Start(), month.End()
	if r.Volume <= 0 || !now.After(start) || !now.Before(end) {
		return
	}
	r.PaceVolume = int64(float64(r.Volume) * float64(end.Sub(start)) / float64(now.Sub(start)))
	if r.HasNext && r.HasRate && r.HasToNext && r.PaceVolume > r.Tier.To {
		r.PaceSavingNanos, r.HasPaceSaving = (r.PaceVolume-r.Tier.To)*(r.Rate-r.NextRate), true
	}
}

// regionCountries maps the market names of Meta's tier updates that are one
// country to its ISO code. Regions of several countries ("Rest of Latin
// America", "Other") are not mapped.
var regionCountries = map[string]string{
	"argentina": "AR", "brazil": "BR", "chile": "CL", "colombia": "CO", "egypt": "EG", "france": "FR",
	"germany": "DE", "india": "IN", "indonesia": "ID", "israel": "IL", "italy": "IT", "malaysia": "MY",
	"mexico": "MX", "netherlands": "NL", "nigeria": "NG", "pakistan": "PK", "peru": "PE", "russia": "RU",
	"saudi arabia": "SA", "south africa": "ZA", "spain": "ES", "turkey": "TR", "türkiye": "TR",
	"united arab emirates": "AE", "uae": "AE", "united kingdom": "GB", "uk": "GB",
	"united states": "US", "usa": "US", "canada": "CA", "australia": "AU",
	"philippines": "PH", "thailand": "TH", "vietnam": "VN", "singapore": "SG", "japan": "JP",
}

// RegionCountry is the ISO code of a tier update's region when it is one
// country ("India" → "IN", "IN" → "IN"), else "".
func RegionCountry(region string) string {
	r := strings.TrimSpace(region)
	if len(r) == 2 && strings.ToUpper(r) == r {
		return r
	}
	return regionCountries[strings.ToLower(r)]
}
