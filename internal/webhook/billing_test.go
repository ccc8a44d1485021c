package webhook

import (
	"testing"

	"github.com/insights-dev/insights/internal/usage"
)

func TestChargeableStatus(t *testing.T) {
	for st, want := range map[string]bool{
		StatusSent: false, StatusDelivered: true, StatusRead: true, StatusFailed: false,
		"DELIVERED": true, "deleted": false, "": false,
	} {
		if got := ChargeableStatus(MessageStatus{Status: st}); got != want {
			t.Errorf("ChargeableStatus(%q) = %v, want %v", st, got, want)
		}
	}
}

func TestCountAt(t *testing.T) {
	tests := []struct {
		name   string
		prev   []string
		status string
		want   bool
	}{
		{"sent never counts", nil, StatusSent, false},
		{"failed never counts", nil, StatusFailed, false},
		{"failed after sent", []string{StatusSent}, StatusFailed, false},
		{"unknown never counts", nil, "deleted", false},
		{"first delivered", nil, StatusDelivered, true},
		{"delivered after sent", []string{StatusSent}, StatusDelivered, true},
		{"duplicate delivered", []string{StatusSent, StatusDelivered}, StatusDelivered, false},
		{"read after delivered", []string{StatusSent, StatusDelivered}, StatusRead, false},
		{"read without delivered", []string{StatusSent}, StatusRead, true},
		{"read alone", nil, StatusRead, true},
		{"duplicate read", []string{StatusRead}, StatusRead, false},
		{"delivered after read (out of order)", []string{StatusRead}, StatusDelivered, false},
		{"delivered after read and sent", []string{StatusRead, StatusSent}, StatusDelivered, false},
		{"delivered after failed", []string{StatusFailed}, StatusDelivered, true},
		{"upper-case history", []string{"DELIVERED"}, StatusRead, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountAt(tt.prev, MessageStatus{MessageID: "wamid.1", Status: tt.status}); got != tt.want {
				t.Errorf("CountAt(%v, %s) = %v, want %v", tt.prev, tt.status, got, tt.want)
			}
		})
	}
}

// Every arrival order of a message's statuses, with duplicates, counts it
// exactly once when it was delivered or read, and never otherwise.
func TestCountAtExactlyOnceInAnyOrder(t *testing.T) {
	sets := []struct {
		statuses []string
		want     int
	}{
		{[]string{StatusSent, StatusDelivered, StatusRead, StatusDelivered, StatusRead}, 1},
		{[]string{StatusSent, StatusRead, StatusRead}, 1},
		{[]string{StatusDelivered, StatusDelivered}, 1},
		{[]string{StatusSent, StatusFailed, StatusSent}, 0},
		{[]string{StatusSent}, 0},
	}
	for _, set := range sets {
		permute(set.statuses, func(order []string) {
			var seen []string
			counted := 0
			for _, st := range order {
				if CountAt(seen, MessageStatus{Status: st}) {
					counted++
				}
				seen = append(seen, st)
			}
			if counted != set.want {
				t.Errorf("order %v counted %d times, want %d", order, counted, set.want)
			}
		})
	}
}

func permute(s []string, f func([]string)) {
	a := append([]string(nil), s...)
	var rec func(int)
	rec = func(k int) {
		if k == len(a) {
			f(a)
			return
		}
		for i := k; i < len(a); i++ {
			a[k], a[i] = a[i], a[k]
			rec(k + 1)
			a[k], a[i] = a[i], a[k]
		}
	}
	rec(0)
}

func priced(st string, sec int64, cat usage.Category, pt usage.PricingType) MessageStatus {
	return MessageStatus{MessageID: "wamid.1", Status: st, Timestamp: utc(sec), RecipientID: "4915112345678",
		HasPricing: true, Category: cat, PricingType: pt}
}

func bare(st string, sec int64) MessageStatus {
	return MessageStatus{MessageID: "wamid.1", Status: st, Timestamp: utc(sec), RecipientID: "4915112345678"}
}

func TestPricingFrom(t *testing.T) {
	mk, ut := usage.CategoryMarketing, usage.CategoryUtility
	reg, free := usage.PricingRegular, usage.PricingFreeCustomerService
	tests := []struct {
		name     string
		statuses []MessageStatus
		cat      usage.Category
		pt       usage.PricingType
		ok       bool
	}{
		{"none", nil, "", "", false},
		{"no pricing anywhere", []MessageStatus{bare(StatusSent, 1), bare(StatusDelivered, 2)}, "", "", false},
		{"only on sent", []MessageStatus{priced(StatusSent, 1, mk, reg), bare(StatusDelivered, 2)}, mk, reg, true},
		{"only on read", []MessageStatus{bare(StatusDelivered, 2), priced(StatusRead, 3, ut, free)}, ut, free, true},
		{"delivered preferred over earlier sent", []MessageStatus{priced(StatusSent, 1, mk, reg), priced(StatusDelivered, 2, ut, reg)}, ut, reg, true},
		{"first counting one wins", []MessageStatus{priced(StatusRead, 3, ut, reg), priced(StatusDelivered, 2, mk, reg)}, ut, reg, true},
		{"failed with pricing as fallback", []MessageStatus{priced(StatusFailed, 1, mk, reg)}, mk, reg, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat, pt, ok := PricingFrom(tt.statuses)
			if cat != tt.cat || pt != tt.pt || ok != tt.ok {
				t.Errorf("PricingFrom = %q %q %v, want %q %q %v", cat, pt, ok, tt.cat, tt.pt, tt.ok)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	mk, reg, free := usage.CategoryMarketing, usage.PricingRegular, usage.PricingFreeCustomerService
	tests := []struct {
		name     string
		statuses []MessageStatus
		want     Billing
	}{
		{"empty", nil, Billing{}},
		{
			"sent, delivered, read: counted at delivered",
			[]MessageStatus{priced(StatusSent, 10, mk, reg), priced(StatusDelivered, 12, mk, reg), bare(StatusRead, 30)},
			Billing{MessageID: "wamid.1", Counted: true, CountedStatus: StatusDelivered, CountedAt: utc(12),
				Category: mk, PricingType: reg, PricingKnown: true, Country: "DE"},
		},
		{
			"read before delivered: counted at read",
			[]MessageStatus{priced(StatusSent, 10, mk, reg), priced(StatusRead, 15, mk, reg), bare(StatusDelivered, 12)},
			Billing{MessageID: "wamid.1", Counted: true, CountedStatus: StatusRead, CountedAt: utc(15),
				Category: mk, PricingType: reg, PricingKnown: true, Country: "DE"},
		},
		{
			"failed: not counted",
			[]MessageStatus{priced(StatusSent, 10, mk, reg), bare(StatusFailed, 11)},
			Billing{MessageID: "wamid.1", Category: mk, PricingType: reg, PricingKnown: true, Country: "DE", Failed: true},
		},
		{
			"other message skipped",
			[]MessageStatus{bare(StatusSent, 10), {MessageID: "wamid.2", Status: StatusDelivered, Timestamp: utc(11)}},
			Billing{MessageID: "wamid.1", Country: "DE"},
		},
		{
			"free service counted at zero price",
			[]MessageStatus{priced(StatusDelivered, 12, usage.CategoryService, free)},
			Billing{MessageID: "wamid.1", Counted: true, CountedStatus: StatusDelivered, CountedAt: utc(12),
				Category: usage.CategoryService, PricingType: free, PricingKnown: true, Country: "DE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Resolve(tt.statuses)
			if got != tt.want {
				t.Errorf("Resolve =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestBillingChargeable(t *testing.T) {
	tests := []struct {
		b    Billing
		want bool
	}{
		{Billing{Counted: true, PricingKnown: true, PricingType: usage.PricingRegular}, true},
		{Billing{Counted: true, PricingKnown: true, PricingType: usage.PricingFreeEntryPoint}, false},
		{Billing{Counted: true, PricingKnown: false}, false},
		{Billing{Counted: false, PricingKnown: true, PricingType: usage.PricingRegular}, false},
	}
	for i, tt := range tests {
		if got := tt.b.Chargeable(); got != tt.want {
			t.Errorf("%d: Chargeable(%+v) = %v, want %v", i, tt.b, got, tt.want)
		}
	}
}
