// Package webhook reads WhatsApp Business webhooks in the Cloud API format, as
// 360dialog forwards them: it verifies their signature, parses them into typed
// events (message statuses with pricing, call events, volume-tier updates),
// states the rule by which a message is counted, and estimates costs from a
// rate card.
//
// The package is pure: no HTTP framework, no database, no clock. The server
// reads at most [MaxBodyBytes] of the request, calls [VerifySignature] on the
// raw bytes, then [Parse]; it stores each event under its natural key
// (message id + status, call id + event) and uses [CountAt] to decide which
// status of a message counts.
//
// Parsing is all or nothing: a payload with any malformed part is rejected
// with a [*ParseError] naming the JSON path, so that 360dialog retries it (for
// up to 7 days) rather than Insights counting half of it. What is merely
// unfamiliar is kept: unknown status, event, category and pricing-type values
// pass through unchanged, unknown change fields are listed in
// [Batch.Ignored], and extra JSON keys are tolerated. Payloads are decoded
// into typed structs with github.com/go-json-experiment/json under the
// reading rules of internal/jsonread, which the Partner API client shares:
// member names match as Meta spells them (not in any letter case), and a
// name that repeats counts once, the last time.
//
// # Counting messages
//
// Under Meta's per-message pricing a message is charged when it is delivered.
// Its statuses arrive separately, may be retried (duplicates; 360dialog
// retries failed deliveries for up to 7 days) and may arrive out of order
// (read before delivered); a message read at once may never get a delivered
// status at all. Insights therefore counts a message exactly once per wamid:
//
//   - at its first delivered status, or
//   - at its first read status when no delivered or read came before it;
//   - never at sent or failed, nor at any unknown status.
//
// Counted messages include free ones (service, free entry point): they count
// in volume at cost zero, as in the Partner API's usage. The pricing of a
// message comes from whichever of its statuses carried it ([PricingFrom]),
// which need not be the counting one. The rule needs the statuses already seen
// for the wamid: the receiver keeps them in the database, keyed by wamid and
// status, and asks [CountAt] before storing a new one; [Resolve] folds a
// message's whole history the same way.
//
// # Estimates
//
// Webhook events reach Insights before the Partner API reports usage, so their
// cost is estimated from a rate-card book (ratecard.Book) (per message by category and
// recipient country, per call minute by called country, with the card in
// force on the day the message counted) and labelled an estimate.
// [CountryFromPhone] maps a recipient to its market by calling code.
// [EstimateMessage] and [EstimateCall] price a counted message or terminated
// call as the counters fold it, and say which card priced it;
// [CallCompleted] says which calls count.
package webhook

// MaxBodyBytes is the largest webhook body Insights accepts (1 MiB). Meta
// batches at most a few hundred small events per delivery, far below this;
// the receiver should cut the request body at this size (http.MaxBytesReader)
// before reading it, and [Parse] refuses anything larger.
const MaxBodyBytes = 1 << 20
