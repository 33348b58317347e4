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

// ingressColumns are the Ingresses view's columns: kubectl get's, and
// the paths with their backends.
var ingressColumns = []table.Column{
	{Title: "NAMESPACE", Width: 10, Priority: 7}, {Title: "NAME", Width: 14, Grow: true, Max: 40, Priority: 10, Middle: true},
	{Title: "CLASS", Width: 6, Priority: 5}, {Title: "HOSTS", Width: 12, Grow: true, Max: 40, Priority: 8, Middle: true},
	{Title: "ADDRESS", Width: 10, Priority: 4}, {Title: "PORTS", Width: 7, Priority: 3},
	{Title: "PATHS", Width: 18, Grow: true, Max: 60, Priority: 9}, {Title: "AGE", Width: 4, Right: true, Priority: 6},
}

// NewIngresses returns the Ingresses view (:ing): class, hosts, address,
// ports and every path → backend service:port, read from the Kubernetes
// source when shown and every few seconds while shown (no informer);
// enter opens the backend Service in the Services view.
func NewIngresses(ctx *common.Context, b *Backends) Page {
	p := newKubeList(ctx, b, "ing", "Ing", ingressColumns,
		kubeRows("ingresses", len(ingressColumns), providers.IngressReader.Ingresses, ingressRow, ingressSelection))
	p.list.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.YAML, ctx.Keys.Delete, ctx.Keys.Sort, ctx.Keys.Refresh}
	return p
}

// ingressPorts are the ports kubectl prints: 80, and 443 with TLS.
func ingressPorts(i *providers.Ingress) string {
	if i.TLS {
		return "80, 443"
	}
	return "80"
}

// pathText is "host/path → svc:port" ("default → svc:port" for the
// default backend); without the host when host is false.
func pathText(p providers.IngressPath, host bool) string {
	if p.Default {
		return "default → " + p.Backend()
	}
	s := cmp.Or(p.Path, "/") + " → " + p.Backend()
	if host {
		s = p.Host + s
	}
	return s
}

// pathsCell is the first path without its host and how many more:
// "/api → api:8080 +2".
func pathsCell(i *providers.Ingress) string {
	if len(i.Paths) == 0 {
		return ""
	}
	s := pathText(i.Paths[0], false)
	if n := len(i.Paths) - 1; n > 0 {
		s += " +" + strconv.Itoa(n)
	}
	return san(s)
}

func ingressRow(in *Input, i *providers.Ingress) (table.Row, string) {
	ns, name := san(i.Namespace), san(i.Name)
	hosts := san(strings.Join(i.Hosts(), ","))
	var backends []string
	for _, p := range i.Paths {
		backends = append(backends, p.Backend())
	}
	return table.Row{
		Key: "ingress/" + ns + "/" + name,
		Cells: []string{ns, name, san(i.Class), hosts, san(strings.Join(i.Address, ",")), ingressPorts(i),
			pathsCell(i), age(in.Now, i.Created)},
	}, ns + "/" + name + " " + san(i.Class) + " " + hosts + " " + san(strings.Join(backends, " "))
}

func ingressSelection(in *Input, cluster string, i *providers.Ingress) Selection {
	var f fields
	f.add("kind", "Ingress")
	f.add("namespace", i.Namespace)
	f.add("name", i.Name)
	f.add("cluster", cluster)
	f.add("class", cmp.Or(i.Class, "<none>"))
	f.add("address", strings.Join(i.Address, ", "))
	f.add("ports", ingressPorts(i))
	f.add("paths", "")
	var jump *ProblemTarget
	for _, p := range i.Paths {
		f.sub("-", pathText(p, true))
		if jump == nil && p.Service != "" {
			name := san(i.Namespace) + "/" + san(p.Service)
			// in its context (the same Service may be in another)
			jump = &ProblemTarget{Page: "svc", Kind: "service", Name: name, Context: cluster,
				What: "service " + name + " behind ingress " + san(i.Name) + " (" + san(pathText(p, true)) + ")"}
		}
	}
	f.add("created", stamp(i.Created)+" ("+age(in.Now, i.Created)+" ago)")
	return Selection{
		Key:    "ingress/" + san(i.Namespace) + "/" + san(i.Name),
		Detail: detail.Content{Title: "ingress " + i.Namespace + "/" + i.Name, Fields: f},
		Jump:   jump,
		Kube:   &providers.KubeObject{Cluster: cluster, Resource: "ingresses.networking.k8s.io", Namespace: i.Namespace, Name: i.Name},
		// ctrl+d its delete (the source's delete of any kind)
		Refs: []actions.Ref{{Kind: "ingresses.networking.k8s.io", Cluster: cluster, Namespace: i.Namespace, Name: i.Name}},
	}
}
