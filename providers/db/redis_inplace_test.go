package db

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// TestRedisRestoreInPlace: a primary with a replica and three Sentinels;
// keys k1-k3, a backup, k4-k5. Asked explicitly (into=in-place) and
// confirmed twice, the restore loads the backup into the live primary:
// exactly k1-k3 there, and on its replica once it resynced; the primary is
// still the Sentinels' primary (no failover happened), takes writes, and
// the data before the restore is kept as an RDB copy.
func TestRedisRestoreInPlace(t *testing.T) {
	r := lab.Redis(t, 1, 3)
	dir := consoleDir(t)
	p := New([]config.Database{{Name: "cache", Engine: "redis", Members: []string{r.Primary, r.Replicas[0]},
		Sentinels: r.Sentinels, Master: r.Master}}, Options{Dir: dir})
	eventually(t, p, "replication up", func(db providers.Database) bool { return db.Status == "healthy" })
	ctx := context.Background()
	live := redis.NewClient(&redis.Options{Addr: r.Primary})
	defer live.Close()
	replica := redis.NewClient(&redis.Options{Addr: r.Replicas[0]})
	defer replica.Close()
	set := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if err := live.Set(ctx, k, "v-"+k, 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	keys := func(c *redis.Client) []string {
		t.Helper()
		got, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	set("k1", "k2", "k3")
	e := executor(t, false)
	dbRef := actions.Ref{Kind: actions.KindDatabase, Name: "cache"}
	runOK(t, e, offered(t, p, dbRef, actions.VerbBackup))
	set("k4", "k5")

	a := offered(t, p, dbRef, actions.VerbRestore)
	if err := actions.SetParam(a, "into", "in-place"); err != nil {
		t.Fatal(err)
	}
	if res := e.Execute(ctx, a, true, io.Discard); res.Status != actions.StatusRefused {
		t.Fatalf("in place with --yes only: %+v", res)
	}
	if got := keys(live); len(got) != 5 {
		t.Fatalf("after the refusal the primary holds %v, want k1-k5 untouched", got)
	}
	var progress strings.Builder
	res := e.ExecuteConfirmed(ctx, a, "overwrite cache", &progress)
	t.Logf("output:\n%s", progress.String())
	if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.VerifyMessage, "3 keys") {
		t.Fatalf("in place: %+v", res)
	}
	want := []string{"k1", "k2", "k3"}
	if got := keys(live); !slices.Equal(got, want) {
		t.Fatalf("primary keys after the restore = %v, want exactly %v", got, want)
	}
	if v, _ := live.Get(ctx, "k2").Result(); v != "v-k2" {
		t.Errorf("k2 = %q after the restore", v)
	}
	db := eventually(t, p, "the replica resynced", func(db providers.Database) bool {
		got, err := replica.Keys(ctx, "*").Result()
		slices.Sort(got)
		return err == nil && slices.Equal(got, want) && db.Status == "healthy"
	})
	if pr := healthyPrimaries(db); !slices.Equal(pr, []string{r.Primary}) {
		t.Errorf("primaries after the restore %v, want %s", pr, r.Primary)
	}
	for s, addr := range p.clusters[0].engine.(*redisEngine).sentinelAnswers(ctx) {
		if addr != r.Primary {
			t.Errorf("Sentinel %s names %s, want %s (no failover)", s, addr, r.Primary)
		}
	}
	if err := live.Set(ctx, "k6", "after", 0).Err(); err != nil {
		t.Errorf("the restored primary refuses writes: %v", err)
	}
	kept, err := filepath.Glob(filepath.Join(dir, "restores", "cache-before-restore-*", rdbFile))
	if err != nil || len(kept) != 1 {
		t.Fatalf("the data before the restore is not kept: %v %v", kept, err)
	}
	if fi, err := os.Stat(kept[0]); err != nil || fi.Size() == 0 {
		t.Errorf("kept RDB %s: %v", kept[0], err)
	}
	if src, _ := filepath.Glob(filepath.Join(dir, "restores", "cache-in-place-source-*")); len(src) != 0 {
		t.Errorf("the temporary source was left: %v", src)
	}
	for _, m := range r.Replicas {
		c := redisClient(m, time.Second)
		prio, err := c.ConfigGet(ctx, "replica-priority").Result()
		c.Close()
		if err != nil || prio["replica-priority"] != "100" {
			t.Errorf("%s replica-priority %v %v, want restored to 100", m, prio, err)
		}
	}
}
