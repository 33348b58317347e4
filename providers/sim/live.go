package sim

import (
	"math"
	"slices"
	"strings"

	"github.com/opsconsole/console/providers"
)

// Cycles of the recurring incidents, in ticks.
const (
	crashCycle  = 60 // the crash-looping pod: CrashLoopBackOff for the first crashTicks of each cycle
	crashTicks  = 25
	flapCycle   = 90 // the flapping node: NotReady from flapFrom to flapTo of each cycle
	flapFrom    = 40
	flapTo      = 55
	restartOdds = 4 // one random restart every restartOdds ticks on average
	flickerOdds = 5 // one target turns unhealthy every flickerOdds ticks on average
)

// step advances the estate by one tick.
func (st *state) step() {
	st.tick++
	t := st.now()

	// Traffic: a slow wave plus noise.
	wave := 1 + 0.15*math.Sin(2*math.Pi*float64(st.tick)/300)
	for i := range st.wl {
		if w := &st.wl[i]; w.base > 0 {
			w.rps = roundTo(w.base*wave*(0.9+0.2*st.rng.Float64()), 1)
		}
	}

	// Replica lag: a random walk, with now and then a spike.
	for d := range st.inv.Databases {
		db := &st.inv.Databases[d]
		for m := range db.Members {
			mem := &db.Members[m]
			if mem.Role != providers.RoleReplica {
				mem.LagSeconds = 0
				continue
			}
			if db.Engine == "aurora-postgresql" {
				mem.LagSeconds = roundTo(0.005+st.rng.Float64()*0.04, 3)
				continue
			}
			lag := mem.LagSeconds + (st.rng.Float64()-0.5)*0.6
			if st.rng.IntN(40) == 0 {
				lag += 4 + st.rng.Float64()*8
			}
			if lag > 3 {
				lag *= 0.7 // catching up
			}
			mem.LagSeconds = roundTo(max(0, lag), 2)
		}
	}

	// The crash-looping pod.
	if p := st.firstPod(st.crashWL); p != nil && st.tick >= st.crashPausedUntil {
		if st.tick%crashCycle < crashTicks {
			if p.Reason != "CrashLoopBackOff" || st.tick%6 == 0 {
				p.Restarts++
				st.event(t, "Warning", "BackOff", "Pod", p.Cluster, p.Namespace, p.Name,
					"Back-off restarting failed container "+st.inv.Workloads[p.wl].Name+" in pod "+p.Name)
			}
			p.Ready, p.Reason = false, "CrashLoopBackOff"
		} else if p.Reason == "CrashLoopBackOff" {
			p.Reason = ""
			p.Ready = st.nodeReady(p.Node)
		}
	}

	// The flapping node.
	if ni := st.nodeIndex(st.flapNode); ni >= 0 {
		n := &st.inv.Nodes[ni]
		phase := st.tick % flapCycle
		down := phase >= flapFrom && phase < flapTo
		if down && n.Ready {
			st.setNodeReady(ni, false)
			st.event(t, "Warning", "NodeNotReady", "Node", n.Cluster, "", n.Name, "Node "+n.Name+" status is now: NodeNotReady (kubelet stopped posting node status)")
		} else if !down && !n.Ready {
			st.setNodeReady(ni, true)
			st.event(t, "Normal", "NodeReady", "Node", n.Cluster, "", n.Name, "Node "+n.Name+" status is now: NodeReady")
		}
	}

	// A random container restart after a failed liveness probe.
	if len(st.pods) > 0 && st.rng.IntN(restartOdds) == 0 {
		p := &st.pods[st.rng.IntN(len(st.pods))]
		if p.Phase == "Running" && p.Reason == "" && p.wl != st.crashWL {
			p.Restarts++
			st.event(t, "Warning", "Unhealthy", "Pod", p.Cluster, p.Namespace, p.Name,
				livenessFailure(st.inv.Workloads[p.wl].Kind, p.IP, st.wl[p.wl].port))
		}
	}

	// A load balancer target fails its health checks for a few ticks.
	for id, until := range st.flicker {
		if st.tick >= until {
			delete(st.flicker, id)
		}
	}
	if len(st.lbs) > 0 && st.rng.IntN(flickerOdds) == 0 {
		lb := st.lbs[st.rng.IntN(len(st.lbs))]
		if p := st.nthPod(lb.wl, st.rng.IntN(4)); p != nil && p.IP != "" {
			st.flicker[p.IP] = st.tick + 3 + st.rng.IntN(6)
		}
	}
}

// nthPod returns the n-th running pod of workload w (wrapping), or nil.
func (st *state) nthPod(w, n int) *pod {
	var found []*pod
	for i := range st.pods {
		if st.pods[i].wl == w && st.pods[i].Phase == "Running" {
			found = append(found, &st.pods[i])
			if len(found) > n {
				return found[n]
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	return found[n%len(found)]
}

func (st *state) nodeIndex(name string) int {
	if name == "" {
		return -1
	}
	for i := range st.inv.Nodes {
		if st.inv.Nodes[i].Name == name {
			return i
		}
	}
	return -1
}

func (st *state) nodeReady(name string) bool {
	i := st.nodeIndex(name)
	return i >= 0 && st.inv.Nodes[i].Ready
}

// setNodeReady changes a node's readiness and that of its pods.
func (st *state) setNodeReady(ni int, ready bool) {
	n := &st.inv.Nodes[ni]
	n.Ready = ready
	for i := range st.pods {
		p := &st.pods[i]
		if p.Node == n.Name && p.Phase == "Running" {
			p.Ready = ready && p.Reason == ""
		}
	}
}

// snapshot returns a fresh, fully independent copy of the estate with the
// derived fields computed: workload readiness and traffic, ASG instances,
// load balancer targets and their health.
func (st *state) snapshot() *providers.Inventory {
	src := &st.inv
	inv := &providers.Inventory{
		Regions:   slices.Clone(src.Regions),
		Zones:     slices.Clone(src.Zones),
		VPCs:      slices.Clone(src.VPCs),
		Subnets:   slices.Clone(src.Subnets),
		Instances: slices.Clone(src.Instances),
		Nodes:     slices.Clone(src.Nodes),
		Events:    slices.Clone(src.Events),
		Workloads: slices.Clone(src.Workloads),
		// Repositories and their images are never modified: shared.
		ImageRepositories: slices.Clone(src.ImageRepositories),
	}
	// Node label maps are shared: the sim never changes a label map once made.

	// Pods, workload readiness, and the pods behind load balancers.
	behindLB := make([]bool, len(st.wl))
	for _, lb := range st.lbs {
		behindLB[lb.wl] = true
	}
	podsOf := map[int][]int{}
	inv.Pods = make([]providers.Pod, len(st.pods))
	for i := range st.pods {
		p := &st.pods[i]
		inv.Pods[i] = p.Pod
		if p.wl < 0 {
			continue
		}
		// every pod of the sim runs its workload's current template
		w := &inv.Workloads[p.wl]
		w.UpToDate++
		if p.Ready {
			w.Ready++
			w.Available++
		}
		if w.Images == nil && len(p.Images) > 0 {
			w.Images = make([]string, len(p.Images))
			for j, im := range p.Images {
				w.Images[j] = im.Image
			}
		}
		if behindLB[p.wl] {
			podsOf[p.wl] = append(podsOf[p.wl], i)
		}
	}
	for i := range inv.Workloads {
		inv.Workloads[i].RPS = st.wl[i].rps
	}
	if slices.ContainsFunc(st.wl, func(w wlInfo) bool { return w.deleted }) {
		kept := inv.Workloads[:0]
		for i, w := range inv.Workloads {
			if !st.wl[i].deleted {
				kept = append(kept, w)
			}
		}
		inv.Workloads = kept
	}

	// Autoscaling groups list their live instances.
	inv.AutoscalingGroups = make([]providers.AutoscalingGroup, len(src.AutoscalingGroups))
	for i, g := range src.AutoscalingGroups {
		g.Zones = slices.Clone(g.Zones)
		g.Instances = nil
		for _, in := range src.Instances {
			if in.ASG != g.Name || in.Region != g.Region {
				continue
			}
			switch in.State {
			case "running":
				g.InService++
			case "pending":
				g.Pending++
			case "shutting-down":
				g.Terminating++
			default:
				continue
			}
			g.Instances = append(g.Instances, in.ID)
		}
		inv.AutoscalingGroups[i] = g
	}

	// Load balancers: targets are the pods of their workload.
	inv.LoadBalancers = make([]providers.LoadBalancer, len(src.LoadBalancers))
	for i, lb := range src.LoadBalancers {
		info := st.lbs[i]
		lb.Zones = slices.Clone(lb.Zones)
		lb.Listeners = slices.Clone(lb.Listeners)
		tg := providers.TargetGroup{Name: info.tgName, Port: info.port}
		for _, pi := range podsOf[info.wl] {
			p := &st.pods[pi]
			if p.IP == "" {
				continue
			}
			h := "healthy"
			if !p.Ready {
				h = "unhealthy"
			} else if _, bad := st.flicker[p.IP]; bad {
				h = "unhealthy"
			}
			if h == "healthy" {
				lb.TargetsHealthy++
			}
			tg.Targets = append(tg.Targets, providers.Target{ID: p.IP, Port: info.port, Health: h})
		}
		lb.TargetsTotal = len(tg.Targets)
		lb.TargetGroups = []providers.TargetGroup{tg}
		lb.RPS = st.wl[info.wl].rps
		inv.LoadBalancers[i] = lb
	}

	inv.Databases = make([]providers.Database, len(src.Databases))
	for i, db := range src.Databases {
		db.Members = slices.Clone(db.Members)
		db.Backups = slices.Clone(db.Backups)
		st.setMemberStatus(&db)
		inv.Databases[i] = db
	}
	st.kubeObjects(inv)
	st.agents(inv)
	return inv
}

// agents fills each node's agents: the demo's DaemonSets select every
// node of their cluster (no node selector, no taints), with the same
// grace as a real cluster's (providers.AgentWaitReason).
func (st *state) agents(inv *providers.Inventory) {
	idx := providers.AgentPods(inv.Pods)
	now := st.now()
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		n.Agents = nil
		wait := providers.AgentWaitReason(n, now, providers.AgentGrace)
		for _, w := range inv.Workloads {
			if w.Kind == kindDaemonSet && w.Cluster == n.Cluster {
				n.Agents = append(n.Agents, providers.AgentOn(idx, n.Name, w.Namespace, w.Name, wait))
			}
		}
		slices.SortFunc(n.Agents, func(a, b providers.Agent) int { return strings.Compare(a.DaemonSet, b.DaemonSet) })
	}
}
