package kube

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

// TestAgents follows the DaemonSet controller's rules (nodeSelector,
// required node affinity, NoSchedule/NoExecute taints against the
// tolerations, the tolerations the controller adds) and the grace before
// a missing pod is a problem; the cases that must stay silent are a node
// the DaemonSet does not select, a tainted node it does not tolerate, a
// node just created, a DaemonSet just created or rolling out, and a node
// NotReady.
func TestAgents(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := metav1.NewTime(now.Add(-time.Hour))
	ds := func(mut func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
		d := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "logging", Name: "fluentd", Generation: 2, CreationTimestamp: old},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 1, UpdatedNumberScheduled: 1}}
		if mut != nil {
			mut(d)
		}
		return d
	}
	node := func(mut func(*corev1.Node)) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: old, Labels: map[string]string{"role": "worker", "kubernetes.io/os": "linux"}},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
		if mut != nil {
			mut(n)
		}
		return n
	}
	taint := func(key, value string, effect corev1.TaintEffect) func(*corev1.Node) {
		return func(n *corev1.Node) {
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
		}
	}
	podOn := func(ready bool) []providers.Pod {
		return []providers.Pod{{Namespace: "logging", Name: "fluentd-abcde", Node: "n1", Owner: "DaemonSet/fluentd", Ready: ready}}
	}
	selector := func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"role": "worker"} }
	affinity := func(op corev1.NodeSelectorOperator, values ...string) func(*appsv1.DaemonSet) {
		return func(d *appsv1.DaemonSet) {
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
					{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "role", Operator: op, Values: values}}}}}}}
		}
	}
	tolerate := func(tol corev1.Toleration) func(*appsv1.DaemonSet) {
		return func(d *appsv1.DaemonSet) {
			d.Spec.Template.Spec.Tolerations = append(d.Spec.Template.Spec.Tolerations, tol)
		}
	}
	tests := []struct {
		name string
		ds   *appsv1.DaemonSet
		node *corev1.Node
		pods []providers.Pod
		// want is the agent's status, "" when the DaemonSet need not run there
		want, why string
	}{
		{"ready pod", ds(nil), node(nil), podOn(true), providers.AgentReady, ""},
		{"pod not ready", ds(nil), node(nil), podOn(false), providers.AgentNotReady, ""},
		{"missing", ds(nil), node(nil), nil, providers.AgentMissing, ""},
		{"node selector matches", ds(selector), node(nil), nil, providers.AgentMissing, ""},
		{"node selector does not select the node", ds(selector), node(func(n *corev1.Node) { n.Labels["role"] = "db" }), nil, "", ""},
		{"required affinity In", ds(affinity(corev1.NodeSelectorOpIn, "worker", "edge")), node(nil), nil, providers.AgentMissing, ""},
		{"required affinity NotIn the node's role", ds(affinity(corev1.NodeSelectorOpNotIn, "worker")), node(nil), nil, "", ""},
		{"required affinity DoesNotExist", ds(affinity(corev1.NodeSelectorOpDoesNotExist)), node(nil), nil, "", ""},
		{"tainted NoSchedule, not tolerated", ds(nil), node(taint("dedicated", "db", corev1.TaintEffectNoSchedule)), nil, "", ""},
		{"tainted NoExecute, not tolerated", ds(nil), node(taint("dedicated", "db", corev1.TaintEffectNoExecute)), nil, "", ""},
		{"tainted PreferNoSchedule does not count", ds(nil), node(taint("dedicated", "db", corev1.TaintEffectPreferNoSchedule)), nil, providers.AgentMissing, ""},
		{"tainted, tolerated with Equal", ds(tolerate(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule})),
			node(taint("dedicated", "db", corev1.TaintEffectNoSchedule)), nil, providers.AgentMissing, ""},
		{"tainted, toleration of another value", ds(tolerate(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "web", Effect: corev1.TaintEffectNoSchedule})),
			node(taint("dedicated", "db", corev1.TaintEffectNoSchedule)), nil, "", ""},
		{"tolerate everything", ds(tolerate(corev1.Toleration{Operator: corev1.TolerationOpExists})),
			node(taint("dedicated", "db", corev1.TaintEffectNoExecute)), nil, providers.AgentMissing, ""},
		{"cordoned: the controller tolerates unschedulable", ds(nil), node(func(n *corev1.Node) {
			n.Spec.Unschedulable = true
			taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule)(n)
		}), nil, providers.AgentMissing, ""},
		{"memory pressure tolerated by the controller", ds(nil), node(taint(corev1.TaintNodeMemoryPressure, "", corev1.TaintEffectNoSchedule)), nil, providers.AgentMissing, ""},
		{"network unavailable: only host-network pods", ds(nil), node(taint(corev1.TaintNodeNetworkUnavailable, "", corev1.TaintEffectNoSchedule)), nil, "", ""},
		{"network unavailable, host network", ds(func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.HostNetwork = true }),
			node(taint(corev1.TaintNodeNetworkUnavailable, "", corev1.TaintEffectNoSchedule)), nil, providers.AgentMissing, ""},
		{"node just created", ds(nil), node(func(n *corev1.Node) { n.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Minute)) }), nil, providers.AgentWaiting, "node created 2m ago"},
		{"node NotReady", ds(nil), node(func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }), nil, providers.AgentWaiting, "node NotReady"},
		{"daemonset just created", ds(func(d *appsv1.DaemonSet) { d.CreationTimestamp = metav1.NewTime(now.Add(-30 * time.Second)) }), node(nil), nil, providers.AgentWaiting, "daemonset created 30s ago"},
		{"daemonset spec not observed yet", ds(func(d *appsv1.DaemonSet) { d.Generation = 3 }), node(nil), nil, providers.AgentWaiting, "daemonset rolling out"},
		{"daemonset updating its pods", ds(func(d *appsv1.DaemonSet) { d.Status.DesiredNumberScheduled = 5 }), node(nil), nil, providers.AgentWaiting, "daemonset rolling out"},
		{"rolling out but the pod is there", ds(func(d *appsv1.DaemonSet) { d.Generation = 3 }), node(nil), podOn(true), providers.AgentReady, ""},
		{"a pod of another DaemonSet", ds(nil), node(nil), []providers.Pod{{Namespace: "logging", Name: "x", Node: "n1", Owner: "DaemonSet/other", Ready: true}}, providers.AgentMissing, ""},
		{"the DaemonSet's pod on another node", ds(nil), node(nil), []providers.Pod{{Namespace: "logging", Name: "x", Node: "n2", Owner: "DaemonSet/fluentd", Ready: true}}, providers.AgentMissing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// through the informers' transforms, as the provider sees them
			d, _ := transformWorkload(tt.ds)
			n, _ := transformNode(tt.node)
			v := newView("lab", "")
			v.now = func() time.Time { return now }
			v.upsert(d)
			v.upsert(n)
			for _, p := range tt.pods {
				v.pods = append(v.pods, podRec{pod: p})
				v.podIdx[nsName{p.Namespace, p.Name}] = len(v.pods) - 1
			}
			v.podsMoved = true
			if got := v.inventory().Nodes[0].Agents; len(got) != 0 {
				t.Fatalf("agents before the lists are complete: %+v", got)
			}
			v.setComplete()
			got := v.inventory().Nodes[0].Agents
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("the DaemonSet need not run on the node, got %+v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d agents, want 1 (%s)", len(got), tt.want)
			}
			a := got[0]
			if a.DaemonSet != "logging/fluentd" || a.Status != tt.want || a.Why != tt.why {
				t.Errorf("agent %+v, want status %s why %q", a, tt.want, tt.why)
			}
			if (a.Pod != "") != (tt.want == providers.AgentReady || tt.want == providers.AgentNotReady) {
				t.Errorf("agent %+v: pod named iff there is one", a)
			}
		})
	}
}
