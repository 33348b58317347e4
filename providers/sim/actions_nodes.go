package sim

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// rebuildNode is "rebuild" of a node: a new instance (and node) replaces it.
func (s *Sim) rebuildNode(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbRebuild, ref, actions.Destructive, "replace the instance of node "+ref.Name+" with a new one (drain, terminate, launch)")
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
	a := s.newAction(actions.VerbRebuild, ref, actions.Destructive, "replace every instance of autoscaling group "+ref.Name+", one at a time")
	a.Def.Timeout = time.Hour
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

// setDesired is "set-desired-capacity": change a group's desired capacity; the
// group launches or terminates instances to match.
func (s *Sim) setDesired(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbSetDesiredCapacity, ref, actions.Mutating, "")
	describe := func(st *state, a *simAction) {
		a.Def.Description = "aws autoscaling set-desired-capacity --auto-scaling-group-name " + ref.Name + " --desired-capacity " + strconv.Itoa(a.count)
		a.Def.Effect = actions.Mutating
		if g, err := st.findASG(ref); err == nil && a.count < st.inv.AutoscalingGroups[g].Desired {
			a.Def.Effect = actions.Destructive // scaling in terminates instances
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
	a.countParam("desired", "Desired capacity", func(st *state) (int, int, int) {
		if g, err := st.findASG(ref); err == nil {
			asg := st.inv.AutoscalingGroups[g]
			return asg.Desired, asg.Min, asg.Max
		}
		return 0, 0, -1
	})
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
