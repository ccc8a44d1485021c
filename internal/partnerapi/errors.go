package partnerapi

import (
	"errors"
	"fmt"
	"time"
)

// ErrUnauthorized matches (with errors.Is) the *StatusError of a 401 or 403:
// the API key is missing, wrong, revoked or not allowed to see the resource.
var ErrUnauthorized = errors.New("unauthorized")

// ErrRateLimited matches (with errors.Is) every *RateLimitError, for callers
// that only need to know that a limit was hit.
var ErrRateLimited = errors.New("rate limited")

// ErrResponseTooLarge is returned when a response body exceeds
// Config.MaxResponseBytes; the body is not decoded in part.
var ErrResponseTooLarge = errors.New("response body too large")

// RateLimitError reports that the API refused a request because a rate limit
// was reached: HTTP 429, or a 400 whose body mentions a rate limit (the usage
// endpoint allows 10 requests per hour per channel and 200 per WABA). The
// client does not retry it; the caller pauses the channel or WABA.
type RateLimitError struct {
	StatusCode int           // 429, or 400 for a rate-limit 400
	RetryAfter time.Duration // from Retry-After, within [MinRetryAfter, MaxRetryAfter]; 0 when none or unreadable
	Message    string        // from the body's "detail" or "error"
}

// Error describes the limit and, when known, how long to wait.
func (e *RateLimitError) Error() string {
	s := fmt.Sprintf("rate limited (HTTP %d)", e.StatusCode)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrRateLimited) true for every RateLimitError.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// StatusError is a non-2xx answer that is neither a rate limit nor (after the
// retries) a success. A 401 or 403 also matches ErrUnauthorized.
type StatusError struct {
	Code    int
	Message string // from the body's "detail" or "error", else its text (shortened)
}

// Error names the status and the API's message.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Code)
	if e.unauthorized() {
		s = fmt.Sprintf("unauthorized (HTTP %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrUnauthorized) true for a 401 or 403.
func (e *StatusError) Is(target error) bool { return target == ErrUnauthorized && e.unauthorized() }

func (e *StatusError) unauthorized() bool { return e.Code == 401 || e.Code == 403 }

// RedirectError reports a 3xx answer. The client follows no redirect, to
// another host or its own: the Partner API does not redirect, and following
// one would send the API key wherever the Location points. It is not retried.
type RedirectError struct {
	Code     int
	Location string // the Location header as sent; "" when there was none
}

// Error names the status and the Location that was not followed.
func (e *RedirectError) Error() string {
	if e.Location == "" {
		return fmt.Sprintf("HTTP %d redirect without a Location; redirects are not followed", e.Code)
	}
	return fmt.Sprintf("HTTP %d redirect to %q not followed", e.Code, shorten(e.Location, 300))
}

// DecodeError reports a response that could not be read as the API's contract
// says: invalid JSON, a value of the wrong type or range, or a missing required
// field. Field is the JSON path of the culprit, such as
// "pricing_analytics.data[0].data_points[3].cost"; it is empty when the body as
// a whole is at fault.
type DecodeError struct {
	Field string
	Err   error
}

// Error names the field and what was wrong with it.
func (e *DecodeError) Error() string {
	if e.Field == "" {
		return "decode response body: " + e.Err.Error()
	}
	return "decode " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// transportError marks a failure to get a response at all (connection
// refused or reset, a timeout of one attempt, a body cut short): retryable.
type transportError struct{ err error }

func (e *transportError) Error() string { return "network: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }
