package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/e2e/workload"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// TestDepsJaeger opens the Services view over a real Jaeger (v2, in
// memory) fed by the repository's workload (normal orders and one whose
// payment fails) and checks the graph shown against the traces package's
// computation from the same traces.
func TestDepsJaeger(t *testing.T) {
	j := lab.Jaeger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, err := workload.Start(ctx, workload.Config{OTLPEndpoint: j.OTLPGRPC})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var ids []string
	for _, f := range []workload.Fault{workload.FaultNone, workload.FaultNone, workload.FaultError} {
		r, err := w.Request(ctx, f)
		if err != nil {
			t.Fatalf("%q request: %v", f, err)
		}
		ids = append(ids, r.TraceID)
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// every span stored before the view asks for the graph
	var sent []*traces.Trace
	for _, id := range ids {
		tr, err := workload.WaitStored(ctx, c, id, workload.SpansPerRequest)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, tr)
	}
	want := traces.Dependencies(sent)
	if len(want) == 0 {
		t.Fatal("the workload's traces have no dependencies")
	}

	m := newModel(deps{initial: fixtureSnapshot(), env: "prod", now: func() time.Time { return frozen }, traces: c})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(160, 48))
	waitFor(t, tm, "topology", built("topology"))
	tm.Type(":deps")
	tm.Send(enter())
	var got []traces.Dependency
	scr := waitLong(t, tm, "the service graph", time.Minute, func(m *Model) bool {
		if !built("deps")(m) {
			return false
		}
		got = m.depsPage().Edges()
		return len(got) > 0
	})
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	shown := map[string]traces.Dependency{}
	for _, d := range got {
		shown[d.Parent+"→"+d.Child] = d
	}
	errEdges := 0
	for _, d := range want {
		s, ok := shown[d.Parent+"→"+d.Child]
		if !ok {
			t.Errorf("edge %s → %s (%d calls) is not shown:\n%s", d.Parent, d.Child, d.Calls, scr)
			continue
		}
		if s.Calls < d.Calls {
			t.Errorf("edge %s → %s: %d calls shown, the traces hold %d", d.Parent, d.Child, s.Calls, d.Calls)
		}
		if d.Errors > 0 {
			errEdges++
			if s.Errors == 0 {
				t.Errorf("edge %s → %s: errored calls not shown (%+v)", d.Parent, d.Child, s)
			}
		}
	}
	if errEdges == 0 {
		t.Errorf("the failed order left no errored edge: %v", want)
	}
	if testing.Verbose() {
		t.Log(fmt.Sprint(len(got), " edges\n", scr))
	}
}
