package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/insights-dev/insights/internal/store"
	"github.com/insights-dev/insights/internal/store/storetest"
	"github.com/insights-dev/insights/internal/usage"
)

// dayWindow is window number i: day0+i, 48 half-hour points of ch.
func dayWindow(ch string, i int) store.UsageWindow {
	var pts []usage.Point
	for slot := range 48 {
		pts = append(pts, hh(ch, i*48+slot, usage.CategoryMarketing, int64(i+slot+1), int64(i+1)*1_000_000))
	}
	return window(ch, i*48, (i+1)*48, pts...)
}

// TestBackupWhileWriting copies a SQLite database while a writer keeps
// saving whole-day windows, then restores the copy (opens it as the
// database): it holds only whole windows, a prefix of those written, with the
// same rows as the original.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	storetest.ForEachDB(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		target := filepath.Join(t.TempDir(), "backup.db")
		if s.Dialect() == store.DialectPostgres {
			err := s.Backup(ctx, target)
			if !errors.Is(err, store.ErrBackupUnsupported) {
				t.Fatalf("Backup on PostgreSQL = %v, want ErrBackupUnsupported", err)
			}
			if _, serr := os.Stat(target); !errors.Is(serr, os.ErrNotExist) {
				t.Errorf("Backup on PostgreSQL created %s", target)
			}
			return
		}
		seedLeaseChannels(t, s, "ch1")
		var written atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.SaveUsageWindow(ctx, dayWindow("ch1", i)); err != nil {
					t.Errorf("window %d: %v", i, err)
					return
				}
				written.Add(1)
			}
		}()
		stopWriter := sync.OnceFunc(func() { close(stop); wg.Wait() })
		defer stopWriter()
		for written.Load() < 20 {
			time.Sleep(time.Millisecond)
		}
		before := written.Load()
		if err := s.Backup(ctx, target); err != nil {
			t.Fatalf("Backup: %v", err)
		}
		after := written.Load()
		stopWriter()
		if after == before {
			t.Log("note: no window was written during the backup")
		}

		// Restore: open the copy as the database.
		restored, err := store.Open(ctx, target, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("open the backup: %v", err)
		}
		defer restored.Close()
		if ok, err := restored.MigrationsCurrent(ctx); err != nil || !ok {
			t.Fatalf("backup migrations current = %v, %v", ok, err)
		}
		chs, err := restored.ListChannels(ctx, store.AllClients(), store.ChannelFilter{})
		if err != nil || len(chs) != 1 || chs[0].ID != "ch1" {
			t.Fatalf("backup channels = %+v, %v", chs, err)
		}
		got := allRows(t, restored, usage.HalfHour, "ch1")
		if len(got)%48 != 0 {
			t.Fatalf("backup holds %d rows: a window was copied half-written", len(got))
		}
		days := int64(len(got) / 48)
		if days < before || days > after+1 {
			t.Errorf("backup holds %d whole days; %d were written before it began and %d when it ended", days, before, after)
		}
		// The same rows as the original for the days the copy has.
		orig, err := s.QueryUsage(ctx, store.AllClients(), store.UsageFilter{Start: day0.AddDate(-1, 0, 0), End: day0.AddDate(0, 0, int(days)),
			Granularity: usage.HalfHour, ChannelIDs: []string{"ch1"}, GroupBy: usage.AllGroupFields})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, orig) {
			t.Errorf("backup rows differ from the original's (%d vs %d rows)", len(got), len(orig))
		}
		// The restored database takes writes.
		if err := restored.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := restored.SaveUsageWindow(ctx, dayWindow("ch1", int(days))); err != nil {
			t.Errorf("write to the restored database: %v", err)
		}

		// An existing target is never overwritten; no partial files are left.
		if err := s.Backup(ctx, target); err == nil {
			t.Error("Backup over an existing file succeeded")
		}
		left, _ := filepath.Glob(target + ".partial-*")
		if len(left) != 0 {
			t.Errorf("partial files left: %v", left)
		}
	})
}
