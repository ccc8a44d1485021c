package server

import (
	"sort"
	"strconv"
	"time"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// The CSV of a statement (format=csv) is one table with a header row:
//
//	section,date,client,key,label,volume,seconds,currency,cost,cost_estimated,unit,units
//
// section says what a row is:
//   - day: messages of one category on one day (date YYYY-MM-DD, key the category)
//   - category, pricing_type, channel, country, client: the month's totals by
//     that dimension (date YYYY-MM); channel for a client, client partner-wide
//   - calls: calls of one direction on one day (volume calls, seconds duration)
//   - calls_month: the month's calls, per currency of their cost
//
// Money is a plain decimal string in the currency of its row, never summed
// across currencies; days are in the statement's time zone. cost_estimated
// is "true" when the row's cost includes estimates from the rate card
// (points the source reported without a cost), "false" otherwise, and empty
// on rows without a cost. volume counts messages; a day or category row of
// a category not counted in messages (Meta Business Agent) has volume 0,
// its unit ("token") and its units (the tokens), its cost in cost; unit and
// units are empty on other rows.
var reportCSVHeader = []string{"section", "date", "client", "key", "label", "volume", "seconds", "currency", "cost", "cost_estimated", "unit", "units"}

// csvSum is one row's sums.
type csvSum struct {
	volume, units, cost, estimated int64
}

type csvKey struct {
	date, client, key, currency string
}

// callCurrencies lists the currencies of a month's calls in order, "" (calls
// without a currency) last.
func callCurrencies(c usage.CallSummary) []string {
	seen := map[string]bool{}
	var out []string
	for _, cur := range c.Cost.Currencies() {
		seen[cur] = true
		out = append(out, cur)
	}
	var rest []string
	for cur, n := range c.ByCurrency {
		if !seen[cur] && (n.Calls > 0 || n.Seconds > 0) {
			rest = append(rest, cur)
		}
	}
	sort.Strings(rest)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i] != "" && rest[j] == "" })
	return append(out, rest...)
}

// reportCSV lays a month's figures out as CSV rows (header first). client
// names the client of a series entry.
func reportCSV(r report.MonthReport, clientID string, client func(usage.GroupKey) string) [][]string {
	rows := [][]string{reportCSVHeader}
	month := monthKey(r.Month)
	add := func(section string, sums map[csvKey]*csvSum, label func(string) string) {
		keys := make([]csvKey, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.date != b.date {
				return a.date < b.date
			}
			if a.client != b.client {
				return a.client < b.client
			}
			if section == "day" || section == "category" {
				if ra, rb := usage.Category(a.key).Rank(), usage.Category(b.key).Rank(); ra != rb {
					return ra < rb
				}
			}
			if a.key != b.key {
				return a.key < b.key
			}
			return a.currency < b.currency
		})
		for _, k := range keys {
			s := sums[k]
			unit, units := "", ""
			if c := usage.Category(k.key); (section == "day" || section == "category") && c.Unit() != usage.UnitMessage {
				unit, units = string(c.Unit()), strconv.FormatInt(s.units, 10)
			}
			rows = append(rows, []string{section, k.date, k.client, k.key, label(k.key),
				strconv.FormatInt(s.volume, 10), "", k.currency, usage.FormatDecimal(s.cost), strconv.FormatBool(s.estimated > 0), unit, units})
		}
	}
	sum := func(date func(usage.Entry) string, key func(usage.Entry) string) map[csvKey]*csvSum {
		out := map[csvKey]*csvSum{}
		for _, e := range r.Cur.Series {
			k := csvKey{date: date(e), client: client(e.Key), key: key(e), currency: e.Currency}
			s := out[k]
			if s == nil {
				s = &csvSum{}
				out[k] = s
			}
			s.volume += e.Volume
			s.units += e.Units
			s.cost += e.CostNanos
			s.estimated += e.CostEstimated
		}
		return out
	}
	day := func(e usage.Entry) string { return e.Bucket.In(r.Month.Loc).Format(time.DateOnly) }
	monthly := func(usage.Entry) string { return month }
	// The label column names keys as the statement's rows do.
	labelOf := func(row func(string) pages.ReportRow) func(string) string {
		return func(k string) string { r := row(k); return pages.RowText(r.Name, k, r.Label) }
	}
	catLabel := labelOf(categoryRow)
	add("day", sum(day, func(e usage.Entry) string { return string(e.Key.Category) }), catLabel)
	add("category", sum(monthly, func(e usage.Entry) string { return string(e.Key.Category) }), catLabel)
	add("pricing_type", sum(monthly, func(e usage.Entry) string { return string(e.Key.PricingType) }), labelOf(pricingRow))
	if clientID != "" {
		add("channel", sum(monthly, func(e usage.Entry) string { return e.Key.Channel }), func(string) string { return "" })
	}
	add("country", sum(monthly, func(e usage.Entry) string { return e.Key.Country }), labelOf(countryRow))

	for _, e := range r.Calls.Series {
		rows = append(rows, []string{"calls", e.Bucket.In(r.Month.Loc).Format(time.DateOnly), clientID, string(e.Direction), "",
			strconv.FormatInt(e.Count, 10), strconv.FormatInt(e.Seconds, 10), "", "", "", "", ""})
	}
	for _, c := range callCurrencies(r.Calls) {
		cost, estimated, n := "", "", r.Calls.ByCurrency[c]
		if c != "" {
			cost, estimated = usage.FormatDecimal(r.Calls.Cost[c]), strconv.FormatBool(r.Calls.CostEstimated > 0)
		}
		rows = append(rows, []string{"calls_month", month, clientID, "", "",
			strconv.FormatInt(n.Calls, 10), strconv.FormatInt(n.Seconds, 10), c, cost, estimated, "", ""})
	}
	return rows
}
