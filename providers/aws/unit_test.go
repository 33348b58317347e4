package aws

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

func rt(vpc string, main bool, subnets []string, routes ...ec2types.Route) ec2types.RouteTable {
	t := ec2types.RouteTable{VpcId: sdkaws.String(vpc), Routes: routes}
	if main {
		t.Associations = append(t.Associations, ec2types.RouteTableAssociation{Main: sdkaws.Bool(true)})
	}
	for _, s := range subnets {
		t.Associations = append(t.Associations, ec2types.RouteTableAssociation{Main: sdkaws.Bool(false), SubnetId: sdkaws.String(s)})
	}
	return t
}

func route(dst, gw string) ec2types.Route {
	return ec2types.Route{DestinationCidrBlock: sdkaws.String(dst), GatewayId: sdkaws.String(gw), State: ec2types.RouteStateActive}
}

func TestPublicSubnets(t *testing.T) {
	local := route("10.0.0.0/16", "local")
	igw := route("0.0.0.0/0", "igw-1")
	nat := ec2types.Route{DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), NatGatewayId: sdkaws.String("nat-1")}
	blackhole := route("0.0.0.0/0", "igw-1")
	blackhole.State = ec2types.RouteStateBlackhole
	v6 := ec2types.Route{DestinationIpv6CidrBlock: sdkaws.String("::/0"), GatewayId: sdkaws.String("igw-1")}
	subnet := func(id, vpc string, mapPublic bool) ec2types.Subnet {
		return ec2types.Subnet{SubnetId: sdkaws.String(id), VpcId: sdkaws.String(vpc), MapPublicIpOnLaunch: sdkaws.Bool(mapPublic)}
	}
	tests := []struct {
		name   string
		subnet ec2types.Subnet
		tables []ec2types.RouteTable
		want   bool
	}{
		{"explicit table to igw", subnet("s", "v", false), []ec2types.RouteTable{rt("v", false, []string{"s"}, local, igw)}, true},
		{"explicit table via NAT, maps public IPs", subnet("s", "v", true), []ec2types.RouteTable{rt("v", false, []string{"s"}, local, nat)}, false},
		{"explicit private beats public main", subnet("s", "v", false), []ec2types.RouteTable{rt("v", true, nil, local, igw), rt("v", false, []string{"s"}, local)}, false},
		{"main table to igw", subnet("s", "v", false), []ec2types.RouteTable{rt("v", true, nil, local, igw)}, true},
		{"main table of another VPC ignored", subnet("s", "v", true), []ec2types.RouteTable{rt("other", true, nil, local)}, true},
		{"blackhole igw route", subnet("s", "v", false), []ec2types.RouteTable{rt("v", false, []string{"s"}, blackhole)}, false},
		{"ipv6 default route to igw", subnet("s", "v", false), []ec2types.RouteTable{rt("v", false, []string{"s"}, v6)}, true},
		{"no table: MapPublicIpOnLaunch true", subnet("s", "v", true), nil, true},
		{"no table: MapPublicIpOnLaunch false", subnet("s", "v", false), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PublicSubnets([]ec2types.Subnet{tc.subnet}, tc.tables)["s"]; got != tc.want {
				t.Errorf("public = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLifecycleBucket(t *testing.T) {
	tests := map[string]string{
		"InService": "in_service", "Pending": "pending", "Pending:Wait": "pending", "Pending:Proceed": "pending",
		"Warmed:Pending": "pending", "Terminating": "terminating", "Terminating:Wait": "terminating",
		"Terminating:Proceed": "terminating", "Terminated": "terminating", "Standby": "", "Detaching": "", "": "",
	}
	for in, want := range tests {
		if got := LifecycleBucket(in); got != want {
			t.Errorf("LifecycleBucket(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsBastion(t *testing.T) {
	tag := func(kv ...string) []ec2types.Tag {
		var out []ec2types.Tag
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, ec2types.Tag{Key: sdkaws.String(kv[i]), Value: sdkaws.String(kv[i+1])})
		}
		return out
	}
	tests := []struct {
		tags []ec2types.Tag
		want bool
	}{
		{tag("Name", "prod-Bastion-1"), true},
		{tag("Role", "bastion"), true},
		{tag("bastion", "true"), true},
		{tag("bastion", "false"), false},
		{tag("Name", "web-1"), false},
		{nil, false},
	}
	for _, tc := range tests {
		if got := isBastion(tc.tags); got != tc.want {
			t.Errorf("isBastion(%v) = %v, want %v", tc.tags, got, tc.want)
		}
	}
}

func TestLaunchTemplateName(t *testing.T) {
	tests := []struct {
		g    asgtypes.AutoScalingGroup
		want string
	}{
		{asgtypes.AutoScalingGroup{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String("lt"), Version: sdkaws.String("7")}}, "lt:7"},
		{asgtypes.AutoScalingGroup{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: sdkaws.String("lt-0abc")}}, "lt-0abc"},
		{asgtypes.AutoScalingGroup{MixedInstancesPolicy: &asgtypes.MixedInstancesPolicy{LaunchTemplate: &asgtypes.LaunchTemplate{
			LaunchTemplateSpecification: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String("mixed"), Version: sdkaws.String("$Default")}}}}, "mixed:$Default"},
		{asgtypes.AutoScalingGroup{LaunchConfigurationName: sdkaws.String("old")}, "launch-configuration/old"},
		{asgtypes.AutoScalingGroup{}, ""},
	}
	for _, tc := range tests {
		if got := launchTemplate(tc.g); got != tc.want {
			t.Errorf("launchTemplate = %q, want %q", got, tc.want)
		}
	}
}

func TestBuildDatabases(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	clusters := []rdstypes.DBCluster{{
		DBClusterIdentifier: sdkaws.String("orders"), Engine: sdkaws.String("aurora-postgresql"), Status: sdkaws.String("available"),
		Endpoint: sdkaws.String("orders.cluster"), Port: sdkaws.Int32(5432),
		StorageType: sdkaws.String("aurora-iopt1"), AllocatedStorage: sdkaws.Int32(1),
		EarliestRestorableTime: &t0, LatestRestorableTime: sdkaws.Time(t0.Add(72 * time.Hour)),
		DBClusterMembers: []rdstypes.DBClusterMember{
			{DBInstanceIdentifier: sdkaws.String("orders-b"), IsClusterWriter: sdkaws.Bool(false)},
			{DBInstanceIdentifier: sdkaws.String("orders-a"), IsClusterWriter: sdkaws.Bool(true)},
			{DBInstanceIdentifier: sdkaws.String("orders-gone"), IsClusterWriter: sdkaws.Bool(false)},
		},
	}}
	inst := func(id, cluster, src, status, az string) rdstypes.DBInstance {
		return rdstypes.DBInstance{DBInstanceIdentifier: sdkaws.String(id), DBClusterIdentifier: sdkaws.String(cluster),
			ReadReplicaSourceDBInstanceIdentifier: sdkaws.String(src), DBInstanceStatus: sdkaws.String(status),
			AvailabilityZone: sdkaws.String(az), Engine: sdkaws.String("postgres"),
			Endpoint: &rdstypes.Endpoint{Address: sdkaws.String(id + ".host"), Port: sdkaws.Int32(5432)}}
	}
	withStorage := func(in rdstypes.DBInstance) rdstypes.DBInstance {
		in.StorageType, in.AllocatedStorage, in.Iops = sdkaws.String("gp3"), sdkaws.Int32(400), sdkaws.Int32(12000)
		return in
	}
	insts := []rdstypes.DBInstance{
		inst("orders-a", "orders", "", "available", "z1"), inst("orders-b", "orders", "", "rebooting", "z2"),
		withStorage(inst("legacy", "", "", "available", "z1")), inst("legacy-replica", "", "arn:aws:rds:r:1:db:legacy", "available", "z3"),
	}
	snaps := []rdstypes.DBClusterSnapshot{
		{DBClusterSnapshotIdentifier: sdkaws.String("old"), DBClusterIdentifier: sdkaws.String("orders"), Status: sdkaws.String("available"), SnapshotCreateTime: &t0},
		{DBClusterSnapshotIdentifier: sdkaws.String("newest"), DBClusterIdentifier: sdkaws.String("orders"), Status: sdkaws.String("creating"), SnapshotCreateTime: sdkaws.Time(t0.Add(48 * time.Hour))},
		{DBClusterSnapshotIdentifier: sdkaws.String("mid"), DBClusterIdentifier: sdkaws.String("orders"), Status: sdkaws.String("available"), SnapshotCreateTime: sdkaws.Time(t0.Add(24 * time.Hour)), AllocatedStorage: sdkaws.Int32(2)},
	}
	dbs := buildDatabases("r", clusters, insts, snaps)
	if len(dbs) != 2 {
		t.Fatalf("databases %+v", dbs)
	}
	o := dbs[0]
	if o.Name != "orders" || o.Endpoint != "orders.cluster:5432" || len(o.Members) != 3 {
		t.Fatalf("orders %+v", o)
	}
	want := []providers.Member{
		{Name: "orders-a", Role: providers.RolePrimary, Healthy: true, Zone: "z1", Address: "orders-a.host:5432", Status: "available"},
		{Name: "orders-b", Role: providers.RoleReplica, Healthy: false, Zone: "z2", Address: "orders-b.host:5432", Status: "rebooting"},
		{Name: "orders-gone", Role: providers.RoleReplica, Status: "unknown"},
	}
	for i := range want {
		if !reflect.DeepEqual(o.Members[i], want[i]) {
			t.Errorf("member %d = %+v, want %+v", i, o.Members[i], want[i])
		}
	}
	var ids []string
	for _, b := range o.Backups {
		ids = append(ids, b.ID)
	}
	if strings.Join(ids, ",") != "newest,mid,old" || !o.LastBackup.Equal(t0.Add(24*time.Hour)) || o.Backups[1].SizeMiB != 2048 {
		t.Errorf("backups %v last %v", o.Backups, o.LastBackup)
	}
	l := dbs[1]
	// Aurora's cluster volume has no fixed size: its type only; the
	// window is the cluster's restorable times.
	if len(o.Volumes) != 1 || o.Volumes[0].Class != "aurora-iopt1" || o.Volumes[0].SizeGiB != 0 || o.Volumes[0].UsageKnown || o.Volumes[0].Full() {
		t.Errorf("orders volumes %+v", o.Volumes)
	}
	if w := o.RestoreWindow; w == nil || !w.Earliest.Equal(t0) || !w.Latest.Equal(t0.Add(72*time.Hour)) || !w.Contains(t0.Add(time.Hour)) || w.Contains(t0.Add(-time.Second)) {
		t.Errorf("orders restore window %+v", w)
	}
	if o.Backups[0].Kind != "cluster-snapshot" {
		t.Errorf("snapshot kind %q", o.Backups[0].Kind)
	}
	if l.Name != "legacy" || len(l.Members) != 2 || l.Members[0].Role != providers.RolePrimary || l.Members[1].Name != "legacy-replica" || l.Members[1].Role != providers.RoleReplica {
		t.Errorf("legacy %+v", l)
	}
	if v := l.Members[0].Volumes; len(v) != 1 || v[0] != (providers.Volume{Mount: "/data", Path: "instance legacy", Class: "gp3", SizeGiB: 400, IOPS: 12000}) {
		t.Errorf("legacy volumes %+v", v)
	}
}

func TestIdentifier(t *testing.T) {
	tests := []struct {
		base, suffix string
		max          int
		want         string
	}{
		{"orders", "restored-1101-0300", 63, "orders-restored-1101-0300"},
		{"orders_db.v2", "x", 63, "orders-db-v2-x"},
		{"9lives", "x", 63, "c9lives-x"},
		{strings.Repeat("a", 70), "restored-1101-0300", 63, strings.Repeat("a", 44) + "-restored-1101-0300"},
		{"trailing-", "x", 63, "trailing-x"},
	}
	for _, tc := range tests {
		got := identifier(tc.base, tc.suffix, tc.max)
		if got != tc.want || len(got) > tc.max {
			t.Errorf("identifier(%q, %q) = %q, want %q", tc.base, tc.suffix, got, tc.want)
		}
	}
}

func TestCounterRepeated(t *testing.T) {
	c := newCounter()
	type in struct{ NextToken *string }
	c.call("EC2", "DescribeInstances", "r", in{})
	c.call("EC2", "DescribeInstances", "r", in{NextToken: sdkaws.String("p2")})
	c.call("EC2", "DescribeInstances", "other", in{})
	if st := c.stats(); st.Calls != 3 || st.Repeated != 0 || st.ByOperation["EC2:DescribeInstances"] != 3 {
		t.Fatalf("stats %+v", st)
	}
	c.call("EC2", "DescribeInstances", "r", in{NextToken: sdkaws.String("p2")})
	if st := c.stats(); st.Repeated != 1 {
		t.Fatalf("repeated page not counted: %+v", st)
	}
}

func TestNewAndOfferWithoutData(t *testing.T) {
	if _, err := New(context.Background(), Options{}); err == nil {
		t.Error("New without regions succeeded")
	}
	p, err := New(context.Background(), Options{Regions: []string{"us-east-1", " us-east-1 ", ""}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Regions(); len(got) != 1 || got[0] != "us-east-1" {
		t.Errorf("regions %v", got)
	}
	if p.Name() != "aws" || p.Kind() != "aws" {
		t.Errorf("name %q kind %q", p.Name(), p.Kind())
	}
	// Before the first refresh only what the ref alone allows is offered.
	tests := []struct {
		ref  actions.Ref
		want []actions.Verb
	}{
		{actions.Ref{Kind: "asg", Name: "web"}, nil},
		{actions.Ref{Kind: "instance", Name: "i-1"}, []actions.Verb{ActTerminate, ActTerminateDecrement}},
		{actions.Ref{Kind: "instance", Region: "eu-west-1", Name: "i-1"}, nil},
		{actions.Ref{Kind: "database", Name: "orders"}, []actions.Verb{ActFailover, ActSnapshot}},
		{actions.Ref{Kind: "member", Namespace: "orders", Name: "orders-2"}, []actions.Verb{ActFailover}},
		{actions.Ref{Kind: "member", Name: "orders-2"}, nil},
		{actions.Ref{Kind: "pod", Name: "x"}, nil},
	}
	for _, tc := range tests {
		var got []actions.Verb
		for _, a := range p.Offer(tc.ref) {
			got = append(got, a.Spec().Name)
			if a.Spec().Target.Region != "us-east-1" {
				t.Errorf("%v: target %+v", tc.ref, a.Spec().Target)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Offer(%v) before data = %v, want %v", tc.ref, got, tc.want)
		}
	}
	// An action for an unconfigured region fails its check with a clear error.
	err = p.SetDesiredCapacity("mars-1", "web", 1).Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("check in unknown region: %v", err)
	}
	// set-desired-capacity takes a count, as the demo's does.
	sz, ok := p.SetDesiredCapacity("us-east-1", "web", 1).(interface {
		actions.Action
		Count() int
		SetCount(int) error
	})
	if !ok {
		t.Fatal("set-desired-capacity takes no count")
	}
	if err := sz.SetCount(-1); err == nil {
		t.Error("SetCount(-1) accepted")
	}
	if err := sz.SetCount(4); err != nil || sz.Count() != 4 || !strings.HasSuffix(sz.Spec().Description, "web to 4") {
		t.Errorf("SetCount(4): %v, count %d, description %q", err, sz.Count(), sz.Spec().Description)
	}
	p.Refresh()
	p.Refresh() // never blocks
}

func TestClean(t *testing.T) {
	if got := sanitize.Line("web\x1b[2J\u009b-1"); strings.ContainsAny(got, "\x1b\u009b") || !strings.HasPrefix(got, "web") || !strings.HasSuffix(got, "-1") {
		t.Errorf("clean = %q", got)
	}
}
