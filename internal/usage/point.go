package usage

import "time"

// Point is one usage data point as the Partner API reports it: messages of one
// category, pricing type and country for one channel in one UTC bucket.
type Point struct {
	ChannelID   string
	Start       time.Time // UTC bucket start
	End         time.Time // UTC bucket end (exclusive)
	Granularity Granularity
	Category    Category
	PricingType PricingType
	Country     string // ISO 3166 alpha-2, upper case; "" when not reported
	Tier        string // "0:MAX", "" for free messages
	Volume      int64
	Currency    string
	CostNanos   int64
	CostKnown   bool // false when the source omitted cost (stored as unknown, never zero)
	// CostEstimated is true when the source omitted cost and Insights
	// priced the point from the rate card in force on its day
	// (ratecard.EstimatePoints); CostKnown is then true.
	CostEstimated bool
}

// CallPoint is one call-analytics point: calls of one direction for one
// channel in one UTC bucket.
type CallPoint struct {
	ChannelID   string
	Start       time.Time
	End         time.Time
	Granularity Granularity
	Direction   Direction
	Country     string
	Count       int64
	Seconds     int64 // total duration: count × average duration
	Currency    string
	CostNanos   int64
	CostKnown   bool
	// CostEstimated: as in Point (ratecard.EstimateCalls).
	CostEstimated bool
}
