package server

import (
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// unitServer serves a client "bright" (UTC, USD) with, from 1 to 14 March
// 2026, 100 marketing messages ($5.00), 7 of a category Insights does not
// know ($0.70) and 12,000 Meta Business Agent tokens ($1.20); in the
// previous period (20 February) 50 marketing messages ($2.50) and 6,000
// tokens ($0.60).
func unitServer(t *testing.T) http.Handler {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	if err := st.UpsertClients(ctx, []store.Client{{ID: "bright", Name: "Brightside", Timezone: "UTC"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertChannels(ctx, []store.Channel{{ID: "ch-b1", ClientID: "bright", WABAID: "wb", Currency: "USD", Timezone: "UTC",
		PhoneNumber: "+1 212 0100", PhoneName: "Brightside"}}); err != nil {
		t.Fatal(err)
	}
	err := st.SaveUsageWindow(ctx, store.UsageWindow{ChannelID: "ch-b1", Start: at("2026-02-01T00:00:00Z"), End: at("2026-03-15T12:00:00Z"),
		Granularity: usage.HalfHour, Points: []usage.Point{
			point("2026-03-10T09:00:00Z", "MARKETING", "REGULAR", "US", 100, "USD", "5.00"),
			point("2026-03-11T09:00:00Z", "NEW_THING", "REGULAR", "US", 7, "USD", "0.70"),
			point("2026-03-10T10:00:00Z", "META_BUSINESS_AGENT", "REGULAR", "US", 8000, "USD", "0.80"),
			point("2026-03-12T10:00:00Z", "META_BUSINESS_AGENT", "REGULAR", "US", 4000, "USD", "0.40"),
			point("2026-02-20T09:00:00Z", "MARKETING", "REGULAR", "US", 50, "USD", "2.50"),
			point("2026-02-20T10:00:00Z", "META_BUSINESS_AGENT", "REGULAR", "US", 6000, "USD", "0.60"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), AllowAnonymous: true, Now: func() time.Time { return pageNow }}).Handler()
}

type unitsAPI struct {
	Totals []struct {
		Currency string
		Volume   int64
		Cost     string
	}
	Units []struct {
		Category, Label, Unit, Currency, Cost string
		Volume                                int64
	}
	Previous struct {
		Totals []struct{ Volume int64 }
		Units  []struct {
			Category string
			Volume   int64
		}
	}
	Series []map[string]any
}

// The API counts messages without the tokens, lists the tokens as units in
// the period and the one before, and marks the agent's series entries.
func TestUsageAPIKeepsTokensApart(t *testing.T) {
	t.Parallel()
	h := unitServer(t)
	for _, groupBy := range []string{"", "category", "client"} {
		t.Run("group_by="+groupBy, func(t *testing.T) {
			var u unitsAPI
			getJSON(t, h, "/api/v1/usage?from=2026-03-01&to=2026-03-14&client=bright&group_by="+groupBy, &u)
			if len(u.Totals) != 1 || u.Totals[0].Volume != 107 || u.Totals[0].Cost != "6.90" {
				t.Errorf("totals %+v, want 107 messages (no tokens), cost 6.90 (the tokens' included)", u.Totals)
			}
			if len(u.Units) != 1 || u.Units[0].Category != "META_BUSINESS_AGENT" || u.Units[0].Label != "Meta Business Agent" ||
				u.Units[0].Unit != "token" || u.Units[0].Currency != "USD" || u.Units[0].Volume != 12000 || u.Units[0].Cost != "1.20" {
				t.Errorf("units %+v, want 12,000 Meta Business Agent tokens at 1.20 USD", u.Units)
			}
			if len(u.Previous.Totals) != 1 || u.Previous.Totals[0].Volume != 50 ||
				len(u.Previous.Units) != 1 || u.Previous.Units[0].Volume != 6000 {
				t.Errorf("previous %+v, want 50 messages and 6,000 tokens", u.Previous)
			}
			var agent, unknown, msgs int64
			for _, e := range u.Series {
				msgs += int64(e["volume"].(float64))
				switch e["category"] {
				case "META_BUSINESS_AGENT":
					if e["volume"].(float64) != 0 || e["unit"] != "token" {
						t.Errorf("agent entry %v: want volume 0, unit token", e)
					}
					agent += int64(e["units"].(float64))
				case "NEW_THING":
					if _, ok := e["unit"]; ok {
						t.Errorf("unknown category's entry %v has a unit: it counts messages", e)
					}
					unknown += int64(e["volume"].(float64))
				}
			}
			if msgs != 107 {
				t.Errorf("series volume %d, want 107", msgs)
			}
			if groupBy == "category" && (agent != 12000 || unknown != 7) {
				t.Errorf("series by category: %d tokens, %d unknown messages; want 12,000 and 7", agent, unknown)
			}
		})
	}
	res, body := get(t, h, "/export/usage.csv?from=2026-03-01&to=2026-03-14&client=bright&group_by=category")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("csv: %d", res.StatusCode)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var tokens int
	for _, r := range rows[1:] {
		if r[1] == "META_BUSINESS_AGENT" {
			if r[3] != "0" || r[6] != "token" || (r[7] != "8000" && r[7] != "4000") {
				t.Errorf("agent CSV row %q, want volume 0, unit token and its tokens", r)
			}
			tokens++
		} else if r[6] != "" || r[7] != "" {
			t.Errorf("message row %q has units", r)
		}
	}
	if tokens != 2 {
		t.Errorf("%d agent rows in the CSV, want 2:\n%s", tokens, body)
	}
}

// The client's view counts 107 messages, shows the tokens on a card of
// their own, leaves them out of the messages chart and names the category
// it does not know.
func TestInsightsShowTokensApart(t *testing.T) {
	t.Parallel()
	h := unitServer(t)
	doc := getDoc(t, h, "/clients/bright?from=2026-03-01&to=2026-03-14&granularity=day", http.StatusOK)
	if v, _ := kpi(t, doc, "kpi-messages"); v != "107" {
		t.Errorf("Total messages %q, want 107 (no tokens)", v)
	}
	if v, _ := kpi(t, doc, "kpi-cost"); v != "$6.90" {
		t.Errorf("Total cost %q, want $6.90 (the tokens' included)", v)
	}
	card := doc.Find(testid("units-meta_business_agent"))
	if got := text(card.Find(testid("kpi-value"))); got != "12,000 tokens" {
		t.Errorf("agent card value %q, want 12,000 tokens", got)
	}
	if got := text(card.Find(testid("kpi-sub"))); !strings.Contains(got, "$1.20") {
		t.Errorf("agent card sub %q, want its cost $1.20", got)
	}
	if got := text(card.Find(testid("kpi-previous"))); !strings.Contains(got, "6,000 tokens") {
		t.Errorf("agent card previous %q, want 6,000 tokens", got)
	}
	notice := text(doc.Find(testid("notice-unknown-categories")))
	if !strings.Contains(notice, "New Thing (NEW_THING)") || !strings.Contains(notice, "counted as messages") {
		t.Errorf("unknown-category notice %q", notice)
	}
	overview := getDoc(t, h, "/?from=2026-03-01&to=2026-03-14", http.StatusOK)
	if v, _ := kpi(t, overview, "kpi-messages"); v != "107" {
		t.Errorf("overview Total messages %q, want 107 (no tokens)", v)
	}
	table := text(doc.Find(testid("chart-messages")).Find(testid("chart-table")))
	if strings.Contains(table, "Meta Business Agent") || !strings.Contains(table, "New Thing") {
		t.Errorf("messages chart table shows the agent's tokens or misses the unknown category: %q", table)
	}
}

// The statement counts messages without tokens, shows the agent's tokens on
// a card and in its category row, and lists them in the CSV.
func TestStatementShowsTokensApart(t *testing.T) {
	t.Parallel()
	h := unitServer(t)
	doc := getDoc(t, h, "/reports/monthly?client=bright&month=2026-03", http.StatusOK)
	if got := text(doc.Find(testid("report-kpi-messages")).Find(testid("kpi-value"))); got != "107" {
		t.Errorf("statement messages %q, want 107", got)
	}
	card := doc.Find(testid("units-meta_business_agent"))
	if got := text(card.Find(testid("kpi-value"))); got != "12,000 tokens" {
		t.Errorf("statement agent card %q", got)
	}
	row := doc.Find(testid("report-by-category")).Find(`[data-key="META_BUSINESS_AGENT"]`)
	if got := text(row.Find("td").First()); got != "12,000 tokens" {
		t.Errorf("statement category row of the agent: %q, want 12,000 tokens", got)
	}
	if got := text(doc.Find(testid("report-by-category")).Find(testid("report-total")).Find("td").First()); got != "107" {
		t.Errorf("statement category total %q, want 107 messages", got)
	}
	if got := text(doc.Find(testid("notice-unknown-categories"))); !strings.Contains(got, "New Thing (NEW_THING)") {
		t.Errorf("statement unknown-category notice %q", got)
	}
	res, body := get(t, h, "/reports/monthly?client=bright&month=2026-03&format=csv")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("statement csv: %d", res.StatusCode)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range rows[1:] {
		if r[0] == "category" && r[3] == "META_BUSINESS_AGENT" {
			found = true
			if r[5] != "0" || r[8] != "1.20" || r[10] != "token" || r[11] != "12000" {
				t.Errorf("statement CSV agent row %q", r)
			}
		}
	}
	if !found {
		t.Errorf("no agent category row in the statement CSV:\n%s", body)
	}
}
