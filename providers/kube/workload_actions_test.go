package kube_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestWorkloadActionsLab runs the rollout undo, the delete of a
// Deployment (typed confirmation) and of a custom resource, and a
// CronJob's suspend and resume, offered by the provider and run through
// the executor, against a real API server whose pods really run on the
// lab-kubelet.
func TestWorkloadActionsLab(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	ctx := t.Context()
	c := k.Client()
	pods, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "roll", Name: "web", Replicas: 2, Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "web", Command: []string{"sleep", "3600"}}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	updates := runProvider(t, p)
	waitUpdate(t, updates, 60*time.Second, "the web pods running", func(u providers.Update) bool {
		if u.Inventory == nil {
			return false
		}
		for _, name := range pods {
			if pod := findPod(u.Inventory, "roll", name); pod == nil || pod.Phase != "Running" {
				return false
			}
		}
		return true
	})
	e, err := actions.NewExecutor(actions.Options{Env: "lab", AuditPath: filepath.Join(t.TempDir(), "audit.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	deploy := func() *appsv1.Deployment {
		d, err := c.AppsV1().Deployments("roll").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	image := func() string { return deploy().Spec.Template.Spec.Containers[0].Image }
	webRef := actions.Ref{Kind: actions.KindDeployment, Cluster: "lab", Namespace: "roll", Name: "web"}

	t.Run("no undo without an earlier revision", func(t *testing.T) {
		for _, a := range p.Offer(webRef) {
			if a.Spec().Name == actions.VerbUndo {
				t.Errorf("undo offered with one revision: %s", a.Spec().Description)
			}
		}
	})

	t.Run("undo to revision 1 with the diff", func(t *testing.T) {
		rev1 := image()
		rev, err := lab.NewRevision(ctx, c, "roll", "web", func(pt *corev1.PodTemplateSpec) {
			pt.Spec.Containers[0].Image = "lab.local/process:2"
		}, "kubectl set image deployment/web web=lab.local/process:2")
		if err != nil || rev != 2 {
			t.Fatalf("revision %d: %v", rev, err)
		}
		a := offered(t, p.Offer(webRef), actions.VerbUndo, "--to-revision=1")
		ps := actions.ParamsOf(a)
		if len(ps) != 1 || ps[0].Name != "revision" || ps[0].Value != "1" || ps[0].Current != "2" || len(ps[0].Choices) != 2 {
			t.Fatalf("revision parameter %+v", ps)
		}
		if c := ps[0].Choices[0]; c.Value != "2" || c.Unavailable == "" || !strings.Contains(c.Label, "lab.local/process:2") || !strings.Contains(c.Label, "kubectl set image") {
			t.Errorf("newest choice %+v", c)
		}
		if err := actions.SetParam(a, "revision", "2"); err == nil {
			t.Error("the current revision was accepted")
		}
		var out bytes.Buffer
		plan := e.Execute(ctx, a, false, &out)
		if plan.Status != actions.StatusPlanned || image() != "lab.local/process:2" {
			t.Fatalf("preview: %+v (image now %s)\n%s", plan, image(), out.String())
		}
		p, err := e.Prepare(ctx, a, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		text := p.Plan().Text
		for _, want := range []string{"--- revision 2 (current)", "+++ revision 1", "-    image: lab.local/process:2", "+    image: " + rev1 + "\n", "rolled back (server dry run)"} {
			if !strings.Contains(text, want) {
				t.Errorf("plan lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(p.Plan().Summary, "roll back deployment roll/web to revision 1 (image "+rev1+"; now lab.local/process:2)") || !p.Matches("y") {
			t.Errorf("summary %q prompt %q", p.Plan().Summary, p.Prompt())
		}
		// No controller runs in the lab: play the rollout verify waits for.
		wrote := k.PlayRollout(t, "roll", "web", func(gen int64) appsv1.DeploymentStatus { return lab.RolledOut(gen, 2) })
		run, err := e.Start(p, "y")
		if err != nil {
			t.Fatal(err)
		}
		<-run.Done()
		if err := <-wrote; err != nil {
			t.Error(err)
		}
		res := run.Result()
		if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.VerifyMessage, "revision 1") {
			t.Fatalf("undo: %+v\n%s", res, strings.Join(run.Lines(), "\n"))
		}
		if got := image(); got != rev1 {
			t.Errorf("image after the undo %q, want revision 1's %q", got, rev1)
		}
	})

	t.Run("undo a statefulset through its ControllerRevisions", func(t *testing.T) {
		undoStatefulSet(t, k, p, e)
	})

	t.Run("delete a deployment with its name typed", func(t *testing.T) {
		a := offered(t, p.Offer(webRef), actions.VerbDelete, "delete deployment web")
		if a.Spec().Effect != actions.Destructive {
			t.Fatalf("effect %s", a.Spec().Effect)
		}
		pend, err := e.Prepare(ctx, a, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		text := pend.Plan().Text
		for _, want := range append([]string{`deployment.apps "web" deleted (server dry run)`, "its ReplicaSets and their pods"}, pods...) {
			if !strings.Contains(text, want) {
				t.Errorf("plan lacks %q:\n%s", want, text)
			}
		}
		if pend.Matches("y") || !pend.Matches("web") {
			t.Errorf("prompt %q, want the name typed", pend.Prompt())
		}
		if _, err := e.Start(pend, "y"); err == nil {
			t.Fatal("a destructive delete started on y")
		}
		deploy() // still there
		pend, err = e.Prepare(ctx, offered(t, p.Offer(webRef), actions.VerbDelete, ""), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		run, err := e.Start(pend, "web")
		if err != nil {
			t.Fatal(err)
		}
		<-run.Done()
		if res := run.Result(); res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("delete: %+v\n%s", res, strings.Join(run.Lines(), "\n"))
		}
		if _, err := c.AppsV1().Deployments("roll").Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("deployment after the delete: %v", err)
		}
	})

	t.Run("cronjob suspend and resume", func(t *testing.T) {
		cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "roll", Name: "nightly"},
			Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "job", Image: "lab.local/process", Command: []string{"true"}}}}}}}}}
		if _, err := c.BatchV1().CronJobs("roll").Create(ctx, cj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		ref := actions.Ref{Kind: actions.KindCronJob, Cluster: "lab", Namespace: "roll", Name: "nightly"}
		suspended := func() bool {
			cj, err := c.BatchV1().CronJobs("roll").Get(ctx, "nightly", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return cj.Spec.Suspend != nil && *cj.Spec.Suspend
		}
		suspendCell := func() string {
			tbl, err := p.Table(ctx, "cronjobs", "roll")
			if err != nil || len(tbl.Rows) != 1 {
				t.Fatalf("cronjobs table: %v", err)
			}
			for i, col := range tbl.Columns {
				if col.Name == "Suspend" {
					return tbl.Rows[0].Cells[i]
				}
			}
			t.Fatalf("no SUSPEND column in %+v", tbl.Columns)
			return ""
		}
		for _, step := range []struct {
			verb, not actions.Verb
			want      bool
			cell      string
		}{{actions.VerbSuspend, actions.VerbResume, true, "True"}, {actions.VerbResume, actions.VerbSuspend, false, "False"}} {
			as := p.Offer(ref)
			for _, a := range as {
				if a.Spec().Name == step.not {
					t.Errorf("%s offered on a cronjob whose suspend is %v", step.not, !step.want)
				}
			}
			a := offered(t, as, step.verb, `"suspend"`)
			if a.Spec().Effect != actions.Mutating {
				t.Errorf("%s effect %s", step.verb, a.Spec().Effect)
			}
			res := e.Execute(ctx, a, true, nil)
			if res.Status != actions.StatusSucceeded || !res.Verified {
				t.Fatalf("%s: %+v", step.verb, res)
			}
			if suspended() != step.want {
				t.Errorf("after %s: suspend %v", step.verb, !step.want)
			}
			if got := suspendCell(); got != step.cell {
				t.Errorf("after %s: SUSPEND %q, want %q", step.verb, got, step.cell)
			}
		}
	})

	t.Run("delete a custom resource", func(t *testing.T) {
		dyn, err := dynamic.NewForConfig(k.RESTConfig())
		if err != nil {
			t.Fatal(err)
		}
		createCronTabCRD(ctx, t, dyn, "roll")
		ref := actions.Ref{Kind: "crontabs.stable.example.com", Cluster: "lab", Namespace: "roll", Name: "nightly"}
		as := p.Offer(ref)
		if len(as) != 1 {
			t.Fatalf("offered %d actions on a custom resource, want delete only", len(as))
		}
		a := offered(t, as, actions.VerbDelete, "delete crontabs.stable.example.com nightly")
		res := e.Execute(ctx, a, true, nil)
		if res.Status != actions.StatusSucceeded || !res.Verified {
			t.Fatalf("delete: %+v", res)
		}
		gvr := schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}
		if _, err := dyn.Resource(gvr).Namespace("roll").Get(context.Background(), "nightly", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("crontab after the delete: %v", err)
		}
	})
}

// undoStatefulSet makes two revisions of a StatefulSet as its controller
// would (ControllerRevisions holding {"spec":{"template":…,"$patch":"replace"}}),
// undoes it to the first through the executor, playing the controller's
// status for the rollout, and checks the template is back.
func undoStatefulSet(t *testing.T, k *lab.KubeCluster, p *kube.Provider, e *actions.Executor) {
	ctx := t.Context()
	c := k.Client()
	labels := map[string]string{"app": "db"}
	one := int32(1)
	sts, err := c.AppsV1().StatefulSets("roll").Create(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "roll", Name: "db"},
		Spec: appsv1.StatefulSetSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels}, ServiceName: "db",
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "db:1"}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	revision := func(sts *appsv1.StatefulSet, n int64) {
		t.Helper()
		tmpl, err := json.Marshal(sts.Spec.Template)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(tmpl, &m); err != nil {
			t.Fatal(err)
		}
		m["$patch"] = "replace"
		data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": m}})
		if err != nil {
			t.Fatal(err)
		}
		cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Namespace: "roll", Name: fmt.Sprintf("db-rev%d", n), Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: sts.UID, Controller: &yes}}},
			Data: runtime.RawExtension{Raw: data}, Revision: n}
		if _, err := c.AppsV1().ControllerRevisions("roll").Create(ctx, cr, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	revision(sts, 1)
	sts.Spec.Template.Spec.Containers[0].Image = "db:2"
	if sts, err = c.AppsV1().StatefulSets("roll").Update(ctx, sts, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	revision(sts, 2)

	ref := actions.Ref{Kind: actions.KindStatefulSet, Cluster: "lab", Namespace: "roll", Name: "db"}
	a := offered(t, p.Offer(ref), actions.VerbUndo, "rollout undo statefulset/db --to-revision=1")
	if ps := actions.ParamsOf(a); len(ps) != 1 || ps[0].Current != "2" || ps[0].Value != "1" {
		t.Fatalf("revision parameter %+v", ps)
	}
	// No controller: once the undo's generation shows, write the status
	// of a StatefulSet rolled out at one revision.
	w, err := c.AppsV1().StatefulSets("roll").Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=db", ResourceVersion: sts.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	wrote := make(chan error, 1)
	go func() {
		for ev := range w.ResultChan() {
			next, ok := ev.Object.(*appsv1.StatefulSet)
			if !ok || next.Generation <= sts.Generation {
				continue
			}
			next.Status = appsv1.StatefulSetStatus{ObservedGeneration: next.Generation, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1,
				AvailableReplicas: 1, CurrentRevision: "db-rev3", UpdateRevision: "db-rev3"}
			_, err := c.AppsV1().StatefulSets("roll").UpdateStatus(ctx, next, metav1.UpdateOptions{})
			wrote <- err
			return
		}
		wrote <- errors.New("the watch ended before the undo")
	}()
	var out bytes.Buffer
	res := e.Execute(ctx, a, true, &out)
	if res.Status != actions.StatusSucceeded || !res.Verified || !strings.Contains(res.Plan.Text, "+  - image: db:1") {
		t.Fatalf("undo: %+v\n%s", res, out.String())
	}
	if err := <-wrote; err != nil {
		t.Error(err)
	}
	got, err := c.AppsV1().StatefulSets("roll").Get(ctx, "db", metav1.GetOptions{})
	if err != nil || got.Spec.Template.Spec.Containers[0].Image != "db:1" {
		t.Errorf("statefulset after the undo: %v %+v", err, got.Spec.Template.Spec.Containers)
	}
}
