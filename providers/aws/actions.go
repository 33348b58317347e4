package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// Action names (Spec.Name) of the AWS actions: the shared verbs.
const (
	ActTerminate          = actions.VerbTerminate          // keep desired capacity: the ASG replaces the instance
	ActTerminateDecrement = actions.VerbTerminateDecrement // desired capacity shrinks by one
	ActSetDesiredCapacity = actions.VerbSetDesiredCapacity
	ActFailover           = actions.VerbPromote // an Aurora failover
	ActSnapshot           = actions.VerbBackup  // an RDS cluster snapshot
	ActRestore            = actions.VerbRestore
)

const (
	runner                  = "aws"
	verifyPoll              = 2 * time.Second
	defaultVerifyWait       = 90 * time.Second
	maxClusterIdentifierLen = 63
)

// errNotFound marks a target that does not exist.
var errNotFound = errors.New("not found")

// Offer returns the AWS actions the object supports (actions.Offerer):
//   - instance (in an ASG): terminate, terminate-and-decrement
//   - asg: set-desired-capacity to desired+1 and desired-1 (within min/max);
//     with scheduled actions bring-up (an "up" one), teardown and
//     skip-teardown (a "down" one)
//   - database (an RDS cluster): promote (a failover, when it has a reader),
//     backup (a cluster snapshot), restore (from its latest available
//     snapshot, to a new cluster)
//   - member (a reader of an RDS cluster; Namespace or Cluster names the
//     cluster): promote (a failover to that reader)
//
// Before the first refresh, only what the ref alone allows is offered
// (instance: both terminates; database: promote, backup; member with its
// cluster: promote), in Ref.Region or the only configured region; Check
// verifies the target before anything runs. Other values (any desired
// capacity, a given snapshot) are built with the exported constructors.
func (p *Provider) Offer(ref actions.Ref) []actions.Action {
	inv := p.Last()
	if inv == nil {
		return p.offerUnread(ref)
	}
	inRegion := func(r string) bool { return ref.Region == "" || ref.Region == r }
	var out []actions.Action
	switch ref.Kind {
	case actions.KindInstance:
		for _, in := range inv.Instances {
			if in.ID == ref.Name && inRegion(in.Region) && in.ASG != "" && in.State != "shutting-down" {
				out = append(out, p.TerminateInstance(in.Region, in.ID, false), p.TerminateInstance(in.Region, in.ID, true))
				break
			}
		}
	case actions.KindASG:
		for _, g := range inv.AutoscalingGroups {
			if g.Name == ref.Name && inRegion(g.Region) {
				// one action; its "desired" parameter (the form, --desired)
				// is bounded by the group's min and max
				next := g.Desired + 1
				if next > g.Max {
					next = max(g.Min, g.Desired-1)
				}
				if g.Max > g.Min || g.Desired != next {
					a := p.SetDesiredCapacity(g.Region, g.Name, next).(capacitySteps)
					a.a.now, a.a.min, a.a.max = g.Desired, g.Min, g.Max
					out = append(out, a)
				}
				out = append(out, p.offerSchedule(g)...)
				break
			}
		}
	case actions.KindDatabase:
		for _, d := range inv.Databases {
			if d.Name != ref.Name || !inRegion(d.Region) || !p.isCluster(d.Region, d.Name) {
				continue
			}
			if hasReplica(d) {
				out = append(out, p.failoverChoosing(d))
			}
			out = append(out, p.Snapshot(d.Region, d.Name, ""))
			// Restore the newest available snapshot by default; another
			// snapshot (SetBackup) or a point in time (SetPointInTime)
			// can be chosen.
			newest := providers.BackupParam(d, snapshotUsable, "").Value
			if newest != "" || d.RestoreWindow != nil {
				r := p.restore(d.Region, d.Name, newest, "")
				r.db = &d // its snapshots and window: the parameters' choices and bounds
				for _, o := range inv.Databases {
					if o.Region == d.Region {
						r.taken = append(r.taken, o.Name)
					}
				}
				out = append(out, r)
			}
			break
		}
	case actions.KindMember:
		cluster := ref.Namespace
		if cluster == "" {
			cluster = ref.Cluster
		}
		for _, d := range inv.Databases {
			if !inRegion(d.Region) || (cluster != "" && d.Name != cluster) || !p.isCluster(d.Region, d.Name) {
				continue
			}
			for _, m := range d.Members {
				if m.Name == ref.Name && m.Role == providers.RoleReplica {
					return []actions.Action{p.Failover(d.Region, d.Name, m.Name)}
				}
			}
		}
	}
	return out
}

// offerUnread offers what the ref alone allows before the first refresh
// (a subcommand builds the providers without running them); each action's
// Check verifies the target on the API before anything runs.
func (p *Provider) offerUnread(ref actions.Ref) []actions.Action {
	region := ref.Region
	if region == "" && len(p.regions) == 1 {
		region = p.regions[0]
	}
	if region == "" || p.clients[region] == nil {
		return nil
	}
	switch ref.Kind {
	case actions.KindInstance:
		return []actions.Action{p.TerminateInstance(region, ref.Name, false), p.TerminateInstance(region, ref.Name, true)}
	case actions.KindDatabase:
		return []actions.Action{p.Failover(region, ref.Name, ""), p.Snapshot(region, ref.Name, "")}
	case actions.KindMember:
		cluster := ref.Namespace
		if cluster == "" {
			cluster = ref.Cluster
		}
		if cluster != "" {
			return []actions.Action{p.Failover(region, cluster, ref.Name)}
		}
	}
	return nil
}

func hasReplica(d providers.Database) bool {
	for _, m := range d.Members {
		if m.Role == providers.RoleReplica {
			return true
		}
	}
	return false
}

func (p *Provider) isCluster(region, name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v := p.good[region]; v != nil {
		return v.clusters[name]
	}
	return false
}

// client returns the clients of region (an error for an unknown region).
func (p *Provider) client(region string) (*clients, error) {
	c := p.clients[region]
	if c == nil {
		return nil, fmt.Errorf("region %q is not configured (have %s)", region, strings.Join(p.regions, ", "))
	}
	return c, nil
}

// awsAction holds what every AWS action shares: the provider and the region.
type awsAction struct {
	p      *Provider
	region string
}

func (a *awsAction) clients() (*clients, error) { return a.p.client(a.region) }

// stepper is the state and steps of one AWS action; steps makes it an
// actions.Steps, the one shape of every action.
type stepper interface {
	check(ctx context.Context) error
	preview(ctx context.Context, out io.Writer) (actions.Plan, error)
	run(ctx context.Context, plan actions.Plan, out io.Writer) error
	verify(ctx context.Context) (bool, string, error)
}

func steps(spec actions.Spec, s stepper) *actions.Steps {
	return &actions.Steps{Def: spec, DoCheck: s.check, DoPreview: s.preview, DoRun: s.run, DoVerify: s.verify}
}

// waitFor polls check until it reports done, ctx ends or wait passes.
func waitFor(ctx context.Context, wait time.Duration, check func(context.Context) (bool, string, error)) (bool, string, error) {
	deadline := time.Now().Add(wait)
	for {
		ok, msg, err := check(ctx)
		if ok || err != nil || time.Now().After(deadline) {
			return ok, msg, err
		}
		t := time.NewTimer(verifyPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ok, msg, nil
		case <-t.C:
		}
	}
}

// ---- terminate an instance in its ASG ----

type terminateAction struct {
	awsAction
	instance  string
	decrement bool
	asg       string // read by Check
	desired   int    // desired capacity before the run
}

// TerminateInstance returns the action that terminates an instance through
// its autoscaling group (TerminateInstanceInAutoScalingGroup). With
// decrement the desired capacity shrinks by one; without, the group
// launches a replacement. Destructive.
func (p *Provider) TerminateInstance(region, instanceID string, decrement bool) actions.Action {
	name, desc := ActTerminate, "terminate "+instanceID+" in its autoscaling group; the group launches a replacement"
	if decrement {
		name, desc = ActTerminateDecrement, "terminate "+instanceID+" in its autoscaling group and decrement its desired capacity"
	}
	return steps(actions.Spec{
		Name: name, Target: actions.Ref{Kind: actions.KindInstance, Region: region, Name: instanceID}, Env: p.opts.Env,
		Runner: runner, Effect: actions.Destructive, Timeout: 5 * time.Minute, Description: desc,
	}, &terminateAction{awsAction: awsAction{p: p, region: region}, instance: instanceID, decrement: decrement})
}

// asgState reads the instance's ASG membership and the group's sizes.
func (a *terminateAction) asgState(ctx context.Context) (asg, lifecycle string, desired, min int, err error) {
	c, err := a.clients()
	if err != nil {
		return "", "", 0, 0, err
	}
	out, err := c.asg.DescribeAutoScalingInstances(ctx, &autoscaling.DescribeAutoScalingInstancesInput{InstanceIds: []string{a.instance}})
	if err != nil {
		return "", "", 0, 0, fmt.Errorf("DescribeAutoScalingInstances %s: %w", a.instance, err)
	}
	if len(out.AutoScalingInstances) == 0 {
		return "", "", 0, 0, fmt.Errorf("instance %s is in no autoscaling group in %s: %w", a.instance, a.region, errNotFound)
	}
	ai := out.AutoScalingInstances[0]
	asg, lifecycle = sdkaws.ToString(ai.AutoScalingGroupName), sdkaws.ToString(ai.LifecycleState)
	g, err := describeGroup(ctx, c, asg)
	if err != nil {
		return "", "", 0, 0, err
	}
	return asg, lifecycle, int(sdkaws.ToInt32(g.DesiredCapacity)), int(sdkaws.ToInt32(g.MinSize)), nil
}

func (a *terminateAction) check(ctx context.Context) error {
	asg, lc, desired, min, err := a.asgState(ctx)
	if err != nil {
		return err
	}
	if LifecycleBucket(lc) == "terminating" {
		return fmt.Errorf("instance %s is already %s", a.instance, lc)
	}
	if a.decrement && desired-1 < min {
		return fmt.Errorf("desired capacity of %s would drop to %d, below its minimum %d", asg, desired-1, min)
	}
	a.asg, a.desired = asg, desired
	return nil
}

func (a *terminateAction) preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	if a.asg == "" {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	newDesired := a.desired
	if a.decrement {
		newDesired--
	}
	call := fmt.Sprintf("autoscaling:TerminateInstanceInAutoScalingGroup InstanceId=%s ShouldDecrementDesiredCapacity=%t (region %s)", a.instance, a.decrement, a.region)
	text := fmt.Sprintf("%s\ninstance %s in autoscaling group %s will be terminated\ndesired capacity of %s: %d → %d",
		call, a.instance, a.asg, a.asg, a.desired, newDesired)
	if !a.decrement {
		text += " (the group launches a replacement)"
	}
	return actions.Plan{
		Summary:   fmt.Sprintf("terminate %s; %s desired %d → %d", a.instance, a.asg, a.desired, newDesired),
		Text:      text,
		Destroy:   1,
		Resources: []string{"instance/" + a.instance, "asg/" + a.asg},
		Calls:     []string{call},
	}, nil
}

func (a *terminateAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	res, err := c.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: sdkaws.String(a.instance), ShouldDecrementDesiredCapacity: sdkaws.Bool(a.decrement),
	})
	if err != nil {
		return fmt.Errorf("TerminateInstanceInAutoScalingGroup %s: %w", a.instance, err)
	}
	if res.Activity != nil {
		fmt.Fprintf(out, "activity %s: %s\n", sdkaws.ToString(res.Activity.ActivityId), sdkaws.ToString(res.Activity.Description))
	}
	return nil
}

func (a *terminateAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	return waitFor(ctx, defaultVerifyWait, func(ctx context.Context) (bool, string, error) {
		out, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{a.instance}})
		if err != nil {
			return false, "", fmt.Errorf("DescribeInstances %s: %w", a.instance, err)
		}
		state := "gone"
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.State != nil {
					state = string(in.State.Name)
				}
			}
		}
		if state != string(ec2types.InstanceStateNameShuttingDown) && state != string(ec2types.InstanceStateNameTerminated) && state != "gone" {
			return false, fmt.Sprintf("instance %s is still %s", a.instance, state), nil
		}
		g, err := describeGroup(ctx, c, a.asg)
		if err != nil {
			return false, "", err
		}
		want := a.desired
		if a.decrement {
			want--
		}
		got := int(sdkaws.ToInt32(g.DesiredCapacity))
		if got != want {
			return false, fmt.Sprintf("instance %s is %s but %s desired capacity is %d, expected %d", a.instance, state, a.asg, got, want), nil
		}
		return true, fmt.Sprintf("instance %s is %s; %s desired capacity %d", a.instance, state, a.asg, got), nil
	})
}

func describeGroup(ctx context.Context, c *clients, name string) (*asgtypes.AutoScalingGroup, error) {
	out, err := c.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("DescribeAutoScalingGroups %s: %w", name, err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return nil, fmt.Errorf("autoscaling group %s in %s: %w", name, c.region, errNotFound)
	}
	return &out.AutoScalingGroups[0], nil
}

// ---- parameters ----

// paramSteps is an action with parameters: params lists them, set sets
// one (its value validated by actions.SetParam).
type paramSteps struct {
	*actions.Steps
	params func() []actions.Param
	set    func(name, value string) error
}

// Params implements actions.Parameterized.
func (s paramSteps) Params() []actions.Param { return s.params() }

// SetParam implements actions.Parameterized.
func (s paramSteps) SetParam(name, value string) error { return s.set(name, value) }

// snapshotUsable: only an available cluster snapshot can be restored.
func snapshotUsable(b providers.Backup) bool { return b.Status == "available" }

// failoverChoosing is the failover of cluster d with its "member"
// parameter: the cluster's readers (role, lag, health), the healthiest
// least lagging one until another is chosen.
func (p *Provider) failoverChoosing(d providers.Database) actions.Action {
	name := func(m providers.Member) string { return m.Name }
	st, fa := p.failover(d.Region, d.Name, providers.MemberParam(d, name, "").Value)
	return paramSteps{Steps: st,
		params: func() []actions.Param { return []actions.Param{providers.MemberParam(d, name, fa.target)} },
		set: func(_, v string) error {
			fa.target = v
			st.Def.Description = failoverDescription(d.Name, v)
			return nil
		}}
}

// ---- set desired capacity ----

type capacityAction struct {
	awsAction
	asg     string
	desired int
	current int
	// now, min and max are the group's desired capacity and bounds when
	// the action was offered (max -1: not known, Check reads them)
	now, min, max int
}

// SetDesiredCapacity returns the action that sets the desired capacity of
// an autoscaling group (SetDesiredCapacity, honouring cooldown). Mutating.
// The action implements Count and SetCount (as the demo's does), so
// `console action do set-desired-capacity asg/NAME --count N` sets any value.
func (p *Provider) SetDesiredCapacity(region, asg string, desired int) actions.Action {
	a := &capacityAction{awsAction: awsAction{p: p, region: region}, asg: asg, desired: desired, current: -1, max: -1}
	return capacitySteps{steps(actions.Spec{
		Name: ActSetDesiredCapacity, Target: actions.Ref{Kind: actions.KindASG, Region: region, Name: asg}, Env: p.opts.Env,
		Runner: runner, Effect: actions.Mutating, Timeout: 2 * time.Minute, Description: a.describe(),
	}, a), a}
}

// capacitySteps is the set-desired-capacity action with its count.
type capacitySteps struct {
	*actions.Steps
	a *capacityAction
}

// Count is the desired capacity the action sets.
func (s capacitySteps) Count() int { return s.a.desired }

// Params implements actions.Parameterized: "desired", bounded by the
// group's min and max when the action was offered from the inventory.
func (s capacitySteps) Params() []actions.Param {
	if s.a.max < 0 {
		return []actions.Param{actions.CountParam("desired", "Desired capacity", s.a.desired, s.a.desired, 0, -1)}
	}
	return []actions.Param{actions.CountParam("desired", "Desired capacity", s.a.now, s.a.desired, s.a.min, s.a.max)}
}

// SetParam implements actions.Parameterized.
func (s capacitySteps) SetParam(_, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	return s.SetCount(n)
}

// SetCount changes the desired capacity the action sets (before it is
// prepared); Check verifies it is within the group's min…max.
func (s capacitySteps) SetCount(n int) error {
	if n < 0 {
		return fmt.Errorf("desired capacity %d is negative", n)
	}
	s.a.desired, s.a.current = n, -1
	s.Def.Description = s.a.describe()
	return nil
}

func (a *capacityAction) describe() string {
	return fmt.Sprintf("set the desired capacity of %s to %d", a.asg, a.desired)
}

func (a *capacityAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	g, err := describeGroup(ctx, c, a.asg)
	if err != nil {
		return err
	}
	min, max := int(sdkaws.ToInt32(g.MinSize)), int(sdkaws.ToInt32(g.MaxSize))
	if a.desired < min || a.desired > max {
		return fmt.Errorf("desired capacity %d is outside %s's range min %d … max %d", a.desired, a.asg, min, max)
	}
	a.current = int(sdkaws.ToInt32(g.DesiredCapacity))
	return nil
}

func (a *capacityAction) call() string {
	return fmt.Sprintf("autoscaling:SetDesiredCapacity AutoScalingGroupName=%s DesiredCapacity=%d HonorCooldown=false (region %s)", a.asg, a.desired, a.region)
}

func (a *capacityAction) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if a.current < 0 {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	plan := actions.Plan{
		Summary:   fmt.Sprintf("%s desired capacity %d → %d", a.asg, a.current, a.desired),
		Text:      a.call() + fmt.Sprintf("\ndesired capacity of %s: %d → %d", a.asg, a.current, a.desired),
		Resources: []string{"asg/" + a.asg},
		Calls:     []string{a.call()},
	}
	if a.current == a.desired {
		plan.NoChanges = true
		plan.Summary = fmt.Sprintf("%s desired capacity is already %d", a.asg, a.desired)
	} else {
		plan.Change = 1
	}
	return plan, nil
}

func (a *capacityAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	if _, err := c.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: sdkaws.String(a.asg), DesiredCapacity: sdkaws.Int32(int32(a.desired)), HonorCooldown: sdkaws.Bool(false),
	}); err != nil {
		return fmt.Errorf("SetDesiredCapacity %s: %w", a.asg, err)
	}
	fmt.Fprintf(out, "%s desired capacity set to %d\n", a.asg, a.desired)
	return nil
}

func (a *capacityAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	g, err := describeGroup(ctx, c, a.asg)
	if err != nil {
		return false, "", err
	}
	got := int(sdkaws.ToInt32(g.DesiredCapacity))
	if got != a.desired {
		return false, fmt.Sprintf("%s desired capacity is %d, expected %d", a.asg, got, a.desired), nil
	}
	return true, fmt.Sprintf("%s desired capacity is %d", a.asg, got), nil
}

// ---- RDS ----

func describeCluster(ctx context.Context, c *clients, id string) (*rdstypes.DBCluster, error) {
	out, err := c.rds.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: sdkaws.String(id)})
	if err != nil {
		var nf *rdstypes.DBClusterNotFoundFault
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("DB cluster %s in %s: %w", id, c.region, errNotFound)
		}
		return nil, fmt.Errorf("DescribeDBClusters %s: %w", id, err)
	}
	if len(out.DBClusters) == 0 {
		return nil, fmt.Errorf("DB cluster %s in %s: %w", id, c.region, errNotFound)
	}
	return &out.DBClusters[0], nil
}

func writerOf(cl *rdstypes.DBCluster) string {
	for _, m := range cl.DBClusterMembers {
		if sdkaws.ToBool(m.IsClusterWriter) {
			return sdkaws.ToString(m.DBInstanceIdentifier)
		}
	}
	return ""
}

type failoverAction struct {
	awsAction
	cluster string
	target  string // requested reader ("" → RDS picks one)
	writer  string // writer before the run
}

// Failover returns the action that fails an RDS cluster over
// (FailoverDBCluster), promoting target (a reader) or, when target is "",
// the reader RDS picks. Destructive.
func (p *Provider) Failover(region, cluster, target string) actions.Action {
	st, _ := p.failover(region, cluster, target)
	return st
}

func (p *Provider) failover(region, cluster, target string) (*actions.Steps, *failoverAction) {
	ref := actions.Ref{Kind: actions.KindDatabase, Region: region, Name: cluster}
	fa := &failoverAction{awsAction: awsAction{p: p, region: region}, cluster: cluster, target: target}
	return steps(actions.Spec{
		Name: ActFailover, Target: ref, Env: p.opts.Env, Runner: runner, Effect: actions.Destructive,
		Timeout: 15 * time.Minute, Description: failoverDescription(cluster, target),
	}, fa), fa
}

func failoverDescription(cluster, target string) string {
	if target == "" {
		return "fail over DB cluster " + cluster + ": a reader becomes the writer"
	}
	return "fail over DB cluster " + cluster + " promoting reader " + target
}

func (a *failoverAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	cl, err := describeCluster(ctx, c, a.cluster)
	if err != nil {
		return err
	}
	if st := sdkaws.ToString(cl.Status); st != "available" {
		return fmt.Errorf("DB cluster %s is %s, not available", a.cluster, st)
	}
	a.writer = writerOf(cl)
	readers := 0
	found := a.target == ""
	for _, m := range cl.DBClusterMembers {
		id := sdkaws.ToString(m.DBInstanceIdentifier)
		if !sdkaws.ToBool(m.IsClusterWriter) {
			readers++
			if id == a.target {
				found = true
			}
		} else if id == a.target {
			return fmt.Errorf("%s is already the writer of %s", a.target, a.cluster)
		}
	}
	if readers == 0 {
		return fmt.Errorf("DB cluster %s has no reader to promote", a.cluster)
	}
	if !found {
		return fmt.Errorf("%s is not a reader of DB cluster %s", a.target, a.cluster)
	}
	return nil
}

func (a *failoverAction) call() string {
	s := "rds:FailoverDBCluster DBClusterIdentifier=" + a.cluster
	if a.target != "" {
		s += " TargetDBInstanceIdentifier=" + a.target
	}
	return s + " (region " + a.region + ")"
}

func (a *failoverAction) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if a.writer == "" {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	to := a.target
	if to == "" {
		to = "a reader chosen by RDS"
	}
	return actions.Plan{
		Summary:   fmt.Sprintf("fail over %s: writer %s → %s", a.cluster, a.writer, to),
		Text:      a.call() + fmt.Sprintf("\nwriter of %s: %s → %s (connections to the writer drop during the failover)", a.cluster, a.writer, to),
		Change:    1,
		Resources: []string{"database/" + a.cluster},
		Calls:     []string{a.call()},
	}, nil
}

func (a *failoverAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	in := &rds.FailoverDBClusterInput{DBClusterIdentifier: sdkaws.String(a.cluster)}
	if a.target != "" {
		in.TargetDBInstanceIdentifier = sdkaws.String(a.target)
	}
	if _, err := c.rds.FailoverDBCluster(ctx, in); err != nil {
		return fmt.Errorf("FailoverDBCluster %s: %w", a.cluster, err)
	}
	fmt.Fprintf(out, "failover of %s started (writer was %s)\n", a.cluster, a.writer)
	return nil
}

func (a *failoverAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	return waitFor(ctx, defaultVerifyWait, func(ctx context.Context) (bool, string, error) {
		cl, err := describeCluster(ctx, c, a.cluster)
		if err != nil {
			return false, "", err
		}
		w := writerOf(cl)
		switch {
		case w == "" || w == a.writer:
			return false, fmt.Sprintf("writer of %s is still %s", a.cluster, a.writer), nil
		case a.target != "" && w != a.target:
			return false, fmt.Sprintf("writer of %s is %s, expected %s", a.cluster, w, a.target), nil
		}
		return true, fmt.Sprintf("writer of %s changed %s → %s", a.cluster, a.writer, w), nil
	})
}

var badIDChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

// identifier builds a valid RDS identifier: letters, digits and single
// hyphens, starting with a letter, at most max characters.
func identifier(base, suffix string, max int) string {
	base = badIDChars.ReplaceAllString(base, "-")
	if len(base)+len(suffix)+1 > max {
		base = base[:max-len(suffix)-1]
	}
	id := strings.Trim(base, "-") + "-" + suffix
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	if id == "" || !(id[0] >= 'a' && id[0] <= 'z' || id[0] >= 'A' && id[0] <= 'Z') {
		id = "c" + id
	}
	return id
}

type snapshotAction struct {
	awsAction
	cluster  string
	snapshot string
}

// Snapshot returns the action that takes a manual snapshot of an RDS
// cluster (CreateDBClusterSnapshot). An empty id is replaced by
// "<cluster>-console-<UTC time>". Mutating.
func (p *Provider) Snapshot(region, cluster, id string) actions.Action {
	if id == "" {
		id = identifier(cluster, "console-"+time.Now().UTC().Format("20060102-150405"), 255)
	}
	return steps(actions.Spec{
		Name: ActSnapshot, Target: actions.Ref{Kind: actions.KindDatabase, Region: region, Name: cluster}, Env: p.opts.Env,
		Runner: runner, Effect: actions.Mutating, Timeout: 5 * time.Minute,
		Description: "take snapshot " + id + " of DB cluster " + cluster,
	}, &snapshotAction{awsAction: awsAction{p: p, region: region}, cluster: cluster, snapshot: id})
}

func snapshotExists(ctx context.Context, c *clients, id string) (*rdstypes.DBClusterSnapshot, error) {
	out, err := c.rds.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: sdkaws.String(id)})
	if err != nil {
		var nf *rdstypes.DBClusterSnapshotNotFoundFault
		if errors.As(err, &nf) {
			return nil, nil
		}
		return nil, fmt.Errorf("DescribeDBClusterSnapshots %s: %w", id, err)
	}
	if len(out.DBClusterSnapshots) == 0 {
		return nil, nil
	}
	return &out.DBClusterSnapshots[0], nil
}

func (a *snapshotAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	cl, err := describeCluster(ctx, c, a.cluster)
	if err != nil {
		return err
	}
	if st := sdkaws.ToString(cl.Status); st != "available" {
		return fmt.Errorf("DB cluster %s is %s, not available", a.cluster, st)
	}
	s, err := snapshotExists(ctx, c, a.snapshot)
	if err != nil {
		return err
	}
	if s != nil {
		return fmt.Errorf("snapshot %s already exists", a.snapshot)
	}
	return nil
}

func (a *snapshotAction) call() string {
	return fmt.Sprintf("rds:CreateDBClusterSnapshot DBClusterIdentifier=%s DBClusterSnapshotIdentifier=%s (region %s)", a.cluster, a.snapshot, a.region)
}

func (a *snapshotAction) preview(context.Context, io.Writer) (actions.Plan, error) {
	return actions.Plan{
		Summary:   fmt.Sprintf("snapshot %s → %s", a.cluster, a.snapshot),
		Text:      a.call() + "\na manual cluster snapshot is created (billed storage until deleted)",
		Add:       1,
		Resources: []string{"snapshot/" + a.snapshot},
		Calls:     []string{a.call()},
	}, nil
}

func (a *snapshotAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	res, err := c.rds.CreateDBClusterSnapshot(ctx, &rds.CreateDBClusterSnapshotInput{
		DBClusterIdentifier: sdkaws.String(a.cluster), DBClusterSnapshotIdentifier: sdkaws.String(a.snapshot),
	})
	if err != nil {
		return fmt.Errorf("CreateDBClusterSnapshot %s: %w", a.cluster, err)
	}
	st := ""
	if res.DBClusterSnapshot != nil {
		st = sdkaws.ToString(res.DBClusterSnapshot.Status)
	}
	fmt.Fprintf(out, "snapshot %s of %s: %s\n", a.snapshot, a.cluster, st)
	return nil
}

func (a *snapshotAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	s, err := snapshotExists(ctx, c, a.snapshot)
	if err != nil {
		return false, "", err
	}
	if s == nil {
		return false, "snapshot " + a.snapshot + " does not exist", nil
	}
	return true, fmt.Sprintf("snapshot %s exists (%s)", a.snapshot, sdkaws.ToString(s.Status)), nil
}

type restoreAction struct {
	awsAction
	// snapshot is the cluster snapshot restored; "" with at set: a
	// point-in-time restore of source.
	snapshot string
	// at is the point in time restored to (zero: a snapshot restore).
	at         time.Time
	newCluster string
	engine     string
	// source is the cluster restored from: given when offered on a
	// database (a chosen snapshot must be one of its), else read from the
	// snapshot.
	source string
	// window is the source's restorable window, read by Check for a
	// point-in-time restore.
	window providers.TimeWindow
	// inPlace restores over the live cluster source (explicitly asked; a
	// second typed confirmation): newCluster is then a temporary cluster
	// that takes source's identifier, source being renamed kept.
	inPlace bool
	kept    string
	// liveID is source's DbClusterResourceId, read by Check.
	liveID string
}

// RestoreCluster is the restore of an RDS cluster into a new cluster,
// from a snapshot (RestoreDBClusterFromSnapshot) or to a point in time
// (RestoreDBClusterToPointInTime). The snapshot, the time and the new
// cluster's name can be chosen before it is prepared.
type RestoreCluster struct {
	*actions.Steps
	a *restoreAction
	// db is the cluster as listed when the action was offered: its
	// available snapshots are the "backup" parameter's choices, its
	// restorable window the bounds of "at"; taken are the clusters of its
	// region, names "target" may not take.
	db    *providers.Database
	taken []string
}

// Params implements actions.Parameterized (none when it was not offered
// from the inventory): "backup", the cluster's available snapshots, newest
// first, with time and size (when it has any); "at", a point in time
// within its restorable window (when it reports one); "target", the new
// cluster's identifier (the generated one by default).
func (r *RestoreCluster) Params() []actions.Param {
	if r.db == nil {
		return nil
	}
	var ps []actions.Param
	if p := providers.BackupParam(*r.db, snapshotUsable, r.a.snapshot); len(p.Choices) > 0 {
		ps = append(ps, p)
	}
	at := ""
	if !r.a.at.IsZero() {
		at = r.a.at.UTC().Format(time.RFC3339Nano)
	}
	if p := providers.TimeParam(*r.db, at); p != nil {
		if len(ps) == 0 { // no snapshot: the time is what is restored
			p.Optional = false
			p.Help = strings.Replace(p.Help, "empty: the backup itself", "no snapshot to restore", 1)
		}
		ps = append(ps, *p)
	}
	ps = append(ps, providers.TargetParam(*r.db, actions.NameRDSIdentifier, r.taken, r.a.newCluster, r.a.newCluster))
	into := "new"
	if r.a.inPlace {
		into = "in-place"
	}
	return append(ps, actions.Param{Name: "into", Title: "Restore into", Kind: actions.ParamChoice, Value: into,
		Help: "in place asks for a second confirmation (overwrite " + r.db.Name + ")",
		Choices: []actions.Choice{{Value: "new", Label: "a new cluster alongside (the live cluster is not touched)"},
			{Value: "in-place", Label: "OVER the live cluster: a restored cluster takes its name, the live one is kept renamed"}}})
}

// SetParam implements actions.Parameterized: "backup" (a snapshot), "at"
// (a point in time, RFC 3339; empty keeps the snapshot), "target" (the new
// cluster's identifier; empty keeps the generated one).
func (r *RestoreCluster) SetParam(name, v string) error {
	switch name {
	case "at":
		t, err := actions.TimeValue(v)
		if err != nil || t.IsZero() {
			return err // empty: the snapshot stays
		}
		return r.SetPointInTime(t)
	case "target":
		if v == "" || r.a.inPlace {
			return nil // in place: the temporary cluster's name is the console's
		}
		return r.SetTarget(v)
	case "into":
		return r.SetInPlace(v == "in-place")
	}
	return r.SetBackup(v)
}

// Restore returns the action that restores a cluster snapshot to a NEW
// cluster (RestoreDBClusterFromSnapshot); the source cluster is not
// touched. An empty newCluster is replaced by "<source>-restored-<UTC
// time>". The restored cluster has no instances until some are added.
// Destructive (it creates a second copy of production data).
func (p *Provider) Restore(region, snapshot, newCluster string) actions.Action {
	return p.restore(region, "", snapshot, newCluster)
}

// restore builds the restore action of cluster (may be "") from snapshot
// (may be "": a point in time must then be chosen).
func (p *Provider) restore(region, cluster, snapshot, newCluster string) *RestoreCluster {
	if newCluster == "" {
		base := cluster
		if base == "" {
			base = strings.TrimSuffix(snapshot, "-snapshot")
		}
		newCluster = identifier(base, "restored-"+time.Now().UTC().Format("0102-1504"), maxClusterIdentifierLen)
	}
	a := &restoreAction{awsAction: awsAction{p: p, region: region}, snapshot: snapshot, newCluster: newCluster, source: cluster}
	r := &RestoreCluster{Steps: steps(actions.Spec{}, a), a: a}
	r.Def = a.spec()
	return r
}

func (a *restoreAction) spec() actions.Spec {
	desc := "restore snapshot " + a.snapshot + " to a new DB cluster " + a.newCluster
	switch {
	case !a.at.IsZero():
		desc = "restore DB cluster " + a.source + " as of " + a.at.UTC().Format(time.RFC3339) + " (point in time) to a new DB cluster " + a.newCluster
	case a.snapshot == "":
		desc = "restore DB cluster " + a.source + " to a new DB cluster " + a.newCluster + " (choose a snapshot or a point in time)"
	}
	target := a.newCluster
	if a.inPlace {
		target = a.source
		desc = strings.Replace(desc, "to a new DB cluster "+a.newCluster, "IN PLACE of "+a.source+" (renamed "+a.kept+", kept)", 1)
	}
	return actions.Spec{
		Name: ActRestore, Target: actions.Ref{Kind: actions.KindDatabase, Region: a.region, Name: target}, Env: a.p.opts.Env,
		Runner: runner, Effect: actions.Destructive, Timeout: 10 * time.Minute, Description: desc,
	}
}

// Backup is the chosen snapshot ("" for a point-in-time restore).
func (r *RestoreCluster) Backup() string { return r.a.snapshot }

// SetBackup chooses the snapshot to restore (its identifier, as listed in
// the database's backups); it replaces a chosen point in time. Check
// verifies it exists, is available and is a snapshot of the cluster.
func (r *RestoreCluster) SetBackup(id string) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("empty snapshot identifier")
	}
	r.a.snapshot, r.a.at = id, time.Time{}
	r.Def = r.a.spec()
	return nil
}

// PointInTime is the chosen time (zero for a snapshot restore).
func (r *RestoreCluster) PointInTime() time.Time { return r.a.at }

// SetPointInTime chooses a point-in-time restore of the cluster to t; it
// replaces a chosen snapshot. Check verifies t lies in the cluster's
// restorable window.
func (r *RestoreCluster) SetPointInTime(t time.Time) error {
	if r.a.source == "" {
		return errors.New("a point-in-time restore needs the source cluster: offer it on the database")
	}
	if t.IsZero() {
		return errors.New("no time given")
	}
	r.a.at, r.a.snapshot = t, ""
	r.Def = r.a.spec()
	return nil
}

// clusterID is a valid DB cluster identifier: a letter, then letters,
// digits and single hyphens, not ending with a hyphen.
var clusterID = regexp.MustCompile(`^[A-Za-z](-?[A-Za-z0-9])*$`)

// SetTarget names the new cluster.
func (r *RestoreCluster) SetTarget(name string) error {
	if len(name) > maxClusterIdentifierLen || !clusterID.MatchString(name) {
		return fmt.Errorf("%q is not a valid DB cluster identifier (letters, digits and single hyphens, starting with a letter)", name)
	}
	r.a.newCluster = name
	r.Def = r.a.spec()
	return nil
}

func (a *restoreAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	if a.at.IsZero() {
		if a.snapshot == "" {
			return fmt.Errorf("%w: no available snapshot of %s: choose a snapshot (--backup) or a point in time (--at)", actions.ErrRefused, a.source)
		}
		s, err := snapshotExists(ctx, c, a.snapshot)
		if err != nil {
			return err
		}
		if s == nil {
			return fmt.Errorf("snapshot %s in %s: %w", a.snapshot, a.region, errNotFound)
		}
		if st := sdkaws.ToString(s.Status); st != "available" {
			return fmt.Errorf("snapshot %s is %s, not available", a.snapshot, st)
		}
		of := sdkaws.ToString(s.DBClusterIdentifier)
		if a.source != "" && of != a.source {
			return fmt.Errorf("%w: snapshot %s is of cluster %s, not %s", actions.ErrRefused, a.snapshot, of, a.source)
		}
		a.engine, a.source = sdkaws.ToString(s.Engine), of
	} else {
		src, err := describeCluster(ctx, c, a.source)
		if err != nil {
			return err
		}
		if src.EarliestRestorableTime == nil || src.LatestRestorableTime == nil {
			return fmt.Errorf("%w: DB cluster %s reports no restorable window (automated backups off?)", actions.ErrRefused, a.source)
		}
		a.window = providers.TimeWindow{Earliest: *src.EarliestRestorableTime, Latest: *src.LatestRestorableTime}
		if !a.window.Contains(a.at) {
			return fmt.Errorf("%w: %s is outside the restorable window of %s (%s → %s)", actions.ErrRefused,
				a.at.UTC().Format(time.RFC3339), a.source, a.window.Earliest.UTC().Format(time.RFC3339), a.window.Latest.UTC().Format(time.RFC3339))
		}
		a.engine = sdkaws.ToString(src.Engine)
	}
	if _, err := describeCluster(ctx, c, a.newCluster); err == nil {
		return fmt.Errorf("DB cluster %s already exists", a.newCluster)
	} else if !errors.Is(err, errNotFound) {
		return err
	}
	if a.inPlace {
		return a.checkInPlace(ctx, c)
	}
	return nil
}

func (a *restoreAction) call() string {
	if !a.at.IsZero() {
		return fmt.Sprintf("rds:RestoreDBClusterToPointInTime SourceDBClusterIdentifier=%s RestoreToTime=%s DBClusterIdentifier=%s (region %s)",
			a.source, a.at.UTC().Format(time.RFC3339), a.newCluster, a.region)
	}
	return fmt.Sprintf("rds:RestoreDBClusterFromSnapshot SnapshotIdentifier=%s DBClusterIdentifier=%s Engine=%s (region %s)", a.snapshot, a.newCluster, a.engine, a.region)
}

func (a *restoreAction) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if a.engine == "" {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	if a.inPlace {
		return a.previewInPlace(), nil
	}
	what, text := a.snapshot, fmt.Sprintf("snapshot %s of %s", a.snapshot, a.source)
	if !a.at.IsZero() {
		what = a.source + " as of " + a.at.UTC().Format(time.RFC3339)
		text = fmt.Sprintf("%s as of %s (restorable window %s → %s)", a.source, a.at.UTC().Format(time.RFC3339),
			a.window.Earliest.UTC().Format(time.RFC3339), a.window.Latest.UTC().Format(time.RFC3339))
	}
	return actions.Plan{
		Summary: fmt.Sprintf("restore %s → new cluster %s", what, a.newCluster),
		Text: a.call() + fmt.Sprintf("\n%s is restored into a new cluster %s (%s); %s is not changed",
			text, a.newCluster, a.engine, a.source),
		Add:       1,
		Resources: []string{"database/" + a.newCluster},
		Calls:     []string{a.call()},
	}, nil
}

func (a *restoreAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	// Keep the network placement of the source cluster when it still exists.
	var subnets *string
	var sgs []string
	if src, err := describeCluster(ctx, c, a.source); err == nil {
		subnets = src.DBSubnetGroup
		for _, sg := range src.VpcSecurityGroups {
			sgs = append(sgs, sdkaws.ToString(sg.VpcSecurityGroupId))
		}
	}
	var cl *rdstypes.DBCluster
	if !a.at.IsZero() {
		res, err := c.rds.RestoreDBClusterToPointInTime(ctx, &rds.RestoreDBClusterToPointInTimeInput{
			SourceDBClusterIdentifier: sdkaws.String(a.source), DBClusterIdentifier: sdkaws.String(a.newCluster),
			RestoreToTime: sdkaws.Time(a.at), RestoreType: sdkaws.String("full-copy"), DBSubnetGroupName: subnets, VpcSecurityGroupIds: sgs,
		})
		if err != nil {
			return fmt.Errorf("RestoreDBClusterToPointInTime %s: %w", a.source, err)
		}
		cl = res.DBCluster
	} else {
		res, err := c.rds.RestoreDBClusterFromSnapshot(ctx, &rds.RestoreDBClusterFromSnapshotInput{
			SnapshotIdentifier: sdkaws.String(a.snapshot), DBClusterIdentifier: sdkaws.String(a.newCluster), Engine: sdkaws.String(a.engine),
			DBSubnetGroupName: subnets, VpcSecurityGroupIds: sgs,
		})
		if err != nil {
			return fmt.Errorf("RestoreDBClusterFromSnapshot %s: %w", a.snapshot, err)
		}
		cl = res.DBCluster
	}
	st := ""
	if cl != nil {
		st = sdkaws.ToString(cl.Status)
	}
	from := a.snapshot
	if !a.at.IsZero() {
		from = a.source + " as of " + a.at.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(out, "DB cluster %s restored from %s: %s\n", a.newCluster, from, st)
	if a.inPlace {
		return a.swap(ctx, c, out)
	}
	return nil
}

func (a *restoreAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	if a.inPlace {
		return a.verifyInPlace(ctx, c)
	}
	cl, err := describeCluster(ctx, c, a.newCluster)
	if errors.Is(err, errNotFound) {
		return false, "DB cluster " + a.newCluster + " does not exist", nil
	}
	if err != nil {
		return false, "", err
	}
	return true, fmt.Sprintf("DB cluster %s exists (%s)", a.newCluster, sdkaws.ToString(cl.Status)), nil
}
