// Package partnerapi is a typed client for the 360dialog Partner API (Hub API
// v2): it lists a partner's clients and channels (every page), reads a
// channel's usage (Meta's pricing and call analytics) and its balance.
//
// Why it looks the way it does:
//
//   - The shapes of the JSON bodies are partly a contract that the public pages
//     do not show, so every one of them is decoded in decode.go and nowhere
//     else: when the live API differs, one edit there fixes it. Bodies are
//     decoded into typed wire structs with github.com/go-json-experiment/json,
//     under the reading rules of internal/jsonread that the webhook shares (a
//     repeated member name: the last one counts). Decoding is tolerant of
//     extra fields and strict about the fields it uses: a malformed value is
//     a *DecodeError naming its JSON path, never a silent zero.
//   - An answer is checked before it can pass for the truth about its
//     window, since the poller saves it as exactly that: a usage answer with
//     neither pricing_analytics nor call_analytics, or an analytics object
//     with neither data nor data_points, is a *DecodeError (no data is an
//     empty list); so is a point that repeats another's key (start,
//     category, type, country and tier; for calls start, direction and
//     country), which the store would add up, and an answer in a currency
//     other than the channel's (UsageRequest.Currency), which would put two
//     currencies in one window. An answer that names no currency (Meta's own
//     analytics do not) is in the channel's.
//   - Strings that are not valid UTF-8 (raw bytes or escaped lone
//     surrogates): in names people read (a client's name and organisation,
//     its contact country, a channel's phone name) they become U+FFFD, so a
//     garbled name does not cost the whole list; in ids, codes and the
//     dimensions of usage points, which become keys, they are a *DecodeError
//     naming the field, as a replaced byte could make two values one.
//   - Money never goes through float64: costs are read from the raw JSON number
//     text into usage's integer nano-units. A missing or null cost stays
//     unknown (usage.Point.CostKnown false).
//   - The client retries what is worth retrying (5xx, network errors, timeouts
//     of one attempt) with jittered exponential backoff, but never a rate limit:
//     a 429, or a 400 that says "rate limit", comes back at once as a
//     *RateLimitError with its Retry-After, because the poller owns the request
//     budgets of channels and WABAs and decides what to pause.
//   - No redirect is followed, to another host or the same one: Go's
//     http.Client would re-send X-API-Key to whatever host a Location names.
//     A 3xx answer is a *RedirectError naming its Location, not retried.
//   - Client.Check (for "insights check") calls each endpoint once, without
//     retries, and compares each answer strictly with the wire structs
//     (shape.go reads their members, check:"required" tags and value
//     types), naming every unexpected, missing or wrongly typed member by
//     its JSON path; the decoding above stays lenient. Redactor turns the
//     answers into a sample that can be sent to support.
//   - Usage windows are half-open [Start, End) everywhere in Insights, while the
//     API's end_date is inclusive; ChannelUsage translates and drops any point
//     that falls outside the window the caller asked for.
package partnerapi
