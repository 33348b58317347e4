package kube

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/opsconsole/console/providers"
)

// PersistentVolumeClaims, PersistentVolumes, Services and EndpointSlices
// enter the informers' caches as small records (recObj): the metadata the
// cache keys on and what the console shows. Labels, annotations,
// managedFields, selectors, topology and every other field are dropped.

// recObj is what an informer caches instead of the API object: the
// metadata the cache needs for its keys and the converted record.
type recObj[T any] struct {
	metav1.ObjectMeta
	rec T
}

// GetObjectKind implements runtime.Object.
func (o *recObj[T]) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject implements runtime.Object. The record is never modified
// once made, so it is shared.
func (o *recObj[T]) DeepCopyObject() runtime.Object {
	c := *o
	c.ObjectMeta = *o.ObjectMeta.DeepCopy()
	return &c
}

// recTransform returns an informer transform converting an object of type
// O into a recObj of its record. It is idempotent (a recObj passes).
func recTransform[O any, T any](conv func(*O) T) cache.TransformFunc {
	return func(obj any) (any, error) {
		o, ok := obj.(*O)
		if !ok {
			return obj, nil
		}
		meta := any(o).(metav1.Object)
		return &recObj[T]{
			ObjectMeta: metav1.ObjectMeta{Namespace: meta.GetNamespace(), Name: meta.GetName(), UID: meta.GetUID(), ResourceVersion: meta.GetResourceVersion()},
			rec:        conv(o),
		}, nil
	}
}

// gib converts a quantity to GiB (0 for none).
func gib(q apiresource.Quantity) float64 {
	if q.IsZero() {
		return 0
	}
	return float64(q.Value()) / (1 << 30)
}

// claimRec is a converted PersistentVolumeClaim.
type claimRec struct {
	claim providers.VolumeClaim
}

// convertClaim converts a PersistentVolumeClaim; its pods, its volume's
// details and its usage are added when the view is emitted.
func convertClaim(c *corev1.PersistentVolumeClaim) claimRec {
	r := providers.VolumeClaim{
		Namespace:   c.Namespace,
		Name:        c.Name,
		Phase:       string(c.Status.Phase),
		Volume:      c.Spec.VolumeName,
		RequestGiB:  gib(c.Spec.Resources.Requests[corev1.ResourceStorage]),
		CapacityGiB: gib(c.Status.Capacity[corev1.ResourceStorage]),
		Created:     c.CreationTimestamp.Time,
	}
	if c.DeletionTimestamp != nil {
		// as kubectl prints it: deleted, kept by the pvc-protection
		// finalizer while a pod mounts it
		r.Phase = "Terminating"
	}
	if c.Spec.StorageClassName != nil {
		r.StorageClass = *c.Spec.StorageClassName
	}
	if c.Spec.VolumeMode != nil {
		r.VolumeMode = string(*c.Spec.VolumeMode)
	}
	modes := c.Status.AccessModes
	if len(modes) == 0 {
		modes = c.Spec.AccessModes
	}
	r.AccessModes = make([]string, len(modes))
	for i, m := range modes {
		r.AccessModes[i] = string(m)
	}
	return claimRec{claim: r}
}

// volumeRec is what the console keeps of a PersistentVolume.
type volumeRec struct {
	class, reclaim, driver string
	capacityGiB            float64
}

// convertVolume converts a PersistentVolume.
func convertVolume(v *corev1.PersistentVolume) volumeRec {
	return volumeRec{
		class:       v.Spec.StorageClassName,
		reclaim:     string(v.Spec.PersistentVolumeReclaimPolicy),
		driver:      volumeDriver(&v.Spec.PersistentVolumeSource),
		capacityGiB: gib(v.Spec.Capacity[corev1.ResourceStorage]),
	}
}

// volumeDriver names what provides a volume: the CSI driver, else the
// in-tree kind.
func volumeDriver(s *corev1.PersistentVolumeSource) string {
	switch {
	case s.CSI != nil:
		return s.CSI.Driver
	case s.HostPath != nil:
		return "hostPath"
	case s.Local != nil:
		return "local"
	case s.NFS != nil:
		return "nfs"
	case s.AWSElasticBlockStore != nil:
		return "awsElasticBlockStore"
	case s.GCEPersistentDisk != nil:
		return "gcePersistentDisk"
	case s.AzureDisk != nil:
		return "azureDisk"
	case s.ISCSI != nil:
		return "iscsi"
	case s.FC != nil:
		return "fc"
	}
	return ""
}

// serviceRec is a converted Service (its endpoints are joined at emit).
type serviceRec struct {
	svc providers.Service
}

// convertService converts a Service.
func convertService(s *corev1.Service) serviceRec {
	r := providers.Service{
		Namespace: s.Namespace,
		Name:      s.Name,
		Type:      string(s.Spec.Type),
		ClusterIP: s.Spec.ClusterIP,
		External:  []string{},
		Ports:     make([]providers.ServicePort, len(s.Spec.Ports)),
		Created:   s.CreationTimestamp.Time,
	}
	if r.Type == "" {
		r.Type = string(corev1.ServiceTypeClusterIP)
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		r.External = append(r.External, clip(s.Spec.ExternalName, 253))
	}
	for _, in := range s.Status.LoadBalancer.Ingress {
		if in.Hostname != "" {
			r.External = append(r.External, clip(in.Hostname, 253))
		} else if in.IP != "" {
			r.External = append(r.External, in.IP)
		}
	}
	for i, p := range s.Spec.Ports {
		r.Ports[i] = providers.ServicePort{Name: p.Name, Protocol: string(p.Protocol), Port: int(p.Port), NodePort: int(p.NodePort)}
		if p.TargetPort.IntValue() != 0 || p.TargetPort.StrVal != "" {
			r.Ports[i].TargetPort = p.TargetPort.String()
		}
		if r.Ports[i].Protocol == "" {
			r.Ports[i].Protocol = string(corev1.ProtocolTCP)
		}
	}
	return serviceRec{svc: r}
}

// sliceRec is a converted EndpointSlice: its service and endpoints.
type sliceRec struct {
	service   string
	endpoints []providers.Endpoint
}

// convertSlice converts an EndpointSlice: one endpoint per address, ready
// unless its ready condition says false (the API's rule: an unknown
// condition counts as ready), the pod from its targetRef.
func convertSlice(s *discoveryv1.EndpointSlice) sliceRec {
	r := sliceRec{service: s.Labels[discoveryv1.LabelServiceName]}
	for _, e := range s.Endpoints {
		ready := e.Conditions.Ready == nil || *e.Conditions.Ready
		pod := ""
		if e.TargetRef != nil && e.TargetRef.Kind == "Pod" {
			pod = e.TargetRef.Name
		}
		node := ""
		if e.NodeName != nil {
			node = *e.NodeName
		}
		for _, a := range e.Addresses {
			r.endpoints = append(r.endpoints, providers.Endpoint{Address: a, Ready: ready, Pod: pod, Node: node})
		}
	}
	return r
}

// podClaim is a claim a pod mounts and where (its first container that
// mounts it; "" when none does).
type podClaim struct {
	claim, mountPath string
}

// podClaims lists the claims a pod mounts: persistentVolumeClaim volumes
// and generic ephemeral volumes (whose claim is POD-VOLUME).
func podClaims(p *corev1.Pod) []podClaim {
	var out []podClaim
	for _, v := range p.Spec.Volumes {
		name := ""
		switch {
		case v.PersistentVolumeClaim != nil:
			name = v.PersistentVolumeClaim.ClaimName
		case v.Ephemeral != nil:
			name = p.Name + "-" + v.Name
		default:
			continue
		}
		out = append(out, podClaim{claim: name, mountPath: mountPath(p, v.Name)})
	}
	return out
}

// mountPath is where the pod's first container that mounts volume mounts it.
func mountPath(p *corev1.Pod, volume string) string {
	for _, cs := range [][]corev1.Container{p.Spec.Containers, p.Spec.InitContainers} {
		for _, c := range cs {
			for _, m := range c.VolumeMounts {
				if m.Name == volume {
					return m.MountPath
				}
			}
		}
	}
	return ""
}

// serviceInventory joins the services with their slices' endpoints
// (deduplicated by address, ready first). known is false when the slices
// cannot be listed.
func serviceInventory(svcs map[nsName]serviceRec, slcs map[nsName]sliceRec, known bool, cluster string) []providers.Service {
	bySvc := map[nsName][]*sliceRec{}
	for k := range slcs {
		s := slcs[k]
		if s.service != "" {
			bySvc[nsName{k.ns, s.service}] = append(bySvc[nsName{k.ns, s.service}], &s)
		}
	}
	out := make([]providers.Service, 0, len(svcs))
	for k, r := range svcs {
		s := r.svc
		s.Cluster = cluster
		s.EndpointsKnown = known
		s.Endpoints = []providers.Endpoint{}
		for _, sl := range bySvc[k] {
			for _, e := range sl.endpoints {
				if !slices.ContainsFunc(s.Endpoints, func(o providers.Endpoint) bool { return o.Address == e.Address }) {
					s.Endpoints = append(s.Endpoints, e)
				}
			}
		}
		slices.SortFunc(s.Endpoints, func(a, b providers.Endpoint) int {
			if a.Ready != b.Ready {
				if a.Ready {
					return -1
				}
				return 1
			}
			if c := strings.Compare(a.Pod, b.Pod); c != 0 {
				return c
			}
			return strings.Compare(a.Address, b.Address)
		})
		s.EndpointsTotal = len(s.Endpoints)
		for _, e := range s.Endpoints {
			if e.Ready {
				s.EndpointsReady++
			}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b providers.Service) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// claimInventory completes the claims with their volume's details, the
// pods that mount them (from the pods' records) and the kubelet's usage.
func claimInventory(claims map[nsName]claimRec, vols map[string]volumeRec, pods []podRec, usage map[nsName]volumeUsage, cluster string) []providers.VolumeClaim {
	type mount struct {
		pods []string
		path string
	}
	mounts := map[nsName]*mount{}
	for i := range pods {
		for _, pc := range pods[i].claims {
			k := nsName{pods[i].pod.Namespace, pc.claim}
			m := mounts[k]
			if m == nil {
				m = &mount{}
				mounts[k] = m
			}
			m.pods = append(m.pods, pods[i].pod.Name)
			if m.path == "" {
				m.path = pc.mountPath
			}
		}
	}
	out := make([]providers.VolumeClaim, 0, len(claims))
	for k, r := range claims {
		c := r.claim
		c.Cluster = cluster
		if v, ok := vols[c.Volume]; ok && c.Volume != "" {
			c.ReclaimPolicy, c.Driver = v.reclaim, v.driver
			if c.StorageClass == "" {
				c.StorageClass = v.class
			}
			if c.CapacityGiB == 0 {
				c.CapacityGiB = v.capacityGiB
			}
		}
		if c.CapacityGiB == 0 {
			c.CapacityGiB = c.RequestGiB
		}
		c.Pods = []string{}
		if m := mounts[k]; m != nil {
			c.Pods = slices.Sorted(slices.Values(m.pods))
			c.MountPath = m.path
		}
		if u, ok := usage[k]; ok {
			c.UsedGiB, c.FilesystemGiB, c.UsageKnown = u.usedGiB, u.capacityGiB, true
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b providers.VolumeClaim) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}
