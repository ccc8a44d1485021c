package store

// GORM models mirror the migrated tables. They stay unexported: callers use
// the plain structs of this package and of package usage.

type clientModel struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	Status    string
	Timezone  string
	Country   string
	UpdatedAt int64 `gorm:"autoUpdateTime:false"`
	// UsageVersion is written only by the rollup refresh (never by upserts).
	UsageVersion int64 `gorm:"<-:false"`
	// RollupZone is written only by the local-day rollup (localrollup.go).
	RollupZone string `gorm:"<-:false"`
}

func (clientModel) TableName() string { return "clients" }

type channelModel struct {
	ID               string `gorm:"primaryKey"`
	ClientID         string
	WABAID           string `gorm:"column:waba_id"`
	WABAExternalID   string `gorm:"column:waba_external_id"`
	Currency         string
	Timezone         string
	PhoneNumber      string
	PhoneDigits      string
	PhoneNumberID    string `gorm:"column:phone_number_id"`
	PhoneName        string
	Status           string
	BillingStartedAt *int64
	UpdatedAt        int64 `gorm:"autoUpdateTime:false"`
}

func (channelModel) TableName() string { return "channels" }

type usagePointModel struct {
	ChannelID   string `gorm:"primaryKey"`
	Granularity string `gorm:"primaryKey"`
	BucketStart int64  `gorm:"primaryKey;autoIncrement:false"`
	Category    string `gorm:"primaryKey"`
	PricingType string `gorm:"primaryKey"`
	Country     string `gorm:"primaryKey"`
	Tier        string `gorm:"primaryKey"`
	BucketEnd   int64
	Volume      int64
	Currency    string
	CostNanos   *int64
	// CostEstimated is 1 when CostNanos is Insights' estimate from the
	// rate card (the source left cost out), else 0.
	CostEstimated int64
}

func (usagePointModel) TableName() string { return "usage_points" }

type callPointModel struct {
	ChannelID   string `gorm:"primaryKey"`
	Granularity string `gorm:"primaryKey"`
	BucketStart int64  `gorm:"primaryKey;autoIncrement:false"`
	Direction   string `gorm:"primaryKey"`
	Country     string `gorm:"primaryKey"`
	BucketEnd   int64
	Count       int64
	Seconds     int64
	Currency    string
	CostNanos   *int64
	// CostEstimated: as in usagePointModel.
	CostEstimated int64
}

func (callPointModel) TableName() string { return "call_points" }

type pollRunModel struct {
	ID          int64 `gorm:"primaryKey"`
	ChannelID   string
	Kind        string
	WindowStart *int64
	WindowEnd   *int64
	StartedAt   int64
	DurationMS  int64 `gorm:"column:duration_ms"`
	Outcome     string
	Error       string
	Points      int64
}

func (pollRunModel) TableName() string { return "poll_runs" }

type pollStateModel struct {
	ChannelID           string `gorm:"primaryKey"`
	BackfilledFrom      *int64
	BackfilledUntil     *int64
	LastRecentAt        *int64
	LastWeekAt          *int64
	PausedUntil         *int64
	ConsecutiveFailures int64
	UpdatedAt           int64 `gorm:"autoUpdateTime:false"`
}

func (pollStateModel) TableName() string { return "poll_state" }

type requestModel struct {
	ID        int64 `gorm:"primaryKey"`
	ChannelID string
	WABAID    string `gorm:"column:waba_id"`
	At        int64
}

func (requestModel) TableName() string { return "request_log" }

type balanceModel struct {
	ChannelID      string `gorm:"primaryKey"`
	ReadAt         int64  `gorm:"primaryKey;autoIncrement:false"`
	Currency       string
	BalanceNanos   int64
	ThresholdNanos *int64
}

func (balanceModel) TableName() string { return "balances" }
