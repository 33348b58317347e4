package db

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

func executor(t *testing.T, readOnly bool) *actions.Executor {
	t.Helper()
	e, err := actions.NewExecutor(actions.Options{Env: "test", ReadOnly: readOnly, AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func roles(db providers.Database) map[string]string {
	out := map[string]string{}
	for _, m := range db.Members {
		out[m.Address] = m.Role
	}
	return out
}

// eventually probes until cond holds or the deadline (lab.Wait: the
// replicas of a loaded machine are slow to follow) passes.
func eventually(t *testing.T, p *Provider, what string, cond func(providers.Database) bool) providers.Database {
	t.Helper()
	ctx := context.Background()
	var db providers.Database
	lab.WaitFor(t, what, lab.Wait, func() (bool, string) {
		db = p.Probe(ctx).Databases[0]
		return cond(db), fmt.Sprintf("state %+v", db)
	})
	return db
}

// checkDataVolumes checks every member of a lab cluster (on this machine)
// reports its data directory's filesystem as its /data volume, as statfs
// of that directory says.
func checkDataVolumes(t *testing.T, db providers.Database) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	for _, m := range db.Members {
		if len(m.Volumes) == 0 || m.Volumes[0].Mount != "/data" {
			t.Errorf("%s volumes %+v, want its /data", m.Address, m.Volumes)
			continue
		}
		v := m.Volumes[0]
		fs, err := statFS(v.Path)
		if err != nil {
			t.Fatal(err)
		}
		if v.Class != fs.class || v.SizeGiB != gib(fs.size) || !v.UsageKnown || v.UsedGiB <= 0 {
			t.Errorf("%s /data %+v, statfs says %+v", m.Address, v, fs)
		}
	}
}

func onlyAction(t *testing.T, p *Provider, ref actions.Ref) actions.Action {
	t.Helper()
	as := p.Offer(ref)
	if len(as) != 1 {
		t.Fatalf("Offer(%v) = %d actions, want 1", ref, len(as))
	}
	return as[0]
}

func TestRedisRolesPromoteAndBackup(t *testing.T) {
	r := lab.Redis(t, 2, 1)
	cfg := config.Database{Name: "cache", Engine: "redis", Members: append([]string{r.Primary}, r.Replicas...), Sentinels: r.Sentinels, Master: r.Master}
	p := New([]config.Database{cfg}, Options{Interval: time.Second, Dir: t.TempDir()})

	db := eventually(t, p, "replication up", func(db providers.Database) bool { return db.Status == "healthy" })
	got := roles(db)
	if got[r.Primary] != providers.RolePrimary || got[r.Replicas[0]] != providers.RoleReplica || got[r.Replicas[1]] != providers.RoleReplica {
		t.Fatalf("roles = %v (primary %s)", got, r.Primary)
	}
	if db.Endpoint != r.Primary {
		t.Fatalf("sentinel endpoint = %q, want %q", db.Endpoint, r.Primary)
	}
	checkDataVolumes(t, db)

	// Promoting the primary is refused by the precondition.
	e := executor(t, false)
	res := e.Execute(context.Background(), onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "cache", Name: r.Primary}), true, io.Discard)
	if res.Status != "refused" || !strings.Contains(res.Error, "not a replica") {
		t.Fatalf("promote primary: %+v", res)
	}
	// Read-only refuses a real promotion.
	res = executor(t, true).Execute(context.Background(), onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "cache", Name: r.Replicas[0]}), true, io.Discard)
	if res.Status != "refused" {
		t.Fatalf("read-only promote: %+v", res)
	}

	res = e.Execute(context.Background(), offered(t, p, actions.Ref{Kind: actions.KindDatabase, Name: "cache"}, actions.VerbBackup), true, io.Discard)
	if res.Status != "succeeded" || !res.Verified {
		t.Fatalf("backup: %+v", res)
	}

	target := r.Replicas[0]
	res = e.Execute(context.Background(), onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "cache", Name: target}), true, io.Discard)
	if res.Status != "succeeded" || !res.Verified {
		t.Fatalf("promote: %+v", res)
	}
	eventually(t, p, "old primary follows the new one", func(db providers.Database) bool {
		g := roles(db)
		return g[target] == providers.RolePrimary && g[r.Primary] == providers.RoleReplica
	})
}

func TestPostgresRolesAndPromote(t *testing.T) {
	pg := lab.Postgres(t, 1)
	cfg := config.Database{Name: "orders", Engine: "postgres", Members: []string{pg.Primary, pg.Replicas[0]}, DSN: pg.DSN}
	p := New([]config.Database{cfg}, Options{Interval: time.Second, Dir: t.TempDir()})
	db := eventually(t, p, "streaming", func(db providers.Database) bool { return db.Status == "healthy" })
	got := roles(db)
	if got[pg.Primary] != providers.RolePrimary || got[pg.Replicas[0]] != providers.RoleReplica {
		t.Fatalf("roles = %v", got)
	}
	checkDataVolumes(t, db)

	e := executor(t, false)
	a := onlyAction(t, p, actions.Ref{Kind: actions.KindMember, Namespace: "orders", Name: pg.Replicas[0]})
	if a.Spec().Effect != actions.Destructive {
		t.Fatalf("promote effect = %v, want destructive", a.Spec().Effect)
	}
	// Without --yes only the plan is printed and nothing changes.
	if res := e.Execute(context.Background(), a, false, io.Discard); res.Status != "planned" {
		t.Fatalf("plan only: %+v", res)
	}
	if roles(p.Probe(context.Background()).Databases[0])[pg.Replicas[0]] != providers.RoleReplica {
		t.Fatal("a plan-only run changed the replica")
	}
	res := e.Execute(context.Background(), a, true, io.Discard)
	if res.Status != "succeeded" || !res.Verified {
		t.Fatalf("promote: %+v", res)
	}
	if roles(p.Probe(context.Background()).Databases[0])[pg.Replicas[0]] != providers.RolePrimary {
		t.Fatal("replica not primary after promote")
	}
}
