package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// testCtx returns a context bounded well under the package's test budget.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// newTestProvider returns a provider reading moto with dummy credentials,
// ignoring the user's AWS files.
func newTestProvider(t testing.TB, m *lab.AWSEndpoint, regions []string, mod func(*Options)) *Provider {
	t.Helper()
	o := Options{
		Env: "test", Regions: regions, EndpointURL: m.URL,
		ConfigOptions: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
			config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
		},
	}
	if mod != nil {
		mod(&o)
	}
	p, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// seedAll seeds the specs concurrently (one goroutine per region).
func seedAll(ctx context.Context, t testing.TB, m *lab.AWSEndpoint, specs ...seedSpec) map[string]*seeded {
	t.Helper()
	out := make([]*seeded, len(specs))
	var wg sync.WaitGroup
	for i, sp := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = seedRegion(ctx, t, m.Config(ctx, sp.Region), sp)
		}()
	}
	wg.Wait()
	res := map[string]*seeded{}
	for i, s := range out {
		if s == nil {
			t.FailNow()
		}
		res[specs[i].Region] = s
	}
	return res
}

// standardEstate is the estate of the functional tests: a full region and
// a smaller second one.
func standardEstate(ctx context.Context, t testing.TB, m *lab.AWSEndpoint) map[string]*seeded {
	return seedAll(ctx, t, m,
		seedSpec{Region: "us-east-1", ASGs: 2, PerASG: 3, LBs: 2, Aurora: true, Bastion: true},
		seedSpec{Region: "eu-west-1", ASGs: 1, PerASG: 2, LBs: 2},
	)
}

func findSubnet(inv *providers.Inventory, id string) *providers.Subnet {
	for i := range inv.Subnets {
		if inv.Subnets[i].ID == id {
			return &inv.Subnets[i]
		}
	}
	return nil
}

func findASG(inv *providers.Inventory, region, name string) *providers.AutoscalingGroup {
	for i := range inv.AutoscalingGroups {
		if g := &inv.AutoscalingGroups[i]; g.Region == region && g.Name == name {
			return g
		}
	}
	return nil
}

func findInstance(inv *providers.Inventory, id string) *providers.Instance {
	for i := range inv.Instances {
		if inv.Instances[i].ID == id {
			return &inv.Instances[i]
		}
	}
	return nil
}

func findLB(inv *providers.Inventory, region, name string) *providers.LoadBalancer {
	for i := range inv.LoadBalancers {
		if l := &inv.LoadBalancers[i]; l.Region == region && l.Name == name {
			return l
		}
	}
	return nil
}

func findDB(inv *providers.Inventory, region, name string) *providers.Database {
	for i := range inv.Databases {
		if d := &inv.Databases[i]; d.Region == region && d.Name == name {
			return d
		}
	}
	return nil
}

func TestInventoryFromMoto(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 3*time.Minute)
	seeds := standardEstate(ctx, t, m)
	p := newTestProvider(t, m, []string{"us-east-1", "eu-west-1"}, nil)
	inv, st, err := p.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}

	t.Run("regions and zones", func(t *testing.T) {
		if len(inv.Regions) != 2 {
			t.Fatalf("regions = %+v, want 2", inv.Regions)
		}
		for _, r := range inv.Regions {
			if r.Error != "" || r.Source != "aws" {
				t.Errorf("region %s: source %q error %q", r.Name, r.Source, r.Error)
			}
		}
		zones := map[string]string{}
		for _, z := range inv.Zones {
			zones[z.Name] = z.Region
		}
		for _, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c", "eu-west-1a", "eu-west-1b", "eu-west-1c"} {
			if want := z[:len(z)-1]; zones[z] != want {
				t.Errorf("zone %s: region %q, want %q", z, zones[z], want)
			}
		}
	})

	t.Run("public and private subnets", func(t *testing.T) {
		for region, s := range seeds {
			for i, id := range s.Public {
				sn := findSubnet(inv, id)
				if sn == nil || !sn.Public || sn.VPC != s.VPC || sn.Region != region || sn.Zone == "" {
					t.Errorf("%s public subnet %d %s: %+v", region, i, id, sn)
				}
			}
			for i, id := range s.Private {
				sn := findSubnet(inv, id)
				if sn == nil || sn.Public || sn.VPC != s.VPC || !strings.HasPrefix(sn.Name, "private-") {
					t.Errorf("%s private subnet %d %s: %+v", region, i, id, sn)
				}
			}
		}
	})

	t.Run("autoscaling groups", func(t *testing.T) {
		for region, s := range seeds {
			g := findASG(inv, region, "web")
			if g == nil {
				t.Fatalf("%s: no web ASG", region)
			}
			want := len(s.WebInstances)
			if g.Desired != want || g.Min != 1 || g.Max != want+3 || g.InService != want || g.Pending != 0 || g.Terminating != 0 {
				t.Errorf("%s web: desired/min/max %d/%d/%d in_service %d pending %d terminating %d, want %d/1/%d %d 0 0",
					region, g.Desired, g.Min, g.Max, g.InService, g.Pending, g.Terminating, want, want+3, want)
			}
			if g.LaunchTemplate != "node-lt:$Latest" {
				t.Errorf("%s web: launch template %q", region, g.LaunchTemplate)
			}
			got := append([]string(nil), g.Instances...)
			wantIDs := append([]string(nil), s.WebInstances...)
			sort.Strings(wantIDs)
			if strings.Join(got, ",") != strings.Join(wantIDs, ",") {
				t.Errorf("%s web instances %v, want %v", region, got, wantIDs)
			}
			if len(g.Zones) != 3 {
				t.Errorf("%s web zones %v", region, g.Zones)
			}
		}
		if g := findASG(inv, "us-east-1", "grp-01"); g == nil || g.Desired != 3 {
			t.Errorf("grp-01: %+v", g)
		}
	})

	t.Run("instances and bastion", func(t *testing.T) {
		s := seeds["us-east-1"]
		priv := map[string]bool{}
		for _, id := range s.Private {
			priv[id] = true
		}
		for _, id := range s.WebInstances {
			in := findInstance(inv, id)
			if in == nil {
				t.Fatalf("instance %s missing", id)
			}
			if in.ASG != "web" || in.Region != "us-east-1" || !strings.HasPrefix(in.Zone, "us-east-1") || in.PrivateIP == "" ||
				in.State != "running" || in.Type != "m5.large" || !priv[in.Subnet] || in.Bastion {
				t.Errorf("web instance: %+v", *in)
			}
		}
		b := findInstance(inv, s.Bastion)
		if b == nil || !b.Bastion || b.Subnet != s.Public[0] || b.ASG != "" || b.Name != "bastion-1" {
			t.Errorf("bastion: %+v", b)
		}
		st := findInstance(inv, s.Stopped)
		if st == nil || st.State != "stopped" || st.Bastion {
			t.Errorf("stopped instance: %+v", st)
		}
		n := 0
		for _, in := range inv.Instances {
			if in.Region == "us-east-1" {
				n++
			}
		}
		if n != s.InstanceCount {
			t.Errorf("us-east-1 instances = %d, want %d", n, s.InstanceCount)
		}
	})

	t.Run("load balancers", func(t *testing.T) {
		s := seeds["us-east-1"]
		lb := findLB(inv, "us-east-1", "web-alb")
		if lb == nil {
			t.Fatal("no web-alb")
		}
		if lb.Type != "application" || lb.Scheme != "internet-facing" || !lb.SSLTermination || lb.DNSName == "" || len(lb.Zones) != 3 {
			t.Errorf("web-alb: %+v", *lb)
		}
		if fmt.Sprint(lb.Listeners) != "[{HTTP 80} {HTTPS 443}]" {
			t.Errorf("listeners %v", lb.Listeners)
		}
		if len(lb.TargetGroups) != 1 || lb.TargetGroups[0].Name != "web-alb-tg" || lb.TargetGroups[0].Port != 8080 {
			t.Fatalf("target groups %+v", lb.TargetGroups)
		}
		if lb.TargetsTotal != len(s.WebInstances)+1 || lb.TargetsHealthy != len(s.WebInstances) {
			t.Errorf("targets healthy %d/%d, want %d/%d", lb.TargetsHealthy, lb.TargetsTotal, len(s.WebInstances), len(s.WebInstances)+1)
		}
		for _, tg := range lb.TargetGroups[0].Targets {
			if want := tg.ID != s.Stopped; (tg.Health == "healthy") != want {
				t.Errorf("target %s health %q", tg.ID, tg.Health)
			}
		}
		internal := findLB(inv, "eu-west-1", "lb-01")
		if internal == nil || internal.Scheme != "internal" || internal.SSLTermination || fmt.Sprint(internal.Listeners) != "[{HTTP 80}]" || internal.TargetsTotal != 0 {
			t.Errorf("lb-01: %+v", internal)
		}
	})

	t.Run("aurora roles and snapshots", func(t *testing.T) {
		s := seeds["us-east-1"]
		d := findDB(inv, "us-east-1", "orders")
		if d == nil {
			t.Fatal("no orders cluster")
		}
		if d.Engine != "aurora-postgresql" || d.Status != "available" || len(d.Members) != 3 {
			t.Fatalf("orders: %+v", *d)
		}
		if d.Members[0].Role != providers.RolePrimary || d.Members[0].Name != s.Writer {
			t.Errorf("first member %+v, want primary %s", d.Members[0], s.Writer)
		}
		for _, m := range d.Members[1:] {
			if m.Role != providers.RoleReplica || !m.Healthy || m.Zone == "" {
				t.Errorf("reader %+v", m)
			}
		}
		if len(d.Backups) == 0 || d.Backups[0].ID != s.Snapshot || d.LastBackup.IsZero() {
			t.Errorf("backups %+v last %v", d.Backups, d.LastBackup)
		}
	})

	t.Run("identity", func(t *testing.T) {
		id, err := p.Identity(ctx)
		if err != nil || !strings.HasPrefix(id, "arn:aws:") {
			t.Errorf("identity %q, %v", id, err)
		}
	})

	t.Run("call counts", func(t *testing.T) {
		if st.Calls == 0 || st.Attempts < st.Calls || st.Repeated != 0 {
			t.Errorf("stats %+v", st)
		}
		// Per region: 5 EC2 listings, 1 ASG, 2 ELB listings + listeners per
		// LB + health per attached target group, 3 RDS listings.
		if got, want := st.ByOperation["Elastic Load Balancing v2:DescribeListeners"], 4; got != want {
			t.Errorf("DescribeListeners calls = %d, want %d (%v)", got, want, st.ByOperation)
		}
		if got := st.ByOperation["EC2:DescribeInstances"]; got != 2 {
			t.Errorf("DescribeInstances calls = %d, want 2", got)
		}
		if p.LastStats().Calls != st.Calls {
			t.Errorf("LastStats %+v", p.LastStats())
		}
	})
}

// TestJoinWithNodes joins the AWS view with a Kubernetes view whose nodes
// carry the instance ids (providers.Merge, as the Store does).
func TestJoinWithNodes(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 3*time.Minute)
	s := seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 3})["us-east-1"]
	p := newTestProvider(t, m, []string{"us-east-1"}, nil)
	awsInv, _, err := p.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kube := &providers.Inventory{}
	for i, id := range s.WebInstances {
		kube.Nodes = append(kube.Nodes, providers.Node{Name: fmt.Sprintf("node-%d", i), Cluster: "lab", InstanceID: id, Ready: i != 0})
	}
	kube.Nodes = append(kube.Nodes, providers.Node{Name: "elsewhere", Cluster: "lab", InstanceID: "i-0000000000000dead", Ready: true})
	inv := providers.Merge(awsInv, kube)
	for _, n := range inv.Nodes {
		if n.Name == "elsewhere" {
			if n.ASG != "" {
				t.Errorf("unknown instance joined: %+v", n)
			}
			continue
		}
		in := findInstance(inv, n.InstanceID)
		if n.ASG != "web" || n.Subnet != in.Subnet || n.Zone != in.Zone || n.Region != "us-east-1" || in.Node != n.Name {
			t.Errorf("node %+v / instance %+v", n, *in)
		}
	}
	if g := findASG(inv, "us-east-1", "web"); g == nil || g.ReadyNodes != len(s.WebInstances)-1 {
		t.Errorf("web ready nodes: %+v", g)
	}
	// The topology places the nodes under the ASG of their subnet.
	found := 0
	var walk func([]*providers.TreeNode)
	walk = func(ns []*providers.TreeNode) {
		for _, n := range ns {
			if n.Kind == providers.KindASG && n.Name == "web" {
				for _, c := range n.Children {
					if c.Kind == providers.KindNode {
						found++
					}
				}
			}
			walk(n.Children)
		}
	}
	walk(providers.BuildTopology(inv))
	if found != len(s.WebInstances) {
		t.Errorf("nodes under ASG web in the topology = %d, want %d", found, len(s.WebInstances))
	}
}

func closedPort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestRegionFailure: one region's calls fail; the other still shows and
// the update is OK. When every region fails, Run sends an error update.
func TestRegionFailure(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 2*time.Minute)
	seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 2})
	fast := func(o *Options) { o.MaxAttempts, o.MaxBackoff = 2, 50*time.Millisecond }

	p := newTestProvider(t, m, []string{"us-east-1", "eu-west-1"}, func(o *Options) {
		fast(o)
		o.RegionEndpoints = map[string]string{"eu-west-1": closedPort(t)}
	})
	inv, _, err := p.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch with one region failing: %v", err)
	}
	var bad, good *providers.Region
	for i := range inv.Regions {
		switch inv.Regions[i].Name {
		case "eu-west-1":
			bad = &inv.Regions[i]
		case "us-east-1":
			good = &inv.Regions[i]
		}
	}
	if bad == nil || bad.Error == "" || !strings.Contains(bad.Error, "ec2") {
		t.Errorf("failing region: %+v", bad)
	}
	if good == nil || good.Error != "" || findASG(inv, "us-east-1", "web") == nil {
		t.Errorf("healthy region: %+v, asgs %+v", good, inv.AutoscalingGroups)
	}

	// An invalid region name fails at the endpoint (or in the SDK) while the
	// valid region still shows.
	p2 := newTestProvider(t, m, []string{"us-east-1", "not a region!"}, fast)
	inv2, _, err := p2.Fetch(ctx)
	if err != nil {
		t.Fatalf("Fetch with an invalid region: %v", err)
	}
	for _, r := range inv2.Regions {
		if (r.Name == "us-east-1") != (r.Error == "") {
			t.Errorf("region %q error %q", r.Name, r.Error)
		}
	}

	// Every region failing: an error update (the store keeps the old data).
	p3 := newTestProvider(t, m, []string{"eu-west-1"}, func(o *Options) {
		fast(o)
		o.RegionEndpoints = map[string]string{"eu-west-1": closedPort(t)}
	})
	out := make(chan providers.Update, 1)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p3.Run(rctx, out) }()
	select {
	case u := <-out:
		if u.Err == nil || u.Inventory != nil || u.Source != "aws" {
			t.Errorf("update %+v, want an error update", u)
		}
	case <-ctx.Done():
		t.Fatal("no update")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v on cancel", err)
	}
}

// TestPagination: more items than one page; every page read once.
func TestPagination(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 3*time.Minute)
	s := seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 7, PerASG: 1, LBs: 12, ExtraSubnets: 12})["us-east-1"]
	// 30 reservations of 4 instances: moto pages DescribeInstances by reservation.
	cfg := m.Config(ctx, "us-east-1")
	e := ec2.NewFromConfig(cfg)
	var bare []string
	for i := 0; i < 30; i++ {
		out, err := e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String(seedAMI), MinCount: sdkaws.Int32(4), MaxCount: sdkaws.Int32(4),
			InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &s.Private[3+i%12]})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range out.Instances {
			bare = append(bare, *in.InstanceId)
		}
	}
	p := newTestProvider(t, m, []string{"us-east-1"}, func(o *Options) { o.PageSize = 5 })
	inv, st, err := p.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range bare {
		if findInstance(inv, id) == nil {
			t.Fatalf("instance %s missing (of %d)", id, len(bare))
		}
	}
	if want := len(bare) + s.InstanceCount; len(inv.Instances) != want {
		t.Errorf("instances = %d, want %d", len(inv.Instances), want)
	}
	if n := len(inv.AutoscalingGroups); n != 7 {
		t.Errorf("ASGs = %d, want 7", n)
	}
	if n := len(inv.LoadBalancers); n != 12 {
		t.Errorf("load balancers = %d, want 12", n)
	}
	for _, id := range s.Private {
		if sn := findSubnet(inv, id); sn == nil || sn.Public {
			t.Errorf("subnet %s: %+v", id, sn)
		}
	}
	// Reservations: 30 bare + 7 ASG launches + stopped ≥ 38 → ≥ 8 pages of 5.
	for op, min := range map[string]int{"EC2:DescribeInstances": 8, "Auto Scaling:DescribeAutoScalingGroups": 2, "Elastic Load Balancing v2:DescribeLoadBalancers": 3} {
		if st.ByOperation[op] < min {
			t.Errorf("%s calls = %d, want ≥ %d pages (%v)", op, st.ByOperation[op], min, st.ByOperation)
		}
	}
	if st.Repeated != 0 {
		t.Errorf("%d repeated calls", st.Repeated)
	}
}

// TestRunAndRefresh: Run sends a view at once and another on Refresh.
func TestRunAndRefresh(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 2*time.Minute)
	seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 1})
	p := newTestProvider(t, m, []string{"us-east-1"}, func(o *Options) { o.Refresh = time.Hour })
	out := make(chan providers.Update)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = p.Run(rctx, out) }()
	next := func() providers.Update {
		select {
		case u := <-out:
			return u
		case <-ctx.Done():
			t.Fatal("no update")
		}
		return providers.Update{}
	}
	u := next()
	if u.Err != nil || findASG(u.Inventory, "us-east-1", "web") == nil {
		t.Fatalf("first update %+v", u)
	}
	// A change made outside shows after an on-demand refresh.
	a := p.SetDesiredCapacity("us-east-1", "web", 2)
	if err := a.Run(ctx, mustPreview(t, ctx, a), new(strings.Builder)); err != nil {
		t.Fatal(err)
	}
	p.Refresh()
	u = next()
	if g := findASG(u.Inventory, "us-east-1", "web"); u.Err != nil || g == nil || g.Desired != 2 {
		t.Fatalf("after refresh: %+v", g)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("timed out")
	}
}
