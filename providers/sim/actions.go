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
	kctl "github.com/opsconsole/console/actions/kubectl"
	"github.com/opsconsole/console/providers"
)

// runnerName is Spec.Runner of every demo action.
const runnerName = "sim"

// Sizer is implemented by the demo actions that take a count: "scale"
// (replicas) and "set-desired-capacity" (desired capacity). Offer fills in the
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

// simAction is one demo action: an actions.Steps whose steps take Sim.mu
// and call the callbacks below (every callback runs with Sim.mu held).
type simAction struct {
	actions.Steps
	s      *Sim
	check  func(st *state) error
	plan   func(st *state) actions.Plan
	run    func(r *runner) error
	verify func(st *state) (bool, string)
	// undo, when set, puts the target back into a state the views tell
	// truthfully after a run that stopped midway (cancelled or failed),
	// and says what it left and how to try again.
	undo func(st *state) string

	count    int
	setCount func(st *state, a *simAction, n int) error
	backup   string
	setBack  func(st *state, a *simAction, id string) error
	// params declares the action's parameters (actions.Parameterized);
	// setParam sets one (the value has passed Param.Validate).
	params   func(st *state, a *simAction) []actions.Param
	setParam func(st *state, a *simAction, name, value string) error
	// retarget points a promote at another member (its "member" parameter).
	retarget func(r actions.Ref)
}

var _ actions.Parameterized = (*simAction)(nil)

// Params implements actions.Parameterized.
func (a *simAction) Params() []actions.Param {
	if a.params == nil {
		return nil
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.params(a.s.st, a)
}

// SetParam implements actions.Parameterized.
func (a *simAction) SetParam(name, value string) error {
	if a.setParam == nil {
		return fmt.Errorf("%s takes no %s", a.Def.Name, name)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.setParam(a.s.st, a, name, value)
}

// countParam declares a count parameter set through setCount.
func (a *simAction) countParam(name, title string, bounds func(st *state) (current, lo, hi int)) {
	a.params = func(st *state, a *simAction) []actions.Param {
		cur, lo, hi := bounds(st)
		return []actions.Param{actions.CountParam(name, title, cur, a.count, lo, hi)}
	}
	a.setParam = func(st *state, a *simAction, _, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return err
		}
		return a.setCount(st, a, n)
	}
}

// Spec describes the action.
func (a *simAction) Spec() actions.Spec {
	a.s.mu.Lock() // SetCount may change it
	defer a.s.mu.Unlock()
	return a.Def
}

// doCheck verifies that the target exists and is in the expected state.
func (a *simAction) doCheck(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.check(a.s.st)
}

// doPreview lists the simulated API calls, changing nothing.
func (a *simAction) doPreview(ctx context.Context, _ io.Writer) (actions.Plan, error) {
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
		var b strings.Builder
		b.WriteString("demo estate: the calls are simulated; only the demo changes, nothing real is touched\n")
		for _, r := range p.Resources {
			b.WriteString("  • " + r + "\n")
		}
		p.Text = b.String()
	}
	return p, nil
}

// doRun performs the action step by step, streaming progress to out; it
// stops at the next step when ctx is done.
func (a *simAction) doRun(ctx context.Context, _ actions.Plan, out io.Writer) error {
	r := &runner{s: a.s, ctx: ctx, out: out}
	if err := a.run(r); err != nil {
		undo := slices.Clone(r.stops)
		if a.undo != nil && r.steps > 0 {
			undo = append(undo, a.undo)
		}
		for _, f := range slices.Backward(undo) {
			a.s.mu.Lock()
			msg := f(a.s.st)
			a.s.mu.Unlock()
			a.s.notify()
			if msg != "" {
				r.say("%s", msg)
			}
		}
		if ctx.Err() != nil {
			r.say("cancelled: %v", ctx.Err())
			return fmt.Errorf("%s %s: cancelled: %w", a.Def.Name, a.Def.Target, ctx.Err())
		}
		return fmt.Errorf("%s %s: %w", a.Def.Name, a.Def.Target, err)
	}
	return nil
}

// doVerify re-reads the state and says whether the intended state was reached.
func (a *simAction) doVerify(ctx context.Context) (bool, string, error) {
	if err := ctx.Err(); err != nil {
		return false, "", err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	ok, msg := a.verify(a.s.st)
	return ok, msg, nil
}

// Count is the count a "scale" or "set-desired-capacity" action sets.
func (a *simAction) Count() int {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.count
}

// SetCount changes the count a "scale" or "set-desired-capacity" action sets.
func (a *simAction) SetCount(n int) error {
	if a.setCount == nil {
		return fmt.Errorf("%s takes no count", a.Def.Name)
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.setCount(a.s.st, a, n)
}

// Backup is the backup a "restore" action restores.
func (a *simAction) Backup() string {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.backup
}

// SetBackup picks the backup a "restore" action restores.
func (a *simAction) SetBackup(id string) error {
	if a.setBack == nil {
		return fmt.Errorf("%s takes no backup", a.Def.Name)
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
	// stops put back what the steps so far left half done, when the run
	// stops midway (see simAction.undo).
	stops []func(st *state) string
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
	case actions.KindDeployment:
		if _, err := st.findWorkload(kindDeployment, ref); err == nil {
			out = append(out, s.restartWorkload(ref, kindDeployment), s.scaleDeployment(ref),
				s.undoWorkload(ref, kindDeployment), s.deleteWorkload(ref, kindDeployment))
		}
	case actions.KindStatefulSet:
		if _, err := st.findWorkload(kindStatefulSet, ref); err == nil {
			out = append(out, s.restartWorkload(ref, kindStatefulSet), s.undoWorkload(ref, kindStatefulSet), s.deleteWorkload(ref, kindStatefulSet))
		}
	case actions.KindDaemonSet:
		if _, err := st.findWorkload(kindDaemonSet, ref); err == nil {
			out = append(out, s.restartWorkload(ref, kindDaemonSet), s.undoWorkload(ref, kindDaemonSet), s.deleteWorkload(ref, kindDaemonSet))
		}
	case actions.KindCronJob:
		if c, err := st.findCronJob(ref); err == nil {
			out = append(out, s.suspendCronJob(ref, !st.cronJobs[c].suspended), s.deleteCronJob(ref))
		}
	case actions.KindPod:
		if _, err := st.findPod(ref); err == nil {
			out = append(out, s.deletePod(ref))
		}
	case actions.KindNode:
		if ni, err := st.findNode(ref); err == nil {
			if st.inv.Nodes[ni].Unschedulable {
				out = append(out, s.cordon(ref, false))
			} else {
				out = append(out, s.cordon(ref, true))
			}
			out = append(out, s.drain(ref), s.rebuildNode(ref))
		}
	case actions.KindASG:
		if g, err := st.findASG(ref); err == nil {
			out = append(out, s.rebuildGroup(ref), s.setDesired(ref))
			out = append(out, s.offerSchedule(ref, st.inv.AutoscalingGroups[g])...)
		}
	case actions.KindDatabase:
		if d, err := st.findDB(ref); err == nil {
			// promote on the database fails over to its first healthy
			// replica, as an Aurora failover without a target does.
			if db := &st.inv.Databases[d]; promotable(db.Engine) {
				if a, ok := s.failover(ref, db); ok {
					out = append(out, a)
				}
			}
			out = append(out, s.takeBackup(ref), s.restoreBackup(ref))
		}
	case kctl.KindService:
		if _, err := st.findService(ref); err == nil {
			out = append(out, s.deleteService(ref))
		}
	case kindClaims:
		if _, err := st.findClaim(ref); err == nil {
			out = append(out, s.deleteClaim(ref))
		}
	case actions.KindMember:
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
	return fmt.Errorf("%s is ambiguous: it exists in %s; name the cluster (--context %s)", ref, strings.Join(where, " and "), where[0])
}

var _ actions.Explainer = (*Sim)(nil)

// Explain implements actions.Explainer: why the demo offers nothing on
// ref (no such object, or a name in several clusters).
func (s *Sim) Explain(ref actions.Ref) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var err error
	switch ref.Kind {
	case actions.KindDeployment:
		_, err = st.findWorkload(kindDeployment, ref)
	case actions.KindStatefulSet:
		_, err = st.findWorkload(kindStatefulSet, ref)
	case actions.KindPod:
		_, err = st.findPod(ref)
	case actions.KindNode:
		_, err = st.findNode(ref)
	case actions.KindASG:
		_, err = st.findASG(ref)
	case actions.KindDatabase:
		_, err = st.findDB(ref)
	case actions.KindMember:
		_, _, err = st.findMember(ref)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func (st *state) findWorkload(kind string, ref actions.Ref) (int, error) {
	found, where := -1, []string(nil)
	for i, w := range st.inv.Workloads {
		if w.Kind == kind && !st.wl[i].deleted && w.Name == ref.Name && (ref.Namespace == "" || w.Namespace == ref.Namespace) &&
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
	return st.findOne(ref, "pod", len(st.pods), func(i int) (string, string, string) {
		return st.pods[i].Cluster, st.pods[i].Namespace, st.pods[i].Name
	})
}

// findOne returns the index of the one of n objects of kind what that ref
// names (at(i) is object i's cluster, namespace and name; an empty name
// is never matched): an error when none is, or when several clusters have one.
func (st *state) findOne(ref actions.Ref, what string, n int, at func(i int) (cluster, ns, name string)) (int, error) {
	found, where := -1, []string(nil)
	for i := range n {
		cluster, ns, name := at(i)
		if name != "" && name == ref.Name && (ref.Namespace == "" || ns == ref.Namespace) && matchScope(ref, cluster, st.clusterRegion(cluster)) {
			found = i
			where = append(where, cluster)
		}
	}
	switch {
	case found < 0:
		return -1, fmt.Errorf("no %s %s in the demo estate", what, refName(ref))
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
		r.stops = append(r.stops, func(st *state) string {
			ni := st.nodeIndex(node)
			if ni < 0 || !st.inv.Nodes[ni].Draining {
				return ""
			}
			st.inv.Nodes[ni].Draining = false // nothing drains it any more
			return ""
		})
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
			if wl.Kind == kindDaemonSet && !st.wl[w].deleted && wl.Cluster == st.cl[ci].name {
				st.placePod(w, wl.Name+"-"+st.suffix(5), ni, st.now())
			}
		}
		st.setNodeReady(ni, true)
		return fmt.Sprintf("instance %s running; node %s joined the cluster and is Ready", inst, *node), nil
	})
}

// --- the actions ---

func (s *Sim) newAction(name actions.Verb, ref actions.Ref, effect actions.Effect, desc string) *simAction {
	a := &simAction{s: s}
	a.Steps = actions.Steps{Def: actions.Spec{Name: name, Target: ref, Runner: runnerName, Effect: effect, Description: desc},
		DoCheck: a.doCheck, DoPreview: a.doPreview, DoRun: a.doRun, DoVerify: a.doVerify}
	return a
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
