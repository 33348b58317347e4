package pages

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// jobColumns are the Jobs view's columns: kubectl get's of both kinds.
var jobColumns = []table.Column{
	{Title: "NAMESPACE", Width: 10, Priority: 6}, {Title: "NAME", Width: 16, Grow: true, Max: 48, Priority: 10, Middle: true},
	{Title: "KIND", Width: 7, Priority: 8}, {Title: "COMPLETIONS", Width: 11, Priority: 9},
	{Title: "DURATION", Width: 8, Right: true, Priority: 5}, {Title: "SCHEDULE", Width: 10, Priority: 7},
	{Title: "LAST", Width: 4, Right: true, Priority: 4}, {Title: "ACTIVE", Width: 6, Right: true, Priority: 3},
	{Title: "SUSPEND", Width: 7, Priority: 2}, {Title: "AGE", Width: 4, Right: true, Priority: 1},
}

// NewJobs returns the Jobs view (:jobs, :cj): CronJobs (schedule, last
// schedule, active, suspended) then Jobs (completions, duration, active),
// read from the Kubernetes source when shown and every few seconds while
// shown (no informer). enter on a Job opens the Pods view filtered to its
// pods; on a CronJob, this view filtered to its Jobs; a on a CronJob
// offers suspend/resume, ctrl+d deletes either.
func NewJobs(ctx *common.Context, b *Backends) Page {
	p := newKubeList(ctx, b, "jobs", "Jobs", jobColumns,
		kubeRows("jobs and cronjobs", len(jobColumns), providers.JobReader.Jobs, jobRow, jobSelection))
	p.list.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.YAML, ctx.Keys.Actions, ctx.Keys.Delete, ctx.Keys.Sort, ctx.Keys.Refresh}
	return p
}

// jobHealth: a Job failed (its Failed condition) is bad, one with failed
// pods and not complete a warning.
func jobHealth(j *providers.Job) int {
	switch {
	case j.FailedReason != "":
		return providers.HealthBad
	case j.Failed > 0 && !j.Complete:
		return providers.HealthWarn
	}
	return providers.HealthOK
}

// completions is kubectl's "succeeded/completions" (a Job without
// completions counts one).
func completions(j *providers.Job) string {
	return strconv.Itoa(j.Succeeded) + "/" + strconv.Itoa(max(1, j.Completions))
}

// jobDuration is kubectl's: start to completion, or to now while it runs
// ("" not started).
func jobDuration(j *providers.Job, now time.Time) string {
	switch {
	case j.Start.IsZero():
		return ""
	case j.End.IsZero():
		return common.Age(now.Sub(j.Start))
	}
	return common.Age(j.End.Sub(j.Start))
}

func jobKind(j *providers.Job) string {
	if j.CronJob {
		return "CronJob"
	}
	return "Job"
}

// jobsOfFilter keeps the Jobs of CronJob name in ns (a Job row's filter
// text ends with its CronJob).
func jobsOfFilter(ns, name string) string {
	return "~^" + regexp.QuoteMeta(san(ns)) + "/.* " + regexp.QuoteMeta(san("CronJob/"+name)) + "$"
}

func jobRow(in *Input, j *providers.Job) (table.Row, string) {
	ns, name, kind := san(j.Namespace), san(j.Name), jobKind(j)
	h := jobHealth(j)
	cells := []string{ns, name, kind, "", "", "", "", strconv.Itoa(j.Active), yesno(j.Suspend), age(in.Now, j.Created)}
	if j.CronJob {
		cells[5], cells[6] = san(j.Schedule), age(in.Now, j.LastSchedule)
	} else {
		cells[3], cells[4] = glyph(h)+" "+completions(j), jobDuration(j, in.Now)
	}
	owner := "-"
	if j.Owner != "" {
		owner = "CronJob/" + san(j.Owner)
	}
	return table.Row{Key: "job/" + ns + "/" + name, Cells: cells, Health: h},
		ns + "/" + name + " " + kind + " " + san(j.FailedReason) + " " + owner
}

func jobSelection(in *Input, cluster string, j *providers.Job) Selection {
	var f fields
	kind := jobKind(j)
	f.add("kind", kind)
	f.add("namespace", j.Namespace)
	f.add("name", j.Name)
	f.add("cluster", cluster)
	ns, name := san(j.Namespace), san(j.Name)
	var jump *ProblemTarget
	var filter string
	sel := Selection{Key: "job/" + ns + "/" + name}
	if j.CronJob {
		f.add("schedule", j.Schedule)
		f.add("suspend", yesno(j.Suspend))
		f.add("last_schedule", stamp(j.LastSchedule)+" ("+age(in.Now, j.LastSchedule)+" ago)")
		f.add("active", strconv.Itoa(j.Active))
		jump = &ProblemTarget{Page: "jobs", What: "the jobs of cronjob " + ns + "/" + name}
		filter = jobsOfFilter(j.Namespace, j.Name)
		sel.Kube = &providers.KubeObject{Cluster: cluster, Resource: "cronjobs.batch", Namespace: j.Namespace, Name: j.Name}
		// a its suspend/resume, ctrl+d its delete
		sel.Refs = []actions.Ref{{Kind: actions.KindCronJob, Cluster: cluster, Namespace: j.Namespace, Name: j.Name}}
	} else {
		f.add("completions", common.Health(jobHealth(j))+" "+completions(j))
		f.add("pods", fmt.Sprintf("%d active, %d succeeded, %d failed", j.Active, j.Succeeded, j.Failed))
		f.addIf("failed", j.FailedReason)
		f.add("started", stamp(j.Start))
		f.add("completed", stamp(j.End))
		f.add("duration", jobDuration(j, in.Now))
		f.addIf("cronjob", j.Owner)
		f.add("suspend", yesno(j.Suspend))
		jump = &ProblemTarget{Page: "pods", What: "the pods of job " + ns + "/" + name}
		filter = PodsOfFilter(cluster, j.Namespace, "Job", j.Name)
		sel.Kube = &providers.KubeObject{Cluster: cluster, Resource: "jobs.batch", Namespace: j.Namespace, Name: j.Name}
		sel.Refs = []actions.Ref{{Kind: "jobs.batch", Cluster: cluster, Namespace: j.Namespace, Name: j.Name}}
	}
	f.add("created", stamp(j.Created)+" ("+age(in.Now, j.Created)+" ago)")
	sel.Detail = detail.Content{Title: "job " + j.Namespace + "/" + j.Name, Fields: f}
	if kind == "CronJob" {
		sel.Detail.Title = "cronjob " + j.Namespace + "/" + j.Name
	}
	sel.Jump, sel.JumpFilter = jump, filter
	return sel
}
