package server

import (
	"slices"

	"github.com/insights-dev/insights/internal/usage"
	"github.com/insights-dev/insights/templates/pages"
)

// costEstimate describes the costs of a page over p that are estimates:
// the points of u and calls whose cost the source left out and the poller
// priced from the rate card, and the cards in force over p in the
// currencies of those estimates (the server's book, which the poller of
// the same process prices with).
func (s *Server) costEstimate(p usage.Period, u usage.Summary, calls ...usage.CallSummary) pages.CostEstimate {
	e := pages.CostEstimate{Points: u.CostEstimated}
	var currencies []string
	for _, en := range u.Series {
		if en.CostEstimated > 0 && en.Currency != "" {
			currencies = append(currencies, en.Currency)
		}
	}
	for _, c := range calls {
		e.Points += c.CostEstimated
		if c.CostEstimated > 0 {
			currencies = append(currencies, c.Cost.Currencies()...)
		}
	}
	if e.Points == 0 {
		return pages.CostEstimate{}
	}
	slices.Sort(currencies)
	book := s.tierBook()
	for _, cur := range slices.Compact(currencies) {
		for _, c := range book.InForce(p.Start(), p.End(), cur) {
			if !slices.Contains(e.Cards, c.ID) {
				e.Cards = append(e.Cards, c.ID)
			}
		}
	}
	return e
}
