package alerts

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/insights-dev/insights/internal/store"
)

// Payload is the JSON body of an alert webhook and the content of an
// alert e-mail; the fields match GET /api/v1/alerts, plus the event.
type Payload struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Client  string `json:"client"`
	State   string `json:"state"`
	Since   string `json:"since"`
	Message string `json:"message"`
	// Event is what happened: "firing" (opened) or "resolved".
	Event string `json:"event"`
}

// PayloadOf describes a delivery.
func PayloadOf(d store.Delivery) Payload {
	a := d.Alert
	since := a.FiredAt
	if d.Event == store.AlertResolved && !a.ResolvedAt.IsZero() {
		since = a.ResolvedAt
	}
	return Payload{ID: a.ID, Kind: a.Kind, Client: a.ClientID, State: d.Event, Since: since.UTC().Format(time.RFC3339),
		Message: a.Message, Event: d.Event}
}

// SignatureHeader carries the HMAC-SHA256 of the webhook body, hex, with a
// "sha256=" prefix; DeliveryHeader identifies the delivery (alert id and
// event), the same on every retry, so receivers can drop duplicates.
const (
	SignatureHeader = "X-Insights-Signature"
	DeliveryHeader  = "X-Insights-Delivery"
)

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook posts alerts as signed JSON to a URL.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client // http.Client with a 15 s timeout when nil
}

// Send posts the delivery's payload; any status other than 2xx is a failure.
func (w *Webhook) Send(ctx context.Context, d store.Delivery) error {
	body, err := json.Marshal(PayloadOf(d))
	if err != nil {
		return fmt.Errorf("alerts: webhook: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alerts: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Insights-Alerts")
	req.Header.Set(DeliveryHeader, strconv.FormatInt(d.Alert.ID, 10)+":"+d.Event)
	if w.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	}
	hc := w.Client
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("alerts: webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("alerts: webhook: %s answered %s", w.URL, res.Status)
	}
	return nil
}

// Email sends alerts by SMTP (net/smtp: STARTTLS when the server offers it).
type Email struct {
	Addr string   // host:port of the SMTP server
	From string   // envelope and header sender
	To   []string // recipients
	// Username and Password, when set, authenticate with PLAIN (which
	// net/smtp only allows over TLS or to localhost).
	Username, Password string
	// DialTimeout bounds the TCP connect (10 s when zero); Timeout bounds
	// the whole session, TLS handshake included (30 s when zero), so a
	// server that accepts and then stalls cannot hold a sender forever.
	DialTimeout, Timeout time.Duration
}

// SMTP timeouts used when Email leaves them zero.
const (
	DefaultSMTPDialTimeout = 10 * time.Second
	DefaultSMTPTimeout     = 30 * time.Second
)

// Send mails one alert event. It gives up when ctx is done or the session
// outlasts m.Timeout, and closes the connection either way.
func (m *Email) Send(ctx context.Context, d store.Delivery) error {
	if m.Addr == "" || m.From == "" || len(m.To) == 0 {
		return fmt.Errorf("alerts: email: server, sender and recipients are required")
	}
	if err := m.deliver(ctx, m.message(PayloadOf(d))); err != nil {
		return fmt.Errorf("alerts: email via %s: %w", m.Addr, err)
	}
	return nil
}

// message is the whole RFC 5322 message of one alert event.
func (m *Email) message(p Payload) []byte {
	subject := fmt.Sprintf("[Insights] %s: %s (%s)", strings.ToUpper(p.Event), kindLabel(p.Kind), p.Client)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", m.From)
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(m.To, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <insights-alert-%d-%s@insights>\r\n", p.ID, p.Event)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	fmt.Fprintf(&b, "%s\r\n\r\nAlert %d · %s · client %s · %s since %s\r\n", p.Message, p.ID, p.Kind, p.Client, p.State, p.Since)
	return []byte(b.String())
}

// deliver runs one SMTP session, the steps of smtp.SendMail, on a
// connection whose deadline is the session's end; cancelling ctx moves the
// deadline to now, which wakes any blocked read or write.
func (m *Email) deliver(ctx context.Context, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(m.Timeout, DefaultSMTPTimeout))
	defer cancel()
	dialer := net.Dialer{Timeout: cmp.Or(m.DialTimeout, DefaultSMTPDialTimeout)}
	conn, err := dialer.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	host, _, _ := net.SplitHostPort(m.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return sessionErr(ctx, "greeting", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return sessionErr(ctx, "starttls", err)
		}
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("server does not offer AUTH")
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return sessionErr(ctx, "auth", err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return sessionErr(ctx, "mail from", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return sessionErr(ctx, "rcpt to", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return sessionErr(ctx, "data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return sessionErr(ctx, "data", err)
	}
	if err := w.Close(); err != nil {
		return sessionErr(ctx, "data", err)
	}
	return sessionErr(ctx, "quit", c.Quit())
}

// sessionErr names the SMTP step that failed, and the context's error when
// the failure is its cancellation or the session's deadline (the
// connection's deadline can pass an instant before the context's).
func sessionErr(ctx context.Context, step string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w (%w)", step, ctx.Err(), err)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("%s: %w (%w)", step, context.DeadlineExceeded, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}

// kindLabel is the human name of an alert kind.
func kindLabel(kind string) string {
	switch kind {
	case KindForecastOverBudget:
		return "forecast over budget"
	case KindLowRunway:
		return "balance running low"
	case KindVolumeSpike:
		return "volume spike"
	case KindVolumeDrop:
		return "volume drop"
	case KindPollingStalled:
		return "polling stalled"
	}
	return kind
}

// KindLabel is the human name of an alert kind ("balance running low").
func KindLabel(kind string) string { return kindLabel(kind) }
