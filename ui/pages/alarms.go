package pages

import (
	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewAlarms returns the CloudWatch alarms view: enter on an alarm opens
// the object it watches.
func NewAlarms(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 18, Grow: true, Max: 48}, {Title: "REGION", Width: 9},
		{Title: "STATE", Width: 17}, {Title: "SINCE", Width: 6, Right: true},
		{Title: "WATCHES", Width: 18, Grow: true, Max: 48}, {Title: "METRIC", Width: 16, Grow: true, Max: 40},
	}
	p := newListPage(ctx, "alarms", "Alarms", cols, buildAlarms)
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.Sort}
	return p
}

// alarmHealth: bad in ALARM, warn without data.
func alarmHealth(a *providers.Alarm) int {
	switch a.State {
	case providers.AlarmFiring:
		return providers.HealthBad
	case providers.AlarmInsufficientData:
		return providers.HealthWarn
	default:
		return providers.HealthOK
	}
}

// AlarmTarget is where an alarm leads: the view and row of the object it
// watches (a node for an instance that runs one), else the alarm itself.
func AlarmTarget(inv *providers.Inventory, a *providers.Alarm) ProblemTarget {
	what := "alarm " + san(a.Name) + " " + san(a.State)
	obj := san(a.Object)
	switch a.ObjectKind {
	case providers.ObjectLoadBalancer:
		return ProblemTarget{Page: "lb", Kind: "lb", Name: obj, What: what + " on load balancer " + obj}
	case providers.ObjectASG:
		return ProblemTarget{Page: "asg", Kind: "asg", Name: obj, What: what + " on ASG " + obj}
	case providers.ObjectDatabase:
		return ProblemTarget{Page: "db", Kind: "database", Name: obj, What: what + " on database " + obj}
	case providers.ObjectInstance:
		for i := range inv.Instances {
			if in := &inv.Instances[i]; in.ID == a.Object && in.Node != "" {
				t := ProblemTarget{Page: "nodes", Kind: "node", Name: san(in.Node), What: what + " on node " + san(in.Node)}
				for j := range inv.Nodes {
					if inv.Nodes[j].InstanceID == in.ID {
						t.Context = inv.Nodes[j].Cluster
					}
				}
				return t
			}
		}
		return ProblemTarget{Page: "topology", Kind: providers.KindInstance, Name: obj, What: what + " on instance " + obj}
	}
	return ProblemTarget{Page: "alarms", Kind: "alarm", Name: san(a.Name), What: what}
}

func watches(a *providers.Alarm) string {
	if a.ObjectKind == "" {
		return "-"
	}
	return san(a.ObjectKind + " " + a.Object)
}

func buildAlarms(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.Alarms)), texts: make([]string, len(inv.Alarms))}
	for i := range inv.Alarms {
		a := &inv.Alarms[i]
		h := alarmHealth(a)
		name := san(a.Name)
		d.rows[i] = table.Row{
			Key:    "alarm/" + name,
			Cells:  []string{name, san(a.Region), glyph(h) + " " + san(a.State), age(in.Now, a.Since), watches(a), san(a.Namespace + " " + a.Metric)},
			Health: h,
		}
		d.texts[i] = common.Fold(name + " " + san(a.Region) + " " + san(a.State) + " " + san(a.Object))
	}
	d.sel = func(i int) Selection {
		a := &inv.Alarms[i]
		var f fields
		f.add("kind", "Alarm")
		f.add("name", a.Name)
		f.add("region", a.Region)
		f.add("state", common.Health(alarmHealth(a))+" "+a.State)
		f.add("since", stamp(a.Since)+" ("+age(in.Now, a.Since)+" ago)")
		f.addIf("reason", a.Reason)
		f.add("metric", a.Namespace+" "+a.Metric)
		f.add("dimensions", "")
		for _, dm := range a.Dimensions {
			f.sub(dm.Name, dm.Value)
		}
		f.add("watches", watches(a))
		sel := Selection{Key: "alarm/" + san(a.Name), Detail: detail.Content{Title: "alarm " + a.Name, Fields: f}}
		if a.ObjectKind != "" {
			t := AlarmTarget(inv, a)
			sel.Jump = &t
			sel.Refs = []actions.Ref{{Kind: actions.Kind(a.ObjectKind), Region: a.Region, Name: a.Object}}
		}
		return sel
	}
	return d
}
