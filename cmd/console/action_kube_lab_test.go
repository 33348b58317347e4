package main

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
)

// TestActionDoKubeLab: `console action do undo … --revision N` and
// `do suspend`/`do resume` on a CronJob from the command line against the
// lab's API server, through the same offer and parameter check as the
// TUI.
func TestActionDoKubeLab(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	isolate(t)
	k := lab.Kube(t)
	ctx := context.Background()
	c := k.Client()
	if _, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "web", Nodes: []string{"n-unused"},
		Containers: []corev1.Container{{Name: "web", Image: "web:1", Command: []string{"sleep", "3600"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := lab.NewRevision(ctx, c, "shop", "web", func(pt *corev1.PodTemplateSpec) { pt.Spec.Containers[0].Image = "web:2" }, ""); err != nil {
		t.Fatal(err)
	}
	image := func() string {
		d, err := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Spec.Containers[0].Image
	}
	base := []string{"--kubeconfig", k.Kubeconfig, "--context", "lab", "action", "do"}

	code, _, errOut := cli(t, append(base, "undo", "deployment/web", "-n", "shop", "--revision", "2")...)
	if code != 2 || !strings.Contains(errOut, "cannot be chosen: the current pod template") {
		t.Errorf("undo to the current revision: exit %d: %s", code, errOut)
	}
	code, _, errOut = cli(t, append(base, "undo", "deployment/web", "-n", "shop", "--revision", "7")...)
	if code != 2 || !strings.Contains(errOut, `no "7"; one of: 1`) {
		t.Errorf("undo to a missing revision: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, append(base, "undo", "deployment/web", "-n", "shop", "--revision", "1", "--json")...)
	if r := decodeResult(t, out); code != 0 || r.Status != "planned" || !strings.Contains(errOut, "+    image: web:1") || image() != "web:2" {
		t.Fatalf("undo plan: exit %d %+v\n%s", code, r, errOut)
	}
	wrote := k.PlayRollout(t, "shop", "web", func(gen int64) appsv1.DeploymentStatus { return lab.RolledOut(gen, 1) })
	code, out, errOut = cli(t, append(base, "rollback", "deployment/web", "-n", "shop", "--revision", "1", "--yes", "--json")...)
	if r := decodeResult(t, out); code != 0 || r.Status != "succeeded" || !r.Verified || r.Action != "undo" {
		t.Fatalf("undo: exit %d %+v\n%s", code, r, errOut)
	}
	if err := <-wrote; err != nil {
		t.Error(err)
	}
	if got := image(); got != "web:1" {
		t.Errorf("image after the undo %q, want web:1", got)
	}

	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly"},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "job", Image: "job"}}}}}}}}
	if _, err := c.BatchV1().CronJobs("shop").Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, append(base, "resume", "cronjob/nightly", "-n", "shop", "--yes")...)
	if code != 3 || !strings.Contains(errOut, "suspend") {
		t.Errorf("resume of a running cronjob: exit %d: %s", code, errOut)
	}
	code, out, errOut = cli(t, append(base, "suspend", "cronjob/nightly", "-n", "shop", "--yes", "--json")...)
	if r := decodeResult(t, out); code != 0 || r.Status != "succeeded" || !r.Verified {
		t.Fatalf("suspend: exit %d %+v\n%s", code, r, errOut)
	}
	if got, _ := c.BatchV1().CronJobs("shop").Get(ctx, "nightly", metav1.GetOptions{}); got.Spec.Suspend == nil || !*got.Spec.Suspend {
		t.Error("cronjob not suspended")
	}
}
