package providers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/traces"
)

// scripted is a provider that sends the updates it is given.
type scripted struct {
	name string
	in   chan Update
}

func (s *scripted) Name() string { return s.name }
func (s *scripted) Kind() string { return "test" }
func (s *scripted) Run(ctx context.Context, out chan<- Update) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-s.in:
			u.Source = s.name
			Send(ctx, out, u)
		}
	}
}

func waitFor(t *testing.T, ch <-chan *Snapshot, cond func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-ch:
			if cond(s) {
				return s
			}
		case <-deadline:
			t.Fatal("condition not reached before the deadline")
			return nil
		}
	}
}

func source(s *Snapshot, name string) SourceStatus {
	for _, st := range s.Inv.Sources {
		if st.Name == name {
			return st
		}
	}
	return SourceStatus{}
}

func TestStoreMergesSourcesAndKeepsLastDataWhenStale(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kube := &scripted{name: "kube", in: make(chan Update)}
	aws := &scripted{name: "aws", in: make(chan Update)}
	st := NewStore(kube, aws)
	if got := source(st.Snapshot(), "kube").Status; got != StatusPending {
		t.Fatalf("before any update kube is %q, want pending", got)
	}
	ch := st.Subscribe()
	st.Start(ctx)

	kube.in <- Update{Inventory: &Inventory{
		Nodes: []Node{{Name: "n1", InstanceID: "i-1", Ready: true}},
		Pods:  []Pod{{Name: "p1", Node: "n1"}, {Name: "p2", Node: "n1"}},
	}}
	aws.in <- Update{Inventory: &Inventory{
		Regions:           []Region{{Name: "us-east-1"}},
		Zones:             []Zone{{Name: "us-east-1a", Region: "us-east-1"}},
		Instances:         []Instance{{ID: "i-1", Zone: "us-east-1a", Region: "us-east-1", ASG: "workers", Subnet: "subnet-1"}},
		AutoscalingGroups: []AutoscalingGroup{{Name: "workers", Region: "us-east-1"}},
	}}
	snap := waitFor(t, ch, func(s *Snapshot) bool { return len(s.Inv.Nodes) == 1 && len(s.Inv.Instances) == 1 })
	n := snap.Inv.Nodes[0]
	if n.ASG != "workers" || n.Zone != "us-east-1a" || n.Pods != 2 {
		t.Fatalf("join: node = %+v, want asg workers, zone us-east-1a, 2 pods", n)
	}
	if snap.Inv.AutoscalingGroups[0].ReadyNodes != 1 {
		t.Fatalf("ready nodes of the ASG = %d, want 1", snap.Inv.AutoscalingGroups[0].ReadyNodes)
	}
	if snap.Inv.Instances[0].Node != "n1" {
		t.Fatalf("instance node = %q, want n1", snap.Inv.Instances[0].Node)
	}

	kube.in <- Update{Err: errors.New("connection refused")}
	snap = waitFor(t, ch, func(s *Snapshot) bool { return source(s, "kube").Status == StatusStale })
	if len(snap.Inv.Nodes) != 1 {
		t.Fatalf("stale source lost its data: %d nodes", len(snap.Inv.Nodes))
	}
	// said in words, the original kept (internal/errtext)
	if e := source(snap, "kube").Error; !strings.HasPrefix(e, "connection refused: nothing is listening") || !strings.HasSuffix(e, "[connection refused]") {
		t.Fatalf("stale error = %q", e)
	}
	kube.in <- Update{Inventory: &Inventory{}}
	snap = waitFor(t, ch, func(s *Snapshot) bool { return source(s, "kube").Status == StatusOK })
	if len(snap.Inv.Nodes) != 0 {
		t.Fatalf("recovered source should replace its data, have %d nodes", len(snap.Inv.Nodes))
	}
}

func TestStoreErrorBeforeAnyData(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &scripted{name: "jaeger", in: make(chan Update)}
	st := NewStore(p)
	st.Start(ctx)
	go func() { p.in <- Update{Err: errors.New("dial tcp: refused")} }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	snap := st.WaitReady(wctx)
	if got := source(snap, "jaeger"); got.Status != StatusError || got.Error == "" {
		t.Fatalf("source = %+v, want error status with message", got)
	}
}

func TestJoinAddsRegionsAndZonesFromNodes(t *testing.T) {
	inv := Merge(&Inventory{Nodes: []Node{{Name: "a", Zone: "eu-west-1b", Region: "eu-west-1", Ready: true}}})
	if len(inv.Regions) != 1 || inv.Regions[0].Name != "eu-west-1" {
		t.Fatalf("regions = %+v", inv.Regions)
	}
	if len(inv.Zones) != 1 || inv.Zones[0].Region != "eu-west-1" {
		t.Fatalf("zones = %+v", inv.Zones)
	}
}

func TestMergeDoesNotModifyInputs(t *testing.T) {
	a := &Inventory{Nodes: []Node{{Name: "n", InstanceID: "i-1"}}}
	b := &Inventory{Instances: []Instance{{ID: "i-1", ASG: "g"}}}
	Merge(a, b)
	if a.Nodes[0].ASG != "" || b.Instances[0].Node != "" {
		t.Fatal("Merge modified its inputs")
	}
}

// TestMergeListsTracesNewestFirst: the Traces view lists the traces in the
// order `console trace find` prints them, newest first, whatever order the
// sources sent them in.
func TestMergeListsTracesNewestFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &Inventory{Traces: []traces.TraceSummary{{TraceID: "old", Start: t0}, {TraceID: "new", Start: t0.Add(time.Minute)}}}
	b := &Inventory{Traces: []traces.TraceSummary{{TraceID: "mid", Start: t0.Add(30 * time.Second)}}}
	inv := Merge(a, b)
	var got []string
	for _, s := range inv.Traces {
		got = append(got, s.TraceID)
	}
	if want := []string{"new", "mid", "old"}; !slices.Equal(got, want) {
		t.Errorf("traces %v, want %v", got, want)
	}
	if a.Traces[0].TraceID != "old" {
		t.Error("Merge reordered its input")
	}
}

// TestStoreAdd: a provider added while the store runs is started, its
// views merged; the same name twice is refused.
func TestStoreAdd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := &scripted{name: "kube:a", in: make(chan Update)}
	st := NewStore(a)
	ch := st.Subscribe()
	st.Start(ctx)
	b := &scripted{name: "kube:b", in: make(chan Update)}
	if err := st.Add(b); err != nil {
		t.Fatal(err)
	}
	if err := st.Add(&scripted{name: "kube:b"}); err == nil {
		t.Error("adding kube:b twice should be refused")
	}
	if n := len(st.Providers()); n != 2 {
		t.Errorf("%d providers, want 2", n)
	}
	go func() {
		b.in <- Update{Inventory: &Inventory{Nodes: []Node{{Name: "n-b", Cluster: "b"}}}}
	}()
	waitFor(t, ch, func(s *Snapshot) bool {
		return source(s, "kube:b").Status == StatusOK && len(s.Inv.Nodes) == 1 && source(s, "kube:a").Status == StatusPending
	})
}

// TestStoreLoading: a partial view (an update with Progress) is shown at
// once with the source loading and its progress; WaitReady waits for the
// complete view, which ends the loading.
func TestStoreLoading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &scripted{name: "kube:big", in: make(chan Update)}
	st := NewStore(p)
	ch := st.Subscribe()
	st.Start(ctx)
	p.in <- Update{Inventory: &Inventory{Pods: []Pod{{Name: "p1"}}}, Progress: &Progress{What: "pods", Done: 4500, Total: 20000}}
	snap := waitFor(t, ch, func(s *Snapshot) bool { return len(s.Inv.Pods) == 1 })
	src := source(snap, "kube:big")
	if src.Status != StatusLoading || src.Progress == nil || src.Progress.String() != "pods 4,500/20,000" {
		t.Fatalf("partial view: source %+v (progress %v), want loading pods 4,500/20,000", src, src.Progress)
	}
	ready := make(chan *Snapshot, 1)
	go func() { ready <- st.WaitReady(ctx) }()
	select {
	case s := <-ready:
		t.Fatalf("WaitReady returned while the source loads: %+v", source(s, "kube:big"))
	case <-time.After(300 * time.Millisecond):
	}
	p.in <- Update{Inventory: &Inventory{Pods: []Pod{{Name: "p1"}, {Name: "p2"}}}}
	select {
	case s := <-ready:
		if got := source(s, "kube:big"); got.Status != StatusOK || got.Progress != nil || len(s.Inv.Pods) != 2 {
			t.Fatalf("complete view: source %+v, %d pods", got, len(s.Inv.Pods))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WaitReady did not return after the complete view")
	}
}

func TestProgressString(t *testing.T) {
	for _, tt := range []struct {
		p    Progress
		want string
	}{
		{Progress{What: "pods", Done: 500}, "pods 500"},
		{Progress{What: "pods", Done: 4500, Total: 20000}, "pods 4,500/20,000"},
		{Progress{What: "pods", Done: 1234567, Total: 1000000000}, "pods 1,234,567/1,000,000,000"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
}
