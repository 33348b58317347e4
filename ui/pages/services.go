package pages

import (
	"cmp"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewServices returns the Kubernetes Services view: each Service with its
// endpoints (ready/total, from its EndpointSlices) and the pods behind
// it; enter goes to a pod behind it (a not-ready one first).
func NewServices(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAMESPACE", Width: 10, Priority: 8}, {Title: "NAME", Width: 18, Grow: true, Max: 48, Priority: 10, Middle: true},
		{Title: "TYPE", Width: 9, Priority: 6}, {Title: "CLUSTER-IP", Width: 10, Priority: 2},
		{Title: "PORTS", Width: 10, Grow: true, Max: 32, Priority: 4}, {Title: "ENDPOINTS", Width: 9, Priority: 9},
		{Title: "PODS", Width: 16, Grow: true, Max: 60, Priority: 5, Middle: true}, {Title: "AGE", Width: 4, Right: true, Priority: 1},
	}
	return rowKind[providers.Service]{Name: "svc", Title: "Svc", Columns: cols,
		Items:  func(inv *providers.Inventory) []providers.Service { return inv.Services },
		Row:    serviceRow,
		Select: serviceSelection,
		// the keys its selection answers (a, F port-forward, y, ctrl+d):
		// the footer greys F with the executor's reason
		Keys: func(k *common.KeyMap) []key.Binding {
			return []key.Binding{k.Enter, k.Detail, k.YAML, k.Actions, k.Forward, k.Delete, k.Sort}
		},
	}.page(ctx)
}

// serviceHealth: bad when it has endpoints and none is ready, warn when
// some are not ready or a service that routes to pods has none; an
// ExternalName service and unknown endpoints are fine.
func serviceHealth(s *providers.Service) int {
	switch {
	case !s.EndpointsKnown || s.Type == "ExternalName":
		return providers.HealthOK
	case s.EndpointsTotal > 0 && s.EndpointsReady == 0:
		return providers.HealthBad
	case s.EndpointsReady < s.EndpointsTotal || s.EndpointsTotal == 0:
		return providers.HealthWarn
	}
	return providers.HealthOK
}

// endpointsText is "ready/total", "?" when unknown, "-" for ExternalName.
func endpointsText(s *providers.Service) string {
	switch {
	case s.Type == "ExternalName":
		return "-"
	case !s.EndpointsKnown:
		return "?"
	}
	return strconv.Itoa(s.EndpointsReady) + "/" + strconv.Itoa(s.EndpointsTotal)
}

func portsText(s *providers.Service) string {
	ps := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		ps[i] = p.String()
	}
	return san(strings.Join(ps, ","))
}

// podsText is the first pod and how many more: "web-0 +3".
func podsText(pods []string) string {
	switch len(pods) {
	case 0:
		return ""
	case 1:
		return san(pods[0])
	}
	return san(pods[0]) + " +" + strconv.Itoa(len(pods)-1)
}

func serviceRow(in *Input, s *providers.Service) (table.Row, string) {
	h := serviceHealth(s)
	ns, name := san(s.Namespace), san(s.Name)
	pods := podsText(s.Pods())
	return table.Row{
		Key:    kubeKey("service", s.Cluster, s.Namespace, s.Name),
		Cells:  []string{ns, name, san(s.Type), san(s.ClusterIP), portsText(s), glyph(h) + " " + endpointsText(s), pods, age(in.Now, s.Created)},
		Health: h,
	}, ns + "/" + name + " " + san(s.Type) + " " + pods
}

func serviceSelection(in *Input, s *providers.Service) Selection {
	var f fields
	f.add("kind", "Service")
	f.add("namespace", s.Namespace)
	f.add("name", s.Name)
	f.addIf("cluster", s.Cluster)
	f.add("type", s.Type)
	f.addIf("cluster_ip", s.ClusterIP)
	f.addIf("external", strings.Join(s.External, ", "))
	f.add("ports", "")
	for _, p := range s.Ports {
		v := p.String()
		if p.TargetPort != "" {
			v += " → " + p.TargetPort
		}
		f.sub(cmp.Or(p.Name, "-"), v)
	}
	f.add("endpoints", common.Health(serviceHealth(s))+" "+endpointsText(s)+" ready")
	var jump *ProblemTarget
	for _, e := range s.Endpoints {
		v := "ready"
		if !e.Ready {
			v = "not ready"
		}
		v += " " + e.Address
		if e.Node != "" {
			v += " on " + e.Node
		}
		f.sub(cmp.Or(e.Pod, "(no pod)"), v)
		if e.Pod != "" && (jump == nil || !e.Ready && jump.What == "ready") {
			t := ProblemTarget{Page: "pods", Kind: "pod", Name: san(s.Namespace) + "/" + san(e.Pod), What: "ready"}
			if !e.Ready {
				t.What = "not ready"
			}
			jump = &t
		}
	}
	f.add("created", stamp(s.Created)+" ("+age(in.Now, s.Created)+" ago)")
	if jump != nil {
		jump.What = "pod " + jump.Name + " behind service " + san(s.Namespace+"/"+s.Name) + " (" + jump.What + ")"
		jump.Context = s.Cluster // the pod of this context
	}
	return Selection{
		Key:    kubeKey("service", s.Cluster, s.Namespace, s.Name),
		Detail: detail.Content{Title: "service " + s.Namespace + "/" + s.Name, Fields: f},
		Events: eventsFor(in.Inv, in.Now, "Service", s.Namespace, s.Name),
		Jump:   jump,
		Kube:   &providers.KubeObject{Cluster: s.Cluster, Resource: "services", Namespace: s.Namespace, Name: s.Name},
		// a and F offer its port-forward, ctrl+d its delete (providers/kube)
		Refs: []actions.Ref{{Kind: "services", Cluster: s.Cluster, Namespace: s.Namespace, Name: s.Name}},
	}
}
