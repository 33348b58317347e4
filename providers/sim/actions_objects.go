package sim

import (
	"fmt"

	"github.com/opsconsole/console/actions"
)

// kindClaims is how a PersistentVolumeClaim is named in a Ref: its
// resource, as kubectl takes it (the PVCs view's refs).
const kindClaims actions.Kind = "persistentvolumeclaims"

func (st *state) findService(ref actions.Ref) (int, error) {
	return st.findOne(ref, "service", len(st.svcs), func(i int) (string, string, string) {
		s := &st.svcs[i]
		if s.deleted {
			return s.svc.Cluster, s.svc.Namespace, ""
		}
		return s.svc.Cluster, s.svc.Namespace, s.svc.Name
	})
}

func (st *state) findClaim(ref actions.Ref) (int, error) {
	return st.findOne(ref, "persistentvolumeclaim", len(st.claims), func(i int) (string, string, string) {
		c := &st.claims[i]
		if c.gone(st.podLive) {
			return c.claim.Cluster, c.claim.Namespace, ""
		}
		return c.claim.Cluster, c.claim.Namespace, c.claim.Name
	})
}

// deleteService is "delete" of a Service: it goes at once; its pods stay
// (they are the workload's), only their endpoints go with it.
func (s *Sim) deleteService(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbDelete, ref, actions.Destructive, kubectl(ref.Cluster, "delete service "+ref.Name+nsFlag(ref.Namespace)+" --wait=false"))
	a.check = func(st *state) error {
		_, err := st.findService(ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		i, _ := st.findService(ref)
		v := st.svcs[i].svc
		return actions.Plan{
			Summary: fmt.Sprintf("delete service %s/%s (simulated): its pods stay, what calls it by name fails", v.Namespace, v.Name),
			Text: fmt.Sprintf("the pods behind it (%s) are not deleted; its cluster IP %s and endpoints go\n",
				st.inv.Workloads[st.svcs[i].wl].Kind+"/"+st.inv.Workloads[st.svcs[i].wl].Name, v.ClusterIP),
			Destroy:   1,
			Resources: []string{"service/" + v.Namespace + "/" + v.Name},
			Calls:     []string{kubectl(v.Cluster, "delete service "+v.Name+" -n "+v.Namespace+" --wait=false")},
		}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			i, err := st.findService(ref)
			if err != nil {
				return "", err
			}
			v := st.svcs[i].svc
			st.svcs[i].deleted = true
			st.event(st.now(), "Normal", "Deleted", "Service", v.Cluster, v.Namespace, v.Name, "Deleted service "+v.Name)
			return fmt.Sprintf("service %q deleted from %s/%s", v.Name, v.Cluster, v.Namespace), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		if _, err := st.findService(ref); err == nil {
			return false, "service " + refName(ref) + " still exists"
		}
		return true, "service " + refName(ref) + " deleted"
	}
	return a
}

// deleteClaim is "delete" of a PersistentVolumeClaim. As on a cluster
// (the kubernetes.io/pvc-protection finalizer), a claim a running pod
// mounts is only marked for deletion: it shows Terminating and goes
// when no pod mounts it any more; its volume goes with it (the demo's
// reclaim policy is Delete).
func (s *Sim) deleteClaim(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbDelete, ref, actions.Destructive, kubectl(ref.Cluster, "delete pvc "+ref.Name+nsFlag(ref.Namespace)+" --wait=false"))
	a.check = func(st *state) error {
		_, err := st.findClaim(ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		i, _ := st.findClaim(ref)
		c := st.claims[i]
		text := fmt.Sprintf("volume %s (%s, reclaim policy %s): deleted with the claim; its data is lost\n", c.claim.Volume, c.claim.StorageClass, c.claim.ReclaimPolicy)
		if st.podLive(c.claim.Cluster, c.claim.Namespace, c.pod) {
			text += fmt.Sprintf("pod %s mounts it: the claim stays Terminating until that pod is gone (kubernetes.io/pvc-protection)\n", c.pod)
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("delete pvc %s/%s and its volume %s (simulated)", c.claim.Namespace, c.claim.Name, c.claim.Volume),
			Text:      text,
			Destroy:   1,
			Resources: []string{"persistentvolumeclaim/" + c.claim.Namespace + "/" + c.claim.Name},
			Calls:     []string{kubectl(c.claim.Cluster, "delete pvc "+c.claim.Name+" -n "+c.claim.Namespace+" --wait=false")},
		}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			i, err := st.findClaim(ref)
			if err != nil {
				return "", err
			}
			c := &st.claims[i]
			st.event(st.now(), "Normal", "Deleted", "PersistentVolumeClaim", c.claim.Cluster, c.claim.Namespace, c.claim.Name, "Deleted claim "+c.claim.Name)
			if st.podLive(c.claim.Cluster, c.claim.Namespace, c.pod) {
				c.terminating = true
				return fmt.Sprintf("persistentvolumeclaim %q marked for deletion: pod %s mounts it", c.claim.Name, c.pod), nil
			}
			c.deleted = true
			return fmt.Sprintf("persistentvolumeclaim %q deleted", c.claim.Name), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		i, err := st.findClaim(ref)
		switch {
		case err != nil:
			return true, "persistentvolumeclaim " + refName(ref) + " deleted"
		case st.claims[i].terminating:
			return true, fmt.Sprintf("persistentvolumeclaim %s is Terminating: pod %s still mounts it (kubernetes.io/pvc-protection); it goes when the pod does", refName(ref), st.claims[i].pod)
		}
		return false, "persistentvolumeclaim " + refName(ref) + " still exists"
	}
	return a
}

// gone reports whether the claim is deleted: at once, or, marked for
// deletion while a pod mounted it, once that pod is gone (live: whether
// the demo runs pod cluster/ns/name).
func (c *simClaim) gone(live func(cluster, ns, name string) bool) bool {
	return c.deleted || c.terminating && !live(c.claim.Cluster, c.claim.Namespace, c.pod)
}

// podLive reports whether the demo runs pod cluster/ns/name now.
func (st *state) podLive(cluster, ns, name string) bool {
	for i := range st.pods {
		if p := &st.pods[i]; p.Name == name && p.Namespace == ns && p.Cluster == cluster {
			return true
		}
	}
	return false
}
