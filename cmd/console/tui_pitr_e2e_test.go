package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIPointInTimeRestore runs the real binary at 80x24 against the
// lab's PostgreSQL archiving its WAL into the console's archive: rows 1-3,
// a backup (console action do backup), rows 4-5, the time T, rows 6-7.
// In the restore form the point in time T and the target orders-pitr are
// typed (a time before the window and the live name refused first, each
// on one line); confirmed, the restore starts orders-pitr, which holds
// exactly rows 1-5, while the live primary keeps 1-7.
func TestTUIPointInTimeRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary against the lab")
	}
	lab.RequireProgram(t, "tmux")
	// The restored server runs as user postgres under root: every parent
	// of the console's directory must be traversable.
	base, err := os.MkdirTemp("", "console-pitr-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	dbDir := filepath.Join(base, "state", "console", "db")
	for _, d := range []string{base, filepath.Join(base, "state"), filepath.Join(base, "state", "console"), dbDir} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	pg := lab.PostgresArchiving(t, 0, filepath.Join(dbDir, "wal", "orders"))
	ctx := context.Background()
	query := func(addr, sql string) string {
		t.Helper()
		out, err := pg.Query(ctx, addr, sql)
		if err != nil {
			t.Fatalf("%s on %s: %v", sql, addr, err)
		}
		return out
	}
	const ids = "select coalesce(string_agg(id::text, ',' order by id), '') from items"

	bin, err := buildConsole(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"default_env": "lab",
		"audit_log":   filepath.Join(base, "audit", "audit.jsonl"),
		"environments": map[string]any{"lab": map[string]any{
			"databases": []any{map[string]any{"name": "orders", "engine": "postgres", "members": []string{pg.Primary}, "dsn": pg.DSN}},
		}},
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(base, "console.yaml")
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(base, "config"), "XDG_STATE_HOME="+filepath.Join(base, "state"))

	query(pg.Primary, "create table items (id int primary key)")
	query(pg.Primary, "insert into items select generate_series(1, 3)")
	backup := exec.Command(bin, "--config", cfgPath, "action", "do", "backup", "database/orders", "--yes")
	backup.Env = env
	if out, err := backup.CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	query(pg.Primary, "insert into items select generate_series(4, 5)")
	at := query(pg.Primary, "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
	query(pg.Primary, "select pg_sleep(0.05)") // rows 6-7 commit strictly after T
	query(pg.Primary, "insert into items select generate_series(6, 7)")
	seg := query(pg.Primary, "select pg_walfile_name(pg_switch_wal())")
	archived := filepath.Join(dbDir, "wal", "orders", seg)
	// The segment holding rows 6-7 archived before the console starts, so
	// that the window it reads first ends after T (the restore form is
	// bounded by the window read when its actions are offered; a refresh
	// typed at once could still be in flight then).
	lab.WaitFor(t, "the segment "+seg+" archived", labWait, func() (bool, string) {
		_, err := os.Stat(archived)
		return err == nil, fmt.Sprint(err)
	})

	s, wait := startInTmux(t, bin, 80, 24, []string{"XDG_STATE_HOME=" + filepath.Join(base, "state")}, "--config", cfgPath, "--view", "db")
	s.waitAll("the DBs view", "[DBs]", "orders")

	s.pickAction("restore")
	s.waitAll("the restore form", "Point in time", "earliest", "Restore as")
	s.keys("Tab", "-24h", "Enter")
	s.waitAll("a time before the window refused", "✗ ", "before the earliest restorable")
	s.keys("C-u", at, "Tab", "orders", "Enter")
	s.waitAll("the live name refused", "✗ orders is the live one")
	s.keys("C-u", "orders-pitr", "Enter")
	// The console prints the time as Go's RFC 3339 with nanoseconds, which
	// drops trailing zeros (".812070" shows as ".81207"): compare that form.
	atTime, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t.Fatalf("the primary's clock %q: %v", at, err)
	}
	s.waitAll("the preview", "as of "+strings.TrimSuffix(atTime.UTC().Format(time.RFC3339Nano), "Z"), "orders-pitr", "to confirm")
	s.keys("orders", "Enter")
	record := filepath.Join(dbDir, "restores", "orders-pitr", "restored.json")
	var r struct {
		Address string `json:"address"`
		PID     int    `json:"pid"`
	}
	// The record is written in place (not renamed into it): wait until it
	// is whole, not merely there.
	lab.WaitFor(t, "the restore recorded", labWait, func() (bool, string) {
		b, err := os.ReadFile(record)
		if err != nil {
			return false, "screen:\n" + s.capture()
		}
		err = json.Unmarshal(b, &r)
		return err == nil && r.Address != "" && r.PID != 0, fmt.Sprintf("restored.json %s: %v", b, err)
	})
	t.Cleanup(func() {
		_ = syscall.Kill(r.PID, syscall.SIGINT)
		for i := 0; i < 100 && syscall.Kill(r.PID, 0) == nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	// The run verified (the instance answers) before it is queried.
	s.waitAll("the run verified", "restored instance ready at "+r.Address)
	if got := query(r.Address, ids); got != "1,2,3,4,5" {
		t.Fatalf("orders-pitr restored to %s holds rows %q, want exactly 1..5", at, got)
	}
	if got := query(pg.Primary, ids); got != "1,2,3,4,5,6,7" {
		t.Fatalf("the live primary holds %q after the restore, want 1..7", got)
	}
	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}
