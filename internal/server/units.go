package server

import (
	"fmt"
	"slices"
	"strings"

	"github.com/insights-dev/insights/internal/report"
	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// Categories not counted in messages (Meta Business Agent's tokens) have a
// card of their own on the client view and the statement; their cost is in
// the cost figures, their volume never in the message figures. Categories
// Insights does not know are counted as messages and named in a notice.

// unitCards are the cards of the token categories of cur and prev (the
// previous period's figures left out when prevHidden).
func unitCards(cur, prev usage.Summary, prevHidden bool) []pages.UnitUsage {
	cats := cur.UnitCategories()
	if !prevHidden {
		for _, c := range prev.UnitCategories() {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	var out []pages.UnitUsage
	for _, c := range cats {
		v, cost := cur.UnitsOf(c)
		card := pages.UnitUsage{TestID: "units-" + strings.ToLower(string(c)), Category: c.Label(),
			Volume: formatInt(v), Exact: fmt.Sprint(v), Unit: c.Unit().Noun(v), Cost: moneyCell(cost),
			Delta: pages.Delta{Text: "n/a", Class: "delta--na", Why: pages.PrevOutsideShare}}
		if !prevHidden {
			pv, _ := prev.UnitsOf(c)
			card.Delta, card.PrevVolume, card.PrevUnit = changeOf(v, pv), formatInt(pv), c.Unit().Noun(pv)
		}
		out = append(out, card)
	}
	return out
}

// unknownCategoryLabels names the categories of s Insights does not know,
// with the code the source used ("New Thing (NEW_THING)").
func unknownCategoryLabels(s usage.Summary) []string {
	var out []string
	for _, c := range s.UnknownCategories() {
		out = append(out, c.Label()+" ("+string(c)+")")
	}
	return out
}

// tokenCells shows the units of the token categories' rows of a statement
// table by category in its volume cells ("12,345 tokens"), where the
// message count of those rows would be 0.
func tokenCells(t *pages.ReportTable, r report.MonthReport) {
	for i, row := range t.Rows {
		c := usage.Category(row.Key)
		if c.Unit() == usage.UnitMessage || len(row.Cells) < 3 {
			continue
		}
		cur, _ := r.Cur.UnitsOf(c)
		prev, _ := r.Before.UnitsOf(c)
		t.Rows[i].Cells[0] = pages.ReportCell{Text: formatInt(cur) + " " + c.Unit().Noun(cur), Exact: fmt.Sprint(cur)}
		t.Rows[i].Cells[1] = pages.ReportCell{Text: formatInt(prev) + " " + c.Unit().Noun(prev)}
		t.Rows[i].Cells[2] = countChange(cur, prev)
	}
}

// volumeText writes a category's volume in its unit: the count alone for
// messages (the column says so), with the unit for others ("12,345 tokens").
func volumeText(c usage.Category, n int64) string {
	if c.Unit() == usage.UnitMessage {
		return formatInt(n)
	}
	return formatInt(n) + " " + c.Unit().Noun(n)
}
