package lab

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
