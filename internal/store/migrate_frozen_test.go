package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"strings"
	"testing"
)

// releasedMigrations is the sha256 of every released migration file, by its
// path under migrations/. A new step adds its two files here (sha256sum
// internal/store/migrations/*/<file>); a released one is never edited.
var releasedMigrations = map[string]string{
	"sqlite/0001_core_tables.sql":               "7964e07760af9eac0d66672c4c038b2d5c64a051c7f661d52bfee6d7d08f05b2",
	"sqlite/0002_webhook_counters.sql":          "ef4cf3b72c5a45acb3a69abfebed4b422de45ddd887b4723f8abb41081bd183f",
	"sqlite/0003_usage_range_index.sql":         "286e2a1203f7c77a559432ad110ae8c5ee560141d92ddc00ff2822ab1b9166dd",
	"sqlite/0004_access_control.sql":            "3a35ef2adea30b4edecd9331a9f3bd458d15da6ace9e2d505189cc76378f1b4b",
	"sqlite/0005_leases_daily_rollup.sql":       "99b2ca26c933f919c7f15af9b1eba113ab62b3104be1a31d6962b40ed47ff54d",
	"sqlite/0006_spend_control.sql":             "88b006f5f4e48e3ce502f84ace2af1447a4fb04d22cfecedd5c3ca6353703a95",
	"sqlite/0007_client_daily_rollup.sql":       "cdf74f52e163cd775258ad4b6a4b80dda6deaebb98ab7c42c6b1033f27d3da66",
	"sqlite/0008_client_key_daily_rollup.sql":   "a99a9fa1d54af74fbb7bfee88c2dffbc2a293ddec4d3e98c430f3c55ab30c428",
	"sqlite/0009_usage_version.sql":             "751e5f3c023e718b09b5912b937704e8b0ab21ca803a082c1ef84088ca7b6403",
	"sqlite/0010_channel_daily_rollup.sql":      "003b63fd4782841e77a007f68e92a9f42c2ae427696ffe6aba77972a8ff98876",
	"sqlite/0011_client_local_daily_rollup.sql": "18de808aa4b3d560359e586dd464b9670e62669a9e961509beb387e5e63b30af",
	"sqlite/0012_webhook_pending.sql":           "9308d19f9e1c24ab5825d99215d1a16f719d55e21432c38ed9703b7bae85034c",
	"sqlite/0013_cost_estimated.sql":            "95005901e2e66519d35e0f40463046c51df4c9be9675212fe5d5d5a74e637724",
	"sqlite/0014_account_events.sql":            "5b5a87068c237fadcce3e321587c9ad4ef6237265f1e2e4f9f9e3e9b6bc3de41",
	"sqlite/0015_message_volume.sql":            "a5a4705698d613f466953a47d0fdca228b215168e38d12cce55c54e28c8db473",

	"postgres/0001_core_tables.sql":               "828e809ae0992a7d976b73747e285ffdaf1c13e46a97236d95006607ad9e4aae",
	"postgres/0002_webhook_counters.sql":          "37fac3389ad0f29c06c3ff9ce1cd59a49497e6582c37305d0ce8bf89f5faf710",
	"postgres/0003_usage_range_index.sql":         "286e2a1203f7c77a559432ad110ae8c5ee560141d92ddc00ff2822ab1b9166dd",
	"postgres/0004_access_control.sql":            "676d39e717db5572074721c05268e0cafce8a2b9ad7b2bf5db6d3389d7a4414b",
	"postgres/0005_leases_daily_rollup.sql":       "b3e602d7a682e5522292f5db05ba16509dae4b15863c7b02af8be9182b14e7a4",
	"postgres/0006_spend_control.sql":             "91639dd1559811fef38bef068ae2a9a337be2da53a95b7c2ca1b2792fc611e77",
	"postgres/0007_client_daily_rollup.sql":       "6f0bc6f71ffa6ae0f664706a7ce4be786d211b744630d99fb00e4d3cbeb485da",
	"postgres/0008_client_key_daily_rollup.sql":   "0c479c2b3432abe8144d3c93c05b162a3c811c4fb2230765551211e85585819f",
	"postgres/0009_usage_version.sql":             "751e5f3c023e718b09b5912b937704e8b0ab21ca803a082c1ef84088ca7b6403",
	"postgres/0010_channel_daily_rollup.sql":      "6b782f0e7a4795f6a715db603542572685324a51a4eaeb532eda559e0762e398",
	"postgres/0011_client_local_daily_rollup.sql": "1451174f9eca8f313fa9abbc410f4475c0da0a2ab683e9340f454116d148177b",
	"postgres/0012_webhook_pending.sql":           "6e33871173799e3c6530ba1b13ae47247ec77d8737c1ae7da0175ab00b43b9b1",
	"postgres/0013_cost_estimated.sql":            "913bc6496deb19bae7fe288486f46f750b422d553b7e19687d4468e60e4ef47d",
	"postgres/0014_account_events.sql":            "de6122f4deb1ef8c6f982e40277982997e918f06c57cf5125fffd0a558a7aabe",
	"postgres/0015_message_volume.sql":            "a5a4705698d613f466953a47d0fdca228b215168e38d12cce55c54e28c8db473",
}

// migrationSums returns the sha256 of every file under migrations/, by its
// path below that directory.
func migrationSums(t *testing.T) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := fs.WalkDir(migrationFiles, "migrations", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrationFiles, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		sums[strings.TrimPrefix(name, "migrations/")] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// TestReleasedMigrationsUnchanged fails when a released migration file is
// edited or removed, or when a file has no recorded checksum.
func TestReleasedMigrationsUnchanged(t *testing.T) {
	t.Parallel()
	sums := migrationSums(t)
	for name, want := range releasedMigrations {
		got, ok := sums[name]
		switch {
		case !ok:
			t.Errorf("released migration %s is gone: restore it; to undo what it did, add a new step instead", name)
		case got != want:
			t.Errorf("released migration %s was edited (sha256 %s, released as %s): restore it and add a new step instead",
				name, got, want)
		}
	}
	for name, got := range sums {
		if _, ok := releasedMigrations[name]; !ok {
			t.Errorf("migration %s has no checksum: add %q: %q to releasedMigrations", name, name, got)
		}
	}
}

// TestMigrationsMatchFiles checks that every step has a file of statements
// for each dialect named after its version, in order, and that no file is
// left out of the list.
func TestMigrationsMatchFiles(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	var last int64
	for _, m := range migrations {
		if m.version <= last {
			t.Errorf("migration %d (%s) comes after %d", m.version, m.name, last)
		}
		last = m.version
		if prefix := fmt.Sprintf("%04d_", m.version); !strings.HasPrefix(m.file, prefix) || path.Ext(m.file) != ".sql" {
			t.Errorf("migration %d: file %q, want %s….sql", m.version, m.file, prefix)
		}
		for _, d := range []string{DialectSQLite, DialectPostgres} {
			listed[d+"/"+m.file] = true
			sub, err := fs.Sub(migrationFiles, "migrations")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := readMigration(sub, d, m.file); err != nil {
				t.Errorf("migration %d on %s: %v", m.version, d, err)
			}
		}
	}
	for name := range migrationSums(t) {
		if !listed[name] {
			t.Errorf("migrations/%s is not a step of migrations", name)
		}
	}
}

func TestSplitSQL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"one statement", "CREATE TABLE a (id BIGINT);\n", []string{"CREATE TABLE a (id BIGINT)"}},
		{"no final newline", "DROP INDEX a_idx;", []string{"DROP INDEX a_idx"}},
		{"comments and blank lines between statements are dropped",
			"-- a table\n\nCREATE TABLE a (\n\t\tid BIGINT\n\t) WITHOUT ROWID;\n\n-- its index\nCREATE INDEX a_idx ON a (id);  \n",
			[]string{"CREATE TABLE a (\n\t\tid BIGINT\n\t) WITHOUT ROWID", "CREATE INDEX a_idx ON a (id)"}},
		{"a comment inside a statement is kept", "CREATE TABLE a (\n-- the key\nid BIGINT\n);\n",
			[]string{"CREATE TABLE a (\n-- the key\nid BIGINT\n)"}},
		{"unterminated", "CREATE TABLE a (id BIGINT);\nDROP TABLE a\n", nil},
		{"empty", "-- nothing\n\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splitSQL(tc.text)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("splitSQL = %q, want an error", got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("splitSQL = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
