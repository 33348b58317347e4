package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

func TestDBListDemo(t *testing.T) {
	isolate(t)
	code, out, errOut := cli(t, "--demo", "db", "list", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var dbs []providers.Database
	if err := json.Unmarshal([]byte(out), &dbs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(dbs) == 0 || len(dbs[0].Members) == 0 {
		t.Fatalf("demo databases = %+v", dbs)
	}
	// The demo's MongoDB members run in pods with a data and a journal
	// claim: their volumes come from the claims (joined by pod IP).
	var vols []providers.Volume
	for _, d := range dbs {
		for _, m := range d.Members {
			if d.Name == "orders-mongo" && m.Name == "orders-mongo-0" {
				vols = m.Volumes
			}
		}
	}
	if len(vols) != 2 || vols[0].Mount != "/data" || vols[0].Path != "pvc data/data-orders-mongo-0" || vols[0].Class != "gp3" ||
		!vols[0].UsageKnown || vols[0].SizeGiB != 200 || vols[1].Mount != "/journal" || vols[1].Class != "io2" {
		t.Errorf("orders-mongo-0 volumes = %+v", vols)
	}
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--demo", "db", "backups", "nope"}, 2},
		{[]string{"--demo", "db", "backups"}, 2},
		{[]string{"--demo", "db"}, 2},
		{[]string{"--demo", "db", "backups", dbs[0].Name, "--json"}, 0},
	}
	for _, tc := range tests {
		if code, _, errOut := cli(t, tc.args...); code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
}

// TestDBBackupRestoreCLI backs up a real Redis and restores it into a new
// server through `console action do`, listing the backup with `console db`.
func TestDBBackupRestoreCLI(t *testing.T) {
	dir := isolate(t)
	r := lab.Redis(t, 1, 0)
	cfg := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("default_env: lab\nenvironments:\n  lab:\n    databases:\n      - name: cache\n        engine: redis\n        members: [%s, %s]\n", r.Primary, r.Replicas[0])
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	live := redis.NewClient(&redis.Options{Addr: r.Primary})
	defer live.Close()
	if err := live.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	_, out, errOut := cli(t, "--config", cfg, "db", "list", "--json")
	var dbs []providers.Database
	if err := json.Unmarshal([]byte(out), &dbs); err != nil || len(dbs) != 1 {
		t.Fatalf("db list: %v\n%s\n%s", err, out, errOut)
	}
	roles := map[string]string{}
	for _, m := range dbs[0].Members {
		roles[m.Address] = m.Role
	}
	if roles[r.Primary] != providers.RolePrimary || roles[r.Replicas[0]] != providers.RoleReplica {
		t.Fatalf("roles %v", roles)
	}

	code, out, errOut := cli(t, "--config", cfg, "action", "do", "backup", "database/cache", "--yes", "--json")
	if res := decodeResult(t, out); code != 0 || res.Status != "succeeded" || !res.Verified {
		t.Fatalf("backup: exit %d %+v\n%s", code, res, errOut)
	}
	_, out, _ = cli(t, "--config", cfg, "db", "backups", "cache", "--json")
	var bs []providers.Backup
	if err := json.Unmarshal([]byte(out), &bs); err != nil || len(bs) != 1 {
		t.Fatalf("db backups: %v\n%s", err, out)
	}
	if want := filepath.Join(dir, "state", "console", "db", "backups", "cache"); bs[0].Kind != "rdb" || !strings.HasPrefix(bs[0].Location, want) {
		t.Fatalf("backup %+v, want kind rdb under %s", bs[0], want)
	}
	if err := live.Set(ctx, "after", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	if code, _, errOut := cli(t, "--config", cfg, "action", "do", "restore", "database/cache", "--backup", "nope", "--yes"); code != 2 {
		t.Fatalf("unknown backup: exit %d: %s", code, errOut)
	}
	code, out, errOut = cli(t, "--config", cfg, "action", "do", "restore", "database/cache", "--backup", bs[0].ID, "--yes", "--json")
	res := decodeResult(t, out)
	if code != 0 || res.Status != "succeeded" || !res.Verified {
		t.Fatalf("restore: exit %d %+v\n%s", code, res, errOut)
	}
	addr := regexp.MustCompile(`ready at (\S+)`).FindStringSubmatch(res.VerifyMessage)
	if addr == nil {
		t.Fatalf("no address in %q", res.VerifyMessage)
	}
	restored := redis.NewClient(&redis.Options{Addr: addr[1]})
	defer restored.Close()
	t.Cleanup(func() { _ = restored.Shutdown(context.Background()).Err() })
	keys, err := restored.Keys(ctx, "*").Result()
	if err != nil || !slices.Equal(keys, []string{"before"}) {
		t.Fatalf("restored keys %v, %v; want exactly [before]", keys, err)
	}
	if n, err := live.DBSize(ctx).Result(); err != nil || n != 2 {
		t.Fatalf("live keys %d, %v; want 2", n, err)
	}
}
