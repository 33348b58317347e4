package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

// listWatch returns the list-watcher, the example object and the transform
// of one watched resource in namespace ns ("" = all namespaces).
func (p *Provider) listWatch(res resource, ns string) (cache.ListerWatcher, runtime.Object, cache.TransformFunc) {
	getter := cache.Getter(p.watcher.CoreV1().RESTClient())
	if res.group == "apps" {
		getter = p.watcher.AppsV1().RESTClient()
	}
	modify := func(*metav1.ListOptions) {}
	if res.name == "events" {
		// Only warnings are shown; the server filters the rest out.
		modify = func(o *metav1.ListOptions) { o.FieldSelector = "type=Warning" }
	}
	if !res.namespaced {
		ns = ""
	}
	lw := &pagedListWatch{
		lw:        cache.NewFilteredListWatchFromClient(getter, res.name, ns, modify),
		pageSize:  p.opts.PageSize,
		streaming: p.opts.StreamingList,
	}
	var example runtime.Object
	var tf cache.TransformFunc
	switch res.name {
	case "nodes":
		example, tf = &corev1.Node{}, transformNode
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*corev1.NodeList); ok {
				for i := range l.Items {
					t, _ := transformNode(&l.Items[i])
					l.Items[i] = *t.(*corev1.Node)
				}
			}
		}
	case "pods":
		example, tf = &corev1.Pod{}, podTransform(p.contextName)
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*corev1.PodList); ok {
				for i := range l.Items {
					l.Items[i] = *trimPod(&l.Items[i])
				}
			}
		}
	case "events":
		example, tf = &corev1.Event{}, transformEvent
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*corev1.EventList); ok {
				for i := range l.Items {
					t, _ := transformEvent(&l.Items[i])
					l.Items[i] = *t.(*corev1.Event)
				}
			}
		}
	case "deployments":
		example, tf = &appsv1.Deployment{}, transformWorkload
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*appsv1.DeploymentList); ok {
				for i := range l.Items {
					t, _ := transformWorkload(&l.Items[i])
					l.Items[i] = *t.(*appsv1.Deployment)
				}
			}
		}
	case "statefulsets":
		example, tf = &appsv1.StatefulSet{}, transformWorkload
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*appsv1.StatefulSetList); ok {
				for i := range l.Items {
					t, _ := transformWorkload(&l.Items[i])
					l.Items[i] = *t.(*appsv1.StatefulSet)
				}
			}
		}
	case "daemonsets":
		example, tf = &appsv1.DaemonSet{}, transformWorkload
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*appsv1.DaemonSetList); ok {
				for i := range l.Items {
					t, _ := transformWorkload(&l.Items[i])
					l.Items[i] = *t.(*appsv1.DaemonSet)
				}
			}
		}
	case "replicasets":
		example, tf = &appsv1.ReplicaSet{}, transformWorkload
		lw.trim = func(o runtime.Object) {
			if l, ok := o.(*appsv1.ReplicaSetList); ok {
				for i := range l.Items {
					t, _ := transformWorkload(&l.Items[i])
					l.Items[i] = *t.(*appsv1.ReplicaSet)
				}
			}
		}
	}
	return lw, example, tf
}
