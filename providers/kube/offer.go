package kube

import (
	"context"
	"fmt"
	"io"
	"strings"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/kubectl"
)

// Permitter is actions.Permitter, implemented here by Denied: the executor
// refuses an action whose Allowed is false and the UI greys it out.
type Permitter = actions.Permitter

// Denied wraps an action the user may not run (RBAC): it is still offered,
// so that the UI can show it greyed out with the reason, but Check, Preview
// and Run refuse with an actions.ErrRefused error.
type Denied struct {
	actions.Action
	// Reason says which permission is missing.
	Reason string
}

// Allowed reports false and the reason.
func (d *Denied) Allowed() (bool, string) { return false, "not permitted by RBAC: " + d.Reason }

func (d *Denied) refusal() error {
	return fmt.Errorf("%w: not permitted by RBAC: %s", actions.ErrRefused, d.Reason)
}

// Check refuses.
func (d *Denied) Check(context.Context) error { return d.refusal() }

// Preview refuses.
func (d *Denied) Preview(context.Context, io.Writer) (actions.Plan, error) {
	return actions.Plan{}, d.refusal()
}

// Run refuses.
func (d *Denied) Run(context.Context, actions.Plan, io.Writer) error { return d.refusal() }

// permission is one access review an action needs.
type permission struct {
	verb, group, resource, sub string
	allNamespaces              bool // ask for every namespace (drain evicts anywhere)
}

// Offer returns the kubectl actions the object supports: rollout restart
// and scale (a "replicas" parameter, current+1 until set) for deployments and statefulsets, restart for daemonsets,
// cordon or uncordon and drain for nodes, delete for pods. Each action the
// user may not run is wrapped in Denied (asked with SelfSubjectAccessReview,
// cached for a minute). Offer makes API calls: call it off the UI goroutine.
func (p *Provider) Offer(ref actions.Ref) []actions.Action {
	if ref.Cluster != "" && ref.Cluster != p.contextName {
		return nil
	}
	kind := actions.Kind(strings.ToLower(string(ref.Kind)))
	if ref.Cluster == "" && !p.has(string(kind), ref.Namespace, ref.Name) {
		return nil // another cluster's object
	}
	t := kubectl.Target{Kubeconfig: p.opts.Kubeconfig, Context: p.contextName, Namespace: ref.Namespace, Kind: kind, Name: ref.Name}
	ns := ref.Namespace
	var out []actions.Action
	add := func(a actions.Action, perms ...permission) {
		out = append(out, p.gate(a, ns, perms))
	}
	switch kind {
	case actions.KindDeployment, actions.KindStatefulSet:
		res := string(kind) + "s"
		add(kubectl.Restart(t), permission{verb: "patch", group: "apps", resource: res})
		if desired, ok := p.desired(string(kind), ns, ref.Name); ok {
			// one scale; its "replicas" parameter (the form, --replicas) picks the count
			add(kubectl.ScaleFrom(t, desired, desired+1), permission{verb: "patch", group: "apps", resource: res, sub: "scale"})
		}
	case actions.KindDaemonSet:
		add(kubectl.Restart(t), permission{verb: "patch", group: "apps", resource: "daemonsets"})
	case actions.KindNode:
		ns = ""
		if p.unschedulable(ref.Name) {
			add(kubectl.Uncordon(t), permission{verb: "patch", resource: "nodes"})
		} else {
			add(kubectl.Cordon(t), permission{verb: "patch", resource: "nodes"})
		}
		add(kubectl.Drain(t, kubectl.DefaultDrainTimeout),
			permission{verb: "patch", resource: "nodes"},
			permission{verb: "list", resource: "pods", allNamespaces: true},
			permission{verb: "create", resource: "pods", sub: "eviction", allNamespaces: true})
	case actions.KindPod:
		add(kubectl.DeletePod(t), permission{verb: "delete", resource: "pods"})
		add(kubectl.PortForward(t, p.firstPort(ns, ref.Name)), permission{verb: "create", resource: "pods", sub: "portforward"})
	}
	return out
}

// firstPort is the pod's first declared container port (80 when it
// declares none, or cannot be read), the port-forward's default.
func (p *Provider) firstPort(ns, name string) int {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	pod, err := p.user.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return 80
	}
	for _, c := range pod.Spec.Containers {
		for _, port := range c.Ports {
			return int(port.ContainerPort)
		}
	}
	return 80
}

// gate asks the API server for every permission and wraps the action.
func (p *Provider) gate(a actions.Action, ns string, perms []permission) actions.Action {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	for _, pm := range perms {
		attr := authzv1.ResourceAttributes{Verb: pm.verb, Group: pm.group, Resource: pm.resource, Subresource: pm.sub}
		if !pm.allNamespaces && pm.resource != "nodes" {
			attr.Namespace = ns
		}
		ok, _, err := p.reviewer.can(ctx, attr)
		if err != nil {
			return &Denied{Action: a, Reason: "cannot ask the API server: " + err.Error()}
		}
		if !ok {
			return &Denied{Action: a, Reason: "may not " + describeAttr(attr)}
		}
	}
	return a
}

// desired is the desired replica count of a workload in the current view.
func (p *Provider) desired(kind, ns, name string) (int, bool) {
	v := p.currentView()
	if v == nil {
		return 0, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, w := range v.workloads {
		if strings.EqualFold(w.Kind, kind) && w.Namespace == ns && w.Name == name {
			return w.Desired, true
		}
	}
	return 0, false
}

// has reports whether the object is in the current view (true while there
// is no view yet: the action's Check finds out).
func (p *Provider) has(kind, ns, name string) bool {
	v := p.currentView()
	if v == nil {
		return true
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	switch kind {
	case "node":
		_, ok := v.nodes[name]
		return ok
	case "pod":
		_, ok := v.podIdx[nsName{ns, name}]
		return ok
	}
	for _, w := range v.workloads {
		if strings.EqualFold(w.Kind, kind) && w.Namespace == ns && w.Name == name {
			return true
		}
	}
	return false
}

// unschedulable reports whether the node is cordoned in the current view.
func (p *Provider) unschedulable(name string) bool {
	v := p.currentView()
	if v == nil {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.nodes[name].node.Unschedulable
}

func (p *Provider) currentView() *view {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.view
}
