package kube

import (
	"cmp"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

// maxEvents bounds the number of recent warning events in a view.
const maxEvents = 200

// view holds the converted objects of one cluster. Informer handlers update
// it (convert once per change); emit copies it into an Inventory. It is safe
// for concurrent use.
type view struct {
	cluster string
	region  string

	mu sync.Mutex
	// pods is a dense slice (copied with one memmove per emit) indexed by podIdx.
	pods   []podRec
	podIdx map[nsName]int
	// podsMoved is set when pods were added or removed: the slice is
	// re-sorted at the next emit.
	podsMoved bool
	nodes     map[string]nodeRec
	workloads map[string]providers.Workload // Kind/ns/name
	rsOwners  map[nsName]string
	// daemonSets are the DaemonSets' scheduling rules (agents.go).
	daemonSets map[nsName]*dsRec
	events     map[string]providers.Event // by uid
	hidden     []providers.Hidden
	dirty      bool

	// Storage and services (storage.go): claims and services by
	// namespace/name, volumes by name, slices by namespace/slice name.
	claims   map[nsName]claimRec
	volumes  map[string]volumeRec
	services map[nsName]serviceRec
	slices   map[nsName]sliceRec
	// slicesKnown is false when EndpointSlices cannot be listed.
	slicesKnown bool
	// usage is the claims' usage from the kubelets (stats.go), statsHidden
	// what could not be read of it.
	usage       map[nsName]volumeUsage
	statsHidden *providers.Hidden

	// provisional are, per informer, the objects of its first list shown
	// page by page before the informer has the whole list (stage; a pod
	// by its key alone, nil); the
	// informer's own handler confirms each (confirm), and what is left
	// when it has synced is removed (settle: a page of a list that failed
	// and was listed again).
	provisional map[int]map[nsName]any
	// staged is set once a page was staged; kick is signalled then, so
	// that the first rows are sent without waiting for the emit ticker.
	staged  bool
	stagedN int // objects staged so far
	kick    chan struct{}
	// complete is set once every informer has its whole first list.
	complete bool
	now      func() time.Time
	// agentGrace is how long a DaemonSet's pod may be missing from a new
	// node or of a new DaemonSet (Options.AgentGrace).
	agentGrace time.Duration
}

func newView(cluster, region string) *view {
	return &view{
		cluster:    cluster,
		region:     region,
		podIdx:     map[nsName]int{},
		nodes:      map[string]nodeRec{},
		workloads:  map[string]providers.Workload{},
		rsOwners:   map[nsName]string{},
		daemonSets: map[nsName]*dsRec{},
		events:     map[string]providers.Event{},
		claims:     map[nsName]claimRec{},
		volumes:    map[string]volumeRec{},
		services:   map[nsName]serviceRec{},
		slices:     map[nsName]sliceRec{},

		provisional: map[int]map[nsName]any{},
		kick:        make(chan struct{}, 1),
		now:         time.Now,
		agentGrace:  providers.AgentGrace,
	}
}

// setComplete records that every informer has its whole first list.
func (v *view) setComplete() {
	v.mu.Lock()
	v.complete = true
	v.dirty = true
	v.mu.Unlock()
}

// objKey is the namespace/name of a (transformed) object.
func objKey(obj any) nsName {
	if o, ok := obj.(metav1.Object); ok {
		return nsName{o.GetNamespace(), o.GetName()}
	}
	return nsName{}
}

// stage shows objects of informer src's first list as their page
// arrives, provisionally (see provisional).
func (v *view) stage(src int, objs []any) {
	if len(objs) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	p := v.provisional[src]
	if p == nil {
		p = make(map[nsName]any, len(objs))
		v.provisional[src] = p
	}
	for _, o := range objs {
		v.upsertLocked(o)
		if _, isPod := o.(*podObj); isPod {
			p[objKey(o)] = nil // the key is enough to remove a pod: its podObj is not kept
		} else {
			p[objKey(o)] = o
		}
	}
	v.stagedN += len(objs)
	if !v.staged {
		v.staged = true
		select {
		case v.kick <- struct{}{}:
		default:
		}
	}
}

// confirm records an object added or updated by informer src's handler.
func (v *view) confirm(src int, obj any) {
	obj = unwrap(obj)
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := v.provisional[src]; p != nil {
		delete(p, objKey(obj))
	}
	v.upsertLocked(obj)
}

// forget records an object deleted by informer src's handler.
func (v *view) forget(src int, obj any) {
	obj = unwrap(obj)
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := v.provisional[src]; p != nil {
		delete(p, objKey(obj))
	}
	v.removeLocked(obj)
}

// settle ends informer src's first list: its staged objects that its
// handler did not confirm are removed.
func (v *view) settle(src int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, o := range v.provisional[src] {
		if o == nil {
			o = &podObj{ObjectMeta: metav1.ObjectMeta{Namespace: k.ns, Name: k.name}}
		}
		v.removeLocked(o)
	}
	delete(v.provisional, src)
}

// hasStaged reports whether a page of a first list has been shown, and
// how many objects have been staged.
func (v *view) hasStaged() (bool, int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.staged, v.stagedN
}

// upsert records an added or updated object.
func (v *view) upsert(obj any) {
	obj = unwrap(obj)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.upsertLocked(obj)
}

// upsertLocked records an added or updated object; v.mu is held.
func (v *view) upsertLocked(obj any) {
	v.dirty = true
	switch o := obj.(type) {
	case *podObj:
		r := o.rec
		k := nsName{o.Namespace, o.Name}
		if i, ok := v.podIdx[k]; ok {
			v.pods[i] = r
			return
		}
		v.podIdx[k] = len(v.pods)
		v.pods = append(v.pods, r)
		v.podsMoved = true
	case *corev1.Node:
		v.nodes[o.Name] = convertNode(o, v.cluster, v.region)
	case *appsv1.ReplicaSet:
		v.rsOwners[nsName{o.Namespace, o.Name}] = rsOwner(o)
	case *appsv1.DaemonSet:
		d := convertDaemonSet(o)
		v.daemonSets[nsName{o.Namespace, o.Name}] = &d
		if w, ok := convertWorkload(o, v.cluster); ok {
			v.workloads[w.Kind+"/"+w.Namespace+"/"+w.Name] = w
		}
	case *corev1.Event:
		v.events[string(o.UID)] = convertEvent(o, v.cluster)
	case *recObj[claimRec]:
		v.claims[nsName{o.Namespace, o.Name}] = o.rec
	case *recObj[volumeRec]:
		v.volumes[o.Name] = o.rec
	case *recObj[serviceRec]:
		v.services[nsName{o.Namespace, o.Name}] = o.rec
	case *recObj[sliceRec]:
		v.slices[nsName{o.Namespace, o.Name}] = o.rec
	default:
		if w, ok := convertWorkload(o, v.cluster); ok {
			v.workloads[w.Kind+"/"+w.Namespace+"/"+w.Name] = w
		}
	}
}

// remove records a deleted object.
func (v *view) remove(obj any) {
	obj = unwrap(obj)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.removeLocked(obj)
}

// removeLocked records a deleted object; v.mu is held.
func (v *view) removeLocked(obj any) {
	v.dirty = true
	switch o := obj.(type) {
	case *podObj:
		k := nsName{o.Namespace, o.Name}
		i, ok := v.podIdx[k]
		if !ok {
			return
		}
		last := len(v.pods) - 1
		if i != last {
			v.pods[i] = v.pods[last]
			v.podIdx[nsName{v.pods[i].pod.Namespace, v.pods[i].pod.Name}] = i
		}
		v.pods[last] = podRec{}
		v.pods = v.pods[:last]
		delete(v.podIdx, k)
		v.podsMoved = true
	case *corev1.Node:
		delete(v.nodes, o.Name)
	case *appsv1.ReplicaSet:
		delete(v.rsOwners, nsName{o.Namespace, o.Name})
	case *appsv1.DaemonSet:
		delete(v.daemonSets, nsName{o.Namespace, o.Name})
		if w, ok := convertWorkload(o, v.cluster); ok {
			delete(v.workloads, w.Kind+"/"+w.Namespace+"/"+w.Name)
		}
	case *corev1.Event:
		delete(v.events, string(o.UID))
	case *recObj[claimRec]:
		delete(v.claims, nsName{o.Namespace, o.Name})
	case *recObj[volumeRec]:
		delete(v.volumes, o.Name)
	case *recObj[serviceRec]:
		delete(v.services, nsName{o.Namespace, o.Name})
	case *recObj[sliceRec]:
		delete(v.slices, nsName{o.Namespace, o.Name})
	default:
		if w, ok := convertWorkload(o, v.cluster); ok {
			delete(v.workloads, w.Kind+"/"+w.Namespace+"/"+w.Name)
		}
	}
}

// setHidden records what the user may not see.
func (v *view) setHidden(h []providers.Hidden) {
	v.mu.Lock()
	v.hidden = h
	v.dirty = true
	v.mu.Unlock()
}

// setSlicesKnown records whether EndpointSlices can be listed.
func (v *view) setSlicesKnown(known bool) {
	v.mu.Lock()
	v.slicesKnown = known
	v.dirty = true
	v.mu.Unlock()
}

// setStatsHidden records that the volumes' usage cannot be read at all.
func (v *view) setStatsHidden(h *providers.Hidden) {
	v.mu.Lock()
	v.statsHidden = h
	v.dirty = true
	v.mu.Unlock()
}

// setUsage records the claims' usage read from the kubelets and what
// could not be read (nil: everything was).
func (v *view) setUsage(u map[nsName]volumeUsage, h *providers.Hidden) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !maps.Equal(u, v.usage) || (h == nil) != (v.statsHidden == nil) || (h != nil && *h != *v.statsHidden) {
		v.dirty = true
	}
	v.usage, v.statsHidden = u, h
}

// claimNodes are the nodes running a pod that mounts a claim, sorted.
func (v *view) claimNodes() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	seen := map[string]bool{}
	for i := range v.pods {
		if r := &v.pods[i]; len(r.claims) > 0 && r.pod.Node != "" {
			seen[r.pod.Node] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// takeDirty reports whether the view changed since the last call.
func (v *view) takeDirty() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	d := v.dirty
	v.dirty = false
	return d
}

// markDirty forces the next emit.
func (v *view) markDirty() {
	v.mu.Lock()
	v.dirty = true
	v.mu.Unlock()
}

// inventory builds a fresh, complete Inventory from the view. Pods are
// sorted by namespace/name, nodes by name, workloads by kind/namespace/name,
// events newest first (at most maxEvents).
func (v *view) inventory() *providers.Inventory {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.podsMoved {
		slices.SortFunc(v.pods, func(a, b podRec) int {
			if c := cmp.Compare(a.pod.Namespace, b.pod.Namespace); c != 0 {
				return c
			}
			return cmp.Compare(a.pod.Name, b.pod.Name)
		})
		for i := range v.pods {
			v.podIdx[nsName{v.pods[i].pod.Namespace, v.pods[i].pod.Name}] = i
		}
		v.podsMoved = false
	}
	inv := &providers.Inventory{}
	inv.Pods = make([]providers.Pod, len(v.pods))
	var terminating map[string]int
	for i := range v.pods {
		r := &v.pods[i]
		inv.Pods[i] = r.pod
		if r.rs != "" {
			inv.Pods[i].Owner = resolveOwner(r, v.rsOwners)
		}
		if r.terminating && r.pod.Node != "" {
			if terminating == nil {
				terminating = map[string]int{}
			}
			terminating[r.pod.Node]++
		}
	}
	inv.Nodes = make([]providers.Node, 0, len(v.nodes))
	for _, r := range v.nodes {
		n := r.node
		// Draining: cordoned while its pods are being evicted, or tainted
		// for removal by an autoscaler.
		n.Draining = r.drainTaint || (n.Unschedulable && terminating[n.Name] > 0)
		inv.Nodes = append(inv.Nodes, n)
	}
	sort.Slice(inv.Nodes, func(i, j int) bool { return inv.Nodes[i].Name < inv.Nodes[j].Name })
	if v.complete {
		// Agents only from complete lists: a pod not listed yet is not
		// missing.
		objs := make(map[string]*corev1.Node, len(v.nodes))
		for name, r := range v.nodes {
			objs[name] = r.obj
		}
		agents(inv.Nodes, objs, sortedDaemonSets(v.daemonSets), inv.Pods, v.now(), v.agentGrace)
	}
	inv.Workloads = make([]providers.Workload, 0, len(v.workloads))
	for _, w := range v.workloads {
		inv.Workloads = append(inv.Workloads, w)
	}
	sort.Slice(inv.Workloads, func(i, j int) bool {
		a, b := inv.Workloads[i], inv.Workloads[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	inv.Events = make([]providers.Event, 0, min(len(v.events), maxEvents))
	for _, e := range v.events {
		inv.Events = append(inv.Events, e)
	}
	sort.Slice(inv.Events, func(i, j int) bool {
		if !inv.Events[i].Time.Equal(inv.Events[j].Time) {
			return inv.Events[i].Time.After(inv.Events[j].Time)
		}
		return inv.Events[i].Object < inv.Events[j].Object
	})
	if len(inv.Events) > maxEvents {
		inv.Events = inv.Events[:maxEvents:maxEvents]
	}
	inv.Services = serviceInventory(v.services, v.slices, v.slicesKnown, v.cluster)
	inv.VolumeClaims = claimInventory(v.claims, v.volumes, v.pods, v.usage, v.cluster)
	inv.Hidden = append([]providers.Hidden(nil), v.hidden...)
	if v.statsHidden != nil && len(inv.VolumeClaims) > 0 {
		inv.Hidden = append(inv.Hidden, *v.statsHidden)
	}
	// Regions and zones named by nodes are added by providers.Join.
	return inv
}
