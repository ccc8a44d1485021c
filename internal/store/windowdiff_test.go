package store

import (
	"reflect"
	"strings"
	"testing"
)

func usageModel(slot int64, category string, volume int64, cost *int64) usagePointModel {
	return usagePointModel{ChannelID: "ch1", Granularity: "half_hour", BucketStart: slot * 1800, Category: category,
		PricingType: "REGULAR", Country: "DE", Tier: "0:MAX", BucketEnd: (slot + 1) * 1800, Volume: volume,
		Currency: "EUR", CostNanos: cost}
}

func callModel(slot int64, direction string, count, seconds int64) callPointModel {
	return callPointModel{ChannelID: "ch1", Granularity: "half_hour", BucketStart: slot * 1800, Direction: direction,
		Country: "DE", BucketEnd: (slot + 1) * 1800, Count: count, Seconds: seconds, Currency: "EUR", CostNanos: nanos(10)}
}

func nanos(v int64) *int64 { return &v }

func answerOf[R windowRow[R, K], K comparable](t *testing.T, rows ...R) *windowAnswer[R, K] {
	t.Helper()
	a := newWindowAnswer[R](len(rows))
	for _, r := range rows {
		if err := a.add(r); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// TestDiffWindow checks the one diff that decides, for usage and call points
// alike, which rows a saved window writes, leaves alone and deletes.
func TestDiffWindow(t *testing.T) {
	t.Parallel()
	mk, ut := "MARKETING", "UTILITY"
	tests := []struct {
		name   string
		stored []usagePointModel
		answer []usagePointModel
		want   windowDiff[usagePointModel]
	}{
		{name: "new rows are written in the answer's order",
			answer: []usagePointModel{usageModel(1, mk, 5, nanos(50)), usageModel(0, mk, 3, nanos(30))},
			want:   windowDiff[usagePointModel]{write: []usagePointModel{usageModel(1, mk, 5, nanos(50)), usageModel(0, mk, 3, nanos(30))}}},
		{name: "unchanged rows are not written",
			stored: []usagePointModel{usageModel(0, mk, 3, nanos(30)), usageModel(0, ut, 1, nil)},
			answer: []usagePointModel{usageModel(0, mk, 3, nanos(30)), usageModel(0, ut, 1, nil)},
			want:   windowDiff[usagePointModel]{unchanged: 2}},
		{name: "changed rows replace the stored ones",
			stored: []usagePointModel{usageModel(0, mk, 3, nanos(30))},
			answer: []usagePointModel{usageModel(0, mk, 4, nanos(40))},
			want: windowDiff[usagePointModel]{write: []usagePointModel{usageModel(0, mk, 4, nanos(40))},
				replaced: []usagePointModel{usageModel(0, mk, 3, nanos(30))}}},
		{name: "an unknown cost differs from a cost of zero",
			stored: []usagePointModel{usageModel(0, mk, 3, nil)},
			answer: []usagePointModel{usageModel(0, mk, 3, nanos(0))},
			want: windowDiff[usagePointModel]{write: []usagePointModel{usageModel(0, mk, 3, nanos(0))},
				replaced: []usagePointModel{usageModel(0, mk, 3, nil)}}},
		{name: "stored rows missing from the answer are removed",
			stored: []usagePointModel{usageModel(0, mk, 3, nanos(30)), usageModel(2, ut, 1, nanos(5))},
			want:   windowDiff[usagePointModel]{removed: []usagePointModel{usageModel(0, mk, 3, nanos(30)), usageModel(2, ut, 1, nanos(5))}}},
		{name: "new, changed, unchanged and removed together",
			stored: []usagePointModel{usageModel(0, mk, 3, nanos(30)), usageModel(1, mk, 2, nanos(20)), usageModel(2, ut, 1, nanos(5))},
			answer: []usagePointModel{usageModel(3, mk, 9, nanos(90)), usageModel(1, mk, 2, nanos(20)), usageModel(0, mk, 4, nanos(40))},
			want: windowDiff[usagePointModel]{
				write:     []usagePointModel{usageModel(3, mk, 9, nanos(90)), usageModel(0, mk, 4, nanos(40))},
				replaced:  []usagePointModel{usageModel(0, mk, 3, nanos(30))},
				removed:   []usagePointModel{usageModel(2, ut, 1, nanos(5))},
				unchanged: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diffWindow(tt.stored, answerOf[usagePointModel](t, tt.answer...))
			if len(got.write) == 0 {
				got.write = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("diff =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}

	t.Run("call points", func(t *testing.T) {
		stored := []callPointModel{callModel(0, "USER_INITIATED", 2, 60), callModel(0, "BUSINESS_INITIATED", 1, 30),
			callModel(1, "USER_INITIATED", 4, 100)}
		answer := answerOf[callPointModel](t, callModel(0, "USER_INITIATED", 2, 61), callModel(0, "BUSINESS_INITIATED", 1, 30),
			callModel(2, "USER_INITIATED", 1, 10))
		want := windowDiff[callPointModel]{
			write:     []callPointModel{callModel(0, "USER_INITIATED", 2, 61), callModel(2, "USER_INITIATED", 1, 10)},
			replaced:  []callPointModel{callModel(0, "USER_INITIATED", 2, 60)},
			removed:   []callPointModel{callModel(1, "USER_INITIATED", 4, 100)},
			unchanged: 1,
		}
		if got := diffWindow(stored, answer); !reflect.DeepEqual(got, want) {
			t.Errorf("diff =\n%+v\nwant\n%+v", got, want)
		}
	})
}

// TestWindowAnswerSumsDuplicateKeys checks an answer reporting a key twice is
// stored once, summed, with its cost unknown if any part's is.
func TestWindowAnswerSumsDuplicateKeys(t *testing.T) {
	t.Parallel()
	a := answerOf[usagePointModel](t, usageModel(0, "MARKETING", 2, nanos(20)), usageModel(1, "MARKETING", 1, nanos(10)),
		usageModel(0, "MARKETING", 3, nanos(30)))
	want := []usagePointModel{usageModel(0, "MARKETING", 5, nanos(50)), usageModel(1, "MARKETING", 1, nanos(10))}
	if !reflect.DeepEqual(a.rows, want) {
		t.Errorf("rows = %+v, want %+v", a.rows, want)
	}
	if err := a.add(usageModel(1, "MARKETING", 1, nil)); err != nil || a.rows[1].CostNanos != nil || a.rows[1].Volume != 2 {
		t.Errorf("an unknown part: %+v, %v; want volume 2 and an unknown cost", a.rows[1], err)
	}

	calls := answerOf[callPointModel](t, callModel(0, "USER_INITIATED", 2, 60), callModel(0, "USER_INITIATED", 1, 30))
	if want := callModel(0, "USER_INITIATED", 3, 90); len(calls.rows) != 1 || calls.rows[0].Count != want.Count ||
		calls.rows[0].Seconds != want.Seconds || *calls.rows[0].CostNanos != 20 {
		t.Errorf("calls = %+v, want one row of 3 calls, 90 s and cost 20", calls.rows)
	}
	usd := callModel(0, "USER_INITIATED", 1, 30)
	usd.Currency = "USD"
	if err := calls.add(usd); err == nil || !strings.Contains(err.Error(), `currency "USD" differs from "EUR"`) {
		t.Errorf("a second currency under one key: %v", err)
	}
}
