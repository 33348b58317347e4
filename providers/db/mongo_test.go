package db

import (
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// TestMongoStatusFromDocumentedReply reads a replSetGetStatus reply in the
// format MongoDB documents (testdata/replSetGetStatus.json, extended JSON):
// roles, health and lag come from it. No MongoDB server is started.
func TestMongoStatusFromDocumentedReply(t *testing.T) {
	data, err := os.ReadFile("testdata/replSetGetStatus.json")
	if err != nil {
		t.Fatal(err)
	}
	var st replSetStatus
	if err := bson.UnmarshalExtJSON(data, false, &st); err != nil {
		t.Fatal(err)
	}
	db := fromStatus("orders", st)
	want := []struct {
		name, role string
		healthy    bool
		lag        float64
		status     string
	}{
		{"m1.example.net:27017", providers.RolePrimary, true, 0, "PRIMARY"},
		{"m2.example.net:27017", providers.RoleReplica, true, 5, "SECONDARY from m1.example.net:27017"},
		{"m3.example.net:27017", providers.RoleReplica, false, 0, "(not reachable/healthy): Error connecting"},
		{"m4.example.net:27017", providers.RoleArbiter, true, 0, "ARBITER"},
	}
	if len(db.Members) != len(want) {
		t.Fatalf("members = %+v", db.Members)
	}
	for i, w := range want {
		m := db.Members[i]
		if m.Address != w.name || m.Role != w.role || m.Healthy != w.healthy || m.LagSeconds != w.lag || !strings.HasPrefix(m.Status, w.status) {
			t.Errorf("member %d = %+v, want %+v", i, m, w)
		}
	}
	if db.Status != "degraded" || db.Endpoint != "mongodb://m1.example.net:27017,m2.example.net:27017,m3.example.net:27017,m4.example.net:27017/?replicaSet=rs0" {
		t.Errorf("status %q endpoint %q", db.Status, db.Endpoint)
	}
}

func TestMongoPromotePlan(t *testing.T) {
	e := newMongo(config.Database{Name: "orders", Engine: "mongodb", Members: []string{"a:1", "b:1", "c:1"}}, Options{})
	calls, note := e.PromotePlan("b:1")
	want := []string{"a:1: replSetFreeze 120 (unless it is the primary)", "c:1: replSetFreeze 120 (unless it is the primary)",
		"the primary: replSetStepDown 60, secondaryCatchUpPeriodSecs 10", "b:1: hello until isWritablePrimary",
		"a:1: replSetFreeze 0 (unfreeze)", "c:1: replSetFreeze 0 (unfreeze)"}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") || !strings.Contains(note, "not tested against a live server") {
		t.Errorf("plan = %q, %q", calls, note)
	}
	if _, ok := e.(Backuper); ok {
		t.Error("mongodb offers backups it cannot take")
	}
	if got := e.(*mongoEngine).mongoDSN("h:27018"); got != "mongodb://h:27018/?directConnection=true" {
		t.Errorf("dsn %q", got)
	}
}
