package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/console/actions"
	kctl "github.com/opsconsole/console/actions/kubectl"
)

// simRevision is one revision of a workload's pod template in the demo.
type simRevision struct {
	n       int64
	image   string
	created time.Time
	cause   string
}

// revisions is workload w's history, made on first use: three releases a
// few days apart, the last one current.
func (st *state) revisions(w int) []simRevision {
	info := &st.wl[w]
	if info.revs == nil {
		name := st.inv.Workloads[w].Name
		for n := int64(1); n <= 3; n++ {
			img := fmt.Sprintf("registry.demo/%s:1.%d.0", name, 4+n)
			info.revs = append(info.revs, simRevision{n: n, image: img,
				created: st.opts.Start.Add(-time.Duration(4-n) * 72 * time.Hour), cause: "deploy " + img})
		}
	}
	return info.revs
}

// history is w's revisions as kctl.History: the same choices, default
// and diff as the real undo.
func (st *state) history(w int) kctl.History {
	wl := st.inv.Workloads[w]
	tmpl := func(image string) string {
		return fmt.Sprintf("metadata:\n  labels:\n    app: %s\nspec:\n  containers:\n  - image: %s\n    name: %s\n    ports:\n    - containerPort: %d\n",
			wl.Name, image, wl.Name, st.wl[w].port)
	}
	revs := st.revisions(w)
	h := kctl.History{Current: tmpl(revs[len(revs)-1].image)}
	for _, r := range revs {
		h.Revisions = append(h.Revisions, kctl.Revision{Number: r.n, Created: r.created, ChangeCause: r.cause,
			Images: []string{r.image}, Template: tmpl(r.image)})
	}
	return h
}

// undoWorkload is "undo": roll a workload back to an earlier revision of
// its pod template (parameter "revision"), then replace its pods as a
// rollout does. As the Deployment controller does, the chosen revision
// becomes the newest one.
func (s *Sim) undoWorkload(ref actions.Ref, kind string) *simAction {
	lower := strings.ToLower(kind)
	var to int64
	var image string // the chosen revision's, set when the run starts
	describe := func(a *simAction) {
		a.Def.Description = kubectl(ref.Cluster, "rollout undo "+lower+"/"+ref.Name+nsFlag(ref.Namespace)+" --to-revision="+strconv.FormatInt(to, 10))
	}
	a := s.rollWorkload(actions.VerbUndo, ref, kind, "", func(st *state, w int) string {
		revs := st.wl[w].revs
		for i, r := range revs {
			if r.n == to {
				r.n, r.created = revs[len(revs)-1].n+1, st.now()
				image = r.image
				st.wl[w].revs = append(append(revs[:i:i], revs[i+1:]...), r)
				break
			}
		}
		wl := st.inv.Workloads[w]
		if kind == kindDeployment {
			st.wl[w].hash = st.suffix(10)
		}
		st.event(st.now(), "Normal", "DeploymentRollback", kind, wl.Cluster, wl.Namespace, wl.Name, fmt.Sprintf("Rolled back %s %s to revision %d", lower, wl.Name, to))
		return fmt.Sprintf("%s.apps/%s rolled back to revision %d (%s) in %s/%s", lower, wl.Name, to, image, wl.Cluster, wl.Namespace)
	})
	if w, err := s.st.findWorkload(kind, ref); err == nil {
		to = s.st.history(w).Default()
	}
	describe(a)
	a.params = func(st *state, a *simAction) []actions.Param {
		w, err := st.findWorkload(kind, ref)
		if err != nil {
			return nil
		}
		u := kctl.Undo(kctl.Target{Kind: actions.Kind(lower), Name: ref.Name}, st.history(w), nil)
		_ = u.SetParam("revision", strconv.FormatInt(to, 10)) // an unknown one: the default is shown
		return u.Params()
	}
	a.setParam = func(st *state, a *simAction, _, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return err
		}
		to = n
		describe(a)
		return nil
	}
	check, roll, plan, verify := a.check, a.run, a.plan, a.verify
	a.check = func(st *state) error {
		if err := check(st); err != nil {
			return err
		}
		w, _ := st.findWorkload(kind, ref)
		revs := st.revisions(w)
		switch {
		case to == revs[len(revs)-1].n:
			return fmt.Errorf("revision %d is the current pod template of %s %s: nothing to undo", to, lower, refName(ref))
		case !st.history(w).Has(to):
			return fmt.Errorf("%s %s has no revision %d", lower, refName(ref), to)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		p := plan(st)
		w, _ := st.findWorkload(kind, ref)
		wl := st.inv.Workloads[w]
		p.Summary = fmt.Sprintf("roll back %s %s/%s to revision %d, then replace its %d pods (simulated)", lower, wl.Namespace, wl.Name, to, wl.Desired)
		p.Text = "pod template, current → revision " + strconv.FormatInt(to, 10) + ":\n" + st.history(w).Diff(to) + "\n"
		p.Calls[0] = kubectl(wl.Cluster, "rollout undo "+lower+"/"+wl.Name+" -n "+wl.Namespace+" --to-revision="+strconv.FormatInt(to, 10))
		return p
	}
	a.run = roll
	a.verify = func(st *state) (bool, string) {
		w, err := st.findWorkload(kind, ref)
		if err != nil {
			return false, err.Error()
		}
		revs := st.revisions(w)
		if cur := revs[len(revs)-1].image; cur != image {
			return false, fmt.Sprintf("the pod template's image is %s, not revision %d's %s", cur, to, image)
		}
		ok, msg := verify(st)
		return ok, fmt.Sprintf("pod template back to revision %d (%s); %s", to, image, msg)
	}
	return a
}

// deleteWorkload is "delete" of a Deployment, StatefulSet or DaemonSet:
// the workload goes, and its pods after it (the garbage collector's
// background cascade).
func (s *Sim) deleteWorkload(ref actions.Ref, kind string) *simAction {
	lower := strings.ToLower(kind)
	a := s.newAction(actions.VerbDelete, ref, actions.Destructive, kubectl(ref.Cluster, "delete "+lower+" "+ref.Name+nsFlag(ref.Namespace)+" --wait=false"))
	w := -1
	a.check = func(st *state) error {
		_, err := st.findWorkload(kind, ref)
		return err
	}
	podsOf := func(st *state, w int) []string {
		var out []string
		for i := range st.pods {
			if st.pods[i].wl == w {
				out = append(out, st.pods[i].Name)
			}
		}
		return out
	}
	a.plan = func(st *state) actions.Plan {
		w, _ := st.findWorkload(kind, ref)
		wl := st.inv.Workloads[w]
		pods := podsOf(st, w)
		return actions.Plan{
			Summary:   fmt.Sprintf("delete %s %s/%s and, by the cascade, its %d pods (simulated)", lower, wl.Namespace, wl.Name, len(pods)),
			Text:      fmt.Sprintf("cascade (background, kubectl's default): the garbage collector then deletes its pods\n%d pods now: %s\n", len(pods), strings.Join(pods, ", ")),
			Destroy:   1,
			Resources: []string{lower + "/" + wl.Namespace + "/" + wl.Name},
			Calls:     []string{kubectl(wl.Cluster, "delete "+lower+" "+wl.Name+" -n "+wl.Namespace+" --wait=false")},
		}
	}
	a.run = func(r *runner) error {
		if err := r.step(func(st *state) (string, error) {
			i, err := st.findWorkload(kind, ref)
			if err != nil {
				return "", err
			}
			w = i
			wl := &st.inv.Workloads[w]
			st.wl[w].deleted, st.wl[w].base, st.wl[w].rps = true, 0, 0
			st.event(st.now(), "Normal", "Deleted", kind, wl.Cluster, wl.Namespace, wl.Name, "Deleted "+lower+" "+wl.Name)
			return fmt.Sprintf("%s.apps %q deleted from %s/%s", lower, wl.Name, wl.Cluster, wl.Namespace), nil
		}); err != nil {
			return err
		}
		return r.step(func(st *state) (string, error) {
			var gone []string
			for i := len(st.pods) - 1; i >= 0; i-- {
				if st.pods[i].wl == w {
					gone = append(gone, st.removePod(i).Name)
				}
			}
			return fmt.Sprintf("garbage collector: %d pods deleted (%s)", len(gone), strings.Join(gone, ", ")), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		if w < 0 || !st.wl[w].deleted {
			return false, lower + " " + refName(ref) + " still exists"
		}
		if left := podsOf(st, w); len(left) > 0 {
			return false, fmt.Sprintf("%s %s deleted but %d of its pods are left", lower, refName(ref), len(left))
		}
		return true, lower + " " + refName(ref) + " and its pods deleted"
	}
	return a
}

// simCronJob is a CronJob of the demo.
type simCronJob struct {
	cluster, ns, name, schedule string
	suspended, deleted          bool
}

// genCronJobs gives each cluster two CronJobs, one of them suspended.
func (st *state) genCronJobs() {
	for _, c := range st.cl {
		st.cronJobs = append(st.cronJobs,
			simCronJob{cluster: c.name, ns: "shop", name: "nightly-report", schedule: "0 3 * * *"},
			simCronJob{cluster: c.name, ns: "ops", name: "cert-renew", schedule: "@daily", suspended: true})
	}
}

func (st *state) findCronJob(ref actions.Ref) (int, error) {
	return st.findOne(ref, "cronjob", len(st.cronJobs), func(i int) (string, string, string) {
		c := st.cronJobs[i]
		if c.deleted {
			return c.cluster, c.ns, ""
		}
		return c.cluster, c.ns, c.name
	})
}

// suspendCronJob is "suspend" (on) or "resume" (off) of a CronJob.
func (s *Sim) suspendCronJob(ref actions.Ref, on bool) *simAction {
	verb := actions.VerbSuspend
	if !on {
		verb = actions.VerbResume
	}
	patch := fmt.Sprintf(`'{"spec":{"suspend":%t}}'`, on)
	a := s.newAction(verb, ref, actions.Mutating, kubectl(ref.Cluster, "patch cronjob/"+ref.Name+nsFlag(ref.Namespace)+" --type=merge -p "+patch))
	a.check = func(st *state) error {
		c, err := st.findCronJob(ref)
		if err != nil {
			return err
		}
		if st.cronJobs[c].suspended == on {
			return fmt.Errorf("cronjob %s: suspend is already %t", refName(ref), on)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		c, _ := st.findCronJob(ref)
		cj := st.cronJobs[c]
		what := "starts no new job (running ones go on)"
		if !on {
			what = "starts its jobs again on " + cj.schedule
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("%s cronjob %s/%s: it %s (simulated)", verb, cj.ns, cj.name, what),
			Change:    1,
			Resources: []string{"cronjob/" + cj.ns + "/" + cj.name},
			Calls:     []string{kubectl(cj.cluster, "patch cronjob/"+cj.name+" -n "+cj.ns+" --type=merge -p "+patch)},
		}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			c, err := st.findCronJob(ref)
			if err != nil {
				return "", err
			}
			st.cronJobs[c].suspended = on
			return fmt.Sprintf("cronjob.batch/%s patched", ref.Name), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		c, err := st.findCronJob(ref)
		if err != nil {
			return false, err.Error()
		}
		return st.cronJobs[c].suspended == on, fmt.Sprintf("cronjob %s: spec.suspend is %t", refName(ref), st.cronJobs[c].suspended)
	}
	return a
}

// deleteCronJob is "delete" of a CronJob.
func (s *Sim) deleteCronJob(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbDelete, ref, actions.Destructive, kubectl(ref.Cluster, "delete cronjob "+ref.Name+nsFlag(ref.Namespace)+" --wait=false"))
	a.check = func(st *state) error {
		_, err := st.findCronJob(ref)
		return err
	}
	a.plan = func(st *state) actions.Plan {
		c, _ := st.findCronJob(ref)
		cj := st.cronJobs[c]
		return actions.Plan{
			Summary:   fmt.Sprintf("delete cronjob %s/%s and, by the cascade, its jobs (simulated)", cj.ns, cj.name),
			Destroy:   1,
			Resources: []string{"cronjob/" + cj.ns + "/" + cj.name},
			Calls:     []string{kubectl(cj.cluster, "delete cronjob "+cj.name+" -n "+cj.ns+" --wait=false")},
		}
	}
	a.run = func(r *runner) error {
		return r.step(func(st *state) (string, error) {
			c, err := st.findCronJob(ref)
			if err != nil {
				return "", err
			}
			st.cronJobs[c].deleted = true
			return fmt.Sprintf("cronjob.batch %q deleted", ref.Name), nil
		})
	}
	a.verify = func(st *state) (bool, string) {
		if _, err := st.findCronJob(ref); err == nil {
			return false, "cronjob " + refName(ref) + " still exists"
		}
		return true, "cronjob " + refName(ref) + " deleted"
	}
	return a
}
