package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

// listWatch returns the list-watcher, the example object and the transform
// of one watched resource in namespace ns ("" = all namespaces).
func (p *Provider) listWatch(res resource, ns string) (*pagedListWatch, runtime.Object, cache.TransformFunc) {
	getter := cache.Getter(p.watcher.CoreV1().RESTClient())
	switch res.group {
	case "apps":
		getter = p.watcher.AppsV1().RESTClient()
	case "discovery.k8s.io":
		getter = p.watcher.DiscoveryV1().RESTClient()
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
	case "pods":
		example, tf = &corev1.Pod{}, podTransform(p.contextName)
	case "events":
		example, tf = &corev1.Event{}, transformEvent
	case "deployments":
		example, tf = &appsv1.Deployment{}, transformWorkload
	case "statefulsets":
		example, tf = &appsv1.StatefulSet{}, transformWorkload
	case "daemonsets":
		example, tf = &appsv1.DaemonSet{}, transformWorkload
	case "replicasets":
		example, tf = &appsv1.ReplicaSet{}, transformWorkload
	case "persistentvolumeclaims":
		example, tf = &corev1.PersistentVolumeClaim{}, recTransform(convertClaim)
	case "persistentvolumes":
		example, tf = &corev1.PersistentVolume{}, recTransform(convertVolume)
	case "services":
		example, tf = &corev1.Service{}, recTransform(convertService)
	case "endpointslices":
		example, tf = &discoveryv1.EndpointSlice{}, recTransform(convertSlice)
	}
	lw.tf = tf
	return lw, example, tf
}
