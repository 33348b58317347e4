package providers

import (
	"strconv"
	"strings"
	"time"
)

// AgentGrace is how long a DaemonSet's pod may be missing from a node
// that must run it before it is a problem, counted from the node's
// creation and from the DaemonSet's (docs/kubernetes.md, "Agents").
const AgentGrace = 5 * time.Minute

// Agent statuses (Agent.Status).
const (
	AgentReady    = "ready"     // its pod on the node is Ready
	AgentNotReady = "not_ready" // its pod is there but not Ready
	AgentMissing  = "missing"   // no pod on a node that must run one: a problem
	AgentWaiting  = "waiting"   // no pod yet, and a rule says why that is not a problem yet (Agent.Why)
)

// Agent is a DaemonSet that must run on a node (its node selector, its
// required node affinity and the node's taints against its tolerations
// say so, as the DaemonSet controller decides) and its pod there.
type Agent struct {
	// DaemonSet is namespace/name.
	DaemonSet string `json:"daemonset"`
	// Pod is the name of its pod on the node ("" when there is none).
	Pod    string `json:"pod"`
	Ready  bool   `json:"ready"`
	Status string `json:"status"`
	// Why says, for a waiting agent, which rule holds the problem back
	// ("node created 2m ago", "daemonset rolling out", "node NotReady").
	Why string `json:"why,omitempty"`
}

// Name is the DaemonSet's name without its namespace.
func (a *Agent) Name() string {
	_, n, _ := strings.Cut(a.DaemonSet, "/")
	return n
}

// AgentsSummary is "ready/total" of a node's agents ("" when it has none).
func AgentsSummary(as []Agent) string {
	if len(as) == 0 {
		return ""
	}
	ready := 0
	for i := range as {
		if as[i].Status == AgentReady {
			ready++
		}
	}
	return strconv.Itoa(ready) + "/" + strconv.Itoa(len(as))
}

// AgentKey names a DaemonSet's pod on a node.
type AgentKey struct{ Node, Namespace, DaemonSet string }

// AgentPods indexes the pods DaemonSets own (owner "DaemonSet/NAME") by
// node and DaemonSet; of two pods of one DaemonSet on a node (a rollout
// replacing one) a Ready one is kept.
func AgentPods(pods []Pod) map[AgentKey]*Pod {
	out := map[AgentKey]*Pod{}
	for i := range pods {
		p := &pods[i]
		ds, ok := strings.CutPrefix(p.Owner, "DaemonSet/")
		if !ok || p.Node == "" {
			continue
		}
		k := AgentKey{p.Node, p.Namespace, ds}
		if old, had := out[k]; !had || (!old.Ready && p.Ready) {
			out[k] = p
		}
	}
	return out
}

// AgentOn is DaemonSet namespace/name on node (which must run it): its
// pod from idx and its status. waiting says why a missing pod is not a
// problem yet ("" when nothing holds it back).
func AgentOn(idx map[AgentKey]*Pod, node, namespace, name, waiting string) Agent {
	a := Agent{DaemonSet: namespace + "/" + name}
	p := idx[AgentKey{node, namespace, name}]
	switch {
	case p != nil:
		a.Pod, a.Ready = p.Name, p.Ready
		a.Status = AgentNotReady
		if p.Ready {
			a.Status = AgentReady
		}
	case waiting != "":
		a.Status, a.Why = AgentWaiting, waiting
	default:
		a.Status = AgentMissing
	}
	return a
}

// AgentWaitReason is the grace of a node: why a DaemonSet's pod missing
// from it is not a problem yet ("" when nothing holds it back): the node
// is not Ready (its own problem), or was created less than grace
// (AgentGrace by default) ago.
func AgentWaitReason(n *Node, now time.Time, grace time.Duration) string {
	if !n.Ready {
		return "node NotReady"
	}
	return CreatedWithinGrace("node", n.Created, now, grace)
}

// CreatedWithinGrace is "WHAT created 2m ago" when created is less than
// grace before now, else "".
func CreatedWithinGrace(what string, created, now time.Time, grace time.Duration) string {
	if age := now.Sub(created); !created.IsZero() && age < grace {
		return what + " created " + shortAge(age) + " ago"
	}
	return ""
}

// shortAge is a duration as "45s", "3m".
func shortAge(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(int(max(d, 0)/time.Second)) + "s"
	}
	return strconv.Itoa(int(d/time.Minute)) + "m"
}
