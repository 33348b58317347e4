package db

import (
	"slices"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

func TestParseInfoAndReplicaLags(t *testing.T) {
	info := "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n" +
		"slave0:ip=127.0.0.1,port=7001,state=online,offset=100,lag=0\r\n" +
		"slave1:ip=127.0.0.1,port=7002,state=online,offset=90,lag=3\r\nslave_read_repl_offset:5\r\n"
	kv := parseInfo(info)
	if kv["role"] != "master" || kv["connected_slaves"] != "2" {
		t.Fatalf("parseInfo = %v", kv)
	}
	lags := replicaLags(kv)
	want := map[string]float64{"127.0.0.1:7001": 0, "127.0.0.1:7002": 3}
	if len(lags) != len(want) {
		t.Fatalf("lags = %v, want %v", lags, want)
	}
	for k, v := range want {
		if got, ok := lags[k]; !ok || got != v {
			t.Errorf("lag[%s] = %v, want %v", k, got, v)
		}
	}
}

func TestMemberDSN(t *testing.T) {
	tests := []struct{ dsn, addr, want string }{
		{"", "10.0.0.1:5433", "postgres://postgres@10.0.0.1:5433/postgres?sslmode=disable"},
		{"postgres://u@{host}:{port}/db", "h:1", "postgres://u@h:1/db"},
		{"host={host} port={port}", "h", "host=h port=5432"},
	}
	for _, tc := range tests {
		if got := memberDSN(config.Database{DSN: tc.dsn}, tc.addr); got != tc.want {
			t.Errorf("memberDSN(%q, %q) = %q, want %q", tc.dsn, tc.addr, got, tc.want)
		}
	}
}

func TestRollupStatus(t *testing.T) {
	p := providers.Member{Role: providers.RolePrimary, Healthy: true}
	r := providers.Member{Role: providers.RoleReplica, Healthy: true}
	down := providers.Member{Role: providers.RoleReplica}
	tests := []struct {
		members []providers.Member
		want    string
	}{
		{[]providers.Member{p, r}, "healthy"},
		{[]providers.Member{p, down}, "degraded"},
		{[]providers.Member{r, down}, "no primary"},
		{[]providers.Member{p, p}, "split brain: several primaries"},
	}
	for _, tc := range tests {
		db := providers.Database{Members: tc.members}
		rollupStatus(&db)
		if db.Status != tc.want {
			t.Errorf("%v: status %q, want %q", tc.members, db.Status, tc.want)
		}
	}
}

func TestEngineRegistry(t *testing.T) {
	tests := []struct{ engine, want string }{
		{"redis", "redis"},
		{"postgres", "postgres"},
		{"postgresql", "postgres"},
		{"mongodb", "mongodb"},
		{"oracle", ""},
	}
	for _, tc := range tests {
		p := New([]config.Database{{Name: "x", Engine: tc.engine}}, Options{})
		c := p.clusters[0]
		if (c.engine != nil) != (tc.want != "") {
			t.Errorf("engine %q: built %T, want an engine: %v", tc.engine, c.engine, tc.want != "")
			continue
		}
		db := p.Probe(t.Context()).Databases[0]
		if tc.want == "" {
			if db.Status != `unsupported engine "oracle"` || len(p.Offer(actions.Ref{Kind: actions.KindDatabase, Name: "x"})) != 0 {
				t.Errorf("unknown engine: status %q", db.Status)
			}
			continue
		}
		if db.Engine != tc.want || db.Name != "x" {
			t.Errorf("engine %q: probe says %q/%q", tc.engine, db.Name, db.Engine)
		}
	}
}

// TestOneLockPerDatabase: promote, backup and restore of one database are
// one target for the executor, so no promote runs while a backup does.
func TestOneLockPerDatabase(t *testing.T) {
	p := New([]config.Database{{Name: "x", Engine: "redis", Members: []string{"h:1"}}}, Options{Dir: t.TempDir()})
	as := append(p.Offer(actions.Ref{Kind: actions.KindDatabase, Name: "x"}), p.Offer(actions.Ref{Kind: actions.KindMember, Namespace: "x", Name: "h:1"})...)
	var verbs []actions.Verb
	for _, a := range as {
		verbs = append(verbs, a.Spec().Name)
		if l, ok := a.(actions.Locker); !ok || l.LockKey() != "db/x" {
			t.Errorf("%s: lock key %v", a.Spec().Name, a)
		}
	}
	if want := []actions.Verb{actions.VerbBackup, actions.VerbRestore, actions.VerbPromote}; !slices.Equal(verbs, want) {
		t.Errorf("offered %v, want %v", verbs, want)
	}
}

func TestWithHostPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user=postgres passfile='/root/.pgpass' host=127.0.0.1 port=5432 sslmode=prefer", "host=h port=1 user=postgres passfile='/root/.pgpass' sslmode=prefer"},
		{"user=x", "host=h port=1 user=x"},
		{"", "host=h port=1"},
	}
	for _, tc := range tests {
		if got, err := withHostPort(tc.in, "h", "1"); err != nil || got != tc.want {
			t.Errorf("withHostPort(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := withHostPort("password='a b' host=x", "h", "1"); err == nil {
		t.Error("a quoted value with spaces was split")
	}
}
