package kube

import (
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/opsconsole/console/providers"
)

// daemonTolerations are the tolerations the DaemonSet controller adds to
// every daemon pod (k8s.io/kubernetes pkg/controller/daemon/util
// AddOrUpdateDaemonPodTolerations; documented in "DaemonSet: Taints and
// tolerations"): daemon pods stay on not-ready and unreachable nodes and
// are scheduled on nodes under disk, memory or PID pressure and on
// unschedulable (cordoned) ones; network-unavailable only for pods on the
// host network.
var daemonTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// hostNetworkToleration is added for daemon pods on the host network.
var hostNetworkToleration = corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}

// dsRec is what the agents need of a DaemonSet: where its pods must run
// and whether a missing pod may still be on its way.
type dsRec struct {
	namespace, name string
	// affinity is the template's nodeSelector and required node affinity
	// (nodeaffinity.GetRequiredNodeAffinity, as the controller uses it).
	affinity    nodeaffinity.RequiredNodeAffinity
	tolerations []corev1.Toleration
	created     time.Time
	// rolling: the controller has not caught up with the spec
	// (observedGeneration < generation) or has not updated every node
	// (updatedNumberScheduled < desiredNumberScheduled).
	rolling bool
}

// convertDaemonSet keeps a (trimmed) DaemonSet's scheduling rules.
func convertDaemonSet(ds *appsv1.DaemonSet) dsRec {
	spec := &ds.Spec.Template.Spec
	pod := &corev1.Pod{Spec: corev1.PodSpec{NodeSelector: spec.NodeSelector, Affinity: spec.Affinity}}
	tol := append(slices.Clone(spec.Tolerations), daemonTolerations...)
	if spec.HostNetwork {
		tol = append(tol, hostNetworkToleration)
	}
	st := &ds.Status
	return dsRec{
		namespace:   ds.Namespace,
		name:        ds.Name,
		affinity:    nodeaffinity.GetRequiredNodeAffinity(pod),
		tolerations: tol,
		created:     ds.CreationTimestamp.Time,
		rolling:     st.ObservedGeneration < ds.Generation || st.UpdatedNumberScheduled < st.DesiredNumberScheduled,
	}
}

// mustRun applies the DaemonSet controller's rule (NodeShouldRunDaemonPod's
// predicates): the node matches the nodeSelector and the required node
// affinity, and has no NoSchedule or NoExecute taint the pod does not
// tolerate. PreferNoSchedule taints and preferred affinity do not count.
func (d *dsRec) mustRun(n *corev1.Node) bool {
	// A selector the API server accepted parses; an error (never seen)
	// counts as no match, as the controller ignores the error too.
	if ok, err := d.affinity.Match(n); err != nil || !ok {
		return false
	}
	_, untolerated := v1helper.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, d.tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}, false)
	return !untolerated
}

// waitReason is why a missing pod of the DaemonSet is not a problem yet
// ("" when nothing holds it back): it was created less than grace ago,
// or it is rolling out.
func (d *dsRec) waitReason(now time.Time, grace time.Duration) string {
	if why := providers.CreatedWithinGrace("daemonset", d.created, now, grace); why != "" {
		return why
	}
	if d.rolling {
		return "daemonset rolling out"
	}
	return ""
}

// agents fills each node's agents: the DaemonSets that must run there
// and their pod. obj are the trimmed nodes by name; grace is how long a
// pod may be missing from a new node or of a new DaemonSet.
func agents(nodes []providers.Node, obj map[string]*corev1.Node, dss []*dsRec, pods []providers.Pod, now time.Time, grace time.Duration) {
	if len(dss) == 0 {
		return
	}
	idx := providers.AgentPods(pods)
	for i := range nodes {
		n := &nodes[i]
		o := obj[n.Name]
		if o == nil {
			continue
		}
		nodeWait := providers.AgentWaitReason(n, now, grace)
		for _, d := range dss {
			if !d.mustRun(o) {
				continue
			}
			wait := nodeWait
			if wait == "" {
				wait = d.waitReason(now, grace)
			}
			n.Agents = append(n.Agents, providers.AgentOn(idx, n.Name, d.namespace, d.name, wait))
		}
	}
}

// sortedDaemonSets are the DaemonSets by namespace/name.
func sortedDaemonSets(m map[nsName]*dsRec) []*dsRec {
	out := make([]*dsRec, 0, len(m))
	for _, d := range m {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *dsRec) int {
		return strings.Compare(a.namespace+"/"+a.name, b.namespace+"/"+b.name)
	})
	return out
}
