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
//	section,date,client,key,label,volume,seconds,currency,cost
//
// section says what a row is:
//   - day: messages of one category on one day (date YYYY-MM-DD, key the category)
//   - category, pricing_type, channel, country, client: the month's totals by
//     that dimension (date YYYY-MM); channel for a client, client partner-wide
//   - calls: calls of one direction on one day (volume calls, seconds duration)
//   - calls_month: the month's calls, per currency of their cost
//
// Money is a plain decimal string in the currency of its row, never summed
// across currencies; days are in the statement's time zone.
var reportCSVHeader = []string{"section", "date", "client", "key", "label", "volume", "seconds", "currency", "cost"}

// csvSum is one row's sums.
type csvSum struct {
	volume, cost int64
}

type csvKey struct {
	date, client, key, currency string
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
			rows = append(rows, []string{section, k.date, k.client, k.key, label(k.key),
				strconv.FormatInt(s.volume, 10), "", k.currency, usage.FormatDecimal(s.cost)})
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
			s.cost += e.CostNanos
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
			strconv.FormatInt(e.Count, 10), strconv.FormatInt(e.Seconds, 10), "", ""})
	}
	if r.Calls.Calls > 0 || len(r.Calls.Cost) > 0 {
		currencies := r.Calls.Cost.Currencies()
		if len(currencies) == 0 {
			currencies = []string{""}
		}
		for _, c := range currencies {
			cost := ""
			if c != "" {
				cost = usage.FormatDecimal(r.Calls.Cost[c])
			}
			rows = append(rows, []string{"calls_month", month, clientID, "", "",
				strconv.FormatInt(r.Calls.Calls, 10), strconv.FormatInt(r.Calls.Seconds, 10), c, cost})
		}
	}
	return rows
}
