package pages

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// eventGroup is the events of one involved object.
type eventGroup struct {
	cluster, namespace, kind, name string
	events                         []providers.KubeEvent // newest first
	warnings                       int                   // events of type Warning (by count)
	count                          int                   // all events (by count)
	last                           time.Time
}

// eventColumns is the number of the Events view's columns.
const eventColumns = 7

// NewEvents returns the Events view: the events of every type read from
// the Kubernetes source when shown (and every few seconds while shown),
// grouped by involved object, the objects with warnings first, then by
// last seen.
func NewEvents(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "TYPE", Width: 9, Priority: 9}, {Title: "NAMESPACE", Width: 10, Priority: 5},
		{Title: "OBJECT", Width: 20, Grow: true, Max: 50, Priority: 10, Middle: true},
		{Title: "COUNT", Width: 5, Right: true, Priority: 8}, {Title: "LAST", Width: 4, Right: true, Priority: 9},
		{Title: "REASONS", Width: 14, Grow: true, Max: 30, Priority: 7},
		{Title: "MESSAGE", Width: 20, Grow: true, Priority: 6},
	}
	p := newKubeList(ctx, b, "events", "Events", cols, loadEvents)
	p.list.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.YAML, ctx.Keys.Sort, ctx.Keys.Refresh}
	return p
}

func loadEvents(ctx context.Context, r providers.KubeReader, ns string, now time.Time) (*listData, string, error) {
	evs, err := r.Events(ctx, ns)
	if err != nil {
		return nil, "", err
	}
	groups := groupEvents(r.Context(), evs)
	d := &listData{rows: make([]table.Row, len(groups)), texts: make([]string, len(groups))}
	for i, g := range groups {
		typ, h := "✓ Normal", providers.HealthOK
		if g.warnings > 0 {
			typ, h = "! Warning", providers.HealthWarn
		}
		var reasons []string
		for _, e := range g.events {
			if !slices.Contains(reasons, e.Reason) {
				reasons = append(reasons, e.Reason)
			}
		}
		obj := san(g.kind + "/" + g.name)
		latest := g.events[0]
		d.rows[i] = table.Row{
			Key:    "event/" + san(g.namespace) + "/" + obj,
			Cells:  []string{typ, san(g.namespace), obj, strconv.Itoa(g.count), age(now, g.last), san(strings.Join(reasons, ",")), oneLine(latest.Message)},
			Health: h,
		}
		d.texts[i] = common.Fold(g.namespace + "/" + g.kind + "/" + g.name + " " + strings.Join(reasons, " ") + " " + latest.Message + " " + latest.Type)
	}
	d.sel = func(i int) Selection { return eventSelection(&groups[i], now) }
	d.natural = table.Measure(d.rows, eventColumns)
	w := 0
	for _, g := range groups {
		if g.warnings > 0 {
			w++
		}
	}
	return d, fmt.Sprintf("%d events about %d objects (%d with warnings) · kube:%s%s · every type, read every %s while shown",
		len(evs), len(groups), w, san(r.Context()), nsNote(ns), kubePollPeriod), nil
}

// nsNote says the namespace read, "" for every one.
func nsNote(ns string) string {
	if ns == "" {
		return ""
	}
	return " ns " + san(ns)
}

// groupEvents groups events by involved object: objects with warnings
// first, then the most recently seen; each group's events newest first.
func groupEvents(cluster string, evs []providers.KubeEvent) []eventGroup {
	idx := map[[3]string]int{}
	var groups []eventGroup
	for _, e := range evs {
		k := [3]string{e.Namespace, e.Kind, e.Name}
		i, ok := idx[k]
		if !ok {
			i = len(groups)
			idx[k] = i
			groups = append(groups, eventGroup{cluster: cluster, namespace: e.Namespace, kind: e.Kind, name: e.Name})
		}
		g := &groups[i]
		g.events = append(g.events, e)
		g.count += e.Count
		if e.Type == "Warning" {
			g.warnings += e.Count
		}
		if e.Last.After(g.last) {
			g.last = e.Last
		}
	}
	for i := range groups {
		slices.SortStableFunc(groups[i].events, func(a, b providers.KubeEvent) int { return b.Last.Compare(a.Last) })
	}
	slices.SortStableFunc(groups, func(a, b eventGroup) int {
		if (a.warnings > 0) != (b.warnings > 0) {
			if a.warnings > 0 {
				return -1
			}
			return 1
		}
		if c := b.last.Compare(a.last); c != 0 {
			return c
		}
		return cmp.Compare(a.namespace+"/"+a.kind+"/"+a.name, b.namespace+"/"+b.kind+"/"+b.name)
	})
	return groups
}

// eventSelection is an object's events in full; d describes the object,
// y shows its YAML.
func eventSelection(g *eventGroup, now time.Time) Selection {
	var f fields
	f.add("object", g.kind+"/"+g.name)
	f.addIf("namespace", g.namespace)
	f.add("cluster", g.cluster)
	f.add("events", strconv.Itoa(g.count)+" ("+strconv.Itoa(g.warnings)+" warnings)")
	f.add("last seen", age(now, g.last)+" ago")
	evs := make([]string, 0, len(g.events))
	for _, e := range g.events {
		line := fmt.Sprintf("%s ago %s %s", age(now, e.Last), e.Type, e.Reason)
		if e.Count > 1 {
			line += fmt.Sprintf(" (x%d since %s ago)", e.Count, age(now, e.First))
		}
		if e.Source != "" {
			line += " from " + e.Source
		}
		evs = append(evs, line+": "+e.Message)
	}
	sel := Selection{
		Key:    "event/" + san(g.namespace) + "/" + san(g.kind+"/"+g.name),
		Detail: detail.Content{Title: "events of " + g.kind + " " + g.name, Fields: f},
		Events: evs,
		Kube:   &providers.KubeObject{Cluster: g.cluster, Resource: strings.ToLower(g.kind), Namespace: g.namespace, Name: g.name},
	}
	if k := actionKind(g.kind); k != "" {
		sel.Refs = []actions.Ref{{Kind: k, Cluster: g.cluster, Namespace: g.namespace, Name: g.name}}
	}
	return sel
}
