package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// Page sizes: the largest each API allows, so a refresh makes as few calls
// as possible. Options.PageSize lowers them (tests of pagination).
const (
	maxEC2Page   = 1000
	maxRTPage    = 100
	maxASGPage   = 100
	maxELBPage   = 400
	maxRDSPage   = 100
	minEC2Page   = 5
	minRDSPage   = 20
	asgTagName   = "aws:autoscaling:groupName"
	defaultRoute = "0.0.0.0/0"
)

// regionView is what one refresh read in one region.
type regionView struct {
	region    string
	at        time.Time
	err       string
	parts     int
	failedN   int
	zones     []providers.Zone
	vpcs      []providers.VPC
	subnets   []providers.Subnet
	asgs      []providers.AutoscalingGroup
	instances []providers.Instance
	lbs       []providers.LoadBalancer
	dbs       []providers.Database
	clusters  map[string]bool // names of the databases that are RDS clusters
	alarms    []providers.Alarm
	groups    []providers.SecurityGroup
	acls      []providers.NetworkACL
	routes    []providers.RouteTable
	repos     []providers.ImageRepository
}

// failed reports whether nothing at all could be read in the region.
func (v *regionView) failed() bool { return v.parts > 0 && v.failedN == v.parts }

func (v *regionView) addTo(inv *providers.Inventory, source string) {
	inv.Regions = append(inv.Regions, providers.Region{Name: v.region, Source: source, Error: v.err})
	inv.Zones = append(inv.Zones, v.zones...)
	inv.VPCs = append(inv.VPCs, v.vpcs...)
	inv.Subnets = append(inv.Subnets, v.subnets...)
	inv.AutoscalingGroups = append(inv.AutoscalingGroups, v.asgs...)
	inv.Instances = append(inv.Instances, v.instances...)
	inv.LoadBalancers = append(inv.LoadBalancers, v.lbs...)
	inv.Databases = append(inv.Databases, v.dbs...)
	inv.Alarms = append(inv.Alarms, v.alarms...)
	inv.SecurityGroups = append(inv.SecurityGroups, v.groups...)
	inv.NetworkACLs = append(inv.NetworkACLs, v.acls...)
	inv.RouteTables = append(inv.RouteTables, v.routes...)
	inv.ImageRepositories = append(inv.ImageRepositories, v.repos...)
}

// tasks runs named functions concurrently and collects their errors.
type tasks struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []string
	n    int
}

func (t *tasks) go_(name string, f func() error) {
	t.n++
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := f(); err != nil {
			t.mu.Lock()
			t.errs = append(t.errs, name+": "+oneLine(err.Error()))
			t.mu.Unlock()
		}
	}()
}

func (t *tasks) wait() []string {
	t.wg.Wait()
	sort.Strings(t.errs)
	return t.errs
}

// ec2Raw is what the EC2 calls of one region returned.
type ec2Raw struct {
	zones     []ec2types.AvailabilityZone
	vpcs      []ec2types.Vpc
	subnets   []ec2types.Subnet
	routes    []ec2types.RouteTable
	instances []ec2types.Instance
	groups    []ec2types.SecurityGroup
	acls      []ec2types.NetworkAcl
}

// fetchRegion reads one region. The services are read concurrently;
// a service that fails is named in the region's error and the others still
// show.
func (p *Provider) fetchRegion(ctx context.Context, c *clients) *regionView {
	v := &regionView{region: c.region, at: time.Now()}
	var raw ec2Raw
	var groups []asgtypes.AutoScalingGroup
	var scheduled []asgtypes.ScheduledUpdateGroupAction
	var alarms []cwtypes.MetricAlarm
	var ec2OK, asgOK, cwOK bool
	var t tasks
	// Each part is one service; its calls run concurrently inside.
	t.go_("ec2", func() error {
		err := p.readEC2(ctx, c, &raw)
		ec2OK = err == nil
		return err
	})
	t.go_("autoscaling", func() error {
		var err error
		groups, err = p.readASGs(ctx, c)
		asgOK = err == nil
		return err
	})
	t.go_("autoscaling schedules", func() error {
		var err error
		scheduled, err = p.readScheduledActions(ctx, c)
		return err
	})
	t.go_("elbv2", func() error {
		var err error
		v.lbs, err = p.readLBs(ctx, c)
		return err
	})
	t.go_("rds", func() error {
		var err error
		v.dbs, v.clusters, err = p.readRDS(ctx, c)
		return err
	})
	t.go_("cloudwatch", func() error {
		var err error
		alarms, err = p.readAlarms(ctx, c)
		cwOK = err == nil
		return err
	})
	t.go_("ecr", func() error {
		var err error
		v.repos, err = p.readECR(ctx, c)
		return err
	})
	errs := t.wait()
	v.parts, v.failedN = t.n, len(errs)
	if len(errs) > 0 {
		v.err = strings.Join(errs, "; ")
	}
	if ec2OK {
		assembleEC2(v, &raw)
	}
	if asgOK {
		assembleASGs(v, groups)
		attachScheduledActions(v, scheduled)
	}
	if cwOK {
		assembleAlarms(v, alarms) // after RDS: alarms on a DB instance name its cluster
	}
	return v
}

func (p *Provider) pageSize(max, min int) *int32 {
	n := max
	if ps := p.opts.PageSize; ps > 0 && ps < max {
		n = ps
	}
	if n < min {
		n = min
	}
	return sdkaws.Int32(int32(n))
}

// readEC2 reads zones, VPCs, subnets, route tables and instances concurrently.
func (p *Provider) readEC2(ctx context.Context, c *clients, raw *ec2Raw) error {
	var t tasks
	t.go_("DescribeAvailabilityZones", func() error {
		out, err := c.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
		if err != nil {
			return err
		}
		raw.zones = out.AvailabilityZones
		return nil
	})
	t.go_("DescribeVpcs", func() error {
		pg := ec2.NewDescribeVpcsPaginator(c.ec2, &ec2.DescribeVpcsInput{MaxResults: p.pageSize(maxEC2Page, minEC2Page)})
		var err error
		raw.vpcs, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeVpcsOutput) []ec2types.Vpc { return o.Vpcs })
		return err
	})
	t.go_("DescribeSubnets", func() error {
		pg := ec2.NewDescribeSubnetsPaginator(c.ec2, &ec2.DescribeSubnetsInput{MaxResults: p.pageSize(maxEC2Page, minEC2Page)})
		var err error
		raw.subnets, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return o.Subnets })
		return err
	})
	t.go_("DescribeRouteTables", func() error {
		pg := ec2.NewDescribeRouteTablesPaginator(c.ec2, &ec2.DescribeRouteTablesInput{MaxResults: p.pageSize(maxRTPage, minEC2Page)})
		var err error
		raw.routes, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeRouteTablesOutput) []ec2types.RouteTable { return o.RouteTables })
		return err
	})
	t.go_("DescribeInstances", func() error {
		pg := ec2.NewDescribeInstancesPaginator(c.ec2, &ec2.DescribeInstancesInput{MaxResults: p.pageSize(maxEC2Page, minEC2Page)})
		res, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ec2.DescribeInstancesOutput) []ec2types.Reservation { return o.Reservations })
		for _, r := range res {
			raw.instances = append(raw.instances, r.Instances...)
		}
		return err
	})
	p.readNetwork(ctx, c, raw, &t)
	if errs := t.wait(); len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// tag returns the value of a tag, with control characters (terminal
// escape sequences) replaced: tags are free text set by anyone.
func tag(tags []ec2types.Tag, key string) string {
	for _, t := range tags {
		if sdkaws.ToString(t.Key) == key {
			return sanitize.Line(sdkaws.ToString(t.Value))
		}
	}
	return ""
}

// routesToIGW reports whether a route table sends 0.0.0.0/0 (or ::/0) to an
// internet gateway.
func routesToIGW(rt ec2types.RouteTable) bool {
	for _, r := range rt.Routes {
		dst := sdkaws.ToString(r.DestinationCidrBlock)
		if dst == "" {
			dst = sdkaws.ToString(r.DestinationIpv6CidrBlock)
		}
		if (dst == defaultRoute || dst == "::/0") && strings.HasPrefix(sdkaws.ToString(r.GatewayId), "igw-") &&
			r.State != ec2types.RouteStateBlackhole {
			return true
		}
	}
	return false
}

// PublicSubnets decides which subnets are public: a subnet is public when
// its route table (its explicit association, else the main route table of
// its VPC) routes 0.0.0.0/0 to an internet gateway (igw-*). Only a subnet
// with no route table known at all falls back to MapPublicIpOnLaunch.
func PublicSubnets(subnets []ec2types.Subnet, tables []ec2types.RouteTable) map[string]bool {
	explicit := map[string]ec2types.RouteTable{}
	main := map[string]ec2types.RouteTable{}
	for _, rt := range tables {
		for _, a := range rt.Associations {
			if sdkaws.ToBool(a.Main) {
				main[sdkaws.ToString(rt.VpcId)] = rt
			} else if s := sdkaws.ToString(a.SubnetId); s != "" {
				explicit[s] = rt
			}
		}
	}
	out := make(map[string]bool, len(subnets))
	for _, s := range subnets {
		id := sdkaws.ToString(s.SubnetId)
		if rt, ok := explicit[id]; ok {
			out[id] = routesToIGW(rt)
		} else if rt, ok := main[sdkaws.ToString(s.VpcId)]; ok {
			out[id] = routesToIGW(rt)
		} else {
			out[id] = sdkaws.ToBool(s.MapPublicIpOnLaunch)
		}
	}
	return out
}

// isBastion reports whether an instance is tagged or named as a bastion
// (the public-subnet condition is checked by the caller).
func isBastion(tags []ec2types.Tag) bool {
	for _, t := range tags {
		k, val := strings.ToLower(sdkaws.ToString(t.Key)), strings.ToLower(sdkaws.ToString(t.Value))
		switch {
		case k == "bastion" && val != "false" && val != "no":
			return true
		case (k == "role" || k == "name" || k == "purpose") && strings.Contains(val, "bastion"):
			return true
		}
	}
	return false
}

func assembleEC2(v *regionView, raw *ec2Raw) {
	for _, z := range raw.zones {
		v.zones = append(v.zones, providers.Zone{Name: sdkaws.ToString(z.ZoneName), Region: v.region})
	}
	for _, x := range raw.vpcs {
		v.vpcs = append(v.vpcs, providers.VPC{ID: sdkaws.ToString(x.VpcId), Region: v.region, CIDR: sdkaws.ToString(x.CidrBlock), Name: tag(x.Tags, "Name")})
	}
	public := PublicSubnets(raw.subnets, raw.routes)
	for _, s := range raw.subnets {
		id := sdkaws.ToString(s.SubnetId)
		v.subnets = append(v.subnets, providers.Subnet{
			ID: id, Name: tag(s.Tags, "Name"), Zone: sdkaws.ToString(s.AvailabilityZone), Region: v.region,
			VPC: sdkaws.ToString(s.VpcId), CIDR: sdkaws.ToString(s.CidrBlock), Public: public[id],
		})
	}
	for _, in := range raw.instances {
		state := ""
		if in.State != nil {
			state = string(in.State.Name)
		}
		if state == string(ec2types.InstanceStateNameTerminated) {
			continue // gone; AWS lists terminated instances for about an hour
		}
		zone := ""
		if in.Placement != nil {
			zone = sdkaws.ToString(in.Placement.AvailabilityZone)
		}
		subnet := sdkaws.ToString(in.SubnetId)
		v.instances = append(v.instances, providers.Instance{
			ID: sdkaws.ToString(in.InstanceId), Name: tag(in.Tags, "Name"), Region: v.region, Zone: zone,
			State: state, Type: string(in.InstanceType), ASG: tag(in.Tags, asgTagName), Subnet: subnet,
			PrivateIP: sdkaws.ToString(in.PrivateIpAddress), PublicIP: sdkaws.ToString(in.PublicIpAddress),
			Bastion: public[subnet] && isBastion(in.Tags), SecurityGroups: instanceGroups(in),
		})
	}
	assembleNetwork(v, raw)
}

func (p *Provider) readASGs(ctx context.Context, c *clients) ([]asgtypes.AutoScalingGroup, error) {
	pg := autoscaling.NewDescribeAutoScalingGroupsPaginator(c.asg, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: p.pageSize(maxASGPage, 1)})
	out, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *autoscaling.DescribeAutoScalingGroupsOutput) []asgtypes.AutoScalingGroup {
		return o.AutoScalingGroups
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeAutoScalingGroups: %w", err)
	}
	return out, nil
}

// readScheduledActions lists the region's scheduled actions (every group's,
// pages of 100).
func (p *Provider) readScheduledActions(ctx context.Context, c *clients) ([]asgtypes.ScheduledUpdateGroupAction, error) {
	pg := autoscaling.NewDescribeScheduledActionsPaginator(c.asg, &autoscaling.DescribeScheduledActionsInput{MaxRecords: p.pageSize(maxASGPage, 1)})
	out, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *autoscaling.DescribeScheduledActionsOutput) []asgtypes.ScheduledUpdateGroupAction {
		return o.ScheduledUpdateGroupActions
	})
	if err != nil {
		return nil, fmt.Errorf("DescribeScheduledActions: %w", err)
	}
	return out, nil
}

// attachScheduledActions gives each group its scheduled actions, by name;
// every group gets a list ([] when none).
func attachScheduledActions(v *regionView, scheduled []asgtypes.ScheduledUpdateGroupAction) {
	byGroup := map[string][]providers.ScheduledAction{}
	for _, s := range scheduled {
		byGroup[sdkaws.ToString(s.AutoScalingGroupName)] = append(byGroup[sdkaws.ToString(s.AutoScalingGroupName)], ScheduledAction(s))
	}
	for i := range v.asgs {
		g := &v.asgs[i]
		g.ScheduledActions = byGroup[g.Name]
		if g.ScheduledActions == nil {
			g.ScheduledActions = []providers.ScheduledAction{}
		}
		sort.Slice(g.ScheduledActions, func(a, b int) bool { return g.ScheduledActions[a].Name < g.ScheduledActions[b].Name })
	}
}

// ScheduledAction converts a scheduled action of the API (free-text fields
// made terminal-safe).
func ScheduledAction(s asgtypes.ScheduledUpdateGroupAction) providers.ScheduledAction {
	size := func(n *int32) *int {
		if n == nil {
			return nil
		}
		v := int(*n)
		return &v
	}
	return providers.ScheduledAction{
		Name: sanitize.Line(sdkaws.ToString(s.ScheduledActionName)), Recurrence: sanitize.Line(sdkaws.ToString(s.Recurrence)),
		TimeZone: sanitize.Line(sdkaws.ToString(s.TimeZone)), Start: s.StartTime, End: s.EndTime,
		Desired: size(s.DesiredCapacity), Min: size(s.MinSize), Max: size(s.MaxSize),
	}
}

// LifecycleBucket maps an ASG instance lifecycle state to in_service,
// pending or terminating ("" for the others: standby, detaching...).
func LifecycleBucket(state string) string {
	switch {
	case state == string(asgtypes.LifecycleStateInService):
		return "in_service"
	case strings.HasPrefix(state, "Pending"), state == string(asgtypes.LifecycleStateWarmedPending):
		return "pending"
	case strings.HasPrefix(state, "Terminat"):
		return "terminating"
	}
	return ""
}

func launchTemplate(g asgtypes.AutoScalingGroup) string {
	spec := g.LaunchTemplate
	if spec == nil && g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil {
		spec = g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
	}
	if spec != nil {
		name := sdkaws.ToString(spec.LaunchTemplateName)
		if name == "" {
			name = sdkaws.ToString(spec.LaunchTemplateId)
		}
		if ver := sdkaws.ToString(spec.Version); ver != "" {
			return name + ":" + ver
		}
		return name
	}
	if lc := sdkaws.ToString(g.LaunchConfigurationName); lc != "" {
		return "launch-configuration/" + lc
	}
	return ""
}

func assembleASGs(v *regionView, groups []asgtypes.AutoScalingGroup) {
	member := map[string]string{}
	for _, g := range groups {
		a := providers.AutoscalingGroup{
			Name: sdkaws.ToString(g.AutoScalingGroupName), Region: v.region,
			Zones:   append([]string(nil), g.AvailabilityZones...),
			Desired: int(sdkaws.ToInt32(g.DesiredCapacity)), Min: int(sdkaws.ToInt32(g.MinSize)), Max: int(sdkaws.ToInt32(g.MaxSize)),
			LaunchTemplate: launchTemplate(g),
		}
		sort.Strings(a.Zones)
		for _, in := range g.Instances {
			id := sdkaws.ToString(in.InstanceId)
			a.Instances = append(a.Instances, id)
			member[id] = a.Name
			switch LifecycleBucket(string(in.LifecycleState)) {
			case "in_service":
				a.InService++
			case "pending":
				a.Pending++
			case "terminating":
				a.Terminating++
			}
		}
		sort.Strings(a.Instances)
		v.asgs = append(v.asgs, a)
	}
	// The group's own instance list fills an ASG the tag does not name.
	for i := range v.instances {
		if v.instances[i].ASG == "" {
			v.instances[i].ASG = member[v.instances[i].ID]
		}
	}
}

// readLBs reads the load balancers and the region's target groups, then
// the listeners of each load balancer and the health of each target group
// (bounded concurrency).
func (p *Provider) readLBs(ctx context.Context, c *clients) ([]providers.LoadBalancer, error) {
	var lbs []elbtypes.LoadBalancer
	var tgs []elbtypes.TargetGroup
	var t tasks
	t.go_("DescribeLoadBalancers", func() error {
		pg := elbv2.NewDescribeLoadBalancersPaginator(c.elb, &elbv2.DescribeLoadBalancersInput{PageSize: p.pageSize(maxELBPage, 1)})
		var err error
		lbs, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *elbv2.DescribeLoadBalancersOutput) []elbtypes.LoadBalancer { return o.LoadBalancers })
		return err
	})
	t.go_("DescribeTargetGroups", func() error {
		pg := elbv2.NewDescribeTargetGroupsPaginator(c.elb, &elbv2.DescribeTargetGroupsInput{PageSize: p.pageSize(maxELBPage, 1)})
		var err error
		tgs, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *elbv2.DescribeTargetGroupsOutput) []elbtypes.TargetGroup { return o.TargetGroups })
		return err
	})
	if errs := t.wait(); len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	listeners := make([][]elbtypes.Listener, len(lbs))
	health := make([][]elbtypes.TargetHealthDescription, len(tgs))
	sem := make(chan struct{}, p.opts.Concurrency)
	var t2 tasks
	for i, lb := range lbs {
		t2.go_("DescribeListeners", func() error {
			sem <- struct{}{}
			defer func() { <-sem }()
			pg := elbv2.NewDescribeListenersPaginator(c.elb, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: p.pageSize(maxELBPage, 1)})
			var err error
			listeners[i], err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *elbv2.DescribeListenersOutput) []elbtypes.Listener { return o.Listeners })
			return err
		})
	}
	for i, tg := range tgs {
		if len(tg.LoadBalancerArns) == 0 {
			continue // not attached: not shown, not asked
		}
		t2.go_("DescribeTargetHealth", func() error {
			sem <- struct{}{}
			defer func() { <-sem }()
			out, err := c.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
			if err != nil {
				return err
			}
			health[i] = out.TargetHealthDescriptions
			return nil
		})
	}
	if errs := t2.wait(); len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(dedupe(errs), "; "))
	}
	byARN := map[string]*providers.LoadBalancer{}
	out := make([]providers.LoadBalancer, len(lbs))
	for i, lb := range lbs {
		l := &out[i]
		*l = providers.LoadBalancer{
			Name: sdkaws.ToString(lb.LoadBalancerName), Region: c.region, Type: string(lb.Type),
			Scheme: string(lb.Scheme), DNSName: sdkaws.ToString(lb.DNSName), SecurityGroups: lb.SecurityGroups,
		}
		for _, z := range lb.AvailabilityZones {
			l.Zones = append(l.Zones, sdkaws.ToString(z.ZoneName))
			if s := sdkaws.ToString(z.SubnetId); s != "" {
				l.Subnets = append(l.Subnets, s)
			}
		}
		sort.Strings(l.Zones)
		sort.Strings(l.Subnets)
		for _, ls := range listeners[i] {
			l.Listeners = append(l.Listeners, providers.Listener{Protocol: string(ls.Protocol), Port: int(sdkaws.ToInt32(ls.Port))})
			if ls.Protocol == elbtypes.ProtocolEnumHttps || ls.Protocol == elbtypes.ProtocolEnumTls {
				l.SSLTermination = true
			}
		}
		sort.Slice(l.Listeners, func(a, b int) bool { return l.Listeners[a].Port < l.Listeners[b].Port })
		byARN[sdkaws.ToString(lb.LoadBalancerArn)] = l
	}
	for i, tg := range tgs {
		g := providers.TargetGroup{Name: sdkaws.ToString(tg.TargetGroupName), Port: int(sdkaws.ToInt32(tg.Port))}
		healthy := 0
		for _, h := range health[i] {
			tgt := providers.Target{}
			if h.Target != nil {
				tgt.ID = sdkaws.ToString(h.Target.Id)
				tgt.Port = int(sdkaws.ToInt32(h.Target.Port))
			}
			if h.TargetHealth != nil {
				tgt.Health = string(h.TargetHealth.State)
			}
			if tgt.Health == string(elbtypes.TargetHealthStateEnumHealthy) {
				healthy++
			}
			g.Targets = append(g.Targets, tgt)
		}
		sort.Slice(g.Targets, func(a, b int) bool { return g.Targets[a].ID < g.Targets[b].ID })
		attached := map[string]bool{}
		for _, arn := range tg.LoadBalancerArns {
			if l := byARN[arn]; l != nil && !attached[arn] {
				attached[arn] = true
				l.TargetGroups = append(l.TargetGroups, g)
				l.TargetsHealthy += healthy
				l.TargetsTotal += len(g.Targets)
			}
		}
	}
	for i := range out {
		sort.Slice(out[i].TargetGroups, func(a, b int) bool { return out[i].TargetGroups[a].Name < out[i].TargetGroups[b].Name })
	}
	return out, nil
}

func dedupe(ss []string) []string {
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// readRDS reads the DB clusters, DB instances and cluster snapshots of the
// region (one paginated listing each) and builds one Database per cluster
// (and one per stand-alone DB instance with its read replicas).
func (p *Provider) readRDS(ctx context.Context, c *clients) ([]providers.Database, map[string]bool, error) {
	var clusters []rdstypes.DBCluster
	var insts []rdstypes.DBInstance
	var snaps []rdstypes.DBClusterSnapshot
	var t tasks
	t.go_("DescribeDBClusters", func() error {
		pg := rds.NewDescribeDBClustersPaginator(c.rds, &rds.DescribeDBClustersInput{MaxRecords: p.pageSize(maxRDSPage, minRDSPage)})
		var err error
		clusters, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *rds.DescribeDBClustersOutput) []rdstypes.DBCluster { return o.DBClusters })
		return err
	})
	t.go_("DescribeDBInstances", func() error {
		pg := rds.NewDescribeDBInstancesPaginator(c.rds, &rds.DescribeDBInstancesInput{MaxRecords: p.pageSize(maxRDSPage, minRDSPage)})
		var err error
		insts, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *rds.DescribeDBInstancesOutput) []rdstypes.DBInstance { return o.DBInstances })
		return err
	})
	t.go_("DescribeDBClusterSnapshots", func() error {
		pg := rds.NewDescribeDBClusterSnapshotsPaginator(c.rds, &rds.DescribeDBClusterSnapshotsInput{MaxRecords: p.pageSize(maxRDSPage, minRDSPage)})
		var err error
		snaps, err = allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *rds.DescribeDBClusterSnapshotsOutput) []rdstypes.DBClusterSnapshot {
			return o.DBClusterSnapshots
		})
		return err
	})
	if errs := t.wait(); len(errs) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	ids := make(map[string]bool, len(clusters))
	for _, cl := range clusters {
		ids[sdkaws.ToString(cl.DBClusterIdentifier)] = true
	}
	return buildDatabases(c.region, clusters, insts, snaps), ids, nil
}

func memberFromInstance(in rdstypes.DBInstance, role string) providers.Member {
	m := providers.Member{
		Name: sdkaws.ToString(in.DBInstanceIdentifier), Role: role,
		Status: sdkaws.ToString(in.DBInstanceStatus), Zone: sdkaws.ToString(in.AvailabilityZone),
	}
	m.Healthy = m.Status == "available"
	if sdkaws.ToString(in.DBClusterIdentifier) == "" {
		// An instance of a cluster uses the cluster's storage (Database.Volumes).
		m.Volumes = rdsVolume(sdkaws.ToString(in.Engine), sdkaws.ToString(in.StorageType), in.AllocatedStorage, in.Iops, "instance "+m.Name)
	}
	if in.Endpoint != nil && sdkaws.ToString(in.Endpoint.Address) != "" {
		m.Address = fmt.Sprintf("%s:%d", sdkaws.ToString(in.Endpoint.Address), sdkaws.ToInt32(in.Endpoint.Port))
	}
	memberNetwork(&m, in)
	return m
}

func buildDatabases(region string, clusters []rdstypes.DBCluster, insts []rdstypes.DBInstance, snaps []rdstypes.DBClusterSnapshot) []providers.Database {
	byID := map[string]rdstypes.DBInstance{}
	for _, in := range insts {
		byID[sdkaws.ToString(in.DBInstanceIdentifier)] = in
	}
	snapsOf := map[string][]providers.Backup{}
	for _, s := range snaps {
		b := providers.Backup{
			ID: sdkaws.ToString(s.DBClusterSnapshotIdentifier), Status: sdkaws.ToString(s.Status),
			SizeMiB: float64(sdkaws.ToInt32(s.AllocatedStorage)) * 1024,
		}
		if s.SnapshotCreateTime != nil {
			b.Time = *s.SnapshotCreateTime
		}
		b.Kind = "cluster-snapshot"
		if t := sdkaws.ToString(s.SnapshotType); t != "" {
			b.Kind = t + " cluster-snapshot"
		}
		b.Location = sdkaws.ToString(s.DBClusterSnapshotArn)
		id := sdkaws.ToString(s.DBClusterIdentifier)
		snapsOf[id] = append(snapsOf[id], b)
	}
	var out []providers.Database
	for _, cl := range clusters {
		id := sdkaws.ToString(cl.DBClusterIdentifier)
		d := providers.Database{
			Name: id, Engine: sdkaws.ToString(cl.Engine), Region: region,
			Status: sdkaws.ToString(cl.Status), Endpoint: sdkaws.ToString(cl.Endpoint),
		}
		if d.Endpoint != "" && cl.Port != nil {
			d.Endpoint = fmt.Sprintf("%s:%d", d.Endpoint, *cl.Port)
		}
		d.Volumes = rdsVolume(d.Engine, sdkaws.ToString(cl.StorageType), cl.AllocatedStorage, cl.Iops, "cluster "+id)
		if cl.EarliestRestorableTime != nil && cl.LatestRestorableTime != nil {
			d.RestoreWindow = &providers.TimeWindow{Earliest: *cl.EarliestRestorableTime, Latest: *cl.LatestRestorableTime,
				Source: "rds automated backups (point-in-time restore)"}
		}
		for _, m := range cl.DBClusterMembers {
			mid := sdkaws.ToString(m.DBInstanceIdentifier)
			role := providers.RoleReplica
			if sdkaws.ToBool(m.IsClusterWriter) {
				role = providers.RolePrimary
			}
			mem := providers.Member{Name: mid, Role: role, Status: "unknown"}
			if in, ok := byID[mid]; ok {
				mem = memberFromInstance(in, role)
			}
			d.Members = append(d.Members, mem)
		}
		sortMembers(d.Members)
		d.Backups = snapsOf[id]
		sort.Slice(d.Backups, func(a, b int) bool { return d.Backups[a].Time.After(d.Backups[b].Time) })
		for _, b := range d.Backups {
			if b.Status == "available" || b.Status == "" {
				d.LastBackup = b.Time
				break
			}
		}
		out = append(out, d)
	}
	// Stand-alone instances (not in a cluster), with their read replicas.
	standalone := map[string]*providers.Database{}
	var order []string
	for _, in := range insts {
		if sdkaws.ToString(in.DBClusterIdentifier) != "" || sdkaws.ToString(in.ReadReplicaSourceDBInstanceIdentifier) != "" {
			continue
		}
		id := sdkaws.ToString(in.DBInstanceIdentifier)
		d := &providers.Database{Name: id, Engine: sdkaws.ToString(in.Engine), Region: region, Status: sdkaws.ToString(in.DBInstanceStatus)}
		m := memberFromInstance(in, providers.RolePrimary)
		d.Endpoint = m.Address
		d.Members = append(d.Members, m)
		standalone[id] = d
		order = append(order, id)
	}
	for _, in := range insts {
		src := sdkaws.ToString(in.ReadReplicaSourceDBInstanceIdentifier)
		if sdkaws.ToString(in.DBClusterIdentifier) != "" || src == "" {
			continue
		}
		// The source may be an ARN (cross-region replica) or an identifier.
		if d := standalone[src[strings.LastIndex(src, ":")+1:]]; d != nil {
			d.Members = append(d.Members, memberFromInstance(in, providers.RoleReplica))
			sortMembers(d.Members)
		}
	}
	for _, id := range order {
		out = append(out, *standalone[id])
	}
	return out
}

// rdsVolume is the storage of an RDS instance or cluster: its StorageType,
// AllocatedStorage (GiB) and provisioned Iops. Usage is not in the RDS
// API (CloudWatch FreeStorageSpace): it is reported unknown. Aurora's
// cluster volume grows by itself (its AllocatedStorage is always 1): its
// size is unknown too.
func rdsVolume(engine, storageType string, allocated, iops *int32, path string) []providers.Volume {
	if storageType == "" && allocated == nil {
		return nil
	}
	v := providers.Volume{Mount: "/data", Path: path, Class: storageType, IOPS: int(sdkaws.ToInt32(iops))}
	if strings.HasPrefix(engine, "aurora") {
		v.Path += " (aurora cluster volume, grows by itself)"
	} else {
		v.SizeGiB = float64(sdkaws.ToInt32(allocated))
	}
	return []providers.Volume{v}
}

// sortMembers puts the primary first, then the replicas by name.
func sortMembers(ms []providers.Member) {
	sort.SliceStable(ms, func(a, b int) bool {
		if (ms[a].Role == providers.RolePrimary) != (ms[b].Role == providers.RolePrimary) {
			return ms[a].Role == providers.RolePrimary
		}
		return ms[a].Name < ms[b].Name
	})
}

// allPages fetches every page of one SDK paginator (its HasMorePages and
// NextPage) and returns the items each page holds, in order. Every listing
// of the provider goes through it, so each page is fetched exactly once.
func allPages[Out any, Item any, Opt any](ctx context.Context, more func() bool, next func(context.Context, ...Opt) (Out, error), items func(Out) []Item) ([]Item, error) {
	var all []Item
	for more() {
		page, err := next(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, items(page)...)
	}
	return all, nil
}
