package kube

import (
	"strings"
	"time"
	"unique"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// Well-known labels read from nodes and pods.
const (
	LabelZone             = "topology.kubernetes.io/zone"
	LabelZoneLegacy       = "failure-domain.beta.kubernetes.io/zone"
	LabelRegion           = "topology.kubernetes.io/region"
	LabelRegionLegacy     = "failure-domain.beta.kubernetes.io/region"
	LabelInstanceType     = "node.kubernetes.io/instance-type"
	LabelInstanceTypeBeta = "beta.kubernetes.io/instance-type"
	labelPodTemplateHash  = "pod-template-hash"
)

// drainTaints are taints that autoscalers put on a node they are emptying.
// A node carrying one of them is reported as draining.
var drainTaints = map[string]bool{
	"ToBeDeletedByClusterAutoscaler": true,
	"karpenter.sh/disrupted":         true,
	"karpenter.sh/disruption":        true,
}

// maxMessage bounds the length of an event message kept in memory.
const maxMessage = 300

// ---- transforms: run by the informers before objects enter their caches ----

// podObj is what the pod informer caches instead of a Pod: the metadata
// the cache needs for its keys (namespace, name, uid, resourceVersion) and
// the converted record. About 450 bytes instead of several kilobytes.
type podObj struct {
	metav1.ObjectMeta
	rec podRec
}

// GetObjectKind implements runtime.Object.
func (p *podObj) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }

// DeepCopyObject implements runtime.Object.
func (p *podObj) DeepCopyObject() runtime.Object {
	c := *p
	c.ObjectMeta = *p.ObjectMeta.DeepCopy()
	return &c
}

// podTransform returns the pod informer's transform: a Pod is converted
// once, on arrival, into a podObj. It is idempotent.
func podTransform(cluster string) cache.TransformFunc {
	return func(obj any) (any, error) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return obj, nil // a podObj already, or a tombstone
		}
		return &podObj{
			ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: p.Name, UID: p.UID, ResourceVersion: p.ResourceVersion},
			rec:        convertPod(p, cluster),
		}, nil
	}
}

// trimMeta keeps name, namespace, uid, resourceVersion, creation and
// deletion timestamps and the controller owner reference.
func trimMeta(m *metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{
		Name:              m.Name,
		Namespace:         m.Namespace,
		UID:               m.UID,
		ResourceVersion:   m.ResourceVersion,
		CreationTimestamp: m.CreationTimestamp,
		DeletionTimestamp: m.DeletionTimestamp,
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		out.OwnerReferences = []metav1.OwnerReference{{Kind: ref.Kind, Name: ref.Name, UID: ref.UID, Controller: ref.Controller}}
	}
	return out
}

// transformNode keeps labels (zone, region, instance type; a DaemonSet's
// node selector), unschedulable, taints, providerID and the Ready condition. Images, addresses, capacity,
// node info and annotations are dropped.
func transformNode(obj any) (any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return obj, nil
	}
	out := &corev1.Node{ObjectMeta: trimMeta(&n.ObjectMeta)}
	out.Labels = n.Labels
	out.Spec = corev1.NodeSpec{Unschedulable: n.Spec.Unschedulable, ProviderID: n.Spec.ProviderID}
	for _, t := range n.Spec.Taints {
		out.Spec.Taints = append(out.Spec.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			out.Status.Conditions = []corev1.NodeCondition{{Type: c.Type, Status: c.Status}}
			break
		}
	}
	return out, nil
}

// transformWorkload keeps the metadata, the desired replicas, the status
// counts kubectl get prints (ready, up-to-date, available) and the pod
// template's container names and images of Deployments, StatefulSets and
// DaemonSets (a DaemonSet's scheduling rules too); ReplicaSets keep their
// metadata. The rest of the template is dropped.
func transformWorkload(obj any) (any, error) {
	switch w := obj.(type) {
	case *appsv1.Deployment:
		return &appsv1.Deployment{
			ObjectMeta: trimMeta(&w.ObjectMeta),
			Spec:       appsv1.DeploymentSpec{Replicas: w.Spec.Replicas, Template: templateImages(&w.Spec.Template)},
			Status: appsv1.DeploymentStatus{ReadyReplicas: w.Status.ReadyReplicas, Replicas: w.Status.Replicas,
				UpdatedReplicas: w.Status.UpdatedReplicas, AvailableReplicas: w.Status.AvailableReplicas},
		}, nil
	case *appsv1.StatefulSet:
		return &appsv1.StatefulSet{
			ObjectMeta: trimMeta(&w.ObjectMeta),
			Spec:       appsv1.StatefulSetSpec{Replicas: w.Spec.Replicas, Template: templateImages(&w.Spec.Template)},
			Status: appsv1.StatefulSetStatus{ReadyReplicas: w.Status.ReadyReplicas, Replicas: w.Status.Replicas,
				UpdatedReplicas: w.Status.UpdatedReplicas, AvailableReplicas: w.Status.AvailableReplicas},
		}, nil
	case *appsv1.DaemonSet:
		// The pod template's scheduling rules stay (node selector, node
		// affinity, tolerations, host network): the agents need them.
		meta := trimMeta(&w.ObjectMeta)
		meta.Generation = w.Generation
		t := &w.Spec.Template.Spec
		spec := corev1.PodSpec{NodeSelector: t.NodeSelector, Tolerations: t.Tolerations, HostNetwork: t.HostNetwork,
			Containers: templateImages(&w.Spec.Template).Spec.Containers}
		if t.Affinity != nil && t.Affinity.NodeAffinity != nil && t.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
			spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: t.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution}}
		}
		return &appsv1.DaemonSet{
			ObjectMeta: meta,
			Spec:       appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: spec}},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: w.Status.DesiredNumberScheduled, NumberReady: w.Status.NumberReady,
				UpdatedNumberScheduled: w.Status.UpdatedNumberScheduled, NumberAvailable: w.Status.NumberAvailable,
				ObservedGeneration: w.Status.ObservedGeneration},
		}, nil
	case *appsv1.ReplicaSet:
		return &appsv1.ReplicaSet{ObjectMeta: trimMeta(&w.ObjectMeta)}, nil
	}
	return obj, nil
}

// templateImages is a pod template reduced to its containers' names and
// images.
func templateImages(t *corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	cs := make([]corev1.Container, len(t.Spec.Containers))
	for i, c := range t.Spec.Containers {
		cs[i] = corev1.Container{Name: c.Name, Image: c.Image}
	}
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: cs}}
}

// workloadImages are the images of a (trimmed) template's containers.
func workloadImages(t *corev1.PodTemplateSpec) []string {
	out := make([]string, len(t.Spec.Containers))
	for i, c := range t.Spec.Containers {
		out[i] = intern(clip(c.Image, 512))
	}
	return out
}

// transformEvent keeps what the events list shows: the involved object,
// reason, a bounded and sanitised message, type and the latest timestamp.
func transformEvent(obj any) (any, error) {
	e, ok := obj.(*corev1.Event)
	if !ok {
		return obj, nil
	}
	out := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace, UID: e.UID, ResourceVersion: e.ResourceVersion, CreationTimestamp: e.CreationTimestamp},
		InvolvedObject: corev1.ObjectReference{Kind: e.InvolvedObject.Kind, Namespace: e.InvolvedObject.Namespace, Name: e.InvolvedObject.Name},
		Reason:         clip(e.Reason, 80),
		Message:        clip(e.Message, maxMessage),
		Type:           e.Type,
		Count:          e.Count,
		LastTimestamp:  metav1.Time{Time: eventTime(e)},
	}
	return out, nil
}

// eventTime is the latest of the event's timestamps.
func eventTime(e *corev1.Event) time.Time {
	t := e.LastTimestamp.Time
	if e.Series != nil && e.Series.LastObservedTime.After(t) {
		t = e.Series.LastObservedTime.Time
	}
	if e.EventTime.After(t) {
		t = e.EventTime.Time
	}
	if t.IsZero() {
		t = e.FirstTimestamp.Time
	}
	if t.IsZero() {
		t = e.CreationTimestamp.Time
	}
	return t
}

// clip removes control characters (terminal escape sequences included)
// and bounds the length of a free-text string from the API.
func clip(s string, max int) string { return sanitize.Truncate(sanitize.Line(s), max) }

// ---- conversions: from trimmed objects to the console's model ----

// podRec is a converted pod plus what the emit step needs to resolve its
// owner and the draining state of its node.
type podRec struct {
	pod providers.Pod
	// rs is the owning ReplicaSet's name ("" if the owner is not a ReplicaSet).
	rs string
	// byName is the owner guessed from the ReplicaSet name and the
	// pod-template-hash label, used while the ReplicaSet is not known.
	byName      string
	terminating bool
	// claims are the PersistentVolumeClaims it mounts (nil for most pods).
	claims []podClaim
	// configMaps are the ConfigMaps of its namespace it references
	// (podConfigMaps), interned: nearly every pod names the same few
	// (kube-root-ca.crt), so each costs a handle, not a string.
	configMaps []unique.Handle[string]
}

// convertPod converts a (trimmed) pod.
func convertPod(p *corev1.Pod, cluster string) podRec {
	r := podRec{
		pod: providers.Pod{
			Namespace: p.Namespace,
			Name:      p.Name,
			Cluster:   cluster,
			Phase:     string(p.Status.Phase),
			Node:      p.Spec.NodeName,
			IP:        p.Status.PodIP,
			Created:   p.CreationTimestamp.Time,
		},
		terminating: p.DeletionTimestamp != nil,
		claims:      podClaims(p),
	}
	for _, name := range podConfigMaps(p) {
		r.configMaps = append(r.configMaps, unique.Make(name))
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			r.pod.Ready = c.Status == corev1.ConditionTrue
		}
	}
	for i := range p.Status.InitContainerStatuses {
		r.pod.Restarts += int(p.Status.InitContainerStatuses[i].RestartCount)
	}
	for i := range p.Status.ContainerStatuses {
		r.pod.Restarts += int(p.Status.ContainerStatuses[i].RestartCount)
	}
	r.pod.Reason = podReason(p)
	r.pod.Images = containerImages(p)
	if len(p.OwnerReferences) > 0 {
		o := p.OwnerReferences[0]
		r.pod.Owner = o.Kind + "/" + o.Name
		if o.Kind == "ReplicaSet" {
			r.rs = o.Name
			r.byName = r.pod.Owner
			if h := p.Labels[labelPodTemplateHash]; h != "" && strings.HasSuffix(o.Name, "-"+h) {
				r.byName = "Deployment/" + strings.TrimSuffix(o.Name, "-"+h)
			}
		}
	}
	return r
}

// containerImages lists the image of each container of the spec with the
// imageID the kubelet reports for it (matched by container name), the
// strings interned: the pods of one workload run the same images. A pod
// without containers in its spec has none ([] for the JSON).
func containerImages(p *corev1.Pod) []providers.ContainerImage {
	out := make([]providers.ContainerImage, 0, len(p.Spec.Containers))
	for _, c := range p.Spec.Containers {
		if c.Name == "" && c.Image == "" {
			continue // not a container of a pod from the API server
		}
		ci := providers.ContainerImage{Container: intern(clip(c.Name, 253)), Image: intern(clip(c.Image, 512))}
		for i := range p.Status.ContainerStatuses {
			if st := &p.Status.ContainerStatuses[i]; st.Name == c.Name {
				ci.ImageID = intern(clip(st.ImageID, 512))
				ci.Digest = providers.RunningDigest(ci.ImageID)
				break
			}
		}
		out = append(out, ci)
	}
	return out
}

// intern returns the canonical copy of s (unique.Make: equal strings
// share one allocation while any is in use).
func intern(s string) string { return unique.Make(s).Value() }

// podReason is the short status word kubectl shows in its STATUS column
// when it differs from the phase: Terminating, Evicted, Init:CrashLoopBackOff,
// CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error, ...
func podReason(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	for _, c := range p.Status.InitContainerStatuses {
		if w := c.State.Waiting; w != nil && w.Reason != "" && w.Reason != "PodInitializing" {
			return "Init:" + w.Reason
		}
		if t := c.State.Terminated; t != nil && t.ExitCode != 0 {
			if t.Reason != "" {
				return "Init:" + t.Reason
			}
			return "Init:Error"
		}
	}
	reason := ""
	for _, c := range p.Status.ContainerStatuses {
		if w := c.State.Waiting; w != nil && w.Reason != "" {
			// A crash loop or pull failure beats a ContainerCreating.
			if reason == "" || reason == "ContainerCreating" {
				reason = w.Reason
			}
		} else if t := c.State.Terminated; t != nil && t.Reason != "" && reason == "" && p.Status.Phase != corev1.PodSucceeded {
			reason = t.Reason
		}
	}
	if reason != "" {
		return reason
	}
	return p.Status.Reason
}

// resolveOwner returns the pod's owner as Kind/name: a ReplicaSet is
// replaced by the Deployment that controls it when the ReplicaSet is known,
// else by the name with the pod-template-hash suffix removed.
func resolveOwner(r *podRec, rsOwners map[nsName]string) string {
	if r.rs == "" {
		return r.pod.Owner
	}
	if o, ok := rsOwners[nsName{r.pod.Namespace, r.rs}]; ok {
		if o == "" {
			return r.pod.Owner
		}
		return o
	}
	return r.byName
}

// nsName is a namespace/name key that needs no allocation.
type nsName struct{ ns, name string }

// nodeRec is a converted node plus its drain taint and the trimmed node
// (labels, taints: which DaemonSets must run there).
type nodeRec struct {
	node       providers.Node
	drainTaint bool
	obj        *corev1.Node
}

// convertNode converts a (trimmed) node. defaultRegion is used when the
// node has no region label.
func convertNode(n *corev1.Node, cluster, defaultRegion string) nodeRec {
	r := nodeRec{node: providers.Node{
		Name:          n.Name,
		Cluster:       cluster,
		Zone:          firstLabel(n.Labels, LabelZone, LabelZoneLegacy),
		Region:        firstLabel(n.Labels, LabelRegion, LabelRegionLegacy),
		InstanceType:  firstLabel(n.Labels, LabelInstanceType, LabelInstanceTypeBeta),
		Unschedulable: n.Spec.Unschedulable,
		Labels:        n.Labels,
		Created:       n.CreationTimestamp.Time,
	}, obj: n}
	id, zone := ParseProviderID(n.Spec.ProviderID)
	r.node.InstanceID = id
	if r.node.Zone == "" {
		r.node.Zone = zone
	}
	if r.node.Region == "" {
		r.node.Region = defaultRegion
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			r.node.Ready = c.Status == corev1.ConditionTrue
		}
	}
	for _, t := range n.Spec.Taints {
		if drainTaints[t.Key] {
			r.drainTaint = true
		}
	}
	return r
}

func firstLabel(labels map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// ParseProviderID extracts the EC2 instance id and zone from a node's
// spec.providerID, e.g. "aws:///us-east-1a/i-0abc" → ("i-0abc", "us-east-1a").
// Other providers' ids yield empty strings.
func ParseProviderID(id string) (instance, zone string) {
	rest, ok := strings.CutPrefix(id, "aws://")
	if !ok {
		return "", ""
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	last := parts[len(parts)-1]
	if !strings.HasPrefix(last, "i-") {
		return "", ""
	}
	if len(parts) >= 2 {
		zone = parts[len(parts)-2]
	}
	return last, zone
}

// convertWorkload converts a (trimmed) Deployment, StatefulSet or DaemonSet.
func convertWorkload(obj any, cluster string) (providers.Workload, bool) {
	switch w := obj.(type) {
	case *appsv1.Deployment:
		return providers.Workload{Kind: "Deployment", Namespace: w.Namespace, Name: w.Name, Cluster: cluster,
			Desired: replicas(w.Spec.Replicas), Ready: int(w.Status.ReadyReplicas), UpToDate: int(w.Status.UpdatedReplicas),
			Available: int(w.Status.AvailableReplicas), Images: workloadImages(&w.Spec.Template), Created: w.CreationTimestamp.Time}, true
	case *appsv1.StatefulSet:
		return providers.Workload{Kind: "StatefulSet", Namespace: w.Namespace, Name: w.Name, Cluster: cluster,
			Desired: replicas(w.Spec.Replicas), Ready: int(w.Status.ReadyReplicas), UpToDate: int(w.Status.UpdatedReplicas),
			Available: int(w.Status.AvailableReplicas), Images: workloadImages(&w.Spec.Template), Created: w.CreationTimestamp.Time}, true
	case *appsv1.DaemonSet:
		return providers.Workload{Kind: "DaemonSet", Namespace: w.Namespace, Name: w.Name, Cluster: cluster,
			Desired: int(w.Status.DesiredNumberScheduled), Ready: int(w.Status.NumberReady), UpToDate: int(w.Status.UpdatedNumberScheduled),
			Available: int(w.Status.NumberAvailable), Images: workloadImages(&w.Spec.Template), Created: w.CreationTimestamp.Time}, true
	}
	return providers.Workload{}, false
}

func replicas(r *int32) int {
	if r == nil {
		return 1
	}
	return int(*r)
}

// rsOwner is the controller of a ReplicaSet as Kind/name ("" when none).
func rsOwner(rs *appsv1.ReplicaSet) string {
	if len(rs.OwnerReferences) == 0 {
		return ""
	}
	return rs.OwnerReferences[0].Kind + "/" + rs.OwnerReferences[0].Name
}

// convertEvent converts a (trimmed) event.
func convertEvent(e *corev1.Event, cluster string) providers.Event {
	obj := e.InvolvedObject.Kind + "/"
	if e.InvolvedObject.Namespace != "" {
		obj += e.InvolvedObject.Namespace + "/"
	}
	obj += e.InvolvedObject.Name
	return providers.Event{
		Time:      eventTime(e),
		Type:      e.Type,
		Reason:    e.Reason,
		Object:    obj,
		Message:   e.Message,
		Cluster:   cluster,
		Namespace: e.Namespace,
	}
}

// unwrap returns the object inside a deletion tombstone.
func unwrap(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
