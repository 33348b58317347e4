package kube

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

// MaxJobs bounds a Jobs list (CronJobs and Jobs each).
const MaxJobs = 5000

// Jobs implements providers.JobReader: the CronJobs, then the Jobs, of
// namespace ("" all), read on demand in pages (no informer), at most
// MaxJobs of each.
func (p *Provider) Jobs(ctx context.Context, namespace string) ([]providers.Job, error) {
	var out []providers.Job
	cronJobs := 0
	err := readPages(ctx, p.user.BatchV1().CronJobs(namespace).List, func(l *batchv1.CronJobList) bool {
		for i := range l.Items {
			out = append(out, convertCronJob(&l.Items[i]))
		}
		cronJobs += len(l.Items)
		return cronJobs < MaxJobs
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list cronjobs: %w", p.Name(), err)
	}
	jobs := 0
	err = readPages(ctx, p.user.BatchV1().Jobs(namespace).List, func(l *batchv1.JobList) bool {
		for i := range l.Items {
			out = append(out, convertJob(&l.Items[i]))
		}
		jobs += len(l.Items)
		return jobs < MaxJobs
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list jobs: %w", p.Name(), err)
	}
	return out, nil
}

func convertCronJob(c *batchv1.CronJob) providers.Job {
	j := providers.Job{Namespace: c.Namespace, Name: c.Name, CronJob: true, Schedule: c.Spec.Schedule,
		Suspend: c.Spec.Suspend != nil && *c.Spec.Suspend, Active: len(c.Status.Active), Created: c.CreationTimestamp.Time}
	if t := c.Status.LastScheduleTime; t != nil {
		j.LastSchedule = t.Time
	}
	return j
}

func convertJob(b *batchv1.Job) providers.Job {
	j := providers.Job{Namespace: b.Namespace, Name: b.Name, Succeeded: int(b.Status.Succeeded), Failed: int(b.Status.Failed),
		Active: int(b.Status.Active), Suspend: b.Spec.Suspend != nil && *b.Spec.Suspend, Created: b.CreationTimestamp.Time}
	if c := b.Spec.Completions; c != nil {
		j.Completions = int(*c)
	}
	if ref := metav1.GetControllerOfNoCopy(b); ref != nil && ref.Kind == "CronJob" {
		j.Owner = ref.Name
	}
	if b.Status.StartTime != nil {
		j.Start = b.Status.StartTime.Time
	}
	if b.Status.CompletionTime != nil {
		j.End = b.Status.CompletionTime.Time
	}
	for _, c := range b.Status.Conditions {
		if c.Status != "True" {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			j.Complete = true
		case batchv1.JobFailed:
			j.FailedReason = c.Reason
		}
	}
	return j
}

// The on-demand readers the views find by type assertion.
var (
	_ providers.JobReader     = (*Provider)(nil)
	_ providers.IngressReader = (*Provider)(nil)
)
