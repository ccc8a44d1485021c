package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/simulator"
	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/usage"
)

// SeedFromSimulator stores the simulator's clients, channels, half-hour
// usage points and call points over [from, to) exactly as the poller would,
// for tests that compare what Insights shows with the simulator's truth.
func SeedFromSimulator(tb testing.TB, st *store.Store, sim *simulator.Simulator, from, to time.Time) {
	tb.Helper()
	if err := seedSimulator(context.Background(), st, sim, from, to); err != nil {
		tb.Fatal(err)
	}
}

func seedSimulator(ctx context.Context, st *store.Store, sim *simulator.Simulator, from, to time.Time) error {
	for _, c := range sim.Clients() {
		if err := st.UpsertClients(ctx, []store.Client{{ID: c.ID, Name: c.Name, Timezone: c.Timezone, Country: c.Country, Status: "active"}}); err != nil {
			return err
		}
	}
	for _, ch := range sim.Channels() {
		if err := st.UpsertChannels(ctx, []store.Channel{{ID: ch.ID, ClientID: ch.ClientID, WABAID: ch.WABAID, Currency: ch.Currency,
			Timezone: ch.Timezone, PhoneNumber: ch.PhoneNumber, PhoneName: ch.PhoneName, Status: "ready"}}); err != nil {
			return err
		}
		w := store.UsageWindow{ChannelID: ch.ID, Start: from, End: to, Granularity: usage.HalfHour,
			Points: sim.UsagePoints(ch.ID, from, to), Calls: sim.CallPoints(ch.ID, from, to)}
		if err := st.SaveUsageWindow(ctx, w); err != nil {
			return err
		}
	}
	return nil
}
