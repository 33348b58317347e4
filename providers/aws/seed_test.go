package aws

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/opsconsole/console/e2e/lab"
)

// seedSpec says what to create in one region of moto.
type seedSpec struct {
	Region string
	// ASGs are created with PerASG instances each (desired), spread over
	// the private subnets; the first is "web", the others "grp-N".
	ASGs, PerASG int
	// LBs load balancers; the first is "web-alb" (HTTPS + HTTP listeners,
	// target group with the web ASG's instances and a stopped instance).
	LBs int
	// Aurora creates the "orders" Aurora PostgreSQL cluster with a writer,
	// two readers and a snapshot.
	Aurora bool
	// Bastion creates a bastion host in a public subnet.
	Bastion bool
	// ExtraSubnets adds that many private subnets (pagination tests).
	ExtraSubnets int
	// SGs security groups, each allowing tcp/8080 from the previous one.
	SGs int
	// Distributions CloudFront distributions (global: seed them once).
	Distributions int
	// Alarms metric alarms on the ASGs' CPU.
	Alarms int
	// Repositories ECR repositories with 3 images each (lab.SeedRepositories).
	Repositories int
}

// seeded is what the seeder created (the expectations of the tests).
type seeded struct {
	Region        string
	VPC           string
	Public        []string // subnets public by their route table (the last by the VPC's main route table)
	Private       []string // subnets with a route table without an internet route (the first maps public IPs on launch)
	Bastion       string
	Stopped       string   // instance registered in web-tg and stopped
	ASGs          []string // names
	WebInstances  []string
	LBs           []string
	Cluster       string
	Writer        string
	Readers       []string
	Snapshot      string
	LaunchTmpl    string
	InstanceCount int // instances created (ASGs + bastion + stopped)
}

const seedAMI = "ami-12c6146b"

// seedError carries a failed seeding call through a panic to seedRegion.
type seedError struct{ err error }

// must returns v, or aborts the seeding (see seedRegion) when err is set.
func must[T any](v T, err error) T {
	if err != nil {
		panic(seedError{err})
	}
	return v
}

// seedRegion creates the estate of spec through the SDK. It may run in
// any goroutine: on failure it reports with t.Errorf and returns nil.
func seedRegion(ctx context.Context, t testing.TB, cfg sdkaws.Config, spec seedSpec) (s *seeded) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			se, ok := v.(seedError)
			if !ok {
				panic(v)
			}
			t.Errorf("seed %s: %v", spec.Region, se.err)
			s = nil
		}
	}()
	cfg = cfg.Copy()
	cfg.Region = spec.Region
	e := ec2.NewFromConfig(cfg)
	s = &seeded{Region: spec.Region}
	zones := []string{spec.Region + "a", spec.Region + "b", spec.Region + "c"}

	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.20.0.0/16"),
		TagSpecifications: tags(ec2types.ResourceTypeVpc, "Name", "main")}))
	s.VPC = *vpc.Vpc.VpcId
	igw := must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId}))

	subnet := func(cidr, zone, name string) string {
		out := must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String(cidr),
			AvailabilityZone: sdkaws.String(zone), TagSpecifications: tags(ec2types.ResourceTypeSubnet, "Name", name)}))
		return *out.Subnet.SubnetId
	}
	for i, z := range zones {
		s.Public = append(s.Public, subnet(fmt.Sprintf("10.20.%d.0/24", i), z, "public-"+z))
	}
	for i, z := range zones {
		s.Private = append(s.Private, subnet(fmt.Sprintf("10.20.%d.0/24", 10+i), z, "private-"+z))
	}
	for i := 0; i < spec.ExtraSubnets; i++ {
		s.Private = append(s.Private, subnet(fmt.Sprintf("10.20.%d.0/24", 100+i), zones[i%3], fmt.Sprintf("extra-%d", i)))
	}
	// A private subnet that maps public IPs on launch: its route table,
	// not the flag, decides.
	must(e.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &s.Private[0],
		MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: sdkaws.Bool(true)}}))

	// The main route table routes to the internet gateway; the public
	// subnets a and b have an explicit public route table; c relies on the
	// main one; the private subnets have an explicit private table.
	mains := must(e.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("vpc-id"), Values: []string{s.VPC}}, {Name: sdkaws.String("association.main"), Values: []string{"true"}}}}))
	if len(mains.RouteTables) != 1 {
		panic(seedError{fmt.Errorf("%d main route tables in %s", len(mains.RouteTables), s.VPC)})
	}
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: mains.RouteTables[0].RouteTableId,
		DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}))
	pub := must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.Vpc.VpcId}))
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: pub.RouteTable.RouteTableId,
		DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}))
	priv := must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.Vpc.VpcId}))
	for _, sn := range s.Public[:2] {
		must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: pub.RouteTable.RouteTableId, SubnetId: sdkaws.String(sn)}))
	}
	for _, sn := range s.Private {
		must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: priv.RouteTable.RouteTableId, SubnetId: sdkaws.String(sn)}))
	}

	s.LaunchTmpl = "node-lt"
	must(e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String(s.LaunchTmpl),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdkaws.String(seedAMI), InstanceType: ec2types.InstanceTypeM5Large}}))
	a := autoscaling.NewFromConfig(cfg)
	for i := 0; i < spec.ASGs; i++ {
		name := "web"
		if i > 0 {
			name = fmt.Sprintf("grp-%02d", i)
		}
		must(a.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName: sdkaws.String(name),
			LaunchTemplate:       &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: sdkaws.String(s.LaunchTmpl), Version: sdkaws.String("$Latest")},
			MinSize:              sdkaws.Int32(1), MaxSize: sdkaws.Int32(int32(spec.PerASG + 3)), DesiredCapacity: sdkaws.Int32(int32(spec.PerASG)),
			VPCZoneIdentifier: sdkaws.String(strings.Join(s.Private[:3], ",")),
		}))
		s.ASGs = append(s.ASGs, name)
		s.InstanceCount += spec.PerASG
	}
	if spec.ASGs > 0 {
		g := must(a.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}}))
		for _, in := range g.AutoScalingGroups[0].Instances {
			s.WebInstances = append(s.WebInstances, *in.InstanceId)
		}
	}
	if spec.Bastion {
		out := must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String(seedAMI), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
			InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &s.Public[0],
			TagSpecifications: tags(ec2types.ResourceTypeInstance, "Name", "bastion-1", "Role", "bastion")}))
		s.Bastion = *out.Instances[0].InstanceId
		s.InstanceCount++
	}
	if spec.LBs > 0 {
		out := must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String(seedAMI), MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1),
			InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &s.Private[1], TagSpecifications: tags(ec2types.ResourceTypeInstance, "Name", "old-web")}))
		s.Stopped = *out.Instances[0].InstanceId
		s.InstanceCount++
		seedLBs(ctx, t, cfg, s, spec.LBs)
		// Stopped after registration: its target is not healthy.
		must(e.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{s.Stopped}}))
	}
	if spec.Aurora {
		seedAurora(ctx, t, cfg, s)
	}
	seedEstateRest(ctx, cfg, s, spec)
	return s
}

// seedEstateRest creates the security groups, distributions, alarms and
// repositories of spec (the benchmark's estate).
func seedEstateRest(ctx context.Context, cfg sdkaws.Config, s *seeded, spec seedSpec) {
	if spec.Repositories > 0 {
		must(0, lab.SeedRepositories(ctx, cfg, "bench", spec.Repositories, 3, 0))
	}
	e := ec2.NewFromConfig(cfg)
	prev := ""
	for i := 0; i < spec.SGs; i++ {
		g := must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String(fmt.Sprintf("sg-%03d", i)),
			Description: sdkaws.String("bench"), VpcId: sdkaws.String(s.VPC)}))
		if prev != "" {
			must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
				IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(8080), ToPort: sdkaws.Int32(8080),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: sdkaws.String(prev)}}}}}))
		}
		prev = sdkaws.ToString(g.GroupId)
	}
	cf := cloudfront.NewFromConfig(cfg)
	for i := 0; i < spec.Distributions; i++ {
		must(cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
			CallerReference: sdkaws.String(fmt.Sprintf("bench-%d", i)), Comment: sdkaws.String("bench"), Enabled: sdkaws.Bool(true),
			Origins: &cftypes.Origins{Quantity: sdkaws.Int32(1), Items: []cftypes.Origin{{Id: sdkaws.String("alb"), DomainName: sdkaws.String(fmt.Sprintf("lb-%02d.example.test", i)),
				CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: sdkaws.Int32(80), HTTPSPort: sdkaws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}}}},
			DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: sdkaws.String("alb"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps},
		}}))
	}
	cw := cloudwatch.NewFromConfig(cfg)
	for i := 0; i < spec.Alarms && len(s.ASGs) > 0; i++ {
		must(cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: sdkaws.String(fmt.Sprintf("cpu-%02d", i)), Namespace: sdkaws.String("AWS/EC2"),
			MetricName: sdkaws.String("CPUUtilization"), Statistic: cwtypes.StatisticAverage, Period: sdkaws.Int32(60), EvaluationPeriods: sdkaws.Int32(3),
			Threshold: sdkaws.Float64(80), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
			Dimensions: []cwtypes.Dimension{{Name: sdkaws.String("AutoScalingGroupName"), Value: sdkaws.String(s.ASGs[i%len(s.ASGs)])}}}))
	}
}

func tags(rt ec2types.ResourceType, kv ...string) []ec2types.TagSpecification {
	ts := ec2types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		ts.Tags = append(ts.Tags, ec2types.Tag{Key: sdkaws.String(kv[i]), Value: sdkaws.String(kv[i+1])})
	}
	return []ec2types.TagSpecification{ts}
}

// selfSigned returns a PEM certificate and key for name.
func selfSigned(t testing.TB, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	key := must(rsa.GenerateKey(rand.Reader, 2048))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key))
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

var (
	certOnce        sync.Once
	certPEM, keyPEM []byte
)

func seedLBs(ctx context.Context, t testing.TB, cfg sdkaws.Config, s *seeded, n int) {
	certOnce.Do(func() { certPEM, keyPEM = selfSigned(t, "web.example.test") })
	cert := must(acm.NewFromConfig(cfg).ImportCertificate(ctx, &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM}))
	l := elbv2.NewFromConfig(cfg)
	for i := 0; i < n; i++ {
		name, scheme := "web-alb", elbtypes.LoadBalancerSchemeEnumInternetFacing
		subnets := s.Public
		if i > 0 {
			name, scheme, subnets = fmt.Sprintf("lb-%02d", i), elbtypes.LoadBalancerSchemeEnumInternal, s.Private[:3]
		}
		lb := must(l.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: sdkaws.String(name), Subnets: subnets,
			Scheme: scheme, Type: elbtypes.LoadBalancerTypeEnumApplication}))
		arn := lb.LoadBalancers[0].LoadBalancerArn
		tg := must(l.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: sdkaws.String(name + "-tg"), Protocol: elbtypes.ProtocolEnumHttp,
			Port: sdkaws.Int32(8080), VpcId: sdkaws.String(s.VPC), TargetType: elbtypes.TargetTypeEnumInstance}))
		tgARN := tg.TargetGroups[0].TargetGroupArn
		forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}
		if i == 0 {
			var targets []elbtypes.TargetDescription
			for _, id := range append(append([]string(nil), s.WebInstances...), s.Stopped) {
				targets = append(targets, elbtypes.TargetDescription{Id: sdkaws.String(id), Port: sdkaws.Int32(8080)})
			}
			must(l.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: targets}))
			must(l.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: arn, Protocol: elbtypes.ProtocolEnumHttps,
				Port: sdkaws.Int32(443), Certificates: []elbtypes.Certificate{{CertificateArn: cert.CertificateArn}}, DefaultActions: forward}))
		}
		must(l.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: arn, Protocol: elbtypes.ProtocolEnumHttp,
			Port: sdkaws.Int32(80), DefaultActions: forward}))
		s.LBs = append(s.LBs, name)
	}
}

func seedAurora(ctx context.Context, t testing.TB, cfg sdkaws.Config, s *seeded) {
	r := rds.NewFromConfig(cfg)
	s.Cluster = "orders"
	must(r.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: sdkaws.String(s.Cluster), Engine: sdkaws.String("aurora-postgresql"),
		EngineVersion: sdkaws.String("16.4"), MasterUsername: sdkaws.String("orders"), MasterUserPassword: sdkaws.String("orders-secret-1")}))
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("orders-%d", i)
		must(r.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: sdkaws.String(id), DBClusterIdentifier: sdkaws.String(s.Cluster),
			Engine: sdkaws.String("aurora-postgresql"), DBInstanceClass: sdkaws.String("db.r6g.large"),
			AvailabilityZone: sdkaws.String(fmt.Sprintf("%s%c", s.Region, 'a'+i-1))}))
	}
	cl := must(r.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String(s.Cluster)}))
	for _, m := range cl.DBClusters[0].DBClusterMembers {
		if sdkaws.ToBool(m.IsClusterWriter) {
			s.Writer = *m.DBInstanceIdentifier
		} else {
			s.Readers = append(s.Readers, *m.DBInstanceIdentifier)
		}
	}
	s.Snapshot = "orders-snap-1"
	must(r.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: sdkaws.String(s.Cluster),
		DBClusterSnapshotIdentifier: sdkaws.String(s.Snapshot)}))
}
