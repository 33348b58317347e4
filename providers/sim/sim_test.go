package sim

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opsconsole/console/providers"
)

// start is a fixed "now" so that estates compare equal.
var start = time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)

func newTest(t testing.TB, o Options) *Sim {
	t.Helper()
	if o.Start.IsZero() {
		o.Start = start
	}
	if o.StepDelay == 0 {
		o.StepDelay = time.Millisecond
	}
	return New(o)
}

func TestDeterministic(t *testing.T) {
	a := newTest(t, Options{Seed: 7})
	b := newTest(t, Options{Seed: 7})
	if !reflect.DeepEqual(a.Snapshot(), b.Snapshot()) {
		t.Fatal("same seed, different estates")
	}
	if !reflect.DeepEqual(a.Traces(), b.Traces()) {
		t.Fatal("same seed, different traces")
	}
	for i := 0; i < 120; i++ {
		a.Step()
		b.Step()
	}
	if !reflect.DeepEqual(a.Snapshot(), b.Snapshot()) {
		t.Fatal("same seed, estates differ after 120 ticks")
	}
	c := newTest(t, Options{Seed: 8})
	if reflect.DeepEqual(a.Snapshot().Nodes, c.Snapshot().Nodes) {
		t.Fatal("different seeds, same nodes")
	}
	if New(Options{Start: start}).Options().Seed != DefaultSeed {
		t.Fatal("zero seed is not the default seed")
	}
}

var (
	subnetID   = regexp.MustCompile(`^subnet-0[0-9a-f]{16}$`)
	instanceID = regexp.MustCompile(`^i-0[0-9a-f]{16}$`)
	nodeNameRE = regexp.MustCompile(`^ip-10-[01]-\d{1,3}-\d{1,3}\.(ec2\.internal|eu-west-1\.compute\.internal)$`)
)

func TestShape(t *testing.T) {
	s := newTest(t, Options{})
	inv := providers.Merge(s.Snapshot())

	if got := len(inv.Regions); got != 2 {
		t.Errorf("regions = %d, want 2", got)
	}
	if got := len(inv.Zones); got != 6 {
		t.Errorf("zones = %d, want 6", got)
	}
	if got := len(inv.VPCs); got != 2 {
		t.Errorf("vpcs = %d, want 2", got)
	}
	if got := len(inv.Subnets); got != 12 {
		t.Errorf("subnets = %d, want 12", got)
	}
	public := map[string]bool{}
	perZone := map[string][2]int{}
	for _, sn := range inv.Subnets {
		if !subnetID.MatchString(sn.ID) {
			t.Errorf("subnet id %q does not look like an AWS subnet id", sn.ID)
		}
		c := perZone[sn.Zone]
		if sn.Public {
			c[0]++
			public[sn.ID] = true
		} else {
			c[1]++
		}
		perZone[sn.Zone] = c
	}
	for z, c := range perZone {
		if c != [2]int{1, 1} {
			t.Errorf("zone %s has %d public and %d private subnets, want 1 and 1", z, c[0], c[1])
		}
	}

	bastions := 0
	for _, in := range inv.Instances {
		if !instanceID.MatchString(in.ID) {
			t.Errorf("instance id %q does not look like an EC2 id", in.ID)
		}
		if in.Bastion {
			bastions++
			if !public[in.Subnet] {
				t.Errorf("bastion %s is not in a public subnet", in.ID)
			}
		} else if public[in.Subnet] {
			t.Errorf("worker %s is in a public subnet", in.ID)
		}
	}
	if bastions != 1 {
		t.Errorf("bastions = %d, want 1", bastions)
	}

	if got := len(inv.AutoscalingGroups); got != 2 {
		t.Errorf("autoscaling groups = %d, want 2", got)
	}
	perRegion := map[string]int{}
	for _, n := range inv.Nodes {
		perRegion[n.Region]++
		if n.ASG == "" {
			t.Errorf("node %s has no autoscaling group after the join", n.Name)
		}
		if n.Zone == "" || n.Region == "" || !nodeNameRE.MatchString(n.Name) {
			t.Errorf("node %q zone %q region %q", n.Name, n.Zone, n.Region)
		}
		if public[n.Subnet] {
			t.Errorf("node %s is in a public subnet", n.Name)
		}
	}
	for r, n := range perRegion {
		if n < 6 || n > 9 {
			t.Errorf("region %s has %d nodes, want 6 to 9", r, n)
		}
	}
	for _, g := range inv.AutoscalingGroups {
		if g.ReadyNodes != len(g.Instances) || g.Desired != len(g.Instances) {
			t.Errorf("group %s: desired %d, %d instances, %d ready nodes", g.Name, g.Desired, len(g.Instances), g.ReadyNodes)
		}
	}

	nodes := map[string]bool{}
	for _, n := range inv.Nodes {
		nodes[n.Name] = true
	}
	deployments := map[string]bool{}
	kinds := map[string]int{}
	namespaces := map[string]bool{}
	for _, w := range inv.Workloads {
		kinds[w.Kind]++
		namespaces[w.Namespace] = true
		if w.Kind == kindDeployment {
			deployments[w.Name] = true
		}
	}
	if len(deployments) < 60 {
		t.Errorf("services = %d, want at least 60", len(deployments))
	}
	if kinds[kindStatefulSet] < 3 || kinds[kindDaemonSet] < 1 || len(namespaces) < 5 {
		t.Errorf("kinds %v, %d namespaces", kinds, len(namespaces))
	}
	for _, p := range inv.Pods {
		if !strings.Contains(p.Owner, "/") {
			t.Errorf("pod %s owner %q", p.Name, p.Owner)
		}
		if p.Phase == "Running" && !nodes[p.Node] {
			t.Errorf("pod %s runs on unknown node %q", p.Name, p.Node)
		}
	}
	for _, n := range inv.Nodes {
		if n.Pods == 0 {
			t.Errorf("node %s has no pods", n.Name)
		}
	}

	if got := len(inv.LoadBalancers); got != 35 {
		t.Errorf("load balancers = %d, want 35", got)
	}
	lbRegions, types, schemes := map[string]int{}, map[string]int{}, map[string]int{}
	sslALB := map[string]bool{}
	for _, lb := range inv.LoadBalancers {
		lbRegions[lb.Region]++
		types[lb.Type]++
		schemes[lb.Scheme]++
		if len(lb.Name) > 32 {
			t.Errorf("load balancer name %q is longer than 32", lb.Name)
		}
		if lb.Type == "application" && lb.SSLTermination && slices.Contains(lb.Listeners, providers.Listener{Protocol: "HTTPS", Port: 443}) {
			sslALB[lb.Region] = true
		}
		if lb.TargetsTotal == 0 || len(lb.TargetGroups) == 0 || len(lb.TargetGroups[0].Targets) != lb.TargetsTotal {
			t.Errorf("load balancer %s: %d targets", lb.Name, lb.TargetsTotal)
		}
	}
	if len(lbRegions) != 2 || len(types) != 2 || len(schemes) != 2 || len(sslALB) != 2 {
		t.Errorf("load balancers by region %v, type %v, scheme %v; SSL ALBs in %v", lbRegions, types, schemes, sslALB)
	}

	if got := len(inv.Databases); got != 4 {
		t.Errorf("databases = %d, want 4", got)
	}
	engines := map[string]bool{}
	for _, db := range inv.Databases {
		engines[db.Engine] = true
		roles := map[string]int{}
		for _, m := range db.Members {
			roles[m.Role]++
		}
		want := 1
		if db.Engine == "pilosa" {
			want = 0
			if roles[providers.RoleNode] != len(db.Members) {
				t.Errorf("pilosa roles %v", roles)
			}
		}
		if roles[providers.RolePrimary] != want {
			t.Errorf("database %s has %d primaries, want %d", db.Name, roles[providers.RolePrimary], want)
		}
		if want == 1 && roles[providers.RoleReplica] < 2 {
			t.Errorf("database %s has %d replicas", db.Name, roles[providers.RoleReplica])
		}
		if len(db.Backups) == 0 || !db.LastBackup.Equal(db.Backups[len(db.Backups)-1].Time) {
			t.Errorf("database %s: %d backups, last %v", db.Name, len(db.Backups), db.LastBackup)
		}
	}
	for _, e := range []string{"mongodb", "redis", "pilosa", "aurora-postgresql"} {
		if !engines[e] {
			t.Errorf("no %s cluster", e)
		}
	}

	reasons := map[string]bool{}
	for _, e := range inv.Events {
		if e.Type == "Warning" {
			reasons[e.Reason] = true
		}
	}
	for _, r := range []string{"BackOff", "Unhealthy", "FailedScheduling"} {
		if !reasons[r] {
			t.Errorf("no %s warning event", r)
		}
	}
	if len(inv.Traces) != len(s.Traces()) || len(inv.Traces) < 12 {
		t.Errorf("trace summaries %d, traces %d", len(inv.Traces), len(s.Traces()))
	}
}

func TestSmallOptions(t *testing.T) {
	for _, o := range []Options{{Nodes: 1}, {Nodes: 1, Pods: 1}, {Pods: 10}, {Nodes: -3, Pods: -1}} {
		inv := newTest(t, o).Snapshot()
		if len(inv.Nodes) < 6 || len(inv.Pods) == 0 {
			t.Errorf("%+v: %d nodes, %d pods", o, len(inv.Nodes), len(inv.Pods))
		}
	}
}

func TestScaleOptions(t *testing.T) {
	s := newTest(t, Options{Nodes: 1000, Pods: 50000})
	inv := s.Snapshot()
	if len(inv.Nodes) != 1000 || len(inv.Pods) != 50000 {
		t.Fatalf("nodes %d pods %d, want 1000 and 50000", len(inv.Nodes), len(inv.Pods))
	}
	ips := make(map[string]bool, len(inv.Pods))
	for _, p := range inv.Pods {
		if p.IP == "" {
			continue
		}
		if ips[p.IP] {
			t.Fatalf("pod IP %s used twice", p.IP)
		}
		ips[p.IP] = true
	}
}

// TestLiveness runs the provider and checks that two updates differ, and
// that the recurring incidents happen.
func TestLiveness(t *testing.T) {
	s := newTest(t, Options{Interval: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan providers.Update)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, out) }()
	var got []*providers.Inventory
	deadline := time.After(30 * time.Second)
	for len(got) < 2 {
		select {
		case u := <-out:
			if u.Source != ProviderName || u.Inventory == nil || u.Err != nil {
				t.Fatalf("bad update %+v", u)
			}
			got = append(got, u.Inventory)
		case <-deadline:
			t.Fatal("no two updates")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v on cancellation", err)
	}
	if reflect.DeepEqual(got[0], got[1]) {
		t.Fatal("two updates are identical")
	}
	if got[0] == got[1] || &got[0].Pods[0] == &got[1].Pods[0] {
		t.Fatal("updates share memory")
	}

	// Over two flap cycles: the node goes NotReady and comes back, the
	// crash-looping pod restarts, lag and traffic move.
	s2 := newTest(t, Options{})
	first := s2.Snapshot()
	flap := s2.st.flapNode
	sawDown, sawBack := false, false
	lags, rps := map[float64]bool{}, map[float64]bool{}
	for i := 0; i < 2*flapCycle; i++ {
		s2.Step()
		inv := s2.Snapshot()
		for _, n := range inv.Nodes {
			if n.Name == flap && !n.Ready {
				sawDown = true
			}
			if n.Name == flap && n.Ready && sawDown {
				sawBack = true
			}
		}
		lags[inv.Databases[0].Members[1].LagSeconds] = true
		rps[inv.LoadBalancers[0].RPS] = true
	}
	if !sawDown || !sawBack {
		t.Errorf("flapping node %s: down %t, back %t", flap, sawDown, sawBack)
	}
	if len(lags) < 10 || len(rps) < 10 {
		t.Errorf("lag took %d values, rps %d", len(lags), len(rps))
	}
	last := s2.Snapshot()
	restarts := func(inv *providers.Inventory) int {
		n := 0
		for _, p := range inv.Pods {
			n += p.Restarts
		}
		return n
	}
	if restarts(last) <= restarts(first) {
		t.Errorf("restarts %d → %d", restarts(first), restarts(last))
	}
	if len(last.Events) <= len(first.Events) {
		t.Errorf("events %d → %d", len(first.Events), len(last.Events))
	}
}

// TestSentUpdatesAreNeverChanged checks that the sim never modifies an
// inventory it handed out.
func TestSentUpdatesAreNeverChanged(t *testing.T) {
	s := newTest(t, Options{})
	inv := s.Snapshot()
	before, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		s.Step()
	}
	ctx := context.Background()
	node := inv.Nodes[0]
	for _, a := range s.Offer(nodeRef(node)) {
		if a.Spec().Name == "drain" {
			if err := a.Run(ctx, mustPreview(t, a), &lines{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	after, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatal("an inventory already handed out was modified")
	}
}

// lines is a goroutine-safe writer that records output lines.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
	ch  chan struct{}
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.ch != nil {
		select {
		case l.ch <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestDemoAgents: every node runs the demo's DaemonSets (node-exporter,
// fluent-bit); one node of the first cluster lacks its fluent-bit pod,
// the demo's missing agent.
func TestDemoAgents(t *testing.T) {
	inv := New(Options{Seed: 42}).Snapshot()
	var missing []string
	for _, n := range inv.Nodes {
		if len(n.Agents) != 2 {
			t.Errorf("node %s: %d agents, want node-exporter and fluent-bit: %+v", n.Name, len(n.Agents), n.Agents)
			continue
		}
		for _, a := range n.Agents {
			switch a.Status {
			case providers.AgentMissing:
				missing = append(missing, n.Name+" "+a.DaemonSet)
			case providers.AgentReady, providers.AgentNotReady:
				if a.Pod == "" {
					t.Errorf("node %s: agent %+v without its pod", n.Name, a)
				}
			}
		}
	}
	if len(missing) != 1 || !strings.HasSuffix(missing[0], " logging/fluent-bit") {
		t.Errorf("missing agents %v, want one fluent-bit", missing)
	}
}
