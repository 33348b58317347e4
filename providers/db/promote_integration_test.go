package db

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// refused runs a confirmed and fails unless the executor refused it with
// a reason containing want.
func refused(t *testing.T, a actions.Action, want string) {
	t.Helper()
	res := executor(t, false).Execute(context.Background(), a, true, io.Discard)
	if res.Status != actions.StatusRefused || !strings.Contains(res.Error, want) {
		t.Fatalf("%s: %+v, want refused with %q", a.Spec().Name, res, want)
	}
}

func TestPromoteRefusedWhenTheCandidateLags(t *testing.T) {
	pg := lab.Postgres(t, 1)
	cfg := config.Database{Name: "orders", Engine: "postgres", Members: []string{pg.Primary, pg.Replicas[0]}, DSN: pg.DSN,
		MaxLag: config.Duration(time.Second)}
	p := New([]config.Database{cfg}, Options{Dir: t.TempDir()})
	eventually(t, p, "streaming", func(db providers.Database) bool { return db.Status == "healthy" })
	ctx := context.Background()
	// Replay is paused, then a write is received and not replayed. The
	// replica has replayed no transaction since it started, so its lag is
	// at least the time since it started: past the 1 s limit soon.
	if _, err := pg.Query(ctx, pg.Replicas[0], "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Query(ctx, pg.Primary, "CREATE TABLE lagging (id int); INSERT INTO lagging VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	eventually(t, p, "replica lags over 1s", func(db providers.Database) bool {
		m, _ := find(db, pg.Replicas[0])
		return m.LagSeconds > 1.5
	})
	refused(t, onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "orders", Name: pg.Replicas[0]}), "over the limit 1s (max_lag)")
	if _, err := pg.Query(ctx, pg.Replicas[0], "SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
}

func TestPromoteRefusedWhenTheViewIsStale(t *testing.T) {
	r := lab.Redis(t, 2, 0)
	cfg := config.Database{Name: "cache", Engine: "redis", Members: append([]string{r.Primary}, r.Replicas...)}
	p := New([]config.Database{cfg}, Options{Dir: t.TempDir()})
	eventually(t, p, "replication up", func(db providers.Database) bool { return db.Status == "healthy" })
	// The user chose replica 1 while the view showed the first primary.
	a := onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "cache", Name: r.Replicas[0]})

	// Behind the console's back, replica 2 becomes the primary.
	ctx := context.Background()
	other := r.Replicas[1]
	host, port, _ := strings.Cut(other, ":")
	if _, err := r.Do(ctx, other, "REPLICAOF", "NO", "ONE"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{r.Primary, r.Replicas[0]} {
		if _, err := r.Do(ctx, m, "REPLICAOF", host, port); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, p, "failed over behind the console's back", func(db providers.Database) bool {
		m, _ := find(db, r.Replicas[0])
		return db.Status == "healthy" && strings.Contains(m.Status, other)
	})
	refused(t, a, fmt.Sprintf("the view is stale: it showed primary %q", r.Primary))
}

func TestPromoteRefusedWhenSentinelsDisagree(t *testing.T) {
	r := lab.Redis(t, 1, 3)
	cfg := config.Database{Name: "cache", Engine: "redis", Members: []string{r.Primary, r.Replicas[0]}, Sentinels: r.Sentinels, Master: r.Master}
	p := New([]config.Database{cfg}, Options{Dir: t.TempDir()})
	eventually(t, p, "replication up", func(db providers.Database) bool { return db.Status == "healthy" })
	a := onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "cache", Name: r.Replicas[0]})
	// Two of the three Sentinels are made to watch the replica as the primary.
	ctx := context.Background()
	host, port, _ := strings.Cut(r.Replicas[0], ":")
	for _, s := range r.Sentinels[1:] {
		if _, err := r.Do(ctx, s, "SENTINEL", "REMOVE", r.Master); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Do(ctx, s, "SENTINEL", "MONITOR", r.Master, host, port, "2"); err != nil {
			t.Fatal(err)
		}
	}
	refused(t, a, "only 1 of 3 Sentinels name the primary")
}

// TestPostgresPromoteRepointsReplicas: after pg_promote the other replica
// streams from the new primary and receives what is written there; the
// old primary is fenced: a session open before the promotion is ended,
// and writes to it fail.
func TestPostgresPromoteRepointsReplicas(t *testing.T) {
	pg := lab.Postgres(t, 2)
	cfg := config.Database{Name: "orders", Engine: "postgres", Members: []string{pg.Primary, pg.Replicas[0], pg.Replicas[1]}, DSN: pg.DSN}
	p := New([]config.Database{cfg}, Options{Dir: t.TempDir()})
	eventually(t, p, "streaming", func(db providers.Database) bool { return db.Status == "healthy" })
	ctx := context.Background()
	old, err := pgx.Connect(ctx, pg.ConnString(pg.Primary))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close(ctx)
	if _, err := old.Exec(ctx, "create table before_promote (id int); insert into before_promote values (1)"); err != nil {
		t.Fatal(err)
	}
	next, other := pg.Replicas[0], pg.Replicas[1]
	res := runOK(t, executor(t, false), onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "orders", Name: next}))
	if !strings.Contains(res.VerifyMessage, pg.Primary+" primary ("+fencedStatus) {
		t.Errorf("verification does not report the old primary fenced: %q", res.VerifyMessage)
	}
	// The session opened before the promotion was ended; a new one
	// cannot write.
	if _, err := old.Exec(ctx, "insert into before_promote values (2)"); err == nil {
		t.Fatal("a session on the old primary still writes after fencing")
	}
	if _, err := pg.Query(ctx, pg.Primary, "insert into before_promote values (3)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("write to the fenced old primary: %v, want a read-only transaction error", err)
	}
	if out, err := pg.Query(ctx, pg.Primary, "select count(*) from before_promote"); err != nil || out != "1" {
		t.Fatalf("old primary rows %q %v, want 1 (reads still work)", out, err)
	}
	eventually(t, p, "the other replica streams from the new primary", func(db providers.Database) bool {
		m, _ := find(db, other)
		return m.Healthy && strings.HasSuffix(m.Status, "from "+next)
	})
	if _, err := pg.Query(ctx, next, "CREATE TABLE after_promote (id int); INSERT INTO after_promote VALUES (7)"); err != nil {
		t.Fatal(err)
	}
	eventually(t, p, "the write on the new primary reaches the other replica", func(providers.Database) bool {
		out, err := pg.Query(ctx, other, "SELECT id FROM after_promote")
		return err == nil && out == "7"
	})
}
