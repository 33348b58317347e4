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
	case "persistentvolumeclaims":
		example, tf = &corev1.PersistentVolumeClaim{}, recTransform(convertClaim)
		lw.trim = trimList[corev1.PersistentVolumeClaimList](func(l *corev1.PersistentVolumeClaimList) {
			for i := range l.Items {
				l.Items[i] = corev1.PersistentVolumeClaim{ObjectMeta: trimMeta(&l.Items[i].ObjectMeta), Spec: l.Items[i].Spec, Status: l.Items[i].Status}
			}
		})
	case "persistentvolumes":
		example, tf = &corev1.PersistentVolume{}, recTransform(convertVolume)
		lw.trim = trimList[corev1.PersistentVolumeList](func(l *corev1.PersistentVolumeList) {
			for i := range l.Items {
				l.Items[i] = corev1.PersistentVolume{ObjectMeta: trimMeta(&l.Items[i].ObjectMeta), Spec: l.Items[i].Spec}
			}
		})
	case "services":
		example, tf = &corev1.Service{}, recTransform(convertService)
		lw.trim = trimList[corev1.ServiceList](func(l *corev1.ServiceList) {
			for i := range l.Items {
				l.Items[i] = corev1.Service{ObjectMeta: trimMeta(&l.Items[i].ObjectMeta), Spec: l.Items[i].Spec, Status: l.Items[i].Status}
			}
		})
	case "endpointslices":
		example, tf = &discoveryv1.EndpointSlice{}, recTransform(convertSlice)
		lw.trim = trimList[discoveryv1.EndpointSliceList](func(l *discoveryv1.EndpointSliceList) {
			for i := range l.Items {
				it := &l.Items[i]
				m := trimMeta(&it.ObjectMeta)
				m.Labels = map[string]string{discoveryv1.LabelServiceName: it.Labels[discoveryv1.LabelServiceName]}
				l.Items[i] = discoveryv1.EndpointSlice{ObjectMeta: m, AddressType: it.AddressType, Endpoints: it.Endpoints}
			}
		})
	}
	return lw, example, tf
}

// trimList returns a page trim for lists of type L: f drops what the
// console does not keep (managedFields, annotations, labels) from each
// item before the pager accumulates the page.
func trimList[L any](f func(*L)) func(runtime.Object) {
	return func(o runtime.Object) {
		if l, ok := any(o).(*L); ok {
			f(l)
		}
	}
}
