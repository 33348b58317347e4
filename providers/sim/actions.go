package sim

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// Ref kinds the demo acts on.
const (
	RefDeployment  = "deployment"
	RefStatefulSet = "statefulset"
	RefPod         = "pod"
	RefNode        = "node"
	RefASG         = "asg"
	RefDatabase    = "database"
	RefMember      = "member" // a database member; Ref.Namespace may name its database
)

// runnerName is Spec.Runner of every demo action.
const runnerName = "sim"

// Sizer is implemented by the demo actions that take a count: "scale"
// (replicas) and "set-desired" (desired capacity). Offer fills in the
// current count plus one; SetCount changes it before the action is prepared.
type Sizer interface {
	Count() int
	SetCount(n int) error
}

// BackupChooser is implemented by the "restore" action: Offer picks the
// latest completed backup; SetBackup picks another one.
type BackupChooser interface {
	Backup() string
	SetBackup(id string) error
}

var _ actions.Offerer = (*Sim)(nil)

// simAction is one demo action. Every callback runs with Sim.mu held.
type simAction struct {
	s      *Sim
	spec   actions.Spec
	check  func(st *state) error
	plan   func(st *state) actions.Plan
	run    func(r *runner) error
	verify func(st *state) (bool, string)

	count    int
	setCount func(st *state, a *simAction, n int) error
	backup   string
	setBack  func(st *state, a *simAction, id string) error
}

// Spec describes the action.
func (a *simAction) Spec() actions.Spec { return a.spec }

// Check verifies that the target exists and is in the expected state.
func (a *simAction) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.check(a.s.st)
}

// Preview lists the simulated API calls, changing nothing.
func (a *simAction) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	if err := ctx.Err(); err != nil {
		return actions.Plan{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if err := a.check(a.s.st); err != nil {
		return actions.Plan{}, err
	}
	p := a.plan(a.s.st)
	if p.Text == "" {
		p.Text = p.Summary + "\n\nSimulated calls (the demo estate changes; nothing real is touched):\n  " + strings.Join(p.Calls, "\n  ") + "\n"
	}
	return p, nil
}

// Run performs the action step by step, streaming progress to out; it
// stops at the next step when ctx is done.
func (a *simAction) Run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	r := &runner{s: a.s, ctx: ctx, out: out}
	if err := a.run(r); err != nil {
		if ctx.Err() != nil {
			r.say("cancelled: %v", ctx.Err())
			return fmt.Errorf("%s %s: cancelled: %w", a.spec.Name, a.spec.Target, ctx.Err())
		}
		return fmt.Errorf("%s %s: %w", a.spec.Name, a.spec.Target, err)
	}
	return nil
}

// Verify re-reads the state and says whether the intended state was reached.
func (a *simAction) Verify(ctx context.Context) (bool, string, error) {
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	ok, msg := a.verify(a.s.st)
	return ok, msg, nil
}

// Count is the count a "scale" or "set-desired" action sets.
func (a *simAction) Count() int { return a.count }

// SetCount changes the count a "scale" or "set-desired" action sets.
func (a *simAction) SetCount(n int) error {
	if a.setCount == nil {
		return fmt.Errorf("%s takes no count", a.spec.Name)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.setCount(a.s.st, a, n)
}

// Backup is the backup a "restore" action restores.
func (a *simAction) Backup() string { return a.backup }

// SetBackup picks the backup a "restore" action restores.
func (a *simAction) SetBackup(id string) error {
	if a.setBack == nil {
		return fmt.Errorf("%s takes no backup", a.spec.Name)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.setBack(a.s.st, a, id)
}

// runner runs the steps of an action.
type runner struct {
	s     *Sim
	ctx   context.Context
	out   io.Writer
	steps int
}

func (r *runner) say(format string, args ...any) {
	fmt.Fprintf(r.out, format+"\n", args...)
}

// step pauses (except before the first step), then applies f to the state
// under the lock, prints its line and wakes Run so the change is sent.
func (r *runner) step(f func(st *state) (string, error)) error {
	if r.steps > 0 {
		t := time.NewTimer(r.s.opts.StepDelay)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return r.ctx.Err()
		case <-t.C:
		}
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.steps++
	r.s.mu.Lock()
	msg, err := f(r.s.st)
	r.s.mu.Unlock()
	r.s.notify()
	if msg != "" {
		r.say("%s", msg)
	}
	return err
}

// Offer returns the demo actions the object named by ref supports, and
// none for an object the demo does not have.
func (s *Sim) Offer(ref actions.Ref) []actions.Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var out []*simAction
	switch ref.Kind {
	case RefDeployment:
		if _, err := st.findWorkload(kindDeployment, ref); err == nil {
			out = append(out, s.restartWorkload(ref, kindDeployment), s.scaleDeployment(ref))
		}
	case RefStatefulSet:
		if _, err := st.findWorkload(kindStatefulSet, ref); err == nil {
			out = append(out, s.restartWorkload(ref, kindStatefulSet))
		}
	case RefPod:
		if _, err := st.findPod(ref); err == nil {
			out = append(out, s.deletePod(ref))
		}
	case RefNode:
		if ni, err := st.findNode(ref); err == nil {
			if st.inv.Nodes[ni].Unschedulable {
				out = append(out, s.cordon(ref, false))
			} else {
				out = append(out, s.cordon(ref, true))
			}
			out = append(out, s.drain(ref), s.rebuildNode(ref))
		}
	case RefASG:
		if _, err := st.findASG(ref); err == nil {
			out = append(out, s.rebuildGroup(ref), s.setDesired(ref))
		}
	case RefDatabase:
		if _, err := st.findDB(ref); err == nil {
			out = append(out, s.takeBackup(ref), s.restoreBackup(ref))
		}
	case RefMember:
		if d, m, err := st.findMember(ref); err == nil {
			db := &st.inv.Databases[d]
			if promotable(db.Engine) && db.Members[m].Role == providers.RoleReplica {
				out = append(out, s.promote(ref))
			}
		}
	}
	res := make([]actions.Action, len(out))
	for i, a := range out {
		res[i] = a
	}
	return res
}

func promotable(engine string) bool {
	return engine == "mongodb" || engine == "redis" || engine == "aurora-postgresql"
}

// --- finding targets (with Sim.mu held) ---

func matchScope(ref actions.Ref, cluster, region string) bool {
	return (ref.Cluster == "" || ref.Cluster == cluster) && (ref.Region == "" || ref.Region == region)
}

func (st *state) clusterRegion(name string) string {
	for _, c := range st.cl {
		if c.name == name {
			return c.region
		}
	}
	return ""
}

// ambiguous reports a name found in several clusters.
func ambiguous(ref actions.Ref, where []string) error {
	return fmt.Errorf("%s is ambiguous: it exists in %s; name the cluster", ref, strings.Join(where, " and "))
}

func (st *state) findWorkload(kind string, ref actions.Ref) (int, error) {
	found, where := -1, []string(nil)
	for i, w := range st.inv.Workloads {
		if w.Kind == kind && w.Name == ref.Name && (ref.Namespace == "" || w.Namespace == ref.Namespace) &&
			matchScope(ref, w.Cluster, st.clusterRegion(w.Cluster)) {
			found = i
			where = append(where, w.Cluster)
		}
	}
	switch {
	case found < 0:
		return -1, fmt.Errorf("no %s %s in the demo estate", strings.ToLower(kind), refName(ref))
	case len(where) > 1:
		return -1, ambiguous(ref, where)
	}
	return found, nil
}

func refName(ref actions.Ref) string {
	if ref.Namespace != "" {
		return ref.Namespace + "/" + ref.Name
	}
	return ref.Name
}

func (st *state) findPod(ref actions.Ref) (int, error) {
	found, where := -1, []string(nil)
	for i := range st.pods {
		p := &st.pods[i]
		if p.Name == ref.Name && (ref.Namespace == "" || p.Namespace == ref.Namespace) && matchScope(ref, p.Cluster, st.clusterRegion(p.Cluster)) {
			found = i
			where = append(where, p.Cluster)
		}
	}
	switch {
	case found < 0:
		return -1, fmt.Errorf("no pod %s in the demo estate", refName(ref))
	case len(where) > 1:
		return -1, ambiguous(ref, where)
	}
	return found, nil
}

func (st *state) findNode(ref actions.Ref) (int, error) {
	for i, n := range st.inv.Nodes {
		if n.Name == ref.Name && matchScope(ref, n.Cluster, n.Region) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no node %s in the demo estate", ref.Name)
}

func (st *state) findASG(ref actions.Ref) (int, error) {
	for i, g := range st.inv.AutoscalingGroups {
		if g.Name == ref.Name && (ref.Region == "" || ref.Region == g.Region) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no autoscaling group %s in the demo estate", ref.Name)
}

func (st *state) findDB(ref actions.Ref) (int, error) {
	for i, d := range st.inv.Databases {
		if d.Name == ref.Name && (ref.Region == "" || ref.Region == d.Region) {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no database cluster %s in the demo estate", ref.Name)
}

func (st *state) findMember(ref actions.Ref) (int, int, error) {
	for d, db := range st.inv.Databases {
		if ref.Namespace != "" && ref.Namespace != db.Name {
			continue
		}
		for m, mem := range db.Members {
			if mem.Name == ref.Name {
				return d, m, nil
			}
		}
	}
	return -1, -1, fmt.Errorf("no database member %s in the demo estate", refName(ref))
}

func (st *state) clusterIndex(name string) int {
	for i, c := range st.cl {
		if c.name == name {
			return i
		}
	}
	return -1
}

// --- pod and node operations (with Sim.mu held) ---

func (st *state) podIndex(cluster, ns, name string) int {
	for i := range st.pods {
		if p := &st.pods[i]; p.Name == name && p.Namespace == ns && p.Cluster == cluster {
			return i
		}
	}
	return -1
}

func (st *state) removePod(i int) pod {
	p := st.pods[i]
	st.pods = slices.Delete(st.pods, i, i+1)
	return p
}

// respawn creates the replacement of old (a pod just removed), avoiding
// node avoid: a Deployment's pod gets a new name, a StatefulSet's keeps
// its name and zone, a DaemonSet's stays on its node. It returns the line
// to print.
func (st *state) respawn(old pod, avoid string) string {
	w := old.wl
	if w < 0 {
		return ""
	}
	wl := st.inv.Workloads[w]
	created := st.now()
	switch wl.Kind {
	case kindDaemonSet:
		ni := st.nodeIndex(old.Node)
		if ni < 0 || old.Node == avoid {
			return ""
		}
		name := wl.Name + "-" + st.suffix(5)
		st.placePod(w, name, ni, created)
		return fmt.Sprintf("  pod %s/%s created on %s", wl.Namespace, name, old.Node)
	case kindStatefulSet:
		zone := ""
		if ni := st.nodeIndex(old.Node); ni >= 0 {
			zone = st.inv.Nodes[ni].Zone
		}
		ni := st.pickNode(wl.Cluster, zone, avoid)
		st.placePod(w, old.Name, ni, created)
		return st.placedLine(len(st.pods) - 1)
	default:
		name := st.deploymentPodName(w)
		st.placePod(w, name, st.pickNode(wl.Cluster, "", avoid), created)
		return st.placedLine(len(st.pods) - 1)
	}
}

func (st *state) placedLine(i int) string {
	p := &st.pods[i]
	if p.Phase == "Pending" {
		return fmt.Sprintf("  pod %s/%s is Pending: no schedulable node", p.Namespace, p.Name)
	}
	return fmt.Sprintf("  pod %s/%s scheduled on %s", p.Namespace, p.Name, p.Node)
}

// pickNode picks a schedulable node of the cluster (in zone unless zone is
// empty: a StatefulSet's volume lives in its zone), not avoid; -1 when
// there is none.
func (st *state) pickNode(cluster, zone, avoid string) int {
	var cand []int
	for _, i := range st.schedulable(cluster, zone) {
		if st.inv.Nodes[i].Name != avoid {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return -1
	}
	return cand[st.rng.IntN(len(cand))]
}

// podsOn lists the cluster/namespace/name of the pods on a node; with
// evictable set, DaemonSet pods are left out.
func (st *state) podsOn(node string, evictable bool) [][3]string {
	var out [][3]string
	for i := range st.pods {
		p := &st.pods[i]
		if p.Node != node {
			continue
		}
		if evictable && p.wl >= 0 && st.inv.Workloads[p.wl].Kind == kindDaemonSet {
			continue
		}
		out = append(out, [3]string{p.Cluster, p.Namespace, p.Name})
	}
	return out
}

// evictSteps moves every evictable pod off node, one step per few pods.
func (r *runner) evictSteps(node string) error {
	var pods [][3]string
	if err := r.step(func(st *state) (string, error) {
		ni := st.nodeIndex(node)
		if ni < 0 {
			return "", fmt.Errorf("node %s is gone", node)
		}
		pods = st.podsOn(node, true)
		if len(pods) > 0 && st.pickNode(st.inv.Nodes[ni].Cluster, "", node) < 0 {
			return "", fmt.Errorf("no other schedulable node in cluster %s to take the pods of %s", st.inv.Nodes[ni].Cluster, node)
		}
		st.inv.Nodes[ni].Draining = true
		return fmt.Sprintf("evicting %d pods from %s (DaemonSet pods stay)", len(pods), node), nil
	}); err != nil {
		return err
	}
	const batch = 4
	for start := 0; start < len(pods); start += batch {
		chunk := pods[start:min(start+batch, len(pods))]
		if err := r.step(func(st *state) (string, error) {
			var lines []string
			for _, k := range chunk {
				i := st.podIndex(k[0], k[1], k[2])
				if i < 0 {
					continue
				}
				old := st.removePod(i)
				lines = append(lines, fmt.Sprintf("evicted pod %s/%s", old.Namespace, old.Name))
				if l := st.respawn(old, node); l != "" {
					lines = append(lines, l)
				}
			}
			return strings.Join(lines, "\n"), nil
		}); err != nil {
			return err
		}
	}
	return r.step(func(st *state) (string, error) {
		if ni := st.nodeIndex(node); ni >= 0 {
			st.inv.Nodes[ni].Draining = false
		}
		return fmt.Sprintf("node %s drained", node), nil
	})
}

// retireSteps cordons and drains node, then terminates its instance and
// removes the node.
func (r *runner) retireSteps(node string) error {
	var inst string
	if err := r.step(func(st *state) (string, error) {
		ni := st.nodeIndex(node)
		if ni < 0 {
			return "", fmt.Errorf("node %s is gone", node)
		}
		st.inv.Nodes[ni].Unschedulable = true
		inst = st.inv.Nodes[ni].InstanceID
		return fmt.Sprintf("node/%s cordoned", node), nil
	}); err != nil {
		return err
	}
	if err := r.evictSteps(node); err != nil {
		return err
	}
	if err := r.step(func(st *state) (string, error) {
		for i := range st.inv.Instances {
			if st.inv.Instances[i].ID == inst {
				st.inv.Instances[i].State = "shutting-down"
			}
		}
		return fmt.Sprintf("terminating instance %s", inst), nil
	}); err != nil {
		return err
	}
	return r.step(func(st *state) (string, error) {
		st.removeNode(node, inst)
		return fmt.Sprintf("instance %s terminated; node %s removed", inst, node), nil
	})
}

// removeNode deletes a node, its remaining pods and its instance.
func (st *state) removeNode(node, inst string) {
	st.pods = slices.DeleteFunc(st.pods, func(p pod) bool { return p.Node == node })
	st.inv.Nodes = slices.DeleteFunc(st.inv.Nodes, func(n providers.Node) bool { return n.Name == node })
	st.inv.Instances = slices.DeleteFunc(st.inv.Instances, func(in providers.Instance) bool { return in.ID == inst })
}

// launchSteps launches an instance of cluster ci's group in zone z and
// registers its node; *node receives the node's name.
func (r *runner) launchSteps(ci, z int, node *string) error {
	var inst string
	if err := r.step(func(st *state) (string, error) {
		ni := st.addNode(ci, z, st.now(), 8)
		n := &st.inv.Nodes[ni]
		n.Ready = false
		*node, inst = n.Name, n.InstanceID
		for i := range st.inv.Instances {
			if st.inv.Instances[i].ID == inst {
				st.inv.Instances[i].State = "pending"
			}
		}
		return fmt.Sprintf("launched instance %s in %s (pending)", inst, n.Zone), nil
	}); err != nil {
		return err
	}
	return r.step(func(st *state) (string, error) {
		ni := st.nodeIndex(*node)
		if ni < 0 {
			return "", fmt.Errorf("node %s is gone", *node)
		}
		for i := range st.inv.Instances {
			if st.inv.Instances[i].ID == inst {
				st.inv.Instances[i].State = "running"
			}
		}
		for w, wl := range st.inv.Workloads {
			if wl.Kind == kindDaemonSet && wl.Cluster == st.cl[ci].name {
				st.placePod(w, wl.Name+"-"+st.suffix(5), ni, st.now())
			}
		}
		st.setNodeReady(ni, true)
		return fmt.Sprintf("instance %s running; node %s joined the cluster and is Ready", inst, *node), nil
	})
}

// --- the actions ---

func (s *Sim) newAction(name string, ref actions.Ref, effect actions.Effect, desc string) *simAction {
	return &simAction{s: s, spec: actions.Spec{Name: name, Target: ref, Runner: runnerName, Effect: effect, Description: desc}}
}

func kubectl(cluster, args string) string {
	if cluster == "" {
		return "kubectl " + args
	}
	return "kubectl --context " + cluster + " " + args
}

func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

// restartWorkload is "restart" of a Deployment or StatefulSet: a rolling
// replacement of every pod.
func (s *Sim) restartWorkload(ref actions.Ref, kind string) *simAction {
	lower := strings.ToLower(kind)
	a := s.newAction("restart", ref, actions.Mutating,
		kubectl(ref.Cluster, "rollout restart "+lower+"/"+ref.Name+nsFlag(ref.Namespace)))
	genAt := -1       // st.seq when the run started; -1 before
	var key [3]string // cluster, namespace, name
	a.check = func(st *state) error {
		_, err := st.findWorkload(kind, ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		w, _ := st.findWorkload(kind, ref)
		wl := st.inv.Workloads[w]
		return actions.Plan{
			Summary:   fmt.Sprintf("restart %d pods of %s %s/%s one at a time (simulated)", wl.Desired, lower, wl.Namespace, wl.Name),
			Change:    1,
			Resources: []string{lower + "/" + wl.Namespace + "/" + wl.Name},
			Calls: []string{
				kubectl(wl.Cluster, "rollout restart "+lower+"/"+wl.Name+" -n "+wl.Namespace),
				kubectl(wl.Cluster, "rollout status "+lower+"/"+wl.Name+" -n "+wl.Namespace),
			},
		}
	}
	a.run = func(r *runner) error {
		var olds []string
		if err := r.step(func(st *state) (string, error) {
			w, err := st.findWorkload(kind, ref)
			if err != nil {
				return "", err
			}
			wl := st.inv.Workloads[w]
			key = [3]string{wl.Cluster, wl.Namespace, wl.Name}
			genAt = st.seq
			for i := range st.pods {
				if st.pods[i].wl == w {
					olds = append(olds, st.pods[i].Name)
				}
			}
			if kind == kindDeployment {
				st.wl[w].hash = st.suffix(10)
			}
			if w == st.crashWL {
				st.crashPausedUntil = st.tick + crashCycle // a restart clears the crash loop for a while
			}
			st.event(st.now(), "Normal", "RolloutRestart", kind, wl.Cluster, wl.Namespace, wl.Name, "Restarted "+lower+" "+wl.Name)
			return fmt.Sprintf("%s.apps/%s restarted in %s/%s: replacing %d pods", lower, wl.Name, wl.Cluster, wl.Namespace, len(olds)), nil
		}); err != nil {
			return err
		}
		if kind == kindStatefulSet {
			slices.Reverse(olds) // highest ordinal first
		}
		// A quarter of the pods at a time (maxSurge/maxUnavailable 25%);
		// a StatefulSet one pod at a time.
		batch := max(1, (len(olds)+3)/4)
		if kind == kindStatefulSet {
			batch = 1
		}
		for from := 0; from < len(olds); from += batch {
			chunk := olds[from:min(from+batch, len(olds))]
			if err := r.step(func(st *state) (string, error) {
				var out []string
				for _, name := range chunk {
					i := st.podIndex(key[0], key[1], name)
					if i < 0 {
						continue
					}
					old := st.removePod(i)
					out = append(out, fmt.Sprintf("pod %s/%s terminated", old.Namespace, old.Name))
					if old.Phase == "Pending" && kind == kindDeployment {
						st.placePod(old.wl, st.deploymentPodName(old.wl), -1, st.now())
						out = append(out, st.placedLine(len(st.pods)-1))
					} else if l := st.respawn(old, ""); l != "" {
						out = append(out, l)
					}
				}
				return strings.Join(out, "\n"), nil
			}); err != nil {
				return err
			}
		}
		return r.step(func(st *state) (string, error) {
			return fmt.Sprintf("%s %s/%s rolled out", lower, key[1], key[2]), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		w, err := st.findWorkload(kind, ref)
		if err != nil {
			return false, err.Error()
		}
		if genAt < 0 {
			return false, "not restarted yet"
		}
		total, fresh, ready := 0, 0, 0
		for i := range st.pods {
			if p := &st.pods[i]; p.wl == w {
				total++
				if p.gen > genAt {
					fresh++
				}
				if p.Ready {
					ready++
				}
			}
		}
		desired := st.inv.Workloads[w].Desired
		ok := fresh == total && total == desired
		return ok, fmt.Sprintf("%d/%d pods replaced since the restart, %d ready, %d desired", fresh, total, ready, desired)
	}
	return a
}

// scaleDeployment is "scale": set a Deployment's replicas.
func (s *Sim) scaleDeployment(ref actions.Ref) *simAction {
	a := s.newAction("scale", ref, actions.Mutating, "")
	describe := func(a *simAction) {
		a.spec.Description = kubectl(ref.Cluster, "scale deployment/"+ref.Name+nsFlag(ref.Namespace)+" --replicas="+strconv.Itoa(a.count))
	}
	if w, err := s.st.findWorkload(kindDeployment, ref); err == nil {
		a.count = s.st.inv.Workloads[w].Desired + 1
	}
	describe(a)
	a.setCount = func(st *state, a *simAction, n int) error {
		if n < 0 || n > 1000 {
			return fmt.Errorf("replicas must be between 0 and 1000, not %d", n)
		}
		a.count = n
		describe(a)
		return nil
	}
	a.check = func(st *state) error {
		_, err := st.findWorkload(kindDeployment, ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		w, _ := st.findWorkload(kindDeployment, ref)
		wl := st.inv.Workloads[w]
		return actions.Plan{
			Summary:   fmt.Sprintf("scale deployment %s/%s from %d to %d replicas (simulated)", wl.Namespace, wl.Name, wl.Desired, a.count),
			Change:    1,
			NoChanges: wl.Desired == a.count,
			Resources: []string{"deployment/" + wl.Namespace + "/" + wl.Name},
			Calls:     []string{kubectl(wl.Cluster, "scale deployment/"+wl.Name+" -n "+wl.Namespace+" --replicas="+strconv.Itoa(a.count))},
		}
	}
	a.run = func(r *runner) error {
		target := a.count
		for {
			done := false
			if err := r.step(func(st *state) (string, error) {
				w, err := st.findWorkload(kindDeployment, ref)
				if err != nil {
					return "", err
				}
				wl := &st.inv.Workloads[w]
				if wl.Desired != target {
					st.event(st.now(), "Normal", "ScalingReplicaSet", kindDeployment, wl.Cluster, wl.Namespace, wl.Name,
						fmt.Sprintf("Scaled replica set %s-%s to %d from %d", wl.Name, st.wl[w].hash, target, wl.Desired))
					line := fmt.Sprintf("deployment.apps/%s scaled from %d to %d", wl.Name, wl.Desired, target)
					wl.Desired = target
					return line, nil
				}
				var mine []int
				for i := range st.pods {
					if st.pods[i].wl == w {
						mine = append(mine, i)
					}
				}
				switch {
				case len(mine) < target:
					st.placePod(w, st.deploymentPodName(w), st.pickNode(wl.Cluster, "", ""), st.now())
					return st.placedLine(len(st.pods) - 1), nil
				case len(mine) > target:
					victim := mine[len(mine)-1]
					for _, i := range mine {
						if st.pods[i].Phase == "Pending" {
							victim = i
						}
					}
					old := st.removePod(victim)
					return fmt.Sprintf("  pod %s/%s terminated", old.Namespace, old.Name), nil
				}
				done = true
				return fmt.Sprintf("deployment %s/%s has %d replicas", wl.Namespace, wl.Name, target), nil
			}); err != nil {
				return err
			}
			if done {
				return nil
			}
		}
	}
	a.verify = func(st *state) (bool, string) {
		w, err := st.findWorkload(kindDeployment, ref)
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for i := range st.pods {
			if st.pods[i].wl == w {
				n++
			}
		}
		d := st.inv.Workloads[w].Desired
		return d == a.count && n == d, fmt.Sprintf("desired %d, %d pods (wanted %d)", d, n, a.count)
	}
	return a
}

// deletePod is "delete" of a pod; its controller replaces it.
func (s *Sim) deletePod(ref actions.Ref) *simAction {
	a := s.newAction("delete", ref, actions.Destructive, kubectl(ref.Cluster, "delete pod/"+ref.Name+nsFlag(ref.Namespace)))
	var key [3]string
	var genAt int
	var replacement string
	a.check = func(st *state) error {
		_, err := st.findPod(ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		i, _ := st.findPod(ref)
		p := st.pods[i]
		what := "it is not recreated"
		if p.wl >= 0 {
			what = "its " + st.inv.Workloads[p.wl].Kind + " creates a replacement"
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("delete pod %s/%s on %s; %s (simulated)", p.Namespace, p.Name, p.Node, what),
			Destroy:   1,
			Resources: []string{"pod/" + p.Namespace + "/" + p.Name},
			Calls:     []string{kubectl(p.Cluster, "delete pod/"+p.Name+" -n "+p.Namespace+" --wait")},
		}
	}
	a.run = func(r *runner) error {
		var old pod
		if err := r.step(func(st *state) (string, error) {
			i, err := st.findPod(ref)
			if err != nil {
				return "", err
			}
			genAt = st.seq
			old = st.removePod(i)
			key = [3]string{old.Cluster, old.Namespace, old.Name}
			st.event(st.now(), "Normal", "Killing", "Pod", old.Cluster, old.Namespace, old.Name, "Stopping container "+old.Owner[strings.IndexByte(old.Owner, '/')+1:])
			return fmt.Sprintf("pod \"%s\" deleted from %s/%s", old.Name, old.Cluster, old.Namespace), nil
		}); err != nil {
			return err
		}
		return r.step(func(st *state) (string, error) {
			line := st.respawn(old, "")
			if len(st.pods) > 0 && line != "" {
				replacement = st.pods[len(st.pods)-1].Name
			}
			return line, nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		if key[2] == "" {
			return false, "not deleted yet"
		}
		i := st.podIndex(key[0], key[1], key[2])
		if i >= 0 && st.pods[i].gen <= genAt {
			return false, fmt.Sprintf("pod %s/%s still exists", key[1], key[2])
		}
		if replacement == "" {
			return true, fmt.Sprintf("pod %s/%s is gone", key[1], key[2])
		}
		j := st.podIndex(key[0], key[1], replacement)
		if j < 0 {
			return false, fmt.Sprintf("pod %s/%s is gone but its replacement %s is missing", key[1], key[2], replacement)
		}
		return true, fmt.Sprintf("pod %s/%s is gone; replacement %s is %s", key[1], key[2], replacement, st.pods[j].Phase)
	}
	return a
}

// cordon is "cordon" (on) or "uncordon" (off) of a node.
func (s *Sim) cordon(ref actions.Ref, on bool) *simAction {
	verb := "cordon"
	if !on {
		verb = "uncordon"
	}
	a := s.newAction(verb, ref, actions.Mutating, kubectl(ref.Cluster, verb+" node/"+ref.Name))
	a.check = func(st *state) error {
		ni, err := st.findNode(ref)
		if err != nil {
			return err
		}
		if st.inv.Nodes[ni].Unschedulable == on {
			if on {
				return fmt.Errorf("node %s is already cordoned", ref.Name)
			}
			return fmt.Errorf("node %s is not cordoned", ref.Name)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		ni, _ := st.findNode(ref)
		n := st.inv.Nodes[ni]
		sum := fmt.Sprintf("mark node %s unschedulable; its %d pods keep running (simulated)", n.Name, len(st.podsOn(n.Name, false)))
		if !on {
			sum = fmt.Sprintf("mark node %s schedulable again (simulated)", n.Name)
		}
		return actions.Plan{Summary: sum, Change: 1, Resources: []string{"node/" + n.Name},
			Calls: []string{kubectl(n.Cluster, verb+" node/"+n.Name)}}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			ni, err := st.findNode(ref)
			if err != nil {
				return "", err
			}
			n := &st.inv.Nodes[ni]
			n.Unschedulable = on
			if !on {
				n.Draining = false
			}
			reason := "NodeSchedulable"
			if on {
				reason = "NodeNotSchedulable"
			}
			st.event(st.now(), "Normal", reason, "Node", n.Cluster, "", n.Name, "Node "+n.Name+" status is now: "+reason)
			return fmt.Sprintf("node/%s %sed", n.Name, verb), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		ni, err := st.findNode(ref)
		if err != nil {
			return false, err.Error()
		}
		if st.inv.Nodes[ni].Unschedulable {
			return on, "node " + ref.Name + " is unschedulable"
		}
		return !on, "node " + ref.Name + " is schedulable"
	}
	return a
}

// drain is "drain" of a node: cordon, then evict every pod but DaemonSets'.
func (s *Sim) drain(ref actions.Ref) *simAction {
	a := s.newAction("drain", ref, actions.Destructive,
		kubectl(ref.Cluster, "drain node/"+ref.Name+" --ignore-daemonsets --delete-emptydir-data"))
	a.check = func(st *state) error {
		ni, err := st.findNode(ref)
		if err != nil {
			return err
		}
		n := st.inv.Nodes[ni]
		if len(st.podsOn(n.Name, true)) > 0 && st.pickNode(n.Cluster, "", n.Name) < 0 {
			return fmt.Errorf("no other schedulable node in %s could take the pods of %s", n.Cluster, n.Name)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		ni, _ := st.findNode(ref)
		n := st.inv.Nodes[ni]
		pods := st.podsOn(n.Name, true)
		res := []string{"node/" + n.Name}
		for _, p := range pods {
			res = append(res, "pod/"+p[1]+"/"+p[2])
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("cordon %s and evict %d pods to other nodes (simulated)", n.Name, len(pods)),
			Change:    1,
			Destroy:   len(pods),
			Resources: res,
			Calls: []string{
				kubectl(n.Cluster, "cordon node/"+n.Name),
				kubectl(n.Cluster, "drain node/"+n.Name+" --ignore-daemonsets --delete-emptydir-data --timeout=5m"),
			},
		}
	}
	a.run = func(r *runner) error {
		if err := r.step(func(st *state) (string, error) {
			ni, err := st.findNode(ref)
			if err != nil {
				return "", err
			}
			st.inv.Nodes[ni].Unschedulable = true
			return fmt.Sprintf("node/%s cordoned", ref.Name), nil
		}); err != nil {
			return err
		}
		return r.evictSteps(ref.Name)
	}
	a.verify = func(st *state) (bool, string) {
		ni, err := st.findNode(ref)
		if err != nil {
			return false, err.Error()
		}
		left := len(st.podsOn(ref.Name, true))
		ok := st.inv.Nodes[ni].Unschedulable && left == 0
		return ok, fmt.Sprintf("node %s unschedulable=%t, %d pods left besides DaemonSets", ref.Name, st.inv.Nodes[ni].Unschedulable, left)
	}
	return a
}

// rebuildNode is "rebuild" of a node: a new instance (and node) replaces it.
func (s *Sim) rebuildNode(ref actions.Ref) *simAction {
	a := s.newAction("rebuild", ref, actions.Destructive, "replace the instance of node "+ref.Name+" with a new one (drain, terminate, launch)")
	var oldInst, newNode string
	a.check = func(st *state) error {
		ni, err := st.findNode(ref)
		if err != nil {
			return err
		}
		n := st.inv.Nodes[ni]
		if n.ASG == "" || st.clusterIndex(n.Cluster) < 0 {
			return fmt.Errorf("node %s is not in an autoscaling group", n.Name)
		}
		if len(st.podsOn(n.Name, true)) > 0 && st.pickNode(n.Cluster, "", n.Name) < 0 {
			return fmt.Errorf("no other schedulable node in %s could take the pods of %s", n.Cluster, n.Name)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		ni, _ := st.findNode(ref)
		n := st.inv.Nodes[ni]
		return actions.Plan{
			Summary:   fmt.Sprintf("replace instance %s (node %s) in %s: drain, terminate, launch a new one in %s (simulated)", n.InstanceID, n.Name, n.ASG, n.Zone),
			Replace:   1,
			Resources: []string{"instance/" + n.InstanceID, "node/" + n.Name},
			Calls: []string{
				kubectl(n.Cluster, "drain node/"+n.Name+" --ignore-daemonsets --delete-emptydir-data"),
				"aws autoscaling terminate-instance-in-auto-scaling-group --region " + n.Region + " --instance-id " + n.InstanceID + " --no-should-decrement-desired-capacity",
				"aws autoscaling wait: a new instance InService in " + n.ASG,
				kubectl(n.Cluster, "wait --for=condition=Ready node -l topology.kubernetes.io/zone="+n.Zone),
			},
		}
	}
	a.run = func(r *runner) error {
		var ci, z int
		if err := r.step(func(st *state) (string, error) {
			ni, err := st.findNode(ref)
			if err != nil {
				return "", err
			}
			n := st.inv.Nodes[ni]
			oldInst = n.InstanceID
			ci = st.clusterIndex(n.Cluster)
			z = slices.Index(st.cl[ci].zones, n.Zone)
			return fmt.Sprintf("rebuilding node %s (instance %s)", n.Name, n.InstanceID), nil
		}); err != nil {
			return err
		}
		if err := r.retireSteps(ref.Name); err != nil {
			return err
		}
		return r.launchSteps(ci, max(z, 0), &newNode)
	}
	a.verify = func(st *state) (bool, string) {
		if _, err := st.findNode(ref); err == nil {
			return false, "node " + ref.Name + " still exists"
		}
		ni := st.nodeIndex(newNode)
		if ni < 0 {
			return false, "the replacement node did not join"
		}
		n := st.inv.Nodes[ni]
		return n.Ready && n.InstanceID != oldInst, fmt.Sprintf("node %s replaced by %s (instance %s), ready=%t", ref.Name, n.Name, n.InstanceID, n.Ready)
	}
	return a
}

// rebuildGroup is "rebuild" of an autoscaling group: every instance is
// replaced, one at a time, launching the new one first.
func (s *Sim) rebuildGroup(ref actions.Ref) *simAction {
	a := s.newAction("rebuild", ref, actions.Destructive, "replace every instance of autoscaling group "+ref.Name+", one at a time")
	a.spec.Timeout = time.Hour
	var olds []string // instance ids at the start
	a.check = func(st *state) error {
		g, err := st.findASG(ref)
		if err != nil {
			return err
		}
		if st.asgCluster(g) < 0 {
			return fmt.Errorf("autoscaling group %s has no cluster", ref.Name)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		g, _ := st.findASG(ref)
		asg := st.inv.AutoscalingGroups[g]
		nodes := st.asgNodes(asg)
		res := []string{"autoscaling_group/" + asg.Name}
		for _, n := range nodes {
			res = append(res, "instance/"+n.InstanceID)
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("replace the %d instances of %s one at a time: launch, drain the old node, terminate (simulated)", len(nodes), asg.Name),
			Replace:   len(nodes),
			Resources: res,
			Calls: []string{
				"aws autoscaling start-instance-refresh --region " + asg.Region + " --auto-scaling-group-name " + asg.Name + ` --preferences '{"MinHealthyPercentage":100,"MaxHealthyPercentage":110}'`,
				"aws autoscaling describe-instance-refreshes --region " + asg.Region + " --auto-scaling-group-name " + asg.Name,
			},
		}
	}
	a.run = func(r *runner) error {
		var todo []providers.Node
		var ci int
		if err := r.step(func(st *state) (string, error) {
			g, err := st.findASG(ref)
			if err != nil {
				return "", err
			}
			ci = st.asgCluster(g)
			todo = st.asgNodes(st.inv.AutoscalingGroups[g])
			olds = nil
			for _, n := range todo {
				olds = append(olds, n.InstanceID)
			}
			return fmt.Sprintf("instance refresh of %s started: %d instances to replace", ref.Name, len(todo)), nil
		}); err != nil {
			return err
		}
		for k, n := range todo {
			z := max(0, slices.Index(r.s.st.cl[ci].zones, n.Zone))
			var fresh string
			if err := r.launchSteps(ci, z, &fresh); err != nil {
				return err
			}
			if err := r.retireSteps(n.Name); err != nil {
				return err
			}
			r.say("%d/%d instances replaced", k+1, len(todo))
		}
		return nil
	}
	a.verify = func(st *state) (bool, string) {
		g, err := st.findASG(ref)
		if err != nil {
			return false, err.Error()
		}
		if olds == nil {
			return false, "not rebuilt yet"
		}
		asg := st.inv.AutoscalingGroups[g]
		nodes := st.asgNodes(asg)
		left, ready := 0, 0
		for _, n := range nodes {
			if slices.Contains(olds, n.InstanceID) {
				left++
			}
			if n.Ready {
				ready++
			}
		}
		return left == 0 && len(nodes) == asg.Desired,
			fmt.Sprintf("%d of %d original instances left; %d instances (desired %d), %d nodes ready", left, len(olds), len(nodes), asg.Desired, ready)
	}
	return a
}

// asgCluster is the index of the cluster whose workers group g is.
func (st *state) asgCluster(g int) int {
	for i, c := range st.cl {
		if c.asg == st.inv.AutoscalingGroups[g].Name && c.region == st.inv.AutoscalingGroups[g].Region {
			return i
		}
	}
	return -1
}

// asgNodes lists the nodes of a group, oldest first.
func (st *state) asgNodes(g providers.AutoscalingGroup) []providers.Node {
	var out []providers.Node
	for _, n := range st.inv.Nodes {
		if n.ASG == g.Name && n.Region == g.Region {
			out = append(out, n)
		}
	}
	return out
}

// setDesired is "set-desired": change a group's desired capacity; the
// group launches or terminates instances to match.
func (s *Sim) setDesired(ref actions.Ref) *simAction {
	a := s.newAction("set-desired", ref, actions.Mutating, "")
	describe := func(st *state, a *simAction) {
		a.spec.Description = "aws autoscaling set-desired-capacity --auto-scaling-group-name " + ref.Name + " --desired-capacity " + strconv.Itoa(a.count)
		a.spec.Effect = actions.Mutating
		if g, err := st.findASG(ref); err == nil && a.count < st.inv.AutoscalingGroups[g].Desired {
			a.spec.Effect = actions.Destructive // scaling in terminates instances
		}
	}
	if g, err := s.st.findASG(ref); err == nil {
		a.count = s.st.inv.AutoscalingGroups[g].Desired + 1
	}
	describe(s.st, a)
	a.setCount = func(st *state, a *simAction, n int) error {
		g, err := st.findASG(ref)
		if err != nil {
			return err
		}
		asg := st.inv.AutoscalingGroups[g]
		if n < asg.Min || n > asg.Max {
			return fmt.Errorf("desired capacity must be between the group's min %d and max %d, not %d", asg.Min, asg.Max, n)
		}
		a.count = n
		describe(st, a)
		return nil
	}
	a.check = func(st *state) error {
		g, err := st.findASG(ref)
		if err != nil {
			return err
		}
		asg := st.inv.AutoscalingGroups[g]
		if a.count < asg.Min || a.count > asg.Max {
			return fmt.Errorf("desired capacity %d is outside the group's min %d and max %d", a.count, asg.Min, asg.Max)
		}
		if st.asgCluster(g) < 0 {
			return fmt.Errorf("autoscaling group %s has no cluster", ref.Name)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		g, _ := st.findASG(ref)
		asg := st.inv.AutoscalingGroups[g]
		p := actions.Plan{
			Summary:   fmt.Sprintf("set the desired capacity of %s from %d to %d (simulated)", asg.Name, asg.Desired, a.count),
			Change:    1,
			NoChanges: asg.Desired == a.count,
			Resources: []string{"autoscaling_group/" + asg.Name},
			Calls: []string{"aws autoscaling set-desired-capacity --region " + asg.Region + " --auto-scaling-group-name " + asg.Name +
				" --desired-capacity " + strconv.Itoa(a.count) + " --honor-cooldown"},
		}
		if d := a.count - asg.Desired; d > 0 {
			p.Add = d
		} else {
			p.Destroy = -d
		}
		return p
	}
	a.run = func(r *runner) error {
		target := a.count
		var ci int
		var have []providers.Node
		if err := r.step(func(st *state) (string, error) {
			g, err := st.findASG(ref)
			if err != nil {
				return "", err
			}
			ci = st.asgCluster(g)
			asg := &st.inv.AutoscalingGroups[g]
			line := fmt.Sprintf("desired capacity of %s set from %d to %d", asg.Name, asg.Desired, target)
			asg.Desired = target
			have = st.asgNodes(*asg)
			return line, nil
		}); err != nil {
			return err
		}
		for n := len(have); n < target; n++ {
			var node string
			r.s.mu.Lock()
			z := r.s.st.emptiestZone(ci)
			r.s.mu.Unlock()
			if err := r.launchSteps(ci, z, &node); err != nil {
				return err
			}
		}
		for n := len(have); n > target; n-- {
			if err := r.retireSteps(have[n-1].Name); err != nil { // the newest first
				return err
			}
		}
		return nil
	}
	a.verify = func(st *state) (bool, string) {
		g, err := st.findASG(ref)
		if err != nil {
			return false, err.Error()
		}
		asg := st.inv.AutoscalingGroups[g]
		nodes := st.asgNodes(asg)
		return asg.Desired == a.count && len(nodes) == a.count,
			fmt.Sprintf("desired %d, %d instances with nodes (wanted %d)", asg.Desired, len(nodes), a.count)
	}
	return a
}

// emptiestZone is the zone of cluster ci with the fewest nodes.
func (st *state) emptiestZone(ci int) int {
	c := st.cl[ci]
	best, bestN := 0, -1
	for z, zone := range c.zones {
		n := 0
		for _, node := range st.inv.Nodes {
			if node.Cluster == c.name && node.Zone == zone {
				n++
			}
		}
		if bestN < 0 || n < bestN {
			best, bestN = z, n
		}
	}
	return best
}

// promote is "promote" of a replica: it becomes the primary and the old
// primary a replica.
func (s *Sim) promote(ref actions.Ref) *simAction {
	a := s.newAction("promote", ref, actions.Destructive, "promote replica "+ref.Name+" to primary (failover)")
	a.check = func(st *state) error {
		d, m, err := st.findMember(ref)
		if err != nil {
			return err
		}
		db, mem := st.inv.Databases[d], st.inv.Databases[d].Members[m]
		switch {
		case !promotable(db.Engine):
			return fmt.Errorf("%s members have no primary to take over from (%s)", db.Engine, db.Name)
		case mem.Role != providers.RoleReplica:
			return fmt.Errorf("%s is the %s of %s, not a replica", mem.Name, mem.Role, db.Name)
		case !mem.Healthy:
			return fmt.Errorf("replica %s is not healthy", mem.Name)
		case db.Status != "available":
			return fmt.Errorf("database %s is %s", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, m, _ := st.findMember(ref)
		db, mem := st.inv.Databases[d], st.inv.Databases[d].Members[m]
		old := primaryOf(db)
		var calls []string
		switch db.Engine {
		case "mongodb":
			calls = []string{
				"mongosh " + mem.Address + ` --eval 'rs.freeze(0)'`,
				"mongosh " + old + ` --eval 'rs.stepDown(60, 10)'`,
				"mongosh " + mem.Address + ` --eval 'rs.isMaster().ismaster'`,
			}
		case "redis":
			calls = []string{
				"redis-cli -h sessions-sentinel -p 26379 SENTINEL FAILOVER mymaster (preferring " + mem.Name + ")",
				"redis-cli -h sessions-sentinel -p 26379 SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
			}
		default:
			calls = []string{
				"aws rds failover-db-cluster --region " + db.Region + " --db-cluster-identifier " + db.Name + " --target-db-instance-identifier " + mem.Name,
				"aws rds describe-db-clusters --region " + db.Region + " --db-cluster-identifier " + db.Name,
			}
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("fail %s over: %s becomes primary, %s a replica; writes pause for a few seconds (simulated)", db.Name, mem.Name, old),
			Change:    2,
			Resources: []string{"member/" + db.Name + "/" + mem.Name, "member/" + db.Name + "/" + old},
			Calls:     calls,
		}
	}
	a.run = func(r *runner) error {
		var dbName, old string
		if err := r.step(func(st *state) (string, error) {
			d, _, err := st.findMember(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			dbName, old = db.Name, primaryOf(*db)
			db.Status = "failing-over"
			return fmt.Sprintf("failover of %s started: %s steps down", db.Name, old), nil
		}); err != nil {
			return err
		}
		if err := r.step(func(st *state) (string, error) {
			d, m, err := st.findMember(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			for i := range db.Members {
				if db.Members[i].Role == providers.RolePrimary {
					db.Members[i].Role = providers.RoleReplica
					db.Members[i].LagSeconds = 0.2
				}
			}
			db.Members[m].Role = providers.RolePrimary
			db.Members[m].LagSeconds = 0
			return fmt.Sprintf("%s elected primary of %s", db.Members[m].Name, db.Name), nil
		}); err != nil {
			return err
		}
		return r.step(func(st *state) (string, error) {
			if d, _, err := st.findMember(ref); err == nil {
				st.inv.Databases[d].Status = "available"
			}
			return fmt.Sprintf("%s is now a replica of %s; %s available", old, ref.Name, dbName), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		d, m, err := st.findMember(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		primaries := 0
		for _, mem := range db.Members {
			if mem.Role == providers.RolePrimary {
				primaries++
			}
		}
		role := db.Members[m].Role
		return role == providers.RolePrimary && primaries == 1,
			fmt.Sprintf("%s is %s of %s (%d primary)", ref.Name, role, db.Name, primaries)
	}
	return a
}

func primaryOf(db providers.Database) string {
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary {
			return m.Name
		}
	}
	return ""
}

// takeBackup is "backup" of a database cluster: a new completed backup.
func (s *Sim) takeBackup(ref actions.Ref) *simAction {
	a := s.newAction("backup", ref, actions.Mutating, "take a backup of database "+ref.Name)
	var id string
	a.check = func(st *state) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		if db := st.inv.Databases[d]; db.Status != "available" {
			return fmt.Errorf("database %s is %s, not available", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, _ := st.findDB(ref)
		db := st.inv.Databases[d]
		var call string
		switch db.Engine {
		case "aurora-postgresql":
			call = "aws rds create-db-cluster-snapshot --region " + db.Region + " --db-cluster-identifier " + db.Name + " --db-cluster-snapshot-identifier " + db.Name + "-manual-<time>"
		case "mongodb":
			call = "mongodump --uri " + db.Endpoint + " --oplog --archive=s3://demo-backups/" + db.Name + "/<time>.archive"
		case "redis":
			call = "redis-cli -h " + primaryOf(db) + " BGSAVE (then copy dump.rdb to s3://demo-backups/" + db.Name + "/)"
		default:
			call = "curl -XPOST http://pilosa.data.svc:10101/backup?to=s3://demo-backups/" + db.Name + "/<time>"
		}
		return actions.Plan{Summary: fmt.Sprintf("take a backup of %s (%s; last one %s) (simulated)", db.Name, db.Engine, db.LastBackup.UTC().Format(time.RFC3339)),
			Add: 1, Resources: []string{"backup/" + db.Name}, Calls: []string{call}}
	}
	a.run = func(r *runner) error {
		if err := r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			t := st.now()
			if strings.HasPrefix(db.Engine, "aurora") {
				id = db.Name + "-manual-" + t.UTC().Format("2006-01-02-15-04-05")
			} else {
				id = db.Name + "-manual-" + t.UTC().Format("20060102-150405")
			}
			for n := 2; slices.ContainsFunc(db.Backups, func(b providers.Backup) bool { return b.ID == id }); n++ {
				id = strings.TrimSuffix(id, "-"+strconv.Itoa(n-1)) + "-" + strconv.Itoa(n)
			}
			size := 1000.0
			if len(db.Backups) > 0 {
				size = db.Backups[len(db.Backups)-1].SizeMiB * 1.001
			}
			db.Backups = append(db.Backups, providers.Backup{ID: id, Time: t, Status: "creating", SizeMiB: roundTo(size, 1)})
			return fmt.Sprintf("backup %s of %s started", id, db.Name), nil
		}); err != nil {
			return err
		}
		for _, pct := range []int{35, 80} {
			if err := r.step(func(st *state) (string, error) { return fmt.Sprintf("  %s: %d%%", id, pct), nil }); err != nil {
				return err
			}
		}
		return r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			for i := range db.Backups {
				if db.Backups[i].ID == id {
					db.Backups[i].Status = "completed"
					db.LastBackup = db.Backups[i].Time
				}
			}
			return fmt.Sprintf("backup %s completed", id), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		d, err := st.findDB(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		for _, b := range db.Backups {
			if b.ID == id {
				return b.Status == "completed" && db.LastBackup.Equal(b.Time),
					fmt.Sprintf("backup %s is %s; last backup of %s is %s", id, b.Status, db.Name, db.LastBackup.UTC().Format(time.RFC3339))
			}
		}
		return false, "backup " + id + " not found"
	}
	return a
}

// restoreBackup is "restore" of a database cluster from a backup (the
// latest completed one unless SetBackup picks another).
func (s *Sim) restoreBackup(ref actions.Ref) *simAction {
	a := s.newAction("restore", ref, actions.Destructive, "")
	describe := func(a *simAction) {
		a.spec.Description = "restore database " + ref.Name + " from backup " + a.backup + " (its current data is replaced)"
	}
	if d, err := s.st.findDB(ref); err == nil {
		a.backup = latestCompleted(s.st.inv.Databases[d])
	}
	describe(a)
	a.setBack = func(st *state, a *simAction, id string) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		if !hasBackup(st.inv.Databases[d], id) {
			return fmt.Errorf("database %s has no completed backup %q", ref.Name, id)
		}
		a.backup = id
		describe(a)
		return nil
	}
	a.check = func(st *state) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		db := st.inv.Databases[d]
		if a.backup == "" || !hasBackup(db, a.backup) {
			return fmt.Errorf("database %s has no completed backup %q", db.Name, a.backup)
		}
		if db.Status != "available" {
			return fmt.Errorf("database %s is %s, not available", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, _ := st.findDB(ref)
		db := st.inv.Databases[d]
		var calls []string
		switch db.Engine {
		case "aurora-postgresql":
			calls = []string{
				"aws rds restore-db-cluster-from-snapshot --region " + db.Region + " --db-cluster-identifier " + db.Name + "-restore --snapshot-identifier " + a.backup + " --engine aurora-postgresql",
				"aws rds modify-db-cluster: swap endpoints " + db.Name + "-restore → " + db.Name,
			}
		case "mongodb":
			calls = []string{"mongorestore --uri " + db.Endpoint + " --drop --oplogReplay --archive=s3://demo-backups/" + db.Name + "/" + a.backup + ".archive"}
		case "redis":
			calls = []string{"redis-cli -h " + primaryOf(db) + " SHUTDOWN NOSAVE; restore dump.rdb from s3://demo-backups/" + db.Name + "/" + a.backup + "; restart"}
		default:
			calls = []string{"curl -XPOST http://pilosa.data.svc:10101/restore?from=s3://demo-backups/" + db.Name + "/" + a.backup}
		}
		return actions.Plan{Summary: fmt.Sprintf("replace the data of %s with backup %s; writes after it are lost (simulated)", db.Name, a.backup),
			Replace: 1, Resources: []string{"database/" + db.Name}, Calls: calls}
	}
	a.run = func(r *runner) error {
		id := a.backup
		if err := r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			st.inv.Databases[d].Status = "restoring"
			return fmt.Sprintf("restoring %s from %s", ref.Name, id), nil
		}); err != nil {
			return err
		}
		for _, pct := range []int{20, 55, 90} {
			if err := r.step(func(st *state) (string, error) { return fmt.Sprintf("  restore: %d%%", pct), nil }); err != nil {
				return err
			}
		}
		return r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			db.Status = "available"
			for i := range db.Members {
				db.Members[i].LagSeconds = 0
			}
			st.restored[db.Name] = id
			return fmt.Sprintf("%s restored from %s and available", db.Name, id), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		d, err := st.findDB(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		got := st.restored[db.Name]
		return got == a.backup && db.Status == "available", fmt.Sprintf("%s is %s, restored from %q", db.Name, db.Status, got)
	}
	return a
}

func latestCompleted(db providers.Database) string {
	for i := len(db.Backups) - 1; i >= 0; i-- {
		if db.Backups[i].Status == "completed" {
			return db.Backups[i].ID
		}
	}
	return ""
}

func hasBackup(db providers.Database, id string) bool {
	return slices.ContainsFunc(db.Backups, func(b providers.Backup) bool { return b.ID == id && b.Status == "completed" })
}
