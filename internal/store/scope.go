package store

import (
	"slices"
	"time"
)

// Scope is the client data a read may return: every client's, or only some
// clients' and, for a share link with dates, only within a span of time.
// Every read of client data takes one as a required argument, as Miniflux
// passes the user id to every storage call, so that a read that forgets who
// asks cannot be written: the narrowest of the scope and the read's own
// filter is what the database is asked for. The zero Scope sees nothing.
type Scope struct {
	all     bool     // every client
	clients []string // without all, the only clients seen
	// from and to, when set, bound the instants of the data seen: buckets
	// starting in [from, to).
	from, to time.Time
}

// AllClients is the scope of partner staff and of Insights' own background
// work (poller, alerts, webhook receiver).
func AllClients() Scope { return Scope{all: true} }

// OnlyClients is the scope of a client viewer or share link: the clients
// named, and nothing when none is.
func OnlyClients(ids ...string) Scope {
	return Scope{clients: slices.Clone(ids)}
}

// During narrows sc to data in [from, to) (a share link's dates as the
// instants of its client's midnights); a zero bound is open.
func (sc Scope) During(from, to time.Time) Scope {
	sc.from, sc.to = from, to
	return sc
}

// All reports whether sc sees every client.
func (sc Scope) All() bool { return sc.all }

// ClientIDs are the clients of a scope that does not see all (nil for AllClients).
func (sc Scope) ClientIDs() []string { return slices.Clone(sc.clients) }

// Allows reports whether sc sees client id.
func (sc Scope) Allows(id string) bool { return sc.all || slices.Contains(sc.clients, id) }

// clientsFor is the narrowest list of clients for a read that asks for ids
// (none: every client it may see); ok is false when that is no client.
func (sc Scope) clientsFor(ids []string) (out []string, ok bool) {
	if sc.all {
		return ids, true
	}
	if len(ids) == 0 {
		return slices.Clone(sc.clients), len(sc.clients) > 0
	}
	for _, id := range ids {
		if slices.Contains(sc.clients, id) {
			out = append(out, id)
		}
	}
	return out, len(out) > 0
}

// span narrows [start, end) to sc's instants; ok is false when nothing of
// it is left.
func (sc Scope) span(start, end time.Time) (time.Time, time.Time, bool) {
	if !sc.from.IsZero() && start.Before(sc.from) {
		start = sc.from
	}
	if !sc.to.IsZero() && (end.IsZero() || sc.to.Before(end)) {
		end = sc.to
	}
	return start, end, end.IsZero() || start.Before(end)
}

// usage narrows a usage filter to sc; ok is false when it selects nothing.
func (sc Scope) usage(f UsageFilter) (UsageFilter, bool) {
	ids, ok := sc.clientsFor(f.ClientIDs)
	if !ok {
		return f, false
	}
	f.ClientIDs = ids
	if f.Start.IsZero() || f.End.IsZero() || !f.Start.Before(f.End) {
		return f, true // a bad range: the read reports it
	}
	f.Start, f.End, ok = sc.span(f.Start, f.End)
	return f, ok
}

// channels narrows a channel filter to sc; ok is false when it selects nothing.
func (sc Scope) channels(f ChannelFilter) (ChannelFilter, bool) {
	ids, ok := sc.clientsFor(f.ClientIDs)
	f.ClientIDs = ids
	return f, ok
}
