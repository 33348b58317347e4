package kube

import (
	"reflect"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

func TestConvertJobs(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	ts := func(d time.Duration) *metav1.Time { v := metav1.NewTime(t0.Add(d)); return &v }
	yes, three := true, int32(3)
	cron := batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly", CreationTimestamp: *ts(-time.Hour)},
		Spec:   batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: &yes},
		Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "nightly-1"}}, LastScheduleTime: ts(0)}}
	if got, want := convertCronJob(&cron), (providers.Job{Namespace: "shop", Name: "nightly", CronJob: true, Schedule: "0 2 * * *", Suspend: true,
		Active: 1, LastSchedule: t0, Created: t0.Add(-time.Hour)}); !reflect.DeepEqual(got, want) {
		t.Errorf("cronjob:\n got %+v\nwant %+v", got, want)
	}
	cases := []struct {
		name string
		job  batchv1.Job
		want providers.Job
	}{
		{"complete, of a cronjob", batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly-1",
			OwnerReferences: []metav1.OwnerReference{{Kind: "CronJob", Name: "nightly", Controller: &yes}}},
			Status: batchv1.JobStatus{Succeeded: 1, StartTime: ts(0), CompletionTime: ts(time.Minute),
				Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
			providers.Job{Namespace: "shop", Name: "nightly-1", Owner: "nightly", Succeeded: 1, Complete: true, Start: t0, End: t0.Add(time.Minute)}},
		{"failed, completions set", batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "migrate"},
			Spec: batchv1.JobSpec{Completions: &three},
			Status: batchv1.JobStatus{Failed: 6, StartTime: ts(0),
				Conditions: []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded"},
					{Type: batchv1.JobComplete, Status: corev1.ConditionFalse}}}},
			providers.Job{Namespace: "ops", Name: "migrate", Completions: 3, Failed: 6, FailedReason: "BackoffLimitExceeded", Start: t0}},
		{"not started", batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "later"}},
			providers.Job{Namespace: "ops", Name: "later"}},
	}
	for _, c := range cases {
		if got := convertJob(&c.job); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
