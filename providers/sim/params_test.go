package sim

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// TestActionParameters: the demo's actions declare the parameters the
// TUI's form and the command line ask for (replicas, desired, backup,
// member), with the current value, the bounds and the choices, and refuse
// what the spec refuses.
func TestActionParameters(t *testing.T) {
	s := newTest(t, Options{})
	r := pickRefs(t, s)
	ctx := context.Background()

	s.mu.Lock()
	w, _ := s.st.findWorkload(kindDeployment, r.deployment)
	replicas := s.st.inv.Workloads[w].Desired
	g, _ := s.st.findASG(r.asg)
	asg := s.st.inv.AutoscalingGroups[g]
	d, _ := s.st.findDB(r.database)
	db := &s.st.inv.Databases[d]
	// a failed and an unfinished backup, newer than the rest: never offered
	newest := db.Backups[len(db.Backups)-1]
	db.Backups = append(db.Backups,
		providers.Backup{ID: "failed-one", Time: newest.Time.Add(time.Hour), Status: "failed"},
		providers.Backup{ID: "creating-one", Time: newest.Time.Add(2 * time.Hour), Status: "creating"})
	completed := 0
	for _, b := range db.Backups {
		if b.Status == "completed" {
			completed++
		}
	}
	// one replica unhealthy: listed, not choosable
	var sick, healthy []string
	for i := range db.Members {
		if db.Members[i].Role == providers.RoleReplica {
			if len(sick) == 0 {
				db.Members[i].Healthy = false
				sick = append(sick, db.Members[i].Name)
				continue
			}
			healthy = append(healthy, db.Members[i].Name)
		}
	}
	s.mu.Unlock()
	if len(healthy) == 0 {
		t.Fatalf("%s needs two replicas for this test", db.Name)
	}

	t.Run("scale: replicas, now and bounds", func(t *testing.T) {
		a := offered(s, r.deployment, actions.VerbScale)
		ps := actions.ParamsOf(a)
		if len(ps) != 1 || ps[0].Name != "replicas" || ps[0].Current != strconv.Itoa(replicas) || ps[0].Value != strconv.Itoa(replicas+1) || ps[0].Min != 0 || ps[0].Max != 1000 {
			t.Fatalf("params %+v", ps)
		}
		if err := actions.SetParam(a, "replicas", "1001"); !errors.Is(err, actions.ErrBadParam) {
			t.Errorf("1001 replicas: %v", err)
		}
		if err := actions.SetParam(a, "replicas", "7"); err != nil || !strings.Contains(mustPreview(t, a).Summary, "to 7 replicas") {
			t.Errorf("7 replicas: %v", err)
		}
	})
	t.Run("set-desired-capacity: the group's min and max", func(t *testing.T) {
		a := offered(s, r.asg, actions.VerbSetDesiredCapacity)
		ps := actions.ParamsOf(a)
		if len(ps) != 1 || ps[0].Name != "desired" || ps[0].Current != strconv.Itoa(asg.Desired) || ps[0].Min != asg.Min || ps[0].Max != asg.Max {
			t.Fatalf("params %+v, group %+v", ps, asg)
		}
		if err := actions.SetParam(a, "desired", strconv.Itoa(asg.Max+1)); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), "above the maximum") {
			t.Errorf("above max: %v", err)
		}
		if err := actions.SetParam(a, "desired", strconv.Itoa(asg.Min)); err != nil || !strings.HasSuffix(a.Spec().Description, "--desired-capacity "+strconv.Itoa(asg.Min)) {
			t.Errorf("min: %v %q", err, a.Spec().Description)
		}
	})
	t.Run("restore: completed backups, newest first, with time and size", func(t *testing.T) {
		a := offered(s, r.database, actions.VerbRestore)
		ps := actions.ParamsOf(a)
		if len(ps) != 1 || ps[0].Name != "backup" || len(ps[0].Choices) != completed {
			t.Fatalf("params %+v, want %d completed backups", ps, completed)
		}
		cs := ps[0].Choices
		if cs[0].Value != newest.ID || ps[0].Value != newest.ID {
			t.Errorf("first choice %q, value %q; want the newest completed %s", cs[0].Value, ps[0].Value, newest.ID)
		}
		for i, c := range cs {
			if c.Value == "failed-one" || c.Value == "creating-one" {
				t.Errorf("offered %s", c.Value)
			}
			if !strings.Contains(c.Label, "UTC") || !strings.Contains(c.Label, "iB") {
				t.Errorf("label %q lacks the time or the size", c.Label)
			}
			if i > 0 && c.Label > cs[i-1].Label {
				t.Errorf("not newest first: %q after %q", c.Label, cs[i-1].Label)
			}
		}
		if err := actions.SetParam(a, "backup", "failed-one"); !errors.Is(err, actions.ErrBadParam) {
			t.Errorf("failed backup accepted: %v", err)
		}
		older := cs[len(cs)-1].Value
		if err := actions.SetParam(a, "backup", older); err != nil {
			t.Fatal(err)
		}
		if p := mustPreview(t, a); !strings.Contains(p.Summary, "backup "+older) || !strings.Contains(p.Summary, "writes after it are lost") {
			t.Errorf("preview %q does not name the chosen backup %s", p.Summary, older)
		}
	})
	t.Run("promote on a database: the replicas with lag and health", func(t *testing.T) {
		a := offered(s, r.database, actions.VerbPromote)
		ps := actions.ParamsOf(a)
		if len(ps) != 1 || ps[0].Name != "member" || len(ps[0].Choices) != len(sick)+len(healthy) {
			t.Fatalf("params %+v", ps)
		}
		for _, c := range ps[0].Choices {
			if !strings.Contains(c.Label, "lag") || !strings.Contains(c.Label, "replica") {
				t.Errorf("label %q lacks role or lag", c.Label)
			}
			if (c.Value == sick[0]) != (c.Unavailable != "") {
				t.Errorf("choice %+v: only %s is unhealthy", c, sick[0])
			}
		}
		if err := actions.SetParam(a, "member", sick[0]); !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), "not healthy") {
			t.Errorf("unhealthy replica accepted: %v", err)
		}
		target := healthy[len(healthy)-1]
		if err := actions.SetParam(a, "member", target); err != nil {
			t.Fatal(err)
		}
		if a.Spec().Target.Name != target || !strings.Contains(mustPreview(t, a).Summary, target+" becomes primary") {
			t.Errorf("target %s, want %s", a.Spec().Target, target)
		}
		if err := a.Run(ctx, mustPreview(t, a), &lines{}); err != nil {
			t.Fatal(err)
		}
		if ok, msg, _ := a.Verify(ctx); !ok {
			t.Errorf("verify: %s", msg)
		}
	})
	t.Run("actions without parameters", func(t *testing.T) {
		a := offered(s, r.deployment, actions.VerbRestart)
		if err := actions.SetParam(a, "replicas", "3"); !errors.Is(err, actions.ErrNoParam) {
			t.Errorf("restart took replicas: %v", err)
		}
	})
}
