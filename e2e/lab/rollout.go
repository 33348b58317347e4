package lab

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PlayRollout plays the deployment controller the lab does not run, once:
// when deployment ns/name next gets a new generation (a restart, a scale),
// it writes status(generation) as the deployment's status. The returned
// channel receives the write's error (nil once written); the watch stops at
// t.Cleanup.
func (k *KubeCluster) PlayRollout(t testing.TB, ns, name string, status func(gen int64) appsv1.DeploymentStatus) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := k.Client()
	d, err := c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("lab: get deployment %s/%s: %v", ns, name, err)
	}
	w, err := c.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: "metadata.name=" + name, ResourceVersion: d.ResourceVersion})
	if err != nil {
		t.Fatalf("lab: watch deployment %s/%s: %v", ns, name, err)
	}
	t.Cleanup(w.Stop)
	wrote := make(chan error, 1)
	go func() {
		for ev := range w.ResultChan() {
			next, ok := ev.Object.(*appsv1.Deployment)
			if !ok || next.Generation <= d.Generation {
				continue
			}
			next.Status = status(next.Generation)
			_, err := c.AppsV1().Deployments(ns).UpdateStatus(ctx, next, metav1.UpdateOptions{})
			wrote <- err
			return
		}
		wrote <- fmt.Errorf("lab: the watch of deployment %s/%s ended before a new generation", ns, name)
	}()
	return wrote
}

// RolledOut is the status of a deployment of replicas whose rollout of
// generation gen completed: every replica updated, ready and available.
func RolledOut(gen int64, replicas int32) appsv1.DeploymentStatus {
	return appsv1.DeploymentStatus{ObservedGeneration: gen, Replicas: replicas, UpdatedReplicas: replicas,
		ReadyReplicas: replicas, AvailableReplicas: replicas}
}

// NewRevision plays the deployment controller for a change of deployment
// ns/name's pod template (mutate, e.g. a new image; cause, when set, is
// its kubernetes.io/change-cause): the Deployment gets the new template,
// a ReplicaSet of the next revision (deployment.kubernetes.io/revision)
// holds it and the older ReplicaSets are scaled to 0, as `kubectl rollout
// history` and `kubectl rollout undo` then find them. It returns the new
// revision's number. No pod of the new revision is started.
func NewRevision(ctx context.Context, c kubernetes.Interface, ns, name string, mutate func(*corev1.PodTemplateSpec), cause string) (int64, error) {
	d, err := c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return 0, fmt.Errorf("get deployment %s/%s: %w", ns, name, err)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return 0, fmt.Errorf("deployment %s/%s: %w", ns, name, err)
	}
	rss, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return 0, fmt.Errorf("list replicasets of %s/%s: %w", ns, name, err)
	}
	var last int64
	for i := range rss.Items {
		rs := &rss.Items[i]
		if !metav1.IsControlledBy(rs, d) {
			continue
		}
		if n, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64); err == nil && n > last {
			last = n
		}
		zero := int32(0)
		rs.Spec.Replicas = &zero
		if _, err := c.AppsV1().ReplicaSets(ns).Update(ctx, rs, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("scale down replicaset %s/%s: %w", ns, rs.Name, err)
		}
	}
	mutate(&d.Spec.Template)
	if cause != "" {
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations[changeCauseAnnotation] = cause
	}
	if d, err = c.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		return 0, fmt.Errorf("update deployment %s/%s: %w", ns, name, err)
	}
	rev := last + 1
	hash := shortHash(fmt.Sprintf("%s/%s/%d", ns, name, rev), 10)
	tmpl := *d.Spec.Template.DeepCopy()
	tmpl.Labels = maps.Clone(tmpl.Labels)
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	selector := d.Spec.Selector.DeepCopy()
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	annotations := map[string]string{revisionAnnotation: strconv.FormatInt(rev, 10)}
	if cause != "" {
		annotations[changeCauseAnnotation] = cause
	}
	yes := true
	_, err = c.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-" + hash, Namespace: ns, Labels: tmpl.Labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				Controller: &yes, BlockOwnerDeletion: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: selector, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		return 0, fmt.Errorf("create replicaset of revision %d of %s/%s: %w", rev, ns, name, err)
	}
	return rev, nil
}

// The annotations the deployment controller writes on its ReplicaSets.
const (
	revisionAnnotation    = "deployment.kubernetes.io/revision"
	changeCauseAnnotation = "kubernetes.io/change-cause"
)
