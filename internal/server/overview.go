package server

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/insights-dev/insights/internal/charts"
	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// showOverview answers GET /: every client of the partner in one table,
// with totals per currency on top.
func (s *Server) showOverview(c echo.Context) error {
	ctx := c.Request().Context()
	q, preset, err := s.pageQuery(c, time.UTC)
	if err != nil {
		return err
	}
	// The overview is partner-wide: only the range and zone apply. Its
	// sparklines use half hours for a day or two, days otherwise.
	q.ClientIDs, q.WABAIDs, q.ChannelIDs, q.Categories, q.Countries = nil, nil, nil, nil, nil
	q.Source = "api"
	q.Granularity = usage.Day
	if q.Period.Days() <= 2 {
		q.Granularity = usage.HalfHour
	}
	q.GroupBy = []usage.GroupField{usage.ByClient}

	// The overview shows messages and costs only: no tokens to read apart.
	r, err := s.reports.Usage(ctx, q.WithoutUnits(), usage.ByClient)
	if err != nil {
		return err
	}
	prevByClient := r.Previous
	clients, err := s.store.ListClients(ctx, requestScope(c))
	if err != nil {
		return err
	}
	channels, err := s.store.ListChannels(ctx, requestScope(c), store.ChannelFilter{})
	if err != nil {
		return err
	}
	fr, err := s.freshness(ctx, q.Scope, store.ChannelFilter{}, q.Period.Loc)
	if err != nil {
		return err
	}
	v := s.overviewView(q, preset, r, prevByClient, clients, channels)
	v.Freshness = fr
	return s.render(c, http.StatusOK, pages.Overview(v))
}

// clientSums are one client's figures on the overview.
type clientSums struct {
	client     store.Client
	channels   int
	volume     int64
	prevVolume int64
	cost       usage.Totals
	prevCost   usage.Totals
	perBucket  map[int64]int64 // messages per bucket start (unix)
}

func (s *Server) overviewView(q report.Query, preset string, r report.UsageReport, prev usage.Summary, clients []store.Client, channels []store.Channel) pages.OverviewView {
	loc := q.Period.Loc
	byID := sumClients(r.Current, prev, clients, channels)
	currencies, curClients := rankCurrencies(r, byID)
	list := sortClients(byID, currencies)
	buckets := usage.Buckets(q.Period, q.Granularity)
	v := pages.OverviewView{
		Meta:     s.pageMeta("", loc.String(), "overview"),
		Title:    s.opts.PartnerName,
		Period:   formatPeriod(q.Period),
		Previous: formatPeriod(r.PrevSpan),
		Zone:     loc.String(),
	}
	apiVals := q.Values()
	v.APIHref = "/api/v1/usage?" + apiVals.Encode()

	active := 0
	for _, cs := range list {
		if cs.volume > 0 {
			active++
		}
		v.Rows = append(v.Rows, overviewRow(cs, q, preset, currencies, r.Current.Cost, buckets))
	}
	v.KPIs, v.Totals = overviewKPIs(r, prev, currencies, curClients, active, len(list), len(channels))
	if len(currencies) > 1 {
		v.Notices = append(v.Notices, pages.Notice{Kind: pages.NoticeClientCurrencies, Currencies: currencies})
	}
	if r.Current.CostMissing > 0 {
		v.Notices = append(v.Notices, costMissingNotice(r.Current.CostMissing))
	}
	v.CostEstimate = s.costEstimate(q.Period, r.Current)
	v.Filters = pages.Filters{
		Action: "/", Preset: preset, Presets: presetButtons(preset, loc, s.now()),
		From: q.Period.From.String(), To: q.Period.To.String(),
		Zones: zoneOptions("UTC", loc.String()), ResetHref: "/",
	}
	return v
}

// sumClients sums the period (cur, grouped by client) and the previous one
// per client; every client and channel listed appears.
func sumClients(cur, prev usage.Summary, clients []store.Client, channels []store.Channel) map[string]*clientSums {
	byID := map[string]*clientSums{}
	get := func(id string) *clientSums {
		cs := byID[id]
		if cs == nil {
			cs = &clientSums{client: store.Client{ID: id, Name: id}, cost: usage.Totals{}, prevCost: usage.Totals{}, perBucket: map[int64]int64{}}
			byID[id] = cs
		}
		return cs
	}
	for _, cl := range clients {
		get(cl.ID).client = cl
	}
	for _, ch := range channels {
		get(ch.ClientID).channels++
	}
	for _, e := range cur.Series {
		cs := get(e.Key.Client)
		cs.volume += e.Volume
		if e.Currency != "" {
			cs.cost.Add(e.Currency, e.CostNanos)
		}
		cs.perBucket[e.Bucket.Unix()] += e.Volume
	}
	for _, e := range prev.Series {
		cs := get(e.Key.Client)
		cs.prevVolume += e.Volume
		if e.Currency != "" {
			cs.prevCost.Add(e.Currency, e.CostNanos)
		}
	}

	return byID
}

// rankCurrencies orders the currencies of the period and the previous one
// by how many clients bill in them (ties in report.Currencies order), with the
// count of clients per currency.
func rankCurrencies(r report.UsageReport, byID map[string]*clientSums) ([]string, map[string]int) {
	curClients := map[string]int{}
	for _, cs := range byID {
		for c := range cs.cost {
			curClients[c]++
		}
	}
	currencies := report.Currencies(r.Current.Cost, r.Previous.Cost)
	sort.SliceStable(currencies, func(i, j int) bool { return curClients[currencies[i]] > curClients[currencies[j]] })
	return currencies, curClients
}

// sortClients lists the clients by cost within the main currency first,
// then volume, then name; clients without usage last.
func sortClients(byID map[string]*clientSums, currencies []string) []*clientSums {
	rank := func(cs *clientSums) (int, int64) {
		for i, c := range currencies {
			if n, ok := cs.cost[c]; ok {
				return i, n
			}
		}
		return len(currencies), 0
	}

	list := make([]*clientSums, 0, len(byID))
	for _, cs := range byID {
		list = append(list, cs)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		ra, ca := rank(a)
		rb, cb := rank(b)
		if ra != rb {
			return ra < rb
		}
		if ca != cb {
			return ca > cb
		}
		if a.volume != b.volume {
			return a.volume > b.volume
		}
		return strings.ToLower(a.client.Name) < strings.ToLower(b.client.Name)
	})
	return list
}

// overviewRow is one client's row: messages, cost per currency with its
// share of total, and a sparkline over buckets.
func overviewRow(cs *clientSums, q report.Query, preset string, currencies []string, totals usage.Totals, buckets []time.Time) pages.OverviewRow {
	row := pages.OverviewRow{
		ClientID: cs.client.ID, Name: cs.client.Name, Href: clientPath(cs.client.ID) + "?" + overviewLink(q, preset),
		Channels: cs.channels, Messages: formatInt(cs.volume), MsgDelta: changeOf(cs.volume, cs.prevVolume),
		Quiet: cs.volume == 0,
	}
	if row.Name == "" {
		row.Name = cs.client.ID
	}
	for _, c := range currencies {
		n, ok := cs.cost[c]
		if !ok {
			if _, had := cs.prevCost[c]; !had {
				continue
			}
		}
		total := totals[c]
		bar := 0
		if total > 0 {
			bar = int(n * 100 / total)
		}
		row.Costs = append(row.Costs, pages.CostCell{
			Currency: c, Cost: formatMoney(c, n), Share: formatShare(n, total), ShareBar: bar,
			Delta: changeOf(n, cs.prevCost[c]),
		})
	}
	values := make([]int64, len(buckets))
	for i, b := range buckets {
		values[i] = cs.perBucket[b.Unix()]
	}
	if cs.volume > 0 {
		row.Sparkline = charts.Sparkline(values, charts.WithTitle(pages.SparklineTitle(q.Granularity, row.Name)))
	} else {
		row.Sparkline = charts.Chart{Empty: true}
	}
	return row
}

// overviewKPIs are the headline cards: messages, costs per currency (a card
// each for one or two currencies, one card listing them all beyond that)
// and active clients.
func overviewKPIs(r report.UsageReport, prev usage.Summary, currencies []string, curClients map[string]int, active, clients, channels int) ([]pages.KPI, []pages.CurrencyTotal) {
	prevLabel := formatPeriod(r.PrevSpan)
	var kpis []pages.KPI
	var totals []pages.CurrencyTotal
	kpis = append(kpis, pages.KPI{
		TestID: "kpi-messages", Measure: pages.MeasureMessages, Value: formatInt(r.Current.Volume),
		Delta: changeOf(r.Current.Volume, r.Previous.Volume), Previous: formatInt(r.Previous.Volume), PrevPeriod: prevLabel,
	})
	for i, c := range currencies {
		if len(currencies) > 2 {
			totals = append(totals, pages.CurrencyTotal{
				Currency: c, Cost: formatMoney(c, r.Current.Cost[c]),
				Delta:    changeOf(r.Current.Cost[c], r.Previous.Cost[c]),
				Previous: formatMoney(c, r.Previous.Cost[c]), Clients: curClients[c],
			})
			continue
		}
		id := "kpi-cost"
		if i > 0 {
			id += "-" + strings.ToLower(c)
		}
		kpis = append(kpis, pages.KPI{
			TestID: id, Measure: pages.MeasureCost, Currency: c, Value: formatMoney(c, r.Current.Cost[c]),
			Sub:   pages.Sub{Kind: pages.SubClientsBilled, N: curClients[c]},
			Delta: changeOf(r.Current.Cost[c], r.Previous.Cost[c]), Previous: formatMoney(c, r.Previous.Cost[c]), PrevPeriod: prevLabel,
			Estimated: true,
		})
	}
	kpis = append(kpis, pages.KPI{
		TestID: "kpi-clients", Measure: pages.MeasureActiveClients, Value: formatInt(int64(active)),
		Sub:   pages.Sub{Kind: pages.SubActiveOf, N: clients, M: channels},
		Delta: changeOf(int64(active), int64(activeClients(prev))), Previous: formatInt(int64(activeClients(prev))), PrevPeriod: prevLabel,
	})
	return kpis, totals
}

// activeClients counts the clients with messages in a summary grouped by client.
func activeClients(s usage.Summary) int {
	seen := map[string]bool{}
	for _, e := range s.Series {
		if e.Volume > 0 {
			seen[e.Key.Client] = true
		}
	}
	return len(seen)
}

// overviewLink carries the overview's range into a client's view; the
// client's own zone applies there, so a preset travels as a preset.
func overviewLink(q report.Query, preset string) string {
	v := viewValues(q, preset)
	v.Del("tz")
	v.Del("granularity")
	return v.Encode()
}
