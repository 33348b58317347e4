package lab

import (
	"context"
	"encoding/json"
	"fmt"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

func TestSeedAWS(t *testing.T) {
	t.Parallel()
	m := Moto(t)
	ctx := t.Context()
	regions := []string{"us-east-1", "eu-west-1"}
	var cfgs []aws.Config
	for _, r := range regions {
		cfgs = append(cfgs, m.Config(ctx, r))
	}
	est, err := SeedAWS(ctx, cfgs, AWSSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(est.Regions) != 2 {
		t.Fatalf("regions = %d, want 2", len(est.Regions))
	}
	if got := len(est.Instances()); got != 6 {
		t.Errorf("instances = %d, want 6 (1 per AZ, 3 AZs, 2 regions)", got)
	}
	for i, r := range est.Regions {
		cfg := cfgs[i]
		e2 := ec2.NewFromConfig(cfg)

		// Every ASG instance runs in the private subnet of its AZ.
		asg, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{r.ASG}})
		if err != nil || len(asg.AutoScalingGroups) != 1 {
			t.Fatalf("%s: describe ASG: %v", r.Region, err)
		}
		zones := map[string]int{}
		for _, in := range asg.AutoScalingGroups[0].Instances {
			zones[aws.ToString(in.AvailabilityZone)]++
		}
		if len(zones) != 3 {
			t.Errorf("%s: ASG instances span %v, want 3 AZs", r.Region, zones)
		}
		var ids []string
		for _, list := range r.Instances {
			for _, in := range list {
				ids = append(ids, in.ID)
			}
		}
		desc, err := e2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range desc.Reservations {
			for _, in := range res.Instances {
				az := aws.ToString(in.Placement.AvailabilityZone)
				if aws.ToString(in.SubnetId) != r.PrivateSubnets[az] {
					t.Errorf("%s: instance %s in subnet %s, want private subnet %s of %s", r.Region, aws.ToString(in.InstanceId), aws.ToString(in.SubnetId), r.PrivateSubnets[az], az)
				}
			}
		}

		// Only the seeded subnets remain (moto's default ones are gone).
		sn, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sn.Subnets) != 6 {
			t.Errorf("%s: %d subnets, want 6 (public + private in 3 AZs)", r.Region, len(sn.Subnets))
		}

		// The public route table sends 0.0.0.0/0 to the internet gateway.
		rt, err := e2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{r.PublicRoutes}})
		if err != nil || len(rt.RouteTables) != 1 {
			t.Fatalf("%s: route table: %v", r.Region, err)
		}
		toIGW := false
		for _, route := range rt.RouteTables[0].Routes {
			if aws.ToString(route.DestinationCidrBlock) == "0.0.0.0/0" && aws.ToString(route.GatewayId) == r.InternetGateway {
				toIGW = true
			}
		}
		if !toIGW {
			t.Errorf("%s: public routes lack 0.0.0.0/0 → %s", r.Region, r.InternetGateway)
		}

		// The bastion is tagged and sits in a public subnet.
		b, err := e2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Role"), Values: []string{"bastion"}}}})
		if err != nil || len(b.Reservations) != 1 || len(b.Reservations[0].Instances) != 1 {
			t.Fatalf("%s: bastion lookup: %v", r.Region, err)
		}
		if id := aws.ToString(b.Reservations[0].Instances[0].InstanceId); id != r.Bastion {
			t.Errorf("%s: bastion = %s, want %s", r.Region, id, r.Bastion)
		}

		// The target group holds the ASG's instances, behind the listener.
		lb := elb.NewFromConfig(cfg)
		th, err := lb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: &r.TargetGroup})
		if err != nil {
			t.Fatal(err)
		}
		registered := map[string]bool{}
		for _, d := range th.TargetHealthDescriptions {
			registered[aws.ToString(d.Target.Id)] = true
		}
		for _, id := range ids {
			if !registered[id] {
				t.Errorf("%s: instance %s not registered in the target group", r.Region, id)
			}
		}
		ls, err := lb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: &r.LoadBalancer})
		if err != nil || len(ls.Listeners) != 1 {
			t.Fatalf("%s: listeners: %v", r.Region, err)
		}
		if !r.HTTPS || string(ls.Listeners[0].Protocol) != "HTTPS" {
			t.Errorf("%s: listener protocol = %s (HTTPS=%v)", r.Region, ls.Listeners[0].Protocol, r.HTTPS)
		}

		// Aurora: one writer, two readers, one snapshot.
		db := rds.NewFromConfig(cfg)
		cl, err := db.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &r.DBCluster})
		if err != nil || len(cl.DBClusters) != 1 {
			t.Fatalf("%s: describe cluster: %v", r.Region, err)
		}
		writers, readers := 0, 0
		for _, m := range cl.DBClusters[0].DBClusterMembers {
			if aws.ToBool(m.IsClusterWriter) {
				writers++
			} else {
				readers++
			}
		}
		if writers != 1 || readers != 2 {
			t.Errorf("%s: cluster members: %d writers, %d readers; want 1 and 2", r.Region, writers, readers)
		}
		snaps, err := db.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterIdentifier: &r.DBCluster})
		if err != nil || len(snaps.DBClusterSnapshots) == 0 {
			t.Errorf("%s: cluster snapshots: %v (%d)", r.Region, err, len(snaps.DBClusterSnapshots))
		}
	}
}

func TestSeedKube(t *testing.T) {
	t.Parallel()
	k := Kube(t)
	ctx := t.Context()
	instances := SyntheticInstances(6, "us-east-1", "eu-west-1")
	est, err := SeedKube(ctx, k.Client(), instances, KubeSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := k.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 6 {
		t.Fatalf("nodes = %d, want 6", len(nodes.Items))
	}
	byProvider := map[string]corev1.Node{}
	for _, n := range nodes.Items {
		byProvider[n.Spec.ProviderID] = n
	}
	for _, in := range instances {
		n, ok := byProvider["aws:///"+in.AZ+"/"+in.ID]
		if !ok {
			t.Errorf("no node for instance %s in %s", in.ID, in.AZ)
			continue
		}
		if n.Labels["topology.kubernetes.io/zone"] != in.AZ || n.Labels["topology.kubernetes.io/region"] != in.Region ||
			n.Labels["node.kubernetes.io/instance-type"] != in.Type {
			t.Errorf("node %s labels = %v", n.Name, n.Labels)
		}
		ready := false
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready = true
			}
		}
		if !ready {
			t.Errorf("node %s not Ready", n.Name)
		}
	}
	pods, err := k.Client().CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 30 || len(est.Pods) != 30 {
		t.Fatalf("pods = %d (estate says %d), want 30", len(pods.Items), len(est.Pods))
	}
	notReady := 0
	nodeNames := map[string]bool{}
	for _, n := range nodes.Items {
		nodeNames[n.Name] = true
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s phase %s", p.Name, p.Status.Phase)
		}
		if !nodeNames[p.Spec.NodeName] {
			t.Errorf("pod %s bound to unknown node %q", p.Name, p.Spec.NodeName)
		}
		if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "ReplicaSet" {
			t.Errorf("pod %s owners = %v", p.Name, p.OwnerReferences)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue {
				notReady++
			}
		}
	}
	if notReady != len(est.Unhealthy) || notReady != 1 {
		t.Errorf("not-ready pods = %d, estate lists %v, want 1", notReady, est.Unhealthy)
	}
	rss, err := k.Client().AppsV1().ReplicaSets("shop").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != 2 || rss.Items[0].OwnerReferences[0].Kind != "Deployment" {
		t.Errorf("replicasets in shop = %d, owners %v", len(rss.Items), rss.Items)
	}
}

func TestSeedTraces(t *testing.T) {
	t.Parallel()
	j := Jaeger(t)
	ctx := t.Context()
	ids, failed, err := SeedTraces(ctx, j.OTLPHTTP, TraceSeedOptions{Traces: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10 || len(failed) != 2 {
		t.Fatalf("ids = %d, failed = %d; want 10 and 2", len(ids), len(failed))
	}
	want := []string{"cart", "checkout", "frontend", "orders", "payments"}
	err = waitFor(ctx, nil, func(ctx context.Context) error {
		got, err := jaegerServices(ctx, j.QueryHTTP)
		if err != nil {
			return err
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fmt.Errorf("services = %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A failing trace holds the bank-gateway timeout as an error span.
	var failing string
	for id := range failed {
		failing = id
	}
	resp, err := http.Get("http://" + j.QueryHTTP + "/api/traces/" + failing)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			Spans []struct {
				OperationName string `json:"operationName"`
				Tags          []struct {
					Key   string `json:"key"`
					Value any    `json:"value"`
				} `json:"tags"`
			} `json:"spans"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Data) != 1 || len(out.Data[0].Spans) != 6 {
		t.Fatalf("trace %s: %d traces, want 1 with 6 spans", failing, len(out.Data))
	}
	errSpans := 0
	for _, s := range out.Data[0].Spans {
		for _, tag := range s.Tags {
			if tag.Key == "error" && tag.Value == true {
				errSpans++
			}
		}
	}
	if errSpans != 4 {
		t.Errorf("error spans = %d, want 4", errSpans)
	}
}

func TestPodSuffixUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := range 100000 {
		s := podSuffix("web-abc", i)
		if len(s) != 5 || seen[s] {
			t.Fatalf("suffix %d = %q (len %d, seen before: %v)", i, s, len(s), seen[s])
		}
		seen[s] = true
	}
}
