package sim

import (
	"fmt"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
)

// The demo's dev schedule: the first region's workers group is up on
// weekdays at 07:00 and down on Fridays at 20:00 (Europe/Berlin), as the
// lab's ASG (docs/schedule.md).
const (
	demoScheduleUp   = "0 7 * * MON-FRI"
	demoScheduleDown = "0 20 * * FRI"
	demoScheduleZone = "Europe/Berlin"
)

func demoSchedule(g providers.AutoscalingGroup) []providers.ScheduledAction {
	desired, lo, hi, zero := g.Desired, g.Min, g.Max, 0
	return []providers.ScheduledAction{
		{Name: g.Name + "-weekday-up", Recurrence: demoScheduleUp, TimeZone: demoScheduleZone, Desired: &desired, Min: &lo, Max: &hi},
		{Name: g.Name + "-weekend-down", Recurrence: demoScheduleDown, TimeZone: demoScheduleZone, Desired: &zero, Min: &zero},
	}
}

// offerSchedule is what the demo offers on a group with scheduled actions:
// the same verbs as AWS (bring-up, teardown, skip-teardown).
func (s *Sim) offerSchedule(ref actions.Ref, g providers.AutoscalingGroup) []*simAction {
	var up, down bool
	for _, a := range g.ScheduledActions {
		up = up || schedule.ActionUp(a)
		down = down || !schedule.ActionUp(a)
	}
	var out []*simAction
	if up {
		out = append(out, s.scheduleSize(ref, true))
	}
	if down {
		out = append(out, s.scheduleSize(ref, false), s.skipTeardown(ref))
	}
	return out
}

// nextScheduled is the group's scheduled action in direction up with the
// soonest next occurrence.
func nextScheduled(g providers.AutoscalingGroup, up bool, now time.Time) (providers.ScheduledAction, time.Time, error) {
	a, at, ok := schedule.NextAction(g.ScheduledActions, up, now)
	if !ok {
		return a, at, fmt.Errorf("%s has no scheduled action of that direction ahead", g.Name)
	}
	return a, at, nil
}

// scheduleSize is bring-up (up) or teardown: the group's sizes set to its
// next "up" or "down" scheduled action's; instances launched or retired as
// set-desired-capacity does.
func (s *Sim) scheduleSize(ref actions.Ref, up bool) *simAction {
	a := s.setDesired(ref)
	a.Def.Name, a.Def.Effect = actions.VerbBringUp, actions.Mutating
	if !up {
		a.Def.Name, a.Def.Effect = actions.VerbTeardown, actions.Destructive
	}
	a.params, a.setCount = nil, nil
	var lo, hi int
	target := func(st *state) (providers.AutoscalingGroup, providers.ScheduledAction, time.Time, error) {
		g, err := st.findASG(ref)
		if err != nil {
			return providers.AutoscalingGroup{}, providers.ScheduledAction{}, time.Time{}, err
		}
		asg := st.inv.AutoscalingGroups[g]
		sa, at, err := nextScheduled(asg, up, time.Now())
		if err != nil {
			return asg, sa, at, err
		}
		a.count, lo, hi = asg.Desired, asg.Min, asg.Max
		if sa.Desired != nil {
			a.count = *sa.Desired
		}
		if sa.Min != nil {
			lo = *sa.Min
		}
		if sa.Max != nil {
			hi = *sa.Max
		}
		return asg, sa, at, nil
	}
	a.Def.Description = "set " + ref.Name + "'s sizes now to its next scheduled action's (simulated)"
	a.check = func(st *state) error {
		_, sa, _, err := target(st)
		if err != nil {
			return err
		}
		if a.count < lo || a.count > hi {
			return fmt.Errorf("scheduled action %s would leave desired %d outside min %d … max %d", sa.Name, a.count, lo, hi)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		asg, sa, at, _ := target(st)
		call := fmt.Sprintf("aws autoscaling update-auto-scaling-group --region %s --auto-scaling-group-name %s --min-size %d --max-size %d --desired-capacity %d",
			asg.Region, asg.Name, lo, hi, a.count)
		p := actions.Plan{
			Summary: fmt.Sprintf("%s desired %d → %d, min %d → %d, max %d → %d (simulated)", asg.Name, asg.Desired, a.count, asg.Min, lo, asg.Max, hi),
			Text: "demo estate: the calls are simulated; only the demo changes, nothing real is touched\n" + call +
				fmt.Sprintf("\nthe sizes of scheduled action %s (next at %s UTC); the scheduled actions are not changed", sa.Name, at.UTC().Format("2006-01-02 15:04")),
			Change: 1, Resources: []string{"autoscaling_group/" + asg.Name}, Calls: []string{call},
			NoChanges: asg.Desired == a.count && asg.Min == lo && asg.Max == hi,
		}
		if d := a.count - asg.Desired; d > 0 {
			p.Add = d
		} else {
			p.Destroy = -d
		}
		return p
	}
	run := a.run
	a.run = func(r *runner) error {
		var gone []providers.Node
		if err := r.step(func(st *state) (string, error) {
			g, err := st.findASG(ref)
			if err != nil {
				return "", err
			}
			asg := &st.inv.AutoscalingGroups[g]
			asg.Min, asg.Max = lo, hi
			if !up {
				asg.Desired = a.count
				nodes := st.asgNodes(*asg)
				gone = nodes[min(a.count, len(nodes)):]
			}
			return fmt.Sprintf("%s min %d, max %d", asg.Name, lo, hi), nil
		}); err != nil {
			return err
		}
		if up {
			return run(r)
		}
		// a scheduled teardown terminates the instances without draining:
		// their pods go with them (nothing else is left to take them)
		for i := len(gone) - 1; i >= 0; i-- {
			n := gone[i]
			if err := r.step(func(st *state) (string, error) {
				st.removeNode(n.Name, n.InstanceID)
				return fmt.Sprintf("instance %s terminated; node %s removed", n.InstanceID, n.Name), nil
			}); err != nil {
				return err
			}
		}
		return nil
	}
	return a
}

// skipTeardown moves the StartTime of the group's next "down" scheduled
// action to the occurrence after its next, as AWS's skip does.
func (s *Sim) skipTeardown(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbSkipTeardown, ref, actions.Mutating, "skip the next scheduled teardown of "+ref.Name+" (simulated)")
	var name string
	var skip, then time.Time
	a.check = func(st *state) error {
		g, err := st.findASG(ref)
		if err != nil {
			return err
		}
		asg := st.inv.AutoscalingGroups[g]
		sa, at, err := nextScheduled(asg, false, time.Now())
		if err != nil {
			return err
		}
		events, _ := schedule.GroupEvents([]providers.ScheduledAction{sa})
		if len(events) == 0 || events[0].Cron == nil {
			return fmt.Errorf("scheduled action %s does not recur", sa.Name)
		}
		e := events[0]
		e.Start = time.Time{}
		n, ok := e.Next(at)
		if !ok {
			return fmt.Errorf("scheduled action %s has no occurrence after %s", sa.Name, at.UTC().Format(time.RFC3339))
		}
		name, skip, then = sa.Name, at, n
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		call := fmt.Sprintf("aws autoscaling put-scheduled-update-group-action --auto-scaling-group-name %s --scheduled-action-name %s --start-time %s",
			ref.Name, name, then.UTC().Format(time.RFC3339))
		return actions.Plan{Summary: fmt.Sprintf("skip %s's teardown at %s UTC (%s)", ref.Name, skip.UTC().Format("2006-01-02 15:04"), name),
			Change: 1, Resources: []string{"autoscaling_group/" + ref.Name, "scheduled-action/" + name}, Calls: []string{call}}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			g, err := st.findASG(ref)
			if err != nil {
				return "", err
			}
			asg := &st.inv.AutoscalingGroups[g]
			// a fresh list: snapshots already handed out share the old one
			list := append([]providers.ScheduledAction(nil), asg.ScheduledActions...)
			for i := range list {
				if list[i].Name == name {
					start := then
					list[i].Start = &start
				}
			}
			asg.ScheduledActions = list
			return fmt.Sprintf("%s next runs at %s UTC", name, then.UTC().Format("2006-01-02 15:04")), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		g, err := st.findASG(ref)
		if err != nil {
			return false, err.Error()
		}
		sa, at, err := nextScheduled(st.inv.AutoscalingGroups[g], false, time.Now())
		if err != nil || sa.Name != name || at.After(skip) {
			return true, fmt.Sprintf("the teardown at %s UTC is skipped", skip.UTC().Format("2006-01-02 15:04"))
		}
		return false, fmt.Sprintf("%s still runs at %s UTC", name, at.UTC().Format("2006-01-02 15:04"))
	}
	return a
}
