package lab

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

func TestSeedAWS(t *testing.T) {
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
