package kube

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	authzv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/meta"
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

// Offer returns the kubectl actions the object supports: rollout restart,
// rollout undo (a "revision" parameter, when there is an earlier revision)
// and delete for deployments, statefulsets and daemonsets, scale (a
// "replicas" parameter, current+1 until set) for deployments and
// statefulsets; cordon or uncordon, drain and delete for nodes; delete and
// port-forward and a shell in each container (attached to the
// terminal: actions.Interactive) for pods; suspend or resume (by its state) and delete for
// cronjobs; delete for an object of any other kind discovery knows
// (Ref.Kind its resource, plural[.group]). Each action the user may not
// run is wrapped in Denied (asked with SelfSubjectAccessReview, cached for
// a minute). Offer makes API calls: call it off the UI goroutine.
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
	case actions.KindDeployment, actions.KindStatefulSet, actions.KindDaemonSet:
		res := string(kind) + "s"
		add(kubectl.Restart(t), permission{verb: "patch", group: "apps", resource: res})
		if desired, ok := p.desired(string(kind), ns, ref.Name); ok && kind != actions.KindDaemonSet {
			// one scale; its "replicas" parameter (the form, --replicas) picks the count
			add(kubectl.ScaleFrom(t, desired, desired+1), permission{verb: "patch", group: "apps", resource: res, sub: "scale"})
		}
		if u := p.undo(t); u != nil {
			revs := "controllerrevisions"
			if kind == actions.KindDeployment {
				revs = "replicasets"
			}
			add(u, permission{verb: "patch", group: "apps", resource: res}, permission{verb: "list", group: "apps", resource: revs})
		}
		add(kubectl.Delete(t, p.podsOf(kind, ns, ref.Name)...), permission{verb: "delete", group: "apps", resource: res})
	case actions.KindCronJob:
		suspended, err := p.suspended(ns, ref.Name)
		if err != nil {
			return nil // not there (or not readable): nothing to offer
		}
		if suspended {
			add(kubectl.Resume(t), permission{verb: "patch", group: "batch", resource: "cronjobs"})
		} else {
			add(kubectl.Suspend(t), permission{verb: "patch", group: "batch", resource: "cronjobs"})
		}
		add(kubectl.Delete(t), permission{verb: "delete", group: "batch", resource: "cronjobs"})
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
		add(kubectl.Delete(t), permission{verb: "delete", resource: "nodes"})
	case actions.KindPod:
		add(kubectl.DeletePod(t), permission{verb: "delete", resource: "pods"})
		port, containers := p.podSpec(ns, ref.Name)
		add(kubectl.PortForward(t, port), permission{verb: "create", resource: "pods", sub: "portforward"})
		for _, c := range containers {
			add(kubectl.Shell(t, c), permission{verb: "create", resource: "pods", sub: "exec"})
		}
	default:
		// any other kind discovery knows (a Service, a custom resource)
		if slices.Contains(actions.Kinds, kind) {
			return nil // an AWS, database or Terraform object
		}
		if kind == kubectl.KindService || kind == "service" {
			kind, t.Kind = kubectl.KindService, kubectl.KindService
			// kubectl finds a running pod by the service's selector (list
			// pods) and forwards to it (create pods/portforward)
			add(kubectl.PortForwardService(t, p.servicePort(ns, ref.Name)),
				permission{verb: "get", resource: "services"}, permission{verb: "list", resource: "pods"},
				permission{verb: "create", resource: "pods", sub: "portforward"})
		}
		m, err := p.resolve(string(kind))
		if err != nil {
			return nil
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			t.ClusterScoped, ns = true, ""
		}
		add(kubectl.Delete(t), permission{verb: "delete", group: m.Resource.Group, resource: m.Resource.Resource})
	}
	return out
}

// undo is the rollout undo of workload t, its revisions read now (nil
// when they cannot be read or there is no earlier one to go back to).
func (p *Provider) undo(t kubectl.Target) *kubectl.UndoAction {
	read := p.history(t.Kind, t.Namespace, t.Name)
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	h, err := read(ctx)
	if err != nil {
		return nil
	}
	u := kubectl.Undo(t, h, read)
	if u.Revision() == 0 {
		return nil
	}
	return u
}

// suspended reads a CronJob's spec.suspend.
func (p *Provider) suspended(ns, name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	cj, err := p.user.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	return cj.Spec.Suspend != nil && *cj.Spec.Suspend, nil
}

// podsOf names the pods of workload kind ns/name in the current view (what
// deleting it takes with it).
func (p *Provider) podsOf(kind actions.Kind, ns, name string) []string {
	v := p.currentView()
	if v == nil {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for i := range v.pods {
		r := &v.pods[i]
		if r.pod.Namespace != ns {
			continue
		}
		if k, n, ok := strings.Cut(resolveOwner(r, v.rsOwners), "/"); ok && strings.EqualFold(k, string(kind)) && n == name {
			out = append(out, r.pod.Name)
		}
	}
	slices.Sort(out)
	return out
}

// podSpec reads the pod once: its first declared container port (80 when
// it declares none, or cannot be read), the port-forward's default, and
// its containers (a shell is offered in each; none when it cannot be read).
func (p *Provider) podSpec(ns, name string) (int, []string) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	pod, err := p.user.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return 80, nil
	}
	port := 0
	var containers []string
	for _, c := range pod.Spec.Containers {
		containers = append(containers, c.Name)
		for _, cp := range c.Ports {
			if port == 0 {
				port = int(cp.ContainerPort)
			}
		}
	}
	if port == 0 {
		port = 80
	}
	return port, containers
}

// servicePort is the service's first port (80 when it has none or cannot
// be read): the default of its port-forward's "port" parameter.
func (p *Provider) servicePort(ns, name string) int {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.RequestTimeout)
	defer cancel()
	svc, err := p.user.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil || len(svc.Spec.Ports) == 0 {
		return 80
	}
	return int(svc.Spec.Ports[0].Port)
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
	case "deployment", "statefulset", "daemonset":
	default:
		return true // a kind outside the informers: the action's Check finds out
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
