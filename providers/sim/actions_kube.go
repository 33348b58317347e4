package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opsconsole/console/actions"
)

// restartWorkload is "restart" of a Deployment or StatefulSet: a rolling
// replacement of every pod.
func (s *Sim) restartWorkload(ref actions.Ref, kind string) *simAction {
	lower := strings.ToLower(kind)
	return s.rollWorkload(actions.VerbRestart, ref, kind, kubectl(ref.Cluster, "rollout restart "+lower+"/"+ref.Name+nsFlag(ref.Namespace)),
		func(st *state, w int) string {
			wl := st.inv.Workloads[w]
			st.event(st.now(), "Normal", "RolloutRestart", kind, wl.Cluster, wl.Namespace, wl.Name, "Restarted "+lower+" "+wl.Name)
			return fmt.Sprintf("%s.apps/%s restarted in %s/%s", lower, wl.Name, wl.Cluster, wl.Namespace)
		})
}

// rollWorkload is an action of verb that changes a workload's pod template
// (begin, run first, says how) and then replaces every pod, as a rollout does.
func (s *Sim) rollWorkload(verb actions.Verb, ref actions.Ref, kind, desc string, begin func(st *state, w int) string) *simAction {
	lower := strings.ToLower(kind)
	a := s.newAction(verb, ref, actions.Mutating, desc)
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
			return fmt.Sprintf("%s: replacing %d pods", begin(st, w), len(olds)), nil
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
			return false, "not rolled out yet"
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
		return ok, fmt.Sprintf("%d/%d pods replaced since the %s, %d ready, %d desired", fresh, total, verb, ready, desired)
	}
	return a
}

// scaleDeployment is "scale": set a Deployment's replicas.
func (s *Sim) scaleDeployment(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbScale, ref, actions.Mutating, "")
	describe := func(a *simAction) {
		a.Def.Description = kubectl(ref.Cluster, "scale deployment/"+ref.Name+nsFlag(ref.Namespace)+" --replicas="+strconv.Itoa(a.count))
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
	a.countParam("replicas", "Replicas", func(st *state) (int, int, int) {
		cur := 0
		if w, err := st.findWorkload(kindDeployment, ref); err == nil {
			cur = st.inv.Workloads[w].Desired
		}
		return cur, 0, 1000
	})
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
	a := s.newAction(actions.VerbDelete, ref, actions.Destructive, kubectl(ref.Cluster, "delete pod/"+ref.Name+nsFlag(ref.Namespace)))
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
	verb := actions.VerbCordon
	if !on {
		verb = actions.VerbUncordon
	}
	a := s.newAction(verb, ref, actions.Mutating, kubectl(ref.Cluster, string(verb)+" node/"+ref.Name))
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
			Calls: []string{kubectl(n.Cluster, string(verb)+" node/"+n.Name)}}
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
	a := s.newAction(actions.VerbDrain, ref, actions.Destructive,
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
	a.undo = func(st *state) string {
		ni, err := st.findNode(ref)
		if err != nil || !st.inv.Nodes[ni].Unschedulable {
			return ""
		}
		return fmt.Sprintf("drain of node %s stopped: it stays cordoned with %d pods left on it; drain again to retry, or uncordon",
			ref.Name, len(st.podsOn(st.inv.Nodes[ni].Name, true)))
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
