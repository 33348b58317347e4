package lab

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"
)

// AWSSeedOptions size the seeded AWS estate.
type AWSSeedOptions struct {
	// Prefix starts every name ("lab" when empty).
	Prefix string
	// AZs per region (3 when zero).
	AZs int
	// InstancesPerAZ in the autoscaling group (1 when zero).
	InstancesPerAZ int
	// InstanceType of the ASG instances ("m5.large" when empty).
	InstanceType string
	// KeepDefaultSubnets keeps the default VPC's subnets that moto creates
	// in every AZ (they are deleted by default to keep the estate legible).
	KeepDefaultSubnets bool
	// Logf, when set, reports progress.
	Logf func(format string, args ...any)
}

func (o AWSSeedOptions) withDefaults() AWSSeedOptions {
	if o.Prefix == "" {
		o.Prefix = "lab"
	}
	if o.AZs <= 0 {
		o.AZs = 3
	}
	if o.InstancesPerAZ <= 0 {
		o.InstancesPerAZ = 1
	}
	if o.InstanceType == "" {
		o.InstanceType = "m5.large"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// AWSRegionEstate is what SeedAWS created in one region.
type AWSRegionEstate struct {
	Region string
	VPC    string
	// PublicSubnets and PrivateSubnets map an AZ to its subnet id.
	PublicSubnets  map[string]string
	PrivateSubnets map[string]string
	// InternetGateway is the VPC's igw; NATGateway sits in the first public subnet.
	InternetGateway string
	NATGateway      string
	PublicRoutes    string
	PrivateRoutes   string
	// SecurityGroup is the nodes' group (8080 from the ALB's group, 22
	// from the bastion's); ALBGroup allows 80/443 from anywhere,
	// BastionGroup 22 from anywhere, DBGroup 5432 from the nodes and the
	// bastion.
	SecurityGroup                   string
	ALBGroup, BastionGroup, DBGroup string
	// PrivateACL is the private subnets' network ACL: rule 90 denies
	// tcp/5432 from the public subnets (10.N.0.0/20), so the bastion may
	// not reach the database although its group allows it; rule 100
	// allows the VPC, 200 the return traffic from anywhere.
	PrivateACL     string
	LaunchTemplate string
	ASG            string
	// Instances maps an AZ to the ASG's instances there (in private subnets).
	Instances map[string][]SeededInstance
	// Bastion is the bastion instance (public subnet, tags Name=bastion, Role=bastion).
	Bastion string
	// LoadBalancer is the ALB's ARN; its DNS name and listener follow.
	LoadBalancer    string
	LoadBalancerDNS string
	TargetGroup     string
	Listener        string
	// HTTPS tells whether the listener is HTTPS (with Certificate, imported into ACM).
	HTTPS       bool
	Certificate string
	// DBCluster is the Aurora PostgreSQL cluster; DBInstances lists the
	// writer first, then the readers. DBSnapshot is a manual cluster snapshot.
	DBCluster   string
	DBInstances []string
	DBSnapshot  string
	// AlarmFiring is a CloudWatch alarm on the ALB's 5xx count set to
	// ALARM; AlarmOK watches the ASG's CPU and AlarmDB the writer, both OK.
	AlarmFiring, AlarmOK, AlarmDB string
	// Distribution (first region only) is a CloudFront distribution in
	// front of the ALB, aliased www.PREFIX.example.test, whose viewer
	// certificate (DistributionCert, in us-east-1's ACM) expires in
	// DistributionCertDays days.
	Distribution, DistributionCert string
	DistributionCertDays           int
	// ScheduleUp and ScheduleDown are the ASG's scheduled actions: the
	// dev schedule, up on weekdays at 07:00 (Europe/Berlin) to the seeded
	// size (min 1, max 3×), down on Fridays at 20:00 (desired, min 0).
	ScheduleUp, ScheduleDown string
	ScheduleZone             string
	ScheduleUpDesired        int
	// Repositories are the ECR repositories (PREFIX-web, PREFIX-api),
	// RepositoryURI their URIs. ImageDrift (URI:v1 of PREFIX-web) was
	// pushed as ImageDriftOld (also tagged build-1, scanned), then re-pushed
	// as ImageDriftNew: a pod whose kubelet reports ImageDriftOld runs a
	// drifted tag. ImageCurrent (URI:v1 of PREFIX-api) was pushed once, as
	// ImageCurrentDigest.
	Repositories                 []string
	RepositoryURI                map[string]string
	ImageDrift, ImageCurrent     string
	ImageDriftOld, ImageDriftNew string
	ImageCurrentDigest           string
}

// SeededInstance is one EC2 instance that a Kubernetes node stands for.
type SeededInstance struct {
	ID        string
	Region    string
	AZ        string
	Type      string
	PrivateIP string
	ASG       string
}

// ProviderID is the node's spec.providerID: aws:///<az>/<instance-id>.
func (i SeededInstance) ProviderID() string { return "aws:///" + i.AZ + "/" + i.ID }

// NodeName is the EC2-style private DNS name of the instance.
func (i SeededInstance) NodeName() string {
	if i.PrivateIP == "" {
		return i.ID + "." + i.Region + ".compute.internal"
	}
	return "ip-" + strings.ReplaceAll(i.PrivateIP, ".", "-") + "." + i.Region + ".compute.internal"
}

// AWSEstate is everything SeedAWS created.
type AWSEstate struct {
	Regions []*AWSRegionEstate
}

// Instances lists the ASG instances of every region, sorted by region, AZ
// and id.
func (e *AWSEstate) Instances() []SeededInstance {
	var out []SeededInstance
	for _, r := range e.Regions {
		for _, list := range r.Instances {
			out = append(out, list...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		if out[i].AZ != out[j].AZ {
			return out[i].AZ < out[j].AZ
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// SeedAWS creates a realistic estate in each region (one aws.Config per
// region, e.g. from AWSEndpoint.Config): a VPC with a public and a private
// subnet per AZ, an internet gateway and a NAT gateway with their route
// tables, a launch template and an autoscaling group with instances in the
// private subnets, a bastion in a public subnet, an application load
// balancer with an HTTPS listener (certificate imported into ACM) and a
// target group holding the ASG's instances, and an Aurora PostgreSQL
// cluster with a writer, two readers and a manual cluster snapshot, and
// ECR repositories with a re-pushed tag (see AWSRegionEstate.ImageDrift).
func SeedAWS(ctx context.Context, cfgs []aws.Config, opts AWSSeedOptions) (*AWSEstate, error) {
	opts = opts.withDefaults()
	est := &AWSEstate{}
	for i, cfg := range cfgs {
		start := time.Now()
		r, err := seedRegion(ctx, cfg, opts, i)
		if err != nil {
			return nil, fmt.Errorf("seed AWS region %s: %w", cfg.Region, err)
		}
		opts.Logf("seeded AWS region %s in %v", cfg.Region, time.Since(start).Round(time.Millisecond))
		est.Regions = append(est.Regions, r)
	}
	return est, nil
}

func tags(resource ec2types.ResourceType, kv ...string) []ec2types.TagSpecification {
	var ts []ec2types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		ts = append(ts, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []ec2types.TagSpecification{{ResourceType: resource, Tags: ts}}
}

func seedRegion(ctx context.Context, cfg aws.Config, o AWSSeedOptions, index int) (*AWSRegionEstate, error) {
	e2 := ec2.NewFromConfig(cfg)
	r := &AWSRegionEstate{Region: cfg.Region, PublicSubnets: map[string]string{}, PrivateSubnets: map[string]string{},
		Instances: map[string][]SeededInstance{}}
	name := func(s string) string { return o.Prefix + "-" + s }

	azOut, err := e2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		return nil, fmt.Errorf("describe AZs: %w", err)
	}
	var azs []string
	for _, z := range azOut.AvailabilityZones {
		azs = append(azs, aws.ToString(z.ZoneName))
	}
	sort.Strings(azs)
	if len(azs) < o.AZs {
		return nil, fmt.Errorf("region has %d AZs, want %d", len(azs), o.AZs)
	}
	azs = azs[:o.AZs]

	if !o.KeepDefaultSubnets {
		def, err := e2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
			{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
		if err != nil {
			return nil, fmt.Errorf("describe default subnets: %w", err)
		}
		for _, sn := range def.Subnets {
			if _, err := e2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sn.SubnetId}); err != nil {
				return nil, fmt.Errorf("delete default subnet %s: %w", aws.ToString(sn.SubnetId), err)
			}
		}
	}

	second := 10 + index // 10.10.0.0/16, 10.11.0.0/16...
	vpc, err := e2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", second)),
		TagSpecifications: tags(ec2types.ResourceTypeVpc, "Name", name("vpc"))})
	if err != nil {
		return nil, fmt.Errorf("create VPC: %w", err)
	}
	r.VPC = aws.ToString(vpc.Vpc.VpcId)

	igw, err := e2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: tags(ec2types.ResourceTypeInternetGateway, "Name", name("igw"))})
	if err != nil {
		return nil, fmt.Errorf("create internet gateway: %w", err)
	}
	r.InternetGateway = aws.ToString(igw.InternetGateway.InternetGatewayId)
	if err := attachInternetGateway(ctx, e2, r.InternetGateway, r.VPC); err != nil {
		return nil, err
	}
	for i, az := range azs {
		pub, err := e2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &r.VPC, AvailabilityZone: aws.String(az),
			CidrBlock:         aws.String(fmt.Sprintf("10.%d.%d.0/24", second, i)),
			TagSpecifications: tags(ec2types.ResourceTypeSubnet, "Name", name("public-"+az), "kubernetes.io/role/elb", "1", "Tier", "public")})
		if err != nil {
			return nil, fmt.Errorf("create public subnet in %s: %w", az, err)
		}
		r.PublicSubnets[az] = aws.ToString(pub.Subnet.SubnetId)
		if _, err := e2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: pub.Subnet.SubnetId,
			MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
			return nil, fmt.Errorf("public IPs on launch in %s: %w", az, err)
		}
		priv, err := e2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &r.VPC, AvailabilityZone: aws.String(az),
			CidrBlock:         aws.String(fmt.Sprintf("10.%d.%d.0/20", second, 128+16*i)),
			TagSpecifications: tags(ec2types.ResourceTypeSubnet, "Name", name("private-"+az), "kubernetes.io/role/internal-elb", "1", "Tier", "private")})
		if err != nil {
			return nil, fmt.Errorf("create private subnet in %s: %w", az, err)
		}
		r.PrivateSubnets[az] = aws.ToString(priv.Subnet.SubnetId)
	}

	// Routes: public subnets → igw; private subnets → NAT gateway.
	pubRT, err := e2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &r.VPC,
		TagSpecifications: tags(ec2types.ResourceTypeRouteTable, "Name", name("public"))})
	if err != nil {
		return nil, fmt.Errorf("create public route table: %w", err)
	}
	r.PublicRoutes = aws.ToString(pubRT.RouteTable.RouteTableId)
	if _, err := e2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &r.PublicRoutes,
		DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &r.InternetGateway}); retried(err, "RouteAlreadyExists") != nil {
		return nil, fmt.Errorf("route to internet gateway: %w", err)
	}
	eip, err := e2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		return nil, fmt.Errorf("allocate NAT address: %w", err)
	}
	nat, err := e2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(r.PublicSubnets[azs[0]]),
		AllocationId: eip.AllocationId, TagSpecifications: tags(ec2types.ResourceTypeNatgateway, "Name", name("nat"))})
	if err != nil {
		return nil, fmt.Errorf("create NAT gateway: %w", err)
	}
	r.NATGateway = aws.ToString(nat.NatGateway.NatGatewayId)
	privRT, err := e2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &r.VPC,
		TagSpecifications: tags(ec2types.ResourceTypeRouteTable, "Name", name("private"))})
	if err != nil {
		return nil, fmt.Errorf("create private route table: %w", err)
	}
	r.PrivateRoutes = aws.ToString(privRT.RouteTable.RouteTableId)
	if _, err := e2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &r.PrivateRoutes,
		DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: &r.NATGateway}); retried(err, "RouteAlreadyExists") != nil {
		return nil, fmt.Errorf("route to NAT gateway: %w", err)
	}
	for _, az := range azs {
		if _, err := e2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &r.PublicRoutes, SubnetId: aws.String(r.PublicSubnets[az])}); err != nil {
			return nil, fmt.Errorf("associate public routes in %s: %w", az, err)
		}
		if _, err := e2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &r.PrivateRoutes, SubnetId: aws.String(r.PrivateSubnets[az])}); err != nil {
			return nil, fmt.Errorf("associate private routes in %s: %w", az, err)
		}
	}

	sg, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name("nodes")),
		Description: aws.String("lab nodes"), VpcId: &r.VPC})
	if err != nil {
		return nil, fmt.Errorf("create security group: %w", err)
	}
	r.SecurityGroup = aws.ToString(sg.GroupId)
	if err := seedNetwork(ctx, e2, r, second, name); err != nil {
		return nil, err
	}

	ami := labAMI
	lt, err := e2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name("web")),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(ami), InstanceType: ec2types.InstanceType(o.InstanceType),
			SecurityGroupIds: []string{r.SecurityGroup}}})
	if err != nil {
		return nil, fmt.Errorf("create launch template: %w", err)
	}
	r.LaunchTemplate = aws.ToString(lt.LaunchTemplate.LaunchTemplateId)

	// Load balancer first, so the ASG can carry its target group.
	if err := seedLoadBalancer(ctx, cfg, r, azs, name); err != nil {
		return nil, err
	}

	as := autoscaling.NewFromConfig(cfg)
	r.ASG = name("web")
	var privIDs []string
	for _, az := range azs {
		privIDs = append(privIDs, r.PrivateSubnets[az])
	}
	total := int32(o.AZs * o.InstancesPerAZ)
	if _, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: &r.ASG, MinSize: aws.Int32(0), MaxSize: aws.Int32(total * 3), DesiredCapacity: aws.Int32(0),
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateId: &r.LaunchTemplate, Version: aws.String("$Latest")},
		VPCZoneIdentifier: aws.String(strings.Join(privIDs, ",")), TargetGroupARNs: []string{r.TargetGroup},
		Tags: []astypes.Tag{{Key: aws.String("Name"), Value: aws.String(r.ASG), PropagateAtLaunch: aws.Bool(true)}},
	}); err != nil {
		return nil, fmt.Errorf("create autoscaling group: %w", err)
	}
	// moto launches every ASG instance in the first subnet, so the lab
	// launches them per AZ itself and attaches them to the group.
	var all []string
	for _, az := range azs {
		run, err := e2.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(int32(o.InstancesPerAZ)), MaxCount: aws.Int32(int32(o.InstancesPerAZ)),
			LaunchTemplate: &ec2types.LaunchTemplateSpecification{LaunchTemplateId: &r.LaunchTemplate, Version: aws.String("$Latest")},
			SubnetId:       aws.String(r.PrivateSubnets[az]), InstanceType: ec2types.InstanceType(o.InstanceType), ImageId: aws.String(ami),
			TagSpecifications: tags(ec2types.ResourceTypeInstance, "Name", r.ASG, "Role", "node")})
		if err != nil {
			return nil, fmt.Errorf("launch instances in %s: %w", az, err)
		}
		for _, in := range run.Instances {
			id := aws.ToString(in.InstanceId)
			all = append(all, id)
			r.Instances[az] = append(r.Instances[az], SeededInstance{ID: id, Region: cfg.Region, AZ: az, Type: o.InstanceType,
				PrivateIP: aws.ToString(in.PrivateIpAddress), ASG: r.ASG})
		}
	}
	for start := 0; start < len(all); start += 20 { // AttachInstances takes at most 20
		end := min(start+20, len(all))
		if _, err := as.AttachInstances(ctx, &autoscaling.AttachInstancesInput{AutoScalingGroupName: &r.ASG, InstanceIds: all[start:end]}); err != nil {
			return nil, fmt.Errorf("attach instances to %s: %w", r.ASG, err)
		}
	}
	if _, err := elb.NewFromConfig(cfg).RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: &r.TargetGroup, Targets: targets(all)}); err != nil {
		return nil, fmt.Errorf("register targets: %w", err)
	}

	bastion, err := e2.RunInstances(ctx, &ec2.RunInstancesInput{MinCount: aws.Int32(1), MaxCount: aws.Int32(1), ImageId: aws.String(ami),
		InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: aws.String(r.PublicSubnets[azs[0]]), SecurityGroupIds: []string{r.BastionGroup},
		TagSpecifications: tags(ec2types.ResourceTypeInstance, "Name", "bastion", "Role", "bastion")})
	if err != nil {
		return nil, fmt.Errorf("launch bastion: %w", err)
	}
	r.Bastion = aws.ToString(bastion.Instances[0].InstanceId)

	if err := seedAurora(ctx, cfg, r, azs, name); err != nil {
		return nil, err
	}
	if err := seedAlarms(ctx, cfg, r, name); err != nil {
		return nil, err
	}
	if err := seedSchedule(ctx, as, r, int(total), name); err != nil {
		return nil, err
	}
	if err := seedImages(ctx, cfg, r, name); err != nil {
		return nil, err
	}
	if index == 0 {
		if err := seedDistribution(ctx, cfg, r, o.Prefix); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Lab schedule of the ASG (AWSRegionEstate.ScheduleUp/ScheduleDown).
const (
	LabScheduleUp   = "0 7 * * MON-FRI"
	LabScheduleDown = "0 20 * * FRI"
	LabScheduleZone = "Europe/Berlin"
)

// seedSchedule puts the dev schedule on the ASG: up on weekday mornings,
// down on Friday evenings (PutScheduledUpdateGroupAction).
func seedSchedule(ctx context.Context, as *autoscaling.Client, r *AWSRegionEstate, size int, name func(string) string) error {
	r.ScheduleUp, r.ScheduleDown, r.ScheduleZone, r.ScheduleUpDesired = name("weekday-up"), name("weekend-down"), LabScheduleZone, size
	for _, a := range []autoscaling.PutScheduledUpdateGroupActionInput{
		{ScheduledActionName: &r.ScheduleUp, Recurrence: aws.String(LabScheduleUp), DesiredCapacity: aws.Int32(int32(size)),
			MinSize: aws.Int32(1), MaxSize: aws.Int32(int32(size * 3))},
		{ScheduledActionName: &r.ScheduleDown, Recurrence: aws.String(LabScheduleDown), DesiredCapacity: aws.Int32(0), MinSize: aws.Int32(0)},
	} {
		a.AutoScalingGroupName, a.TimeZone = &r.ASG, aws.String(LabScheduleZone)
		if _, err := as.PutScheduledUpdateGroupAction(ctx, &a); err != nil {
			return fmt.Errorf("put scheduled action %s: %w", aws.ToString(a.ScheduledActionName), err)
		}
	}
	return nil
}

// seedDistribution creates a CloudFront distribution in front of the ALB
// with a viewer certificate that expires in 20 days.
func seedDistribution(ctx context.Context, cfg aws.Config, r *AWSRegionEstate, prefix string) error {
	edge := cfg.Copy()
	edge.Region = "us-east-1"
	alias := "www." + prefix + ".example.test"
	r.DistributionCertDays = 20
	cert, err := importCertificate(ctx, edge, alias, time.Duration(r.DistributionCertDays)*24*time.Hour)
	if err != nil {
		return fmt.Errorf("distribution certificate: %w", err)
	}
	r.DistributionCert = cert
	out, err := cloudfront.NewFromConfig(edge).CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String(prefix + "-web-" + r.Region), Comment: aws.String(prefix + " web"), Enabled: aws.Bool(true),
		Aliases: &cftypes.Aliases{Quantity: aws.Int32(1), Items: []string{alias}},
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{Id: aws.String("alb"), DomainName: aws.String(r.LoadBalancerDNS),
			CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("alb"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps},
		ViewerCertificate:    &cftypes.ViewerCertificate{ACMCertificateArn: aws.String(cert), SSLSupportMethod: cftypes.SSLSupportMethodSniOnly},
	}})
	if err != nil {
		return fmt.Errorf("create distribution: %w", err)
	}
	r.Distribution = aws.ToString(out.Distribution.Id)
	return nil
}

// seedNetwork creates the security groups of the ALB, the bastion and the
// database, opens the nodes' group to the ALB and the bastion, and gives
// the private subnets their own network ACL with a deny (see
// AWSRegionEstate.PrivateACL).
func seedNetwork(ctx context.Context, e2 *ec2.Client, r *AWSRegionEstate, second int, name func(string) string) error {
	group := func(n, desc string) (string, error) {
		out, err := e2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name(n)), Description: aws.String(desc), VpcId: &r.VPC})
		if err != nil {
			return "", fmt.Errorf("create security group %s: %w", n, err)
		}
		return aws.ToString(out.GroupId), nil
	}
	var err error
	if r.ALBGroup, err = group("alb", "lab load balancer"); err != nil {
		return err
	}
	if r.BastionGroup, err = group("bastion", "lab bastion"); err != nil {
		return err
	}
	if r.DBGroup, err = group("db", "lab databases"); err != nil {
		return err
	}
	fromCIDR := func(port int32, cidr string) ec2types.IpPermission {
		return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
	}
	fromGroup := func(port int32, g, desc string) ec2types.IpPermission {
		return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(g), Description: aws.String(desc)}}}
	}
	for g, perms := range map[string][]ec2types.IpPermission{
		r.ALBGroup:      {fromCIDR(443, "0.0.0.0/0"), fromCIDR(80, "0.0.0.0/0")},
		r.BastionGroup:  {fromCIDR(22, "0.0.0.0/0")},
		r.SecurityGroup: {fromGroup(8080, r.ALBGroup, "from the ALB"), fromGroup(22, r.BastionGroup, "ssh from the bastion")},
		r.DBGroup:       {fromGroup(5432, r.SecurityGroup, "from the nodes"), fromGroup(5432, r.BastionGroup, "admins through the bastion")},
	} {
		if _, err := e2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g), IpPermissions: perms}); retried(err, "InvalidPermission.Duplicate") != nil {
			return fmt.Errorf("authorize ingress on %s: %w", g, err)
		}
	}
	acl, err := e2.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &r.VPC, TagSpecifications: tags(ec2types.ResourceTypeNetworkAcl, "Name", name("private"))})
	if err != nil {
		return fmt.Errorf("create network ACL: %w", err)
	}
	r.PrivateACL = aws.ToString(acl.NetworkAcl.NetworkAclId)
	vpc := fmt.Sprintf("10.%d.0.0/16", second)
	for _, e := range []ec2.CreateNetworkAclEntryInput{
		{RuleNumber: aws.Int32(90), Protocol: aws.String("6"), RuleAction: ec2types.RuleActionDeny, CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/20", second)),
			PortRange: &ec2types.PortRange{From: aws.Int32(5432), To: aws.Int32(5432)}},
		{RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String(vpc)},
		{RuleNumber: aws.Int32(200), Protocol: aws.String("6"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"),
			PortRange: &ec2types.PortRange{From: aws.Int32(1024), To: aws.Int32(65535)}},
		{RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow, CidrBlock: aws.String("0.0.0.0/0"), Egress: aws.Bool(true)},
	} {
		e.NetworkAclId = &r.PrivateACL
		if e.Egress == nil {
			e.Egress = aws.Bool(false)
		}
		if _, err := e2.CreateNetworkAclEntry(ctx, &e); retried(err, "NetworkAclEntryAlreadyExists") != nil {
			return fmt.Errorf("network ACL rule %d: %w", aws.ToInt32(e.RuleNumber), err)
		}
	}
	for _, sn := range r.PrivateSubnets {
		cur, err := e2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
			{Name: aws.String("association.subnet-id"), Values: []string{sn}}}})
		if err != nil {
			return fmt.Errorf("network ACL of %s: %w", sn, err)
		}
		assoc := ""
		for _, a := range cur.NetworkAcls {
			for _, as := range a.Associations {
				if aws.ToString(as.SubnetId) == sn {
					assoc = aws.ToString(as.NetworkAclAssociationId)
				}
			}
		}
		if assoc == "" {
			return fmt.Errorf("subnet %s has no network ACL association", sn)
		}
		if _, err := e2.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: &assoc, NetworkAclId: &r.PrivateACL}); err != nil {
			return fmt.Errorf("associate network ACL with %s: %w", sn, err)
		}
	}
	return nil
}

// seedAlarms creates three CloudWatch alarms: the ALB's 5xx count (set to
// ALARM with SetAlarmState, as CloudWatch would when 5xx rise), the ASG's
// CPU and the Aurora writer's CPU (both set to OK).
func seedAlarms(ctx context.Context, cfg aws.Config, r *AWSRegionEstate, name func(string) string) error {
	cw := cloudwatch.NewFromConfig(cfg)
	lbDim := r.LoadBalancer[strings.Index(r.LoadBalancer, "loadbalancer/")+len("loadbalancer/"):] // app/NAME/ID
	r.AlarmFiring, r.AlarmOK, r.AlarmDB = name("web-5xx"), name("web-cpu"), name("orders-writer-cpu")
	alarms := []struct {
		name, ns, metric, dim, val string
		state                      cwtypes.StateValue
	}{
		{r.AlarmFiring, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lbDim, cwtypes.StateValueAlarm},
		{r.AlarmOK, "AWS/EC2", "CPUUtilization", "AutoScalingGroupName", r.ASG, cwtypes.StateValueOk},
		{r.AlarmDB, "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", r.DBInstances[0], cwtypes.StateValueOk},
	}
	for _, a := range alarms {
		if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(a.name), Namespace: aws.String(a.ns),
			MetricName: aws.String(a.metric), Statistic: cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(3),
			Threshold: aws.Float64(80), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
			Dimensions: []cwtypes.Dimension{{Name: aws.String(a.dim), Value: aws.String(a.val)}}}); err != nil {
			return fmt.Errorf("create alarm %s: %w", a.name, err)
		}
		if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(a.name), StateValue: a.state,
			StateReason: aws.String("lab: " + string(a.state))}); err != nil {
			return fmt.Errorf("set alarm %s to %s: %w", a.name, a.state, err)
		}
	}
	return nil
}

func targets(ids []string) []elbtypes.TargetDescription {
	out := make([]elbtypes.TargetDescription, 0, len(ids))
	for _, id := range ids {
		out = append(out, elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(8080)})
	}
	return out
}

// labAMI is an image moto knows in every region (its built-in Ubuntu
// image); moto does not validate image ids by default anyway.
const labAMI = "ami-1e749f67"

func seedLoadBalancer(ctx context.Context, cfg aws.Config, r *AWSRegionEstate, azs []string, name func(string) string) error {
	lb := elb.NewFromConfig(cfg)
	var pub []string
	for _, az := range azs {
		pub = append(pub, r.PublicSubnets[az])
	}
	out, err := lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String(name("web")), Subnets: pub,
		SecurityGroups: []string{r.ALBGroup}, Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication,
		Tags: []elbtypes.Tag{{Key: aws.String("Name"), Value: aws.String(name("web"))}}})
	if err != nil {
		return fmt.Errorf("create load balancer: %w", err)
	}
	r.LoadBalancer = aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
	r.LoadBalancerDNS = aws.ToString(out.LoadBalancers[0].DNSName)
	tg, err := lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String(name("web")), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(8080), VpcId: &r.VPC, TargetType: elbtypes.TargetTypeEnumInstance, HealthCheckPath: aws.String("/healthz")})
	if err != nil {
		return fmt.Errorf("create target group: %w", err)
	}
	r.TargetGroup = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	action := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &r.TargetGroup}}
	cert, certErr := importCertificate(ctx, cfg, "web."+name("lab")+".internal", 365*24*time.Hour)
	in := &elb.CreateListenerInput{LoadBalancerArn: &r.LoadBalancer, DefaultActions: action}
	if certErr == nil {
		in.Protocol, in.Port = elbtypes.ProtocolEnumHttps, aws.Int32(443)
		in.Certificates = []elbtypes.Certificate{{CertificateArn: aws.String(cert)}}
		in.SslPolicy = aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06")
	} else {
		// Without a certificate, fall back to plain HTTP.
		in.Protocol, in.Port = elbtypes.ProtocolEnumHttp, aws.Int32(80)
	}
	l, err := lb.CreateListener(ctx, in)
	if err != nil {
		return fmt.Errorf("create listener: %w (certificate: %v)", err, certErr)
	}
	r.Listener = aws.ToString(l.Listeners[0].ListenerArn)
	r.HTTPS, r.Certificate = certErr == nil, cert
	return nil
}

// importCertificate imports a self-signed certificate into ACM with a
// signed JSON request (the lab's go.mod carries no ACM client).
func importCertificate(ctx context.Context, cfg aws.Config, domain string, validity time.Duration) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: domain},
		DNSNames: []string{domain}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encode key: %w", err)
	}
	body, err := json.Marshal(map[string]any{
		// Blob members are base64 in the JSON protocol.
		"Certificate": base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"PrivateKey":  base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
		"Tags":        []map[string]string{{"Key": "Name", "Value": domain}},
	})
	if err != nil {
		return "", err
	}
	endpoint := aws.ToString(cfg.BaseEndpoint)
	if endpoint == "" {
		return "", fmt.Errorf("import certificate: no endpoint configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "CertificateManager.ImportCertificate")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "acm", cfg.Region, time.Now()); err != nil {
		return "", fmt.Errorf("sign ACM request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ACM ImportCertificate: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ACM ImportCertificate: %s: %s", resp.Status, firstLine(string(data)))
	}
	var out struct {
		CertificateArn string `json:"CertificateArn"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.CertificateArn == "" {
		return "", fmt.Errorf("ACM ImportCertificate: unexpected answer %q", firstLine(string(data)))
	}
	return out.CertificateArn, nil
}

func seedAurora(ctx context.Context, cfg aws.Config, r *AWSRegionEstate, azs []string, name func(string) string) error {
	db := rds.NewFromConfig(cfg)
	var priv []string
	for _, az := range azs {
		priv = append(priv, r.PrivateSubnets[az])
	}
	group := name("db")
	if _, err := db.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: &group,
		DBSubnetGroupDescription: aws.String("lab databases"), SubnetIds: priv}); err != nil {
		return fmt.Errorf("create DB subnet group: %w", err)
	}
	r.DBCluster = name("orders")
	if _, err := db.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: &r.DBCluster, Engine: aws.String("aurora-postgresql"),
		EngineVersion: aws.String("15.4"), MasterUsername: aws.String("orders"), MasterUserPassword: aws.String("lab-password-1"),
		DBSubnetGroupName: &group, DatabaseName: aws.String("orders"), AvailabilityZones: azs, VpcSecurityGroupIds: []string{r.DBGroup}}); err != nil {
		return fmt.Errorf("create Aurora cluster: %w", err)
	}
	for i := range 3 {
		id := fmt.Sprintf("%s-%d", r.DBCluster, i+1)
		if _, err := db.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: &id, DBClusterIdentifier: &r.DBCluster,
			Engine: aws.String("aurora-postgresql"), DBInstanceClass: aws.String("db.r6g.large"), AvailabilityZone: aws.String(azs[i%len(azs)]),
			DBSubnetGroupName: &group, VpcSecurityGroupIds: []string{r.DBGroup}}); err != nil {
			return fmt.Errorf("create Aurora instance %s: %w", id, err)
		}
		r.DBInstances = append(r.DBInstances, id)
	}
	r.DBSnapshot = r.DBCluster + "-nightly"
	if _, err := db.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{DBClusterIdentifier: &r.DBCluster,
		DBClusterSnapshotIdentifier: &r.DBSnapshot}); err != nil {
		return fmt.Errorf("create cluster snapshot: %w", err)
	}
	return nil
}

// retried is err, or nil when err is code, an answer that only a retry of
// the call itself can get: the seed made the target moments before and
// makes each entry once. The SDK retries a call whose reply was lost (or
// answered 5xx) although moto had done it, and moto then refuses the
// retry as a duplicate: seen for a network ACL entry in a CI rehearsal on
// a quiet machine.
func retried(err error, code string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == code {
		return nil
	}
	return err
}

// attachInternetGateway attaches igw to vpc. The SDK retries a call whose
// reply was lost (moto under load drops connections), and moto then answers
// the retried attach with Resource.AlreadyAssociated although the first one
// succeeded: that answer counts as success when the gateway is attached to
// vpc, and only then.
func attachInternetGateway(ctx context.Context, e2 *ec2.Client, igw, vpc string) error {
	_, err := e2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &vpc})
	if err == nil {
		return nil
	}
	if retried(err, "Resource.AlreadyAssociated") != nil {
		return fmt.Errorf("attach internet gateway: %w", err)
	}
	out, derr := e2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	if derr != nil {
		return fmt.Errorf("attach internet gateway: %w (and describing it: %w)", err, derr)
	}
	for _, g := range out.InternetGateways {
		for _, a := range g.Attachments {
			if aws.ToString(a.VpcId) == vpc {
				return nil
			}
		}
	}
	return fmt.Errorf("attach internet gateway: %w", err)
}
