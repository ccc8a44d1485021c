package alerts_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/alerts"
	"github.com/insights-dev/insights/internal/store"
)

// stallingSMTP accepts connections and answers the SMTP dialogue up to the
// point named by stallAt ("greeting": nothing at all; "mail": greeting and
// EHLO, then silence at MAIL FROM), never closing the connection itself. It
// reports on closed when the client hangs up.
func stallingSMTP(t *testing.T, stallAt string) (addr string, closed <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hungUp := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release); ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		go func() { <-release; conn.Close() }()
		r := bufio.NewReader(conn)
		if stallAt != "greeting" {
			_, _ = conn.Write([]byte("220 stalling ESMTP\r\n"))
			if _, err := r.ReadString('\n'); err == nil { // EHLO
				_, _ = conn.Write([]byte("250 stalling\r\n"))
			}
		}
		// Stall: read without answering until the client hangs up.
		for {
			if _, err := r.ReadString('\n'); err != nil {
				close(hungUp)
				return
			}
		}
	}()
	return ln.Addr().String(), hungUp
}

// TestEmailTimesOutOnStalledServer: a server that accepts and then stops
// answering fails the send within the session timeout, even when the
// caller's context has no deadline, and the connection is closed rather
// than left open.
func TestEmailTimesOutOnStalledServer(t *testing.T) {
	d := store.Delivery{Alert: store.Alert{ID: 1, Kind: alerts.KindLowRunway, ClientID: "c1", FiredAt: t0},
		Transport: alerts.TransportEmail, Event: store.AlertFiring}
	for _, stallAt := range []string{"greeting", "mail"} {
		t.Run(stallAt, func(t *testing.T) {
			addr, closed := stallingSMTP(t, stallAt)
			m := &alerts.Email{Addr: addr, From: "insights@example.test", To: []string{"ops@example.test"},
				Timeout: 300 * time.Millisecond}
			began := time.Now()
			err := m.Send(context.Background(), d)
			took := time.Since(began)
			if err == nil {
				t.Fatal("send to a stalled server succeeded")
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), addr) {
				t.Errorf("error = %v; want a deadline error naming the server", err)
			}
			if took > 2*time.Second {
				t.Errorf("send took %v; want about the 300ms timeout", took)
			}
			select {
			case <-closed:
			case <-time.After(2 * time.Second):
				t.Error("the connection to the stalled server was left open")
			}
		})
	}
}

// TestEmailStopsWhenContextIsCancelled: cancelling the caller's context
// ends a stalled session at once, well before the session timeout.
func TestEmailStopsWhenContextIsCancelled(t *testing.T) {
	addr, closed := stallingSMTP(t, "mail")
	m := &alerts.Email{Addr: addr, From: "insights@example.test", To: []string{"ops@example.test"}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	began := time.Now()
	err := m.Send(ctx, store.Delivery{Alert: store.Alert{ID: 2, Kind: alerts.KindVolumeDrop, ClientID: "c1", FiredAt: t0},
		Transport: alerts.TransportEmail, Event: store.AlertFiring})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v; want context.Canceled", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("send took %v after cancel at 200ms", took)
	}
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Error("the connection was left open after cancel")
	}
}
