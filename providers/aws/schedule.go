package aws

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
)

// The schedule actions of an autoscaling group (docs/schedule.md):
// bring-up and teardown set the group's sizes to those of its next "up" or
// "down" scheduled action now; skip-teardown moves the StartTime of the
// next "down" action past its next occurrence, so it next runs at the one
// after.

func (p *Provider) now() time.Time {
	if p.opts.Now != nil {
		return p.opts.Now()
	}
	return time.Now()
}

// offerSchedule returns the schedule actions of a group with scheduled
// actions: bring-up when it has an "up" action, teardown and skip-teardown
// when it has a "down" one.
func (p *Provider) offerSchedule(g providers.AutoscalingGroup) []actions.Action {
	var up, down bool
	for _, a := range g.ScheduledActions {
		if schedule.ActionUp(a) {
			up = true
		} else {
			down = true
		}
	}
	var out []actions.Action
	if up {
		out = append(out, p.ScheduleSize(g.Region, g.Name, true))
	}
	if down {
		out = append(out, p.ScheduleSize(g.Region, g.Name, false), p.SkipTeardown(g.Region, g.Name))
	}
	return out
}

// sizes are a group's min, desired and max.
type sizes struct{ min, desired, max int }

func (s sizes) String() string {
	return fmt.Sprintf("desired %d, min %d, max %d", s.desired, s.min, s.max)
}

// readSchedule reads a group's sizes and its scheduled actions.
func readSchedule(ctx context.Context, c *clients, asg string) (sizes, []providers.ScheduledAction, error) {
	g, err := describeGroup(ctx, c, asg)
	if err != nil {
		return sizes{}, nil, err
	}
	cur := sizes{int(sdkaws.ToInt32(g.MinSize)), int(sdkaws.ToInt32(g.DesiredCapacity)), int(sdkaws.ToInt32(g.MaxSize))}
	out, err := c.asg.DescribeScheduledActions(ctx, &autoscaling.DescribeScheduledActionsInput{AutoScalingGroupName: sdkaws.String(asg)})
	if err != nil {
		return cur, nil, fmt.Errorf("DescribeScheduledActions %s: %w", asg, err)
	}
	var list []providers.ScheduledAction
	for _, s := range out.ScheduledUpdateGroupActions {
		list = append(list, ScheduledAction(s))
	}
	return cur, list, nil
}

type scheduleSizeAction struct {
	awsAction
	asg    string
	up     bool
	cur    sizes
	want   sizes
	action providers.ScheduledAction
	at     time.Time
	read   bool
}

// ScheduleSize returns the action that sets a group's sizes now to those of
// its next scheduled "up" action (up: bring-up, mutating) or "down" action
// (teardown, destructive): UpdateAutoScalingGroup with the sizes that
// action sets. The scheduled actions are not changed: the next one still
// runs on its schedule.
func (p *Provider) ScheduleSize(region, asg string, up bool) actions.Action {
	a := &scheduleSizeAction{awsAction: awsAction{p: p, region: region}, asg: asg, up: up}
	name, effect, desc := actions.VerbBringUp, actions.Mutating, "bring "+asg+" up now: its sizes of the next scheduled \"up\" action"
	if !up {
		name, effect, desc = actions.VerbTeardown, actions.Destructive, "tear "+asg+" down now: its sizes of the next scheduled \"down\" action"
	}
	return steps(actions.Spec{
		Name: name, Target: actions.Ref{Kind: actions.KindASG, Region: region, Name: asg}, Env: p.opts.Env,
		Runner: runner, Effect: effect, Timeout: 2 * time.Minute, Description: desc,
	}, a)
}

func (a *scheduleSizeAction) direction() string {
	if a.up {
		return "up"
	}
	return "down"
}

func (a *scheduleSizeAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	cur, list, err := readSchedule(ctx, c, a.asg)
	if err != nil {
		return err
	}
	act, at, ok := schedule.NextAction(list, a.up, a.p.now())
	if !ok {
		return fmt.Errorf("%s has no scheduled %q action ahead", a.asg, a.direction())
	}
	want := cur
	if act.Min != nil {
		want.min = *act.Min
	}
	if act.Max != nil {
		want.max = *act.Max
	}
	if act.Desired != nil {
		want.desired = *act.Desired
	}
	if want.desired < want.min || want.desired > want.max {
		return fmt.Errorf("scheduled action %s would leave %s at %s: desired outside min…max", act.Name, a.asg, want)
	}
	a.cur, a.want, a.action, a.at, a.read = cur, want, act, at, true
	return nil
}

func (a *scheduleSizeAction) call() string {
	return fmt.Sprintf("autoscaling:UpdateAutoScalingGroup AutoScalingGroupName=%s MinSize=%d MaxSize=%d DesiredCapacity=%d (region %s)",
		a.asg, a.want.min, a.want.max, a.want.desired, a.region)
}

func (a *scheduleSizeAction) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if !a.read {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	change := fmt.Sprintf("%s desired %d → %d, min %d → %d, max %d → %d", a.asg,
		a.cur.desired, a.want.desired, a.cur.min, a.want.min, a.cur.max, a.want.max)
	text := a.call() + "\n" + change +
		fmt.Sprintf("\nthe sizes of scheduled action %s (next at %s UTC); the scheduled actions are not changed", a.action.Name, a.at.UTC().Format("2006-01-02 15:04"))
	plan := actions.Plan{Summary: change, Text: text, Resources: []string{"asg/" + a.asg}, Calls: []string{a.call()}}
	switch {
	case a.cur == a.want:
		plan.NoChanges = true
		plan.Summary = fmt.Sprintf("%s is already at %s", a.asg, a.want)
	case a.want.desired < a.cur.desired:
		plan.Destroy = a.cur.desired - a.want.desired
		plan.Change = 1
	default:
		plan.Change = 1
	}
	return plan, nil
}

func (a *scheduleSizeAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	if _, err := c.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: sdkaws.String(a.asg), MinSize: sdkaws.Int32(int32(a.want.min)), MaxSize: sdkaws.Int32(int32(a.want.max)),
		DesiredCapacity: sdkaws.Int32(int32(a.want.desired)),
	}); err != nil {
		return fmt.Errorf("UpdateAutoScalingGroup %s: %w", a.asg, err)
	}
	fmt.Fprintf(out, "%s set to %s\n", a.asg, a.want)
	return nil
}

func (a *scheduleSizeAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	g, err := describeGroup(ctx, c, a.asg)
	if err != nil {
		return false, "", err
	}
	got := sizes{int(sdkaws.ToInt32(g.MinSize)), int(sdkaws.ToInt32(g.DesiredCapacity)), int(sdkaws.ToInt32(g.MaxSize))}
	if got != a.want {
		return false, fmt.Sprintf("%s is at %s, expected %s", a.asg, got, a.want), nil
	}
	return true, fmt.Sprintf("%s is at %s", a.asg, got), nil
}

// ---- skip the next teardown ----

type skipAction struct {
	awsAction
	asg    string
	action providers.ScheduledAction
	skip   time.Time // the occurrence skipped
	then   time.Time // the new StartTime: the occurrence after it
	read   bool
}

// SkipTeardown returns the action that skips a group's next scheduled
// teardown: the "down" action with the soonest occurrence is put again
// (PutScheduledUpdateGroupAction, same recurrence, time zone, sizes and
// end) with its StartTime at the occurrence after the skipped one, so AWS
// does not run it before then. A one-off "down" action is deleted
// (DeleteScheduledAction). Mutating.
func (p *Provider) SkipTeardown(region, asg string) actions.Action {
	return steps(actions.Spec{
		Name: actions.VerbSkipTeardown, Target: actions.Ref{Kind: actions.KindASG, Region: region, Name: asg}, Env: p.opts.Env,
		Runner: runner, Effect: actions.Mutating, Timeout: 2 * time.Minute,
		Description: "skip the next scheduled teardown of " + asg,
	}, &skipAction{awsAction: awsAction{p: p, region: region}, asg: asg})
}

func (a *skipAction) check(ctx context.Context) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	_, list, err := readSchedule(ctx, c, a.asg)
	if err != nil {
		return err
	}
	act, at, ok := schedule.NextAction(list, false, a.p.now())
	if !ok {
		return fmt.Errorf("%s has no scheduled teardown ahead", a.asg)
	}
	a.action, a.skip, a.then, a.read = act, at, time.Time{}, true
	if act.Recurrence != "" {
		events, errs := schedule.GroupEvents([]providers.ScheduledAction{act})
		if len(events) == 0 {
			return fmt.Errorf("scheduled action %s: %s", act.Name, strings.Join(errs, "; "))
		}
		e := events[0]
		e.Start = time.Time{}
		then, ok := e.Next(at)
		if !ok {
			return fmt.Errorf("scheduled action %s has no occurrence after %s: delete it instead", act.Name, at.UTC().Format(time.RFC3339))
		}
		a.then = then
	}
	return nil
}

func (a *skipAction) call() string {
	if a.then.IsZero() {
		return fmt.Sprintf("autoscaling:DeleteScheduledAction AutoScalingGroupName=%s ScheduledActionName=%s (region %s)", a.asg, a.action.Name, a.region)
	}
	return fmt.Sprintf("autoscaling:PutScheduledUpdateGroupAction AutoScalingGroupName=%s ScheduledActionName=%s Recurrence=%q TimeZone=%s StartTime=%s (region %s)",
		a.asg, a.action.Name, a.action.Recurrence, zoneOr(a.action.TimeZone), a.then.UTC().Format(time.RFC3339), a.region)
}

func zoneOr(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}

func (a *skipAction) preview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
	if !a.read {
		if err := a.check(ctx); err != nil {
			return actions.Plan{}, err
		}
	}
	summary := fmt.Sprintf("skip %s's teardown at %s UTC (%s)", a.asg, a.skip.UTC().Format("2006-01-02 15:04"), a.action.Name)
	text := a.call() + "\n" + summary
	if a.then.IsZero() {
		text += "\nthe one-off scheduled action is deleted"
	} else {
		text += fmt.Sprintf("\n%s: StartTime → %s UTC; it next runs then; recurrence, time zone and sizes unchanged",
			a.action.Name, a.then.UTC().Format("2006-01-02 15:04"))
	}
	return actions.Plan{Summary: summary, Text: text, Change: 1, Resources: []string{"asg/" + a.asg, "scheduled-action/" + a.action.Name}, Calls: []string{a.call()}}, nil
}

func (a *skipAction) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	c, err := a.clients()
	if err != nil {
		return err
	}
	if a.then.IsZero() {
		if _, err := c.asg.DeleteScheduledAction(ctx, &autoscaling.DeleteScheduledActionInput{
			AutoScalingGroupName: sdkaws.String(a.asg), ScheduledActionName: sdkaws.String(a.action.Name),
		}); err != nil {
			return fmt.Errorf("DeleteScheduledAction %s: %w", a.action.Name, err)
		}
		fmt.Fprintf(out, "deleted scheduled action %s\n", a.action.Name)
		return nil
	}
	in := &autoscaling.PutScheduledUpdateGroupActionInput{
		AutoScalingGroupName: sdkaws.String(a.asg), ScheduledActionName: sdkaws.String(a.action.Name),
		Recurrence: sdkaws.String(a.action.Recurrence), StartTime: sdkaws.Time(a.then), EndTime: a.action.End,
		DesiredCapacity: int32p(a.action.Desired), MinSize: int32p(a.action.Min), MaxSize: int32p(a.action.Max),
	}
	if a.action.TimeZone != "" {
		in.TimeZone = sdkaws.String(a.action.TimeZone)
	}
	if _, err := c.asg.PutScheduledUpdateGroupAction(ctx, in); err != nil {
		return fmt.Errorf("PutScheduledUpdateGroupAction %s: %w", a.action.Name, err)
	}
	fmt.Fprintf(out, "%s next runs at %s UTC\n", a.action.Name, a.then.UTC().Format("2006-01-02 15:04"))
	return nil
}

func int32p(n *int) *int32 {
	if n == nil {
		return nil
	}
	return sdkaws.Int32(int32(*n))
}

func (a *skipAction) verify(ctx context.Context) (bool, string, error) {
	c, err := a.clients()
	if err != nil {
		return false, "", err
	}
	out, err := c.asg.DescribeScheduledActions(ctx, &autoscaling.DescribeScheduledActionsInput{
		AutoScalingGroupName: sdkaws.String(a.asg), ScheduledActionNames: []string{a.action.Name},
	})
	if err != nil {
		return false, "", fmt.Errorf("DescribeScheduledActions %s: %w", a.asg, err)
	}
	var found *asgtypes.ScheduledUpdateGroupAction
	for i := range out.ScheduledUpdateGroupActions {
		if sdkaws.ToString(out.ScheduledUpdateGroupActions[i].ScheduledActionName) == a.action.Name {
			found = &out.ScheduledUpdateGroupActions[i]
		}
	}
	if a.then.IsZero() {
		if found != nil {
			return false, a.action.Name + " still exists", nil
		}
		return true, a.action.Name + " deleted", nil
	}
	if found == nil {
		return false, a.action.Name + " is gone", nil
	}
	events, _ := schedule.GroupEvents([]providers.ScheduledAction{ScheduledAction(*found)})
	if len(events) == 0 {
		return false, a.action.Name + " can no longer be read", nil
	}
	next, ok := events[0].Next(a.skip.Add(-time.Second))
	if !ok || !next.After(a.skip) {
		return false, fmt.Sprintf("%s still runs at %s UTC", a.action.Name, a.skip.UTC().Format("2006-01-02 15:04")), nil
	}
	return true, fmt.Sprintf("%s next runs at %s UTC", a.action.Name, next.UTC().Format("2006-01-02 15:04")), nil
}
