package pages

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewASGs returns the autoscaling groups view.
func NewASGs(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 18, Grow: true, Max: 48, Priority: 10, Middle: true}, {Title: "REGION", Width: 9, Priority: 4},
		{Title: "HEALTH", Width: 7, Priority: 9}, {Title: "DES/MIN/MAX", Width: 11, Priority: 8},
		{Title: "IN SVC", Width: 6, Right: true, Priority: 6}, {Title: "READY", Width: 5, Right: true, Priority: 7},
		{Title: "ZONES", Width: 14, Grow: true, Max: 40, Priority: 3}, {Title: "TEMPLATE", Width: 12, Priority: 2, Middle: true},
		{Title: "SCHEDULE", Width: 8, Grow: true, Max: 44, Priority: 5},
	}
	p := newListPage(ctx, "asg", "ASGs", cols, buildASGs)
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Actions, ctx.Keys.Sort}
	return p
}

// asgHealth: bad when nothing serves, warn when short of desired.
func asgHealth(g *providers.AutoscalingGroup) int {
	switch {
	case g.Desired > 0 && g.InService == 0:
		return providers.HealthBad
	case g.InService < g.Desired || g.ReadyNodes < g.InService && g.ReadyNodes > 0:
		return providers.HealthWarn
	default:
		return providers.HealthOK
	}
}

func buildASGs(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.AutoscalingGroups)), texts: make([]string, len(inv.AutoscalingGroups))}
	for i := range inv.AutoscalingGroups {
		g := &inv.AutoscalingGroups[i]
		h := asgHealth(g)
		name := san(g.Name)
		d.rows[i] = table.Row{
			Key: "asg/" + name,
			Cells: []string{name, san(g.Region), common.Health(h), fmt.Sprintf("%d/%d/%d", g.Desired, g.Min, g.Max),
				strconv.Itoa(g.InService), strconv.Itoa(g.ReadyNodes), san(strings.Join(g.Zones, ",")), san(g.LaunchTemplate),
				scheduleText(schedule.ForGroup(*g, in.Now))},
			Health: h,
		}
		d.texts[i] = common.Fold(name + " " + san(g.Region))
	}
	d.sel = func(i int) Selection { return asgSelection(inv, in, &inv.AutoscalingGroups[i]) }
	return d
}

func asgSelection(inv *providers.Inventory, in *Input, g *providers.AutoscalingGroup) Selection {
	var f fields
	f.add("kind", "AutoscalingGroup")
	f.add("name", g.Name)
	f.add("region", g.Region)
	f.add("health", common.Health(asgHealth(g)))
	f.add("desired", strconv.Itoa(g.Desired))
	f.add("min", strconv.Itoa(g.Min))
	f.add("max", strconv.Itoa(g.Max))
	f.add("in_service", strconv.Itoa(g.InService))
	f.add("pending", strconv.Itoa(g.Pending))
	f.add("terminating", strconv.Itoa(g.Terminating))
	f.add("ready_nodes", strconv.Itoa(g.ReadyNodes))
	f.add("launch_template", g.LaunchTemplate)
	f.add("zones", strings.Join(g.Zones, ", "))
	f.add("instances", "")
	for _, id := range g.Instances {
		f.sub("-", id)
	}
	scheduleFields(&f, schedule.ForGroup(*g, in.Now), in.Now)
	return Selection{
		Key:    "asg/" + san(g.Name),
		Refs:   []actions.Ref{{Kind: "asg", Region: g.Region, Name: g.Name}},
		Detail: detail.Content{Title: "autoscaling group " + g.Name, Fields: f},
		Events: eventsFor(inv, in.Now, "AutoscalingGroup", "", g.Name),
	}
}

// NewLBs returns the load balancers view.
func NewLBs(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 18, Grow: true, Max: 48, Priority: 10, Middle: true}, {Title: "REGION", Width: 9, Priority: 4},
		{Title: "TARGETS", Width: 12, Priority: 9}, {Title: "TYPE", Width: 11, Priority: 6},
		{Title: "SCHEME", Width: 15, Priority: 5}, {Title: "SSL", Width: 3, Priority: 3},
		{Title: "DNS", Width: 20, Grow: true, Max: 64, Priority: 2, Middle: true},
	}
	p := newListPage(ctx, "lb", "LBs", cols, buildLBs)
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Actions, ctx.Keys.Sort}
	return p
}

func lbHealth(lb *providers.LoadBalancer) int {
	switch {
	case lb.TargetsTotal > 0 && lb.TargetsHealthy == 0:
		return providers.HealthBad
	case lb.TargetsHealthy < lb.TargetsTotal:
		return providers.HealthWarn
	default:
		return providers.HealthOK
	}
}

func buildLBs(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.LoadBalancers)), texts: make([]string, len(inv.LoadBalancers))}
	for i := range inv.LoadBalancers {
		lb := &inv.LoadBalancers[i]
		h := lbHealth(lb)
		name := san(lb.Name)
		d.rows[i] = table.Row{
			Key: "lb/" + name,
			Cells: []string{name, san(lb.Region), fmt.Sprintf("%s %d/%d", glyph(h), lb.TargetsHealthy, lb.TargetsTotal),
				san(lb.Type), san(lb.Scheme), yesno(lb.SSLTermination), san(lb.DNSName)},
			Health: h,
		}
		d.texts[i] = common.Fold(name + " " + san(lb.Region) + " " + san(lb.Scheme))
	}
	d.sel = func(i int) Selection {
		lb := &inv.LoadBalancers[i]
		var f fields
		f.add("kind", "LoadBalancer")
		f.add("name", lb.Name)
		f.add("region", lb.Region)
		f.add("type", lb.Type)
		f.add("scheme", lb.Scheme)
		f.add("dns_name", lb.DNSName)
		f.add("ssl_termination", yesno(lb.SSLTermination))
		f.add("targets", fmt.Sprintf("%s %d/%d healthy", common.Health(lbHealth(lb)), lb.TargetsHealthy, lb.TargetsTotal))
		f.add("listeners", "")
		for _, l := range lb.Listeners {
			f.sub("-", fmt.Sprintf("%s:%d", l.Protocol, l.Port))
		}
		if front := frontOf(inv, lb.Name, lb.Region); len(front) > 0 {
			f.add("cloudfront", strings.Join(front, "; "))
		}
		// each target's node (a Kubernetes node is an instance by its
		// provider ID); enter goes to the node of an unhealthy target
		// first, else of the first target
		nodeOf := map[string]string{}
		for i := range inv.Nodes {
			if n := &inv.Nodes[i]; n.InstanceID != "" {
				nodeOf[n.InstanceID] = n.Name
			}
		}
		var jump *ProblemTarget
		jumpBad := false
		f.add("target_groups", "")
		for _, tg := range lb.TargetGroups {
			f.sub(tg.Name, fmt.Sprintf("port %d", tg.Port))
			for _, t := range tg.Targets {
				hg := "✓"
				if t.Health != "healthy" {
					hg = "✗"
				}
				v := hg + " " + t.Health
				if n := nodeOf[t.ID]; n != "" {
					v += " → node " + n
					if bad := hg == "✗"; jump == nil || bad && !jumpBad {
						jump = &ProblemTarget{Page: "nodes", Kind: "node", Name: san(n), What: "node " + san(n) + " behind load balancer " + san(lb.Name) + " (target " + san(t.ID) + " " + san(t.Health) + ")"}
						jumpBad = bad
					}
				}
				f.sub2(fmt.Sprintf("%s:%d", t.ID, t.Port), v)
			}
		}
		return Selection{
			Key:    "lb/" + san(lb.Name),
			Refs:   []actions.Ref{{Kind: "loadbalancer", Region: lb.Region, Name: lb.Name}},
			Detail: detail.Content{Title: "load balancer " + lb.Name, Fields: f},
			Events: eventsFor(inv, in.Now, "LoadBalancer", "", lb.Name),
			Jump:   jump,
		}
	}
	return d
}

// scheduleText is a schedule's state in words ("" without a schedule).
func scheduleText(st *schedule.Status) string {
	if st == nil {
		return ""
	}
	return san(st.Text)
}

// scheduleFields adds a schedule to a detail pane: its state, each event
// with its recurrence and next occurrence, what could not be read, and a
// stack's last recreate against its target.
func scheduleFields(f *fields, st *schedule.Status, now time.Time) {
	if st == nil {
		return
	}
	f.add("schedule", st.Text)
	for _, e := range st.Events {
		line := e.Recurrence
		if line == "" && e.Start != nil {
			line = "once at " + e.Start.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		line += " " + e.TimeZone
		if e.Desired != nil || e.Min != nil || e.Max != nil {
			line += " → " + sizesText(e.Desired, e.Min, e.Max)
		} else if e.Up {
			line += " (up)"
		} else {
			line += " (down)"
		}
		if e.Next != nil {
			line += ", next " + schedule.When(*e.Next, now, time.UTC) + " UTC (" + schedule.In(e.Next.Sub(now)) + ")"
		}
		f.sub(e.Name, line)
	}
	for _, s := range st.Skipped {
		f.sub("skipped", s.Event+" at "+s.At.UTC().Format("2006-01-02 15:04")+" UTC")
	}
	for _, e := range st.Errors {
		f.sub("unreadable", e)
	}
	if st.LastRecreate != nil {
		f.add("recreate", st.LastRecreate.Words())
	}
}

// sizesText is a scheduled action's sizes: "desired 6 min 1 max 18" (the
// sizes it sets).
func sizesText(desired, lo, hi *int) string {
	var parts []string
	for _, p := range []struct {
		name string
		v    *int
	}{{"desired", desired}, {"min", lo}, {"max", hi}} {
		if p.v != nil {
			parts = append(parts, p.name+" "+strconv.Itoa(*p.v))
		}
	}
	return strings.Join(parts, " ")
}
