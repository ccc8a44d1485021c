// Package ingest is the webhook ingest pipeline: it maps parsed webhook
// events to their channels and commits the events of many concurrent
// deliveries in one transaction, so that a delivery is acknowledged only once
// its events are durable.
//
// The HTTP side (authentication, body limits, the JSON answer) stays in
// internal/server; this package has no HTTP framework. [Pipeline.Ingest]
// takes one delivery's [webhook.Batch] and returns after its commit:
//
//   - Channel lookup: each event goes to the channel the webhook URL named,
//     else the one whose phone number id or number matches the metadata's
//     phone_number_id, else its display_phone_number. Lookups are cached for
//     five minutes; a number that matches no channel is remembered as unknown
//     for 30 seconds only, so a channel discovered meanwhile is found soon.
//   - Pending events: events of an unknown channel are kept pending in the
//     same commit (store.UnknownEvent), and the pipeline asks the poller to
//     discover channels (Options.RequestDiscovery); the events are counted
//     once a discovery brings their channel (store.ResolvePendingWebhooks).
//   - Group commit: one writer goroutine takes the first waiting delivery,
//     gathers more for up to Options.MaxWait (or MaxBatches deliveries, or
//     20,000 events), saves them in one transaction and answers every
//     waiting caller. While one commit runs the next group queues up, so a
//     short wait is enough. [Pipeline.Close] refuses new deliveries and
//     commits those already queued.
//
// Costs of the counted messages and calls are estimated from the rate-card
// book (ratecard.Book, the card in force on each one's day) as the store
// folds the events.
package ingest
