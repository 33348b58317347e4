package db

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// consoleDir is a directory the console owns for one test. Under root the
// restored PostgreSQL runs as user postgres, which must traverse it, so it
// is not made by t.TempDir (whose parent is 0700).
func consoleDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "console-db-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// offered returns the action verb the provider offers on ref.
func offered(t *testing.T, p *Provider, ref actions.Ref, verb actions.Verb) actions.Action {
	t.Helper()
	for _, a := range p.Offer(ref) {
		if a.Spec().Name == verb {
			return a
		}
	}
	t.Fatalf("%s not offered on %v", verb, ref)
	return nil
}

// runOK runs a through the executor, confirmed, and fails unless it
// succeeded and verified.
func runOK(t *testing.T, e *actions.Executor, a actions.Action) actions.Result {
	t.Helper()
	var out strings.Builder
	res := e.Execute(context.Background(), a, true, &out)
	t.Logf("output of %s:\n%s", a.Spec().Name, out.String())
	if res.Status != actions.StatusSucceeded || !res.Verified {
		t.Fatalf("%s: %+v\n%s", a.Spec().Name, res, out.String())
	}
	return res
}

// restoredServer returns the instance a finished restore started, and stops
// it at the end of the test.
func restoredServer(t *testing.T, a actions.Action, sig syscall.Signal) Restored {
	t.Helper()
	r := a.(*restore).done
	if r.Address == "" || r.PID == 0 {
		t.Fatalf("restore reported no instance: %+v", r)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(r.PID, sig)
		for i := 0; i < 100 && syscall.Kill(r.PID, 0) == nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	return r
}

// checkListed checks the backup is listed with its kind, size and a 0700
// directory under dir.
func checkListed(t *testing.T, p *Provider, dir, kind string) providers.Backup {
	t.Helper()
	db := p.Probe(context.Background()).Databases[0]
	if len(db.Backups) != 1 {
		t.Fatalf("backups = %+v, want 1", db.Backups)
	}
	b := db.Backups[0]
	if b.Kind != kind || b.SizeMiB <= 0 || b.Time.IsZero() || !strings.HasPrefix(b.Location, dir) || !db.LastBackup.Equal(b.Time) {
		t.Fatalf("backup listed as %+v (last backup %v)", b, db.LastBackup)
	}
	fi, err := os.Stat(b.Location)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backup directory %s: %v %v, want 0700", b.Location, fi.Mode(), err)
	}
	return b
}

func TestRedisBackupAndRestore(t *testing.T) {
	r := lab.Redis(t, 1, 0)
	dir := consoleDir(t)
	p := New([]config.Database{{Name: "cache", Engine: "redis", Members: []string{r.Primary, r.Replicas[0]}}}, Options{Dir: dir})
	eventually(t, p, "replication up", func(db providers.Database) bool { return db.Status == "healthy" })
	ctx := context.Background()
	live := redis.NewClient(&redis.Options{Addr: r.Primary})
	defer live.Close()
	for _, k := range []string{"k1", "k2", "k3"} {
		if err := live.Set(ctx, k, "v-"+k, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	e := executor(t, false)
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "cache"}

	// No backup yet: restore is refused by its precondition.
	if res := e.Execute(ctx, offered(t, p, dbRef, actions.VerbRestore), true, io.Discard); res.Status != actions.StatusRefused {
		t.Fatalf("restore without a backup: %+v", res)
	}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))
	b := checkListed(t, p, dir, "rdb")
	for _, k := range []string{"k4", "k5"} {
		if err := live.Set(ctx, k, "v-"+k, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}

	a := offered(t, p, dbRef, actions.VerbRestore)
	if err := actions.SetParam(a, "backup", "nope"); !errors.Is(err, actions.ErrBadParam) {
		t.Fatalf("an unknown backup accepted: %v", err)
	}
	if ps := actions.ParamsOf(a); len(ps) < 1 || len(ps[0].Choices) != 1 || ps[0].Choices[0].Value != b.ID || ps[0].Value != b.ID {
		t.Fatalf("the backup parameter %+v, want the one backup %s", ps, b.ID)
	}
	if err := actions.SetParam(a, "backup", b.ID); err != nil {
		t.Fatal(err)
	}
	if a.Spec().Effect != actions.Destructive {
		t.Fatalf("restore effect %v, want destructive", a.Spec().Effect)
	}
	runOK(t, e, a)
	srv := restoredServer(t, a, syscall.SIGTERM)
	if srv.Address == r.Primary || srv.Address == r.Replicas[0] {
		t.Fatalf("restored over a live member: %s", srv.Address)
	}
	rc := redis.NewClient(&redis.Options{Addr: srv.Address})
	defer rc.Close()
	got, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"k1", "k2", "k3"}) {
		t.Fatalf("restored keys = %v, want exactly k1..k3", got)
	}
	if v, _ := rc.Get(ctx, "k2").Result(); v != "v-k2" {
		t.Fatalf("restored k2 = %q", v)
	}
	liveKeys, err := live.Keys(ctx, "*").Result()
	if err != nil || len(liveKeys) != 5 {
		t.Fatalf("live keys after restore = %v, %v; want 5", liveKeys, err)
	}

	// The restored instance is listed with its address and origin, and
	// the console stops and removes it (audited like every action).
	name := filepath.Base(srv.Dir)
	inv := p.Probe(ctx)
	i := slices.IndexFunc(inv.Databases, func(d providers.Database) bool { return d.Name == name })
	if i < 0 {
		t.Fatalf("restored instance %s not listed: %+v", name, inv.Databases)
	}
	if d := inv.Databases[i]; d.RestoredFrom != "cache@"+b.ID || d.Endpoint != srv.Address || len(d.Members) != 1 || !d.Members[0].Healthy || d.Members[0].Status != "3 keys" {
		t.Fatalf("restored instance listed as %+v", d)
	}
	del := offered(t, p, actions.Ref{Kind: actions.KindDatabase, Name: name}, actions.VerbDelete)
	if del.Spec().Effect != actions.Destructive {
		t.Fatalf("delete effect %v", del.Spec().Effect)
	}
	runOK(t, e, del)
	if syscall.Kill(srv.PID, 0) == nil {
		t.Errorf("pid %d of the restored instance still runs", srv.PID)
	}
	if _, err := os.Stat(srv.Dir); err == nil {
		t.Errorf("%s still exists", srv.Dir)
	}
	if slices.ContainsFunc(p.Probe(ctx).Databases, func(d providers.Database) bool { return d.Name == name }) {
		t.Error("a removed instance is still listed")
	}
	if as := p.Offer(actions.Ref{Kind: actions.KindDatabase, Name: name}); len(as) != 0 {
		t.Errorf("a removed instance still offers %d actions", len(as))
	}
}

func TestPostgresBackupAndRestore(t *testing.T) {
	pg := lab.Postgres(t, 1)
	dir := consoleDir(t)
	p := New([]config.Database{{Name: "orders", Engine: "postgres", Members: []string{pg.Primary, pg.Replicas[0]}, DSN: pg.DSN}}, Options{Dir: dir})
	eventually(t, p, "streaming", func(db providers.Database) bool { return db.Status == "healthy" })
	ctx := context.Background()
	live, err := pgx.Connect(ctx, pg.ConnString(pg.Primary))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close(ctx)
	exec := func(c *pgx.Conn, sql string) { t.Helper(); pgExec(t, c, sql) }
	ids := func(c *pgx.Conn) string { t.Helper(); return pgIDs(t, c) }
	exec(live, "create table items (id int primary key)")
	exec(live, "insert into items select generate_series(1, 3)")

	e := executor(t, false)
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "orders"}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))
	checkListed(t, p, dir, "pg_basebackup")
	exec(live, "insert into items select generate_series(4, 5)")

	a := offered(t, p, dbRef, actions.VerbRestore)
	// Without --yes nothing starts.
	if res := e.Execute(ctx, a, false, io.Discard); res.Status != actions.StatusPlanned {
		t.Fatalf("plan only: %+v", res)
	}
	a = offered(t, p, dbRef, actions.VerbRestore)
	runOK(t, e, a)
	srv := restoredServer(t, a, syscall.SIGINT)
	if slices.Contains([]string{pg.Primary, pg.Replicas[0]}, srv.Address) {
		t.Fatalf("restored over a live member: %s", srv.Address)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "data", "PG_VERSION")); err != nil {
		t.Fatal(err)
	}
	rc, err := pgx.Connect(ctx, pg.ConnString(srv.Address))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(ctx)
	if got := ids(rc); got != "1,2,3" {
		t.Fatalf("restored rows = %q, want exactly 1,2,3", got)
	}
	// The restored instance is a standalone primary: it takes writes that
	// the live cluster never sees.
	exec(rc, "insert into items values (100)")
	if got := ids(live); got != "1,2,3,4,5" {
		t.Fatalf("live rows after restore = %q, want 1..5", got)
	}
}

// TestCancelledRestoreLeavesNothing: a restore cancelled midway (the backup
// copied, the new server started but not ready) stops the server and
// removes the partial instance; the restore is offered again and runs.
func TestCancelledRestoreLeavesNothing(t *testing.T) {
	r := lab.Redis(t, 0, 0)
	dir := consoleDir(t)
	p := New([]config.Database{{Name: "cache", Engine: "redis", Members: []string{r.Primary}}}, Options{Dir: dir})
	e := executor(t, false)
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "cache"}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))

	a := offered(t, p, dbRef, actions.VerbRestore)
	ctx := context.Background()
	if err := a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	plan, err := a.Preview(ctx, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel() // the copy is made, the server started, then the wait for it sees the cancellation
	var out strings.Builder
	if err := a.Run(cancelled, plan, &out); err == nil {
		t.Fatal("a cancelled restore succeeded")
	}
	if !strings.Contains(out.String(), "stopped and removed") {
		t.Errorf("the run does not say what it left:\n%s", out.String())
	}
	left, err := os.ReadDir(filepath.Join(dir, "restores"))
	if err != nil || len(left) != 0 {
		t.Fatalf("left in restores/: %v (%v)", left, err)
	}

	again := offered(t, p, dbRef, actions.VerbRestore)
	runOK(t, e, again)
	restoredServer(t, again, syscall.SIGTERM)
}

// TestPostgresPointInTimeRestore: the lab's primary archives its WAL into
// the console's archive; the console sees archiving on and the window;
// rows 1-3, a backup, rows 4-5 at T, rows 6-7 later: a restore to T holds
// exactly 1-5, the live primary keeps 1-7. A time outside the window is
// refused before anything runs.
func TestPostgresPointInTimeRestore(t *testing.T) {
	dir := consoleDir(t)
	pg := lab.PostgresArchiving(t, 0, walArchiveDir(dir, "orders"))
	p := New([]config.Database{{Name: "orders", Engine: "postgres", Members: []string{pg.Primary}, DSN: pg.DSN}}, Options{Dir: dir})
	ctx := context.Background()
	db := eventually(t, p, "archiving seen", func(db providers.Database) bool {
		return len(db.Members) == 1 && strings.Contains(db.Members[0].Status, "wal archiving into "+walArchiveDir(dir, "orders"))
	})
	if db.RestoreWindow != nil {
		t.Fatalf("a window before any backup: %+v", db.RestoreWindow)
	}
	live, err := pgx.Connect(ctx, pg.ConnString(pg.Primary))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close(ctx)
	exec := func(c *pgx.Conn, sql string) { t.Helper(); pgExec(t, c, sql) }
	ids := func(c *pgx.Conn) string { t.Helper(); return pgIDs(t, c) }
	exec(live, "create table items (id int primary key)")
	exec(live, "insert into items select generate_series(1, 3)")
	e := executor(t, false)
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "orders"}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))
	exec(live, "insert into items select generate_series(4, 5)")
	var at time.Time
	if err := live.QueryRow(ctx, "select clock_timestamp()").Scan(&at); err != nil {
		t.Fatal(err)
	}
	exec(live, "select pg_sleep(0.05)") // rows 6-7 commit strictly after T
	exec(live, "insert into items select generate_series(6, 7)")
	// Finish the segment holding rows 6-7 and wait until it is archived.
	var seg string
	if err := live.QueryRow(ctx, "select pg_walfile_name(pg_switch_wal())").Scan(&seg); err != nil {
		t.Fatal(err)
	}
	db = eventually(t, p, "segment "+seg+" archived", func(db providers.Database) bool {
		_, err := os.Stat(filepath.Join(walArchiveDir(dir, "orders"), seg))
		return err == nil && db.RestoreWindow != nil && db.RestoreWindow.Contains(at)
	})
	if !strings.Contains(db.RestoreWindow.Source, walArchiveDir(dir, "orders")) {
		t.Errorf("window source %q", db.RestoreWindow.Source)
	}

	// Outside the window (before the first backup): refused, nothing started.
	early := offered(t, p, dbRef, actions.VerbRestore).(*restore)
	if err := early.SetPointInTime(db.RestoreWindow.Earliest.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if res := e.Execute(ctx, early, true, io.Discard); res.Status != actions.StatusRefused || !strings.Contains(res.Error, "outside the restorable window") {
		t.Fatalf("restore before the window: %+v", res)
	}

	// The form's and the flags' check: the time within the window the
	// view showed, the target a new DNS-1123 name.
	a := offered(t, p, dbRef, actions.VerbRestore).(*restore)
	for _, bad := range [][3]string{
		{"at", db.RestoreWindow.Earliest.Add(-time.Minute).Format(time.RFC3339Nano), "before the earliest restorable time"},
		{"at", db.RestoreWindow.Latest.Add(time.Minute).Format(time.RFC3339Nano), "after the latest restorable time"},
		{"target", "orders", "orders is the live one"},
		{"target", "Orders_PITR", "not a DNS-1123 label"},
	} {
		if err := actions.SetParam(a, bad[0], bad[1]); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), bad[2]) {
			t.Errorf("--%s %s: %v, want %q", bad[0], bad[1], err, bad[2])
		}
	}
	if err := errors.Join(actions.SetParam(a, "at", at.Format(time.RFC3339Nano)), actions.SetParam(a, "target", "orders-pitr")); err != nil {
		t.Fatal(err)
	}
	res := runOK(t, e, a)
	if !strings.Contains(strings.Join(res.Plan.Calls, "\n"), "recovery_target_time") {
		t.Errorf("plan calls %q", res.Plan.Calls)
	}
	srv := restoredServer(t, a, syscall.SIGINT)
	if srv.Dir != filepath.Join(dir, "restores", "orders-pitr") {
		t.Errorf("restored into %s, want the target's directory", srv.Dir)
	}
	if got := p.Probe(ctx).Databases; len(got) != 2 || got[1].Name != "orders-pitr" || !strings.HasPrefix(got[1].RestoredFrom, "orders@") {
		t.Errorf("the restored target is not listed as orders-pitr: %+v", got)
	}
	if err := actions.SetParam(offered(t, p, dbRef, actions.VerbRestore), "target", "orders-pitr"); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second restore into orders-pitr: %v", err)
	}
	offered(t, p, actions.Ref{Kind: actions.KindDatabase, Name: "orders-pitr"}, actions.VerbDelete)
	rc, err := pgx.Connect(ctx, pg.ConnString(srv.Address))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(ctx)
	if got := ids(rc); got != "1,2,3,4,5" {
		t.Fatalf("rows restored to %s = %q, want exactly 1..5", at.Format(time.RFC3339Nano), got)
	}
	exec(rc, "insert into items values (100)") // a primary after the replay
	if got := ids(live); got != "1,2,3,4,5,6,7" {
		t.Fatalf("live rows after the restore = %q, want 1..7", got)
	}
}

// pgExec runs sql on c or fails the test.
func pgExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// pgIDs lists the ids of table items on c, in order, comma-separated.
func pgIDs(t *testing.T, c *pgx.Conn) string {
	t.Helper()
	var s string
	if err := c.QueryRow(context.Background(), "select coalesce(string_agg(id::text, ',' order by id), '') from items").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPostgresRestoreInPlace: only when asked (--in-place) and confirmed
// twice (the name, then "overwrite NAME") the live instance is stopped,
// its data replaced by the backup's and restarted at the same address:
// rows 1-3 of the backup, not the 4-5 written after; the old data is kept.
func TestPostgresRestoreInPlace(t *testing.T) {
	pg := lab.Postgres(t, 0)
	dir := consoleDir(t)
	p := New([]config.Database{{Name: "orders", Engine: "postgres", Members: []string{pg.Primary}, DSN: pg.DSN}}, Options{Dir: dir})
	ctx := context.Background()
	live, err := pgx.Connect(ctx, pg.ConnString(pg.Primary))
	if err != nil {
		t.Fatal(err)
	}
	pgExec(t, live, "create table items (id int primary key)")
	pgExec(t, live, "insert into items select generate_series(1, 3)")
	var data string
	if err := live.QueryRow(ctx, "select current_setting('data_directory')").Scan(&data); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	e, err := actions.NewExecutor(actions.Options{Env: "test", AuditPath: audit})
	if err != nil {
		t.Fatal(err)
	}
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "orders"}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))
	pgExec(t, live, "insert into items select generate_series(4, 5)")
	live.Close(ctx)

	a := offered(t, p, dbRef, actions.VerbRestore).(*restore)
	if a.SecondConfirmation() != "" {
		t.Fatal("a restore into a new instance asks for a second confirmation")
	}
	// The TUI's form and the CLI's --in-place set the same thing.
	if err := actions.SetParam(a, "into", "in-place"); err != nil || !a.inPlace || a.SecondConfirmation() != "overwrite orders" {
		t.Fatalf("into=in-place: %v (in place %v, second confirmation %q)", err, a.inPlace, a.SecondConfirmation())
	}
	// --yes alone, or a wrong phrase: refused, nothing stopped.
	if res := e.Execute(ctx, a, true, io.Discard); res.Status != actions.StatusRefused {
		t.Fatalf("in place with --yes only: %+v", res)
	}
	if res := e.ExecuteConfirmed(ctx, a, "overwrite order", io.Discard); res.Status != actions.StatusRefused {
		t.Fatalf("in place with a wrong phrase: %+v", res)
	}
	if out, err := pg.Query(ctx, pg.Primary, "select count(*) from items"); err != nil || out != "5" {
		t.Fatalf("after refusals the live instance has %q rows (%v), want 5 untouched", out, err)
	}
	var progress strings.Builder
	res := e.ExecuteConfirmed(ctx, a, "overwrite orders", &progress)
	t.Cleanup(func() { stopPostmaster(data) })
	if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.VerifyMessage, "restored in place") {
		t.Fatalf("in place: %+v\n%s", res, progress.String())
	}
	rc, err := pgx.Connect(ctx, pg.ConnString(pg.Primary))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(ctx)
	if got := pgIDs(t, rc); got != "1,2,3" {
		t.Fatalf("rows at %s after the restore in place = %q, want exactly 1,2,3", pg.Primary, got)
	}
	pgExec(t, rc, "insert into items values (10)") // a primary again
	kept, _ := filepath.Glob(data + ".before-restore-*")
	if len(kept) != 1 {
		t.Errorf("old data kept aside: %v", kept)
	}
	es, _, err := actions.ReadAudit(audit, 0)
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for _, en := range es {
		if en.Action == string(actions.VerbRestore) {
			results = append(results, en.Result)
		}
	}
	if strings.Join(results, ",") != "refused,refused,succeeded" {
		t.Errorf("restore audit results %v", results)
	}
}

// stopPostmaster stops the server of data directory data (fast shutdown),
// e.g. one the console restarted, before the lab removes its data.
func stopPostmaster(data string) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil {
		_ = syscall.Kill(pid, syscall.SIGINT)
		waitExit(context.Background(), pid, 10*time.Second)
	}
}
