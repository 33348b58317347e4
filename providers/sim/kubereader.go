package sim

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/kubectl/pkg/describe"
	"k8s.io/kubectl/pkg/util/qos"
	"sigs.k8s.io/yaml"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
)

// The demo's clusters are read as a Kubernetes source reads them on
// demand: each object of the demo is made into the API object it stands
// for (a Pod, a Node, a Deployment and its ReplicaSet…), which kubectl's
// own describers print (`d`) and sigs.k8s.io/yaml shows (`y`); its events
// are the demo's; discovery lists the kinds below and their tables have
// the columns `kubectl get` prints for them. Requests, limits, probes and
// node system info are made up in common shapes (kubespec.go); what the
// demo does not model (Ingresses, ConfigMaps, Secrets) is absent.

// ErrNotInDemo is returned for a kind or an object the demo does not have.
var ErrNotInDemo = errors.New("not in the demo estate")

// demoKind is one kind the demo serves.
type demoKind struct {
	res providers.KubeResource
	// columns of its table (kubectl get's), row its cells.
	columns []providers.KubeColumn
}

var readVerbs = []string{"get", "list", "watch"}

// demoKinds are the kinds the demo's clusters serve, as discovery lists
// them.
var demoKinds = []demoKind{
	{res: providers.KubeResource{Version: "v1", Kind: "Pod", Plural: "pods", Singular: "pod", ShortNames: []string{"po"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "delete"}},
		columns: cols("Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*")},
	{res: providers.KubeResource{Version: "v1", Kind: "Node", Plural: "nodes", Singular: "node", ShortNames: []string{"no"}, Verbs: []string{"get", "list", "watch", "patch"}},
		columns: cols("Name", "Status", "Roles", "Age")},
	{res: providers.KubeResource{Version: "v1", Kind: "Namespace", Plural: "namespaces", Singular: "namespace", ShortNames: []string{"ns"}, Verbs: readVerbs},
		columns: cols("Name", "Status", "Age")},
	{res: providers.KubeResource{Version: "v1", Kind: "Service", Plural: "services", Singular: "service", ShortNames: []string{"svc"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "delete"}},
		columns: cols("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age")},
	{res: providers.KubeResource{Version: "v1", Kind: "PersistentVolumeClaim", Plural: "persistentvolumeclaims", Singular: "persistentvolumeclaim", ShortNames: []string{"pvc"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "delete"}},
		columns: cols("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "Age")},
	{res: providers.KubeResource{Version: "v1", Kind: "Event", Plural: "events", Singular: "event", ShortNames: []string{"ev"}, Namespaced: true, Verbs: readVerbs},
		columns: cols("Last Seen", "Type", "Reason", "Object", "Message")},
	{res: providers.KubeResource{Group: "apps", Version: "v1", Kind: "Deployment", Plural: "deployments", Singular: "deployment", ShortNames: []string{"deploy"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "patch", "delete"}},
		columns: cols("Name", "Ready", "Up-to-date", "Available", "Age")},
	{res: providers.KubeResource{Group: "apps", Version: "v1", Kind: "StatefulSet", Plural: "statefulsets", Singular: "statefulset", ShortNames: []string{"sts"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "patch", "delete"}},
		columns: cols("Name", "Ready", "Age")},
	{res: providers.KubeResource{Group: "apps", Version: "v1", Kind: "DaemonSet", Plural: "daemonsets", Singular: "daemonset", ShortNames: []string{"ds"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "patch", "delete"}},
		columns: cols("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Age")},
	{res: providers.KubeResource{Group: "batch", Version: "v1", Kind: "CronJob", Plural: "cronjobs", Singular: "cronjob", ShortNames: []string{"cj"}, Namespaced: true, Verbs: []string{"get", "list", "watch", "patch", "delete"}},
		columns: cols("Name", "Schedule", "Suspend", "Active", "Last Schedule", "Age")},
}

// cols are table columns; a name ending in * is shown with -o wide only.
func cols(names ...string) []providers.KubeColumn {
	out := make([]providers.KubeColumn, len(names))
	for i, n := range names {
		if wide, ok := strings.CutSuffix(n, "*"); ok {
			out[i] = providers.KubeColumn{Name: wide, Priority: 1}
			continue
		}
		out[i] = providers.KubeColumn{Name: n}
	}
	return out
}

// lookupKind finds the kind res names as kubectl takes it: plural,
// singular, short name or kind, with an optional .group.
func lookupKind(res string) (*demoKind, error) {
	name := strings.ToLower(strings.TrimSpace(res))
	name, group, _ := strings.Cut(name, ".")
	for i := range demoKinds {
		k := &demoKinds[i].res
		if group != "" && group != k.Group {
			continue
		}
		if name == k.Plural || name == k.Singular || name == strings.ToLower(k.Kind) || slices.Contains(k.ShortNames, name) {
			return &demoKinds[i], nil
		}
	}
	return nil, fmt.Errorf("resource %q: %w (it serves %s)", res, ErrNotInDemo, demoKindNames())
}

func demoKindNames() string {
	names := make([]string, len(demoKinds))
	for i, k := range demoKinds {
		names[i] = k.res.Plural
	}
	return strings.Join(names, ", ")
}

// KubeReaders returns a reader of each of the demo's clusters
// (providers.KubeReaderSet). The clusters are fixed when the demo is
// made, so the list is too: the UI asks for it without waiting on a step.
func (s *Sim) KubeReaders() []providers.KubeReader { return s.readers }

// newKubeReaders makes the readers of st's clusters.
func newKubeReaders(s *Sim, st *state) []providers.KubeReader {
	out := make([]providers.KubeReader, 0, len(st.cl))
	for _, c := range st.cl {
		out = append(out, &kubeReader{s: s, cluster: c.name})
	}
	return out
}

var (
	_ providers.KubeReaderSet   = (*Sim)(nil)
	_ providers.KubeReader      = (*kubeReader)(nil)
	_ providers.JobReader       = (*kubeReader)(nil)
	_ providers.IngressReader   = (*kubeReader)(nil)
	_ providers.ConfigMapReader = (*kubeReader)(nil)
)

// kubeReader reads one cluster of the demo.
type kubeReader struct {
	s       *Sim
	cluster string
}

func (r *kubeReader) Context() string { return r.cluster }

// estate is what a read sees: the demo's state at one moment.
type estate struct {
	cluster string
	inv     *providers.Inventory
	now     time.Time
	start   time.Time // the demo's Options.Start
	// hashes are the pod template hashes of the Deployments
	// (namespace/name), their current ReplicaSet's suffix.
	hashes   map[string]string
	cronJobs []simCronJob
}

// estate takes what a read sees, now. objects says whether the read
// needs the objects (a snapshot of the whole demo); without, it has the
// events and CronJobs only (what the Events and Jobs views, read every
// few seconds, need).
func (r *kubeReader) estate(objects bool) *estate {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	st := r.s.st
	e := &estate{cluster: r.cluster, now: st.now(), start: st.opts.Start, hashes: map[string]string{}}
	if objects {
		e.inv = st.snapshot()
	} else {
		e.inv = &providers.Inventory{Events: slices.Clone(st.inv.Events)}
	}
	for i, wl := range st.inv.Workloads {
		if wl.Cluster == r.cluster && wl.Kind == kindDeployment && !st.wl[i].deleted {
			e.hashes[wl.Namespace+"/"+wl.Name] = st.wl[i].hash
		}
	}
	for _, c := range st.cronJobs {
		if c.cluster == r.cluster && !c.deleted {
			e.cronJobs = append(e.cronJobs, c)
		}
	}
	return e
}

// get finds the object o names; verb ("describe", "get") prefixes its
// errors.
func (r *kubeReader) get(verb string, o providers.KubeObject) (*demoKind, *described, error) {
	k, err := lookupKind(o.Resource)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", verb, err)
	}
	d, err := r.estate(true).object(k.res.Kind, o.Namespace, o.Name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", verb, k.res.Plural, err)
	}
	return k, d, nil
}

// Describe prints the object as `kubectl describe` does: kubectl's own
// describer of its kind, given the object, its events and what the
// describer lists beside it (a node's pods, a claim's pods, a
// Deployment's ReplicaSet, a Service's EndpointSlices).
func (r *kubeReader) Describe(ctx context.Context, o providers.KubeObject) (string, error) {
	k, d, err := r.get("describe", o)
	if err != nil {
		return "", err
	}
	var s string
	if d.served != nil {
		s, err = describeServed(schema.GroupKind{Group: k.res.Group, Kind: k.res.Kind}, o.Namespace, o.Name, d.served...)
	} else {
		s, err = describe.DefaultObjectDescriber.DescribeObject(d.obj, d.extra...)
	}
	if err != nil {
		return "", fmt.Errorf("describe %s/%s: %w", k.res.Plural, o.Name, err)
	}
	return s, nil
}

// YAML is the object the demo stands for, as YAML (it has no
// managedFields, and the demo has no Secrets).
func (r *kubeReader) YAML(ctx context.Context, o providers.KubeObject) (string, error) {
	k, d, err := r.get("get", o)
	if err != nil {
		return "", err
	}
	b, err := yaml.Marshal(d.obj)
	if err != nil {
		return "", fmt.Errorf("yaml %s/%s: %w", k.res.Plural, o.Name, err)
	}
	return string(b), nil
}

// Events are the demo's events of the cluster in namespace ("" all), the
// repeats of one (object, type, reason, message) counted as one event
// series, newest first.
func (r *kubeReader) Events(ctx context.Context, namespace string) ([]providers.KubeEvent, error) {
	e := r.estate(false)
	return e.events(namespace, ""), nil
}

// Resources lists the kinds the demo serves.
func (r *kubeReader) Resources(ctx context.Context) ([]providers.KubeResource, error) {
	out := make([]providers.KubeResource, len(demoKinds))
	for i, k := range demoKinds {
		out[i] = k.res
	}
	return out, nil
}

// Table lists a kind's objects with the columns `kubectl get` prints.
func (r *kubeReader) Table(ctx context.Context, res, namespace string) (*providers.KubeTable, error) {
	k, err := lookupKind(res)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	e := r.estate(true)
	t := &providers.KubeTable{Resource: k.res, Columns: k.columns}
	if !k.res.Namespaced {
		namespace = ""
	}
	for _, row := range e.rows(k.res.Kind) {
		if namespace == "" || row.Namespace == namespace {
			t.Rows = append(t.Rows, row)
		}
	}
	return t, nil
}

// Jobs lists the cluster's CronJobs in namespace ("" all); the demo runs
// no Jobs.
func (r *kubeReader) Jobs(ctx context.Context, namespace string) ([]providers.Job, error) {
	e := r.estate(false)
	var out []providers.Job
	for _, c := range e.cronJobs {
		if namespace != "" && c.ns != namespace {
			continue
		}
		out = append(out, providers.Job{Namespace: c.ns, Name: c.name, CronJob: true, Schedule: c.schedule,
			Suspend: c.suspended, LastSchedule: lastSchedule(c.schedule, e.now, e.created()), Created: e.created()})
	}
	return out, nil
}

// Ingresses lists none: the demo's traffic enters through a
// LoadBalancer Service and its ALB, not an Ingress.
func (r *kubeReader) Ingresses(ctx context.Context, namespace string) ([]providers.Ingress, error) {
	return nil, nil
}

// ConfigMaps lists none: the demo models no ConfigMaps.
func (r *kubeReader) ConfigMaps(ctx context.Context, namespace string) ([]providers.ConfigMap, error) {
	return nil, nil
}

// created is when the demo's cluster objects without an age of their own
// were made.
func (e *estate) created() time.Time { return e.now.Add(-workloadAge) }

// cronMacros are the schedules kube's cron takes by name.
var cronMacros = map[string]string{"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}

// lastSchedule is the last time schedule fired before now, not before
// created (zero: never).
func lastSchedule(expr string, now, created time.Time) time.Time {
	c, err := schedule.Parse(cmp.Or(cronMacros[expr], expr))
	if err != nil {
		return time.Time{}
	}
	t, ok := c.Prev(now, time.UTC)
	if !ok || t.Before(created) {
		return time.Time{}
	}
	return t
}

// uid is a stable UID for the object key names.
func uid(key string) types.UID {
	h := sha256.Sum256([]byte(key))
	x := hex.EncodeToString(h[:16])
	return types.UID(x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32])
}

func (e *estate) meta(kind, ns, name string, created time.Time, lbls map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: ns, UID: uid(e.cluster + "/" + kind + "/" + ns + "/" + name),
		CreationTimestamp: metav1.NewTime(created), Labels: lbls}
}

// described is an API object and what kubectl's describer takes beside
// it: the extra arguments of its describe function, in their order, or
// the objects its describer reads (served, the object first).
type described struct {
	obj    runtime.Object
	extra  []any
	served []runtime.Object
}

// object is the API object kind ns/name stands for, with what its
// describer takes beside it.
func (e *estate) object(kind, ns, name string) (*described, error) {
	notFound := fmt.Errorf("%s %q: %w", strings.ToLower(kind), strings.TrimPrefix(ns+"/"+name, "/"), ErrNotInDemo)
	events := e.eventList(kind, ns, name)
	switch kind {
	case "Pod":
		for i := range e.inv.Pods {
			if p := &e.inv.Pods[i]; p.Cluster == e.cluster && p.Namespace == ns && p.Name == name {
				return &described{obj: e.pod(p), extra: []any{events}}, nil
			}
		}
	case "Node":
		for i := range e.inv.Nodes {
			if n := &e.inv.Nodes[i]; n.Cluster == e.cluster && n.Name == name {
				pods := &corev1.PodList{}
				for j := range e.inv.Pods {
					if p := &e.inv.Pods[j]; p.Cluster == e.cluster && p.Node == name && p.Phase != "Succeeded" && p.Phase != "Failed" {
						pods.Items = append(pods.Items, *e.pod(p))
					}
				}
				return &described{obj: e.node(n), extra: []any{pods, events, true, (*describe.LeaseDescriber)(nil), []resourcev1.ResourceSlice(nil)}}, nil
			}
		}
	case "Namespace":
		if slices.Contains(e.namespaces(), name) {
			return &described{obj: e.namespace(name), extra: []any{(*corev1.ResourceQuotaList)(nil), (*corev1.LimitRangeList)(nil)}}, nil
		}
	case "Service":
		for i := range e.inv.Services {
			if s := &e.inv.Services[i]; s.Cluster == e.cluster && s.Namespace == ns && s.Name == name {
				return &described{obj: e.service(s), extra: []any{e.endpointSlices(s), events}}, nil
			}
		}
	case "PersistentVolumeClaim":
		for i := range e.inv.VolumeClaims {
			if c := &e.inv.VolumeClaims[i]; c.Cluster == e.cluster && c.Namespace == ns && c.Name == name {
				var pods []corev1.Pod
				for j := range e.inv.Pods {
					if p := &e.inv.Pods[j]; p.Cluster == e.cluster && p.Namespace == ns && slices.Contains(c.Pods, p.Name) {
						pods = append(pods, *e.pod(p))
					}
				}
				return &described{obj: e.claim(c), extra: []any{events, pods}}, nil
			}
		}
	case "Deployment", "StatefulSet", "DaemonSet":
		for i := range e.inv.Workloads {
			if w := &e.inv.Workloads[i]; w.Cluster == e.cluster && w.Kind == kind && w.Namespace == ns && w.Name == name {
				return e.workload(w, events), nil
			}
		}
	case "CronJob":
		for _, c := range e.cronJobs {
			if c.ns == ns && c.name == name {
				return &described{obj: e.cronJob(c), extra: []any{events}}, nil
			}
		}
	case "Event":
		return nil, fmt.Errorf("an event is shown in the Events view, not described: %w", ErrNotInDemo)
	}
	return nil, notFound
}

// podLabels are the labels a workload's pods carry.
func (e *estate) podLabels(kind, ns, name, pod string) map[string]string {
	l := map[string]string{"app": name}
	switch kind {
	case kindDeployment:
		if h := e.hashes[ns+"/"+name]; h != "" {
			l["pod-template-hash"] = h
		}
	case kindStatefulSet:
		l["statefulset.kubernetes.io/pod-name"] = pod
	}
	return l
}

// containers are the pod template's containers of the workload kind/name:
// one per image, the first serving the workload's service port where it
// has one, probed on it, each with its requests and limits (kubespec.go);
// gpu: the first asks for a GPU.
func (e *estate) containers(kind, ns, name string, images []providers.ContainerImage, gpu bool) []corev1.Container {
	var ports []corev1.ContainerPort
	for i := range e.inv.Services {
		if s := &e.inv.Services[i]; s.Cluster == e.cluster && s.Namespace == ns && s.Name == name {
			for _, p := range s.Ports {
				if n, err := strconv.Atoi(p.TargetPort); err == nil {
					ports = append(ports, corev1.ContainerPort{Name: p.Name, ContainerPort: int32(n), Protocol: corev1.Protocol(p.Protocol)})
				}
			}
		}
	}
	out := make([]corev1.Container, len(images))
	for i, im := range images {
		out[i] = corev1.Container{Name: im.Container, Image: im.Image, ImagePullPolicy: corev1.PullIfNotPresent,
			Resources: resources(kind, name, i, gpu)}
		if i == 0 {
			out[i].Ports = ports
			if len(ports) > 0 {
				out[i].LivenessProbe, out[i].ReadinessProbe = probes(kind, ports[0].ContainerPort)
			}
			for _, d := range claimDefs[name] {
				out[i].VolumeMounts = append(out[i].VolumeMounts, corev1.VolumeMount{Name: d.prefix, MountPath: d.mount})
			}
		}
	}
	return out
}

// claimVolumes are the volumes of a StatefulSet's pod: its claims, one
// per volume claim template (PREFIX-POD).
func claimVolumes(owner, pod string) []corev1.Volume {
	var out []corev1.Volume
	for _, d := range claimDefs[owner] {
		out = append(out, corev1.Volume{Name: d.prefix, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: d.prefix + "-" + pod}}})
	}
	return out
}

func (e *estate) pod(p *providers.Pod) *corev1.Pod {
	kind, owner, _ := strings.Cut(p.Owner, "/")
	pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: e.meta("Pod", p.Namespace, p.Name, p.Created, e.podLabels(kind, p.Namespace, owner, p.Name))}
	yes := true
	if kind != "" {
		ref := metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: owner, Controller: &yes, BlockOwnerDeletion: &yes}
		if kind == kindDeployment {
			ref.Kind, ref.Name = "ReplicaSet", owner+"-"+e.hashes[p.Namespace+"/"+owner]
		}
		ref.UID = uid(e.cluster + "/" + ref.Kind + "/" + p.Namespace + "/" + ref.Name)
		pod.OwnerReferences = []metav1.OwnerReference{ref}
	}
	pod.Spec = corev1.PodSpec{NodeName: p.Node, Containers: e.containers(kind, p.Namespace, owner, p.Images, owner == gpuOwner && p.Node == ""),
		RestartPolicy: corev1.RestartPolicyAlways, SchedulerName: corev1.DefaultSchedulerName}
	if kind == kindStatefulSet {
		pod.Spec.Volumes = claimVolumes(owner, p.Name)
	}
	started := metav1.NewTime(p.Created)
	st := corev1.PodStatus{Phase: corev1.PodPhase(p.Phase), PodIP: p.IP}
	if p.Node != "" {
		st.StartTime = &started
		st.HostIP = nodeIP(p.Node)
	}
	if p.IP != "" {
		st.PodIPs = []corev1.PodIP{{IP: p.IP}}
	}
	for i, im := range p.Images {
		cs := corev1.ContainerStatus{Name: im.Container, Image: im.Image, ImageID: im.ImageID, Ready: p.Ready}
		switch {
		case p.Phase == "Pending" || (p.Reason != "" && !p.Ready):
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: cmp.Or(p.Reason, "ContainerCreating")}
		case p.Phase == "Running":
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
			id := sha256.Sum256([]byte(e.cluster + "/" + p.Namespace + "/" + p.Name + "/" + im.Container))
			cs.ContainerID = "containerd://" + hex.EncodeToString(id[:])
		}
		if i == 0 {
			cs.RestartCount = int32(p.Restarts)
		}
		if t := lastTermination(p, i, e.start, e.now); t != nil {
			cs.LastTerminationState.Terminated = t
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: condStatus(ok), LastTransitionTime: started}
	}
	scheduled := p.Node != ""
	st.Conditions = []corev1.PodCondition{cond(corev1.PodInitialized, true), cond(corev1.PodReady, p.Ready),
		cond(corev1.ContainersReady, p.Ready), cond(corev1.PodScheduled, scheduled)}
	if !scheduled {
		// A pod no node was found for has started nothing: its one
		// condition is the scheduler's, with its last reason why.
		st.ContainerStatuses, st.StartTime = nil, nil
		st.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: e.lastMessage("Pod/"+p.Namespace+"/"+p.Name, "FailedScheduling"), LastTransitionTime: started}}
	}
	pod.Status = st
	pod.Status.QOSClass = qos.ComputePodQOS(pod)
	return pod
}

// lastMessage is the message of object's (Kind/namespace/name) last
// event of reason in the cluster, "" without one.
func (e *estate) lastMessage(object, reason string) string {
	for i := len(e.inv.Events) - 1; i >= 0; i-- {
		if ev := &e.inv.Events[i]; ev.Cluster == e.cluster && ev.Object == object && ev.Reason == reason {
			return ev.Message
		}
	}
	return ""
}

func condStatus(ok bool) corev1.ConditionStatus {
	if ok {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}

func (e *estate) node(n *providers.Node) *corev1.Node {
	node := &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: e.meta("Node", "", n.Name, n.Created, maps.Clone(n.Labels))}
	// the labels every kubelet sets on its node
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	node.Labels["kubernetes.io/os"], node.Labels["kubernetes.io/arch"] = "linux", "amd64"
	node.Spec = corev1.NodeSpec{ProviderID: "aws:///" + n.Zone + "/" + n.InstanceID, Unschedulable: n.Unschedulable}
	if n.Unschedulable {
		node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
	ready := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.NewTime(e.now), LastTransitionTime: metav1.NewTime(n.Created)}
	if !n.Ready {
		// What the node controller sets when the kubelet stops posting.
		ready.Status, ready.Reason, ready.Message = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
		node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute})
	}
	// The pressure conditions the kubelet posts beside Ready (Unknown too
	// when it stops posting).
	pressure := func(t corev1.NodeConditionType, reason, msg string) corev1.NodeCondition {
		c := corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: msg,
			LastHeartbeatTime: ready.LastHeartbeatTime, LastTransitionTime: metav1.NewTime(n.Created)}
		if !n.Ready {
			c.Status, c.Reason, c.Message = corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."
		}
		return c
	}
	node.Status.Conditions = []corev1.NodeCondition{
		pressure(corev1.NodeMemoryPressure, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		pressure(corev1.NodeDiskPressure, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		pressure(corev1.NodePIDPressure, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		ready}
	node.Status.NodeInfo = nodeInfo(n.InstanceID)
	if ip := nodeIP(n.Name); ip != "" {
		node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip},
			{Type: corev1.NodeHostName, Address: n.Name}, {Type: corev1.NodeInternalDNS, Address: n.Name}}
	}
	if c, ok := instanceCapacity[n.InstanceType]; ok {
		node.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: *resource.NewQuantity(c.cpu, resource.DecimalSI),
			corev1.ResourceMemory: gib(c.memGiB), corev1.ResourcePods: *resource.NewQuantity(c.pods, resource.DecimalSI)}
		node.Status.Allocatable = allocatable(c.cpu, c.memGiB, c.pods)
	}
	return node
}

// instanceCapacity is what the kubelet reports of the demo's instance
// types: vCPUs and memory (AWS's instance type specifications) and the
// pods it allows (the VPC CNI's eni-max-pods list).
var instanceCapacity = map[string]struct {
	cpu, pods int64
	memGiB    float64
}{
	"m6i.2xlarge": {cpu: 8, memGiB: 32, pods: 58},
}

// nodeIP is the private IP an EC2 node's name carries
// (ip-10-0-1-2.ec2.internal is 10.0.1.2), "" when it carries none.
func nodeIP(name string) string {
	host, _, _ := strings.Cut(name, ".")
	rest, ok := strings.CutPrefix(host, "ip-")
	if !ok {
		return ""
	}
	ip := strings.ReplaceAll(rest, "-", ".")
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
		return ""
	}
	return ip
}

// namespaces are the namespaces the cluster's objects are in, sorted.
func (e *estate) namespaces() []string {
	var out []string
	add := func(cluster, ns string) {
		if cluster == e.cluster && ns != "" && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	for _, w := range e.inv.Workloads {
		add(w.Cluster, w.Namespace)
	}
	for _, p := range e.inv.Pods {
		add(p.Cluster, p.Namespace)
	}
	for _, c := range e.cronJobs {
		add(e.cluster, c.ns)
	}
	for _, ns := range []string{"default", "kube-system"} {
		add(e.cluster, ns)
	}
	slices.Sort(out)
	return out
}

func (e *estate) namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: e.meta("Namespace", "", name, e.created(), map[string]string{"kubernetes.io/metadata.name": name}),
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
}

func (e *estate) service(s *providers.Service) *corev1.Service {
	svc := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: e.meta("Service", s.Namespace, s.Name, s.Created, map[string]string{"app": s.Name})}
	svc.Spec = corev1.ServiceSpec{Type: corev1.ServiceType(s.Type), ClusterIP: s.ClusterIP, Selector: map[string]string{"app": s.Name},
		SessionAffinity: corev1.ServiceAffinityNone}
	if s.ClusterIP != "" {
		svc.Spec.ClusterIPs = []string{s.ClusterIP}
	}
	for _, p := range s.Ports {
		sp := corev1.ServicePort{Name: p.Name, Protocol: corev1.Protocol(p.Protocol), Port: int32(p.Port), NodePort: int32(p.NodePort),
			TargetPort: intstr.Parse(p.TargetPort)}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	if s.Type == string(corev1.ServiceTypeLoadBalancer) {
		for _, x := range s.External {
			svc.Status.LoadBalancer.Ingress = append(svc.Status.LoadBalancer.Ingress, corev1.LoadBalancerIngress{Hostname: x})
		}
	}
	return svc
}

func (e *estate) endpointSlices(s *providers.Service) []discoveryv1.EndpointSlice {
	es := discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: s.Name + "-demo",
		Labels: map[string]string{discoveryv1.LabelServiceName: s.Name}}, AddressType: discoveryv1.AddressTypeIPv4}
	for _, p := range s.Ports {
		n, err := strconv.Atoi(p.TargetPort)
		if err != nil {
			continue
		}
		name, port, proto := p.Name, int32(n), corev1.Protocol(p.Protocol)
		es.Ports = append(es.Ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto})
	}
	for _, ep := range s.Endpoints {
		ready := ep.Ready
		d := discoveryv1.Endpoint{Addresses: []string{ep.Address}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}
		if ep.Node != "" {
			node := ep.Node
			d.NodeName = &node
		}
		if ep.Pod != "" {
			d.TargetRef = &corev1.ObjectReference{Kind: "Pod", Namespace: s.Namespace, Name: ep.Pod}
		}
		es.Endpoints = append(es.Endpoints, d)
	}
	return []discoveryv1.EndpointSlice{es}
}

func (e *estate) claim(c *providers.VolumeClaim) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: e.meta("PersistentVolumeClaim", c.Namespace, c.Name, c.Created, nil)}
	class := c.StorageClass
	mode := corev1.PersistentVolumeMode(c.VolumeMode)
	pvc.Spec = corev1.PersistentVolumeClaimSpec{StorageClassName: &class, VolumeName: c.Volume, VolumeMode: &mode,
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: gib(c.RequestGiB)}}}
	for _, m := range c.AccessModes {
		pvc.Spec.AccessModes = append(pvc.Spec.AccessModes, corev1.PersistentVolumeAccessMode(m))
	}
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.PersistentVolumeClaimPhase(c.Phase), AccessModes: pvc.Spec.AccessModes}
	if c.Phase == string(corev1.ClaimBound) {
		pvc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: gib(c.CapacityGiB)}
	}
	if c.Phase == "Terminating" {
		pvc.Status.Phase = corev1.ClaimBound
		gone := metav1.NewTime(e.now)
		pvc.DeletionTimestamp = &gone
		pvc.Finalizers = []string{"kubernetes.io/pvc-protection"}
	}
	return pvc
}

func gib(n float64) resource.Quantity {
	return *resource.NewQuantity(int64(n*(1<<30)), resource.BinarySI)
}

// workload is a Deployment (with its current ReplicaSet), a StatefulSet
// or a DaemonSet, with what kubectl's describer takes beside it.
func (e *estate) workload(w *providers.Workload, events *corev1.EventList) *described {
	var images []providers.ContainerImage
	var served []runtime.Object // its pods and events, for the describers that list them
	running, waiting, succeeded, failed := 0, 0, 0, 0
	for i := range e.inv.Pods {
		p := &e.inv.Pods[i]
		if p.Cluster != e.cluster || p.Namespace != w.Namespace || p.Owner != w.Kind+"/"+w.Name {
			continue
		}
		if images == nil {
			images = p.Images
		}
		served = append(served, e.pod(p))
		switch p.Phase {
		case "Running":
			running++
		case "Pending":
			waiting++
		case "Succeeded":
			succeeded++
		case "Failed":
			failed++
		}
	}
	if images == nil {
		for _, im := range w.Images {
			name := im[strings.LastIndexByte(im, '/')+1:]
			name, _, _ = strings.Cut(name, ":")
			images = append(images, providers.ContainerImage{Container: name, Image: im})
		}
	}
	sel := map[string]string{"app": w.Name}
	tmplLabels := e.podLabels(w.Kind, w.Namespace, w.Name, "")
	delete(tmplLabels, "statefulset.kubernetes.io/pod-name")
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: tmplLabels},
		Spec: corev1.PodSpec{Containers: e.containers(w.Kind, w.Namespace, w.Name, images, false), RestartPolicy: corev1.RestartPolicyAlways}}
	desired := int32(w.Desired)
	meta := e.meta(w.Kind, w.Namespace, w.Name, w.Created, map[string]string{"app": w.Name})
	for i := range events.Items {
		served = append(served, &events.Items[i])
	}
	switch w.Kind {
	case kindDeployment:
		maxU, maxS := intstr.FromString("25%"), intstr.FromString("25%")
		d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{Replicas: &desired, Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tmpl,
				Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
					RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxU, MaxSurge: &maxS}}},
			Status: appsv1.DeploymentStatus{Replicas: int32(running + waiting), UpdatedReplicas: int32(w.UpToDate), ReadyReplicas: int32(w.Ready),
				AvailableReplicas: int32(w.Available), UnavailableReplicas: int32(max(0, w.Desired-w.Available))}}
		d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
		// the deployment controller's Available condition and its reasons
		avail := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}
		if w.Available < w.Desired {
			avail.Status, avail.Reason = corev1.ConditionFalse, "MinimumReplicasUnavailable"
		}
		d.Status.Conditions = []appsv1.DeploymentCondition{avail}
		rsName := w.Name + "-" + e.hashes[w.Namespace+"/"+w.Name]
		yes := true
		rs := &appsv1.ReplicaSet{ObjectMeta: e.meta("ReplicaSet", w.Namespace, rsName, w.Created, tmplLabels),
			Spec:   appsv1.ReplicaSetSpec{Replicas: &desired, Template: tmpl, Selector: &metav1.LabelSelector{MatchLabels: tmplLabels}},
			Status: appsv1.ReplicaSetStatus{Replicas: int32(running + waiting), ReadyReplicas: int32(w.Ready), AvailableReplicas: int32(w.Available)}}
		rs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: w.Name, UID: meta.UID, Controller: &yes}}
		return &described{obj: d, extra: []any{[]*appsv1.ReplicaSet(nil), []*appsv1.ReplicaSet{rs}, events}}
	case kindStatefulSet:
		s := &appsv1.StatefulSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}, ObjectMeta: meta,
			Spec: appsv1.StatefulSetSpec{Replicas: &desired, Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tmpl,
				ServiceName: w.Name, PodManagementPolicy: appsv1.OrderedReadyPodManagement, VolumeClaimTemplates: claimTemplates(w.Name),
				UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType}},
			Status: appsv1.StatefulSetStatus{Replicas: int32(running + waiting), ReadyReplicas: int32(w.Ready),
				CurrentReplicas: int32(w.UpToDate), UpdatedReplicas: int32(w.UpToDate), AvailableReplicas: int32(w.Available)}}
		return &described{obj: s, served: append([]runtime.Object{s}, served...)}
	default:
		ds := &appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: meta,
			Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tmpl,
				UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType}},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: desired, CurrentNumberScheduled: int32(running + waiting),
				NumberReady: int32(w.Ready), UpdatedNumberScheduled: int32(w.UpToDate), NumberAvailable: int32(w.Available),
				NumberUnavailable: int32(max(0, w.Desired-w.Available))}}
		return &described{obj: ds, served: append([]runtime.Object{ds}, served...)}
	}
}

// claimTemplates are a StatefulSet's volume claim templates.
func claimTemplates(name string) []corev1.PersistentVolumeClaim {
	var out []corev1.PersistentVolumeClaim
	for _, d := range claimDefs[name] {
		class := d.class
		out = append(out, corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: d.prefix},
			Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: gib(d.gib)}}}})
	}
	return out
}

func (e *estate) cronJob(c simCronJob) *batchv1.CronJob {
	suspend := c.suspended
	cj := &batchv1.CronJob{TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: e.meta("CronJob", c.ns, c.name, e.created(), map[string]string{"app": c.name}),
		Spec: batchv1.CronJobSpec{Schedule: c.schedule, Suspend: &suspend, ConcurrencyPolicy: batchv1.AllowConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure}}}}}}
	if t := lastSchedule(c.schedule, e.now, e.created()); !t.IsZero() {
		last := metav1.NewTime(t)
		cj.Status.LastScheduleTime = &last
	}
	return cj
}

// eventSource is the component that reports an event of this reason in
// Kubernetes ("" the demo's own).
func eventSource(reason string) string {
	switch reason {
	case "BackOff", "Unhealthy", "Killing", "Started", "Created", "Pulled", "NodeReady", "NodeNotSchedulable", "NodeSchedulable":
		return "kubelet"
	case "FailedScheduling", "Scheduled":
		return "default-scheduler"
	case "ScalingReplicaSet", "DeploymentRollback":
		return "deployment-controller"
	case "NodeNotReady":
		return "node-controller"
	}
	return ""
}

// events are the cluster's events in namespace ("" all) about object
// Kind/[namespace/]name ("" every object), one per series, newest first.
func (e *estate) events(namespace, object string) []providers.KubeEvent {
	var out []providers.KubeEvent
	index := map[string]int{}
	for _, ev := range e.inv.Events {
		if ev.Cluster != e.cluster || (namespace != "" && ev.Namespace != namespace) || (object != "" && ev.Object != object) {
			continue
		}
		kind, rest, _ := strings.Cut(ev.Object, "/")
		name := rest
		if ev.Namespace != "" {
			name = strings.TrimPrefix(rest, ev.Namespace+"/")
		}
		k := ev.Object + "\x00" + ev.Type + "\x00" + ev.Reason + "\x00" + ev.Message
		if i, ok := index[k]; ok {
			out[i].Count++
			if ev.Time.Before(out[i].First) {
				out[i].First = ev.Time
			}
			if ev.Time.After(out[i].Last) {
				out[i].Last = ev.Time
			}
			continue
		}
		index[k] = len(out)
		out = append(out, providers.KubeEvent{Namespace: ev.Namespace, Kind: kind, Name: name, Type: ev.Type, Reason: ev.Reason,
			Message: ev.Message, Source: eventSource(ev.Reason), Count: 1, First: ev.Time, Last: ev.Time})
	}
	slices.SortStableFunc(out, func(a, b providers.KubeEvent) int { return b.Last.Compare(a.Last) })
	return out
}

// eventList is the events of one object as the API lists them.
func (e *estate) eventList(kind, ns, name string) *corev1.EventList {
	obj := kind + "/" + name
	if ns != "" {
		obj = kind + "/" + ns + "/" + name
	}
	list := &corev1.EventList{}
	for _, ev := range slices.Backward(e.events(ns, obj)) {
		list.Items = append(list.Items, corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: name + "." + strconv.FormatInt(ev.First.UnixNano(), 16)},
			InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: name},
			Type:           ev.Type, Reason: ev.Reason, Message: ev.Message, Count: int32(ev.Count),
			Source:         corev1.EventSource{Component: ev.Source},
			FirstTimestamp: metav1.NewTime(ev.First), LastTimestamp: metav1.NewTime(ev.Last)})
	}
	return list
}

// age is kubectl's AGE of t.
func (e *estate) age(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(e.now.Sub(t))
}

func orNone(s string) string { return cmp.Or(s, "<none>") }

// rows are the cluster's objects of kind as `kubectl get` prints them
// (the kind's columns, in order).
func (e *estate) rows(kind string) []providers.KubeRow {
	var out []providers.KubeRow
	add := func(ns, name string, cells ...string) {
		out = append(out, providers.KubeRow{Namespace: ns, Name: name, Cells: append([]string{name}, cells...)})
	}
	switch kind {
	case "Pod":
		for _, p := range e.inv.Pods {
			if p.Cluster != e.cluster {
				continue
			}
			ready := 0
			if p.Ready {
				ready = len(p.Images)
			}
			add(p.Namespace, p.Name, fmt.Sprintf("%d/%d", ready, len(p.Images)), cmp.Or(p.Reason, p.Phase), strconv.Itoa(p.Restarts),
				e.age(p.Created), orNone(p.IP), orNone(p.Node))
		}
	case "Node":
		for _, n := range e.inv.Nodes {
			if n.Cluster != e.cluster {
				continue
			}
			status := "Ready"
			if !n.Ready {
				status = "NotReady"
			}
			if n.Unschedulable {
				status += ",SchedulingDisabled"
			}
			add("", n.Name, status, "<none>", e.age(n.Created))
		}
	case "Namespace":
		for _, ns := range e.namespaces() {
			add("", ns, "Active", e.age(e.created()))
		}
	case "Service":
		for _, s := range e.inv.Services {
			if s.Cluster != e.cluster {
				continue
			}
			ext := strings.Join(s.External, ",")
			if ext == "" && s.Type == string(corev1.ServiceTypeLoadBalancer) {
				ext = "<pending>"
			}
			ports := make([]string, len(s.Ports))
			for i, p := range s.Ports {
				ports[i] = p.String()
			}
			add(s.Namespace, s.Name, s.Type, orNone(s.ClusterIP), orNone(ext), strings.Join(ports, ","), e.age(s.Created))
		}
	case "PersistentVolumeClaim":
		for _, c := range e.inv.VolumeClaims {
			if c.Cluster != e.cluster {
				continue
			}
			capacity := ""
			if c.Phase == string(corev1.ClaimBound) || c.Phase == "Terminating" {
				q := gib(c.CapacityGiB)
				capacity = q.String()
			}
			add(c.Namespace, c.Name, c.Phase, c.Volume, capacity, strings.Join(c.ShortAccessModes(), ","), c.StorageClass, e.age(c.Created))
		}
	case "Event":
		for _, ev := range e.events("", "") {
			out = append(out, providers.KubeRow{Namespace: ev.Namespace, Name: ev.Name + "." + strconv.FormatInt(ev.First.UnixNano(), 16),
				Cells: []string{e.age(ev.Last), ev.Type, ev.Reason, strings.ToLower(ev.Kind) + "/" + ev.Name, ev.Message}})
		}
	case "Deployment", "StatefulSet", "DaemonSet":
		for _, w := range e.inv.Workloads {
			if w.Cluster != e.cluster || w.Kind != kind {
				continue
			}
			switch kind {
			case kindDeployment:
				add(w.Namespace, w.Name, fmt.Sprintf("%d/%d", w.Ready, w.Desired), strconv.Itoa(w.UpToDate), strconv.Itoa(w.Available), e.age(w.Created))
			case kindStatefulSet:
				add(w.Namespace, w.Name, fmt.Sprintf("%d/%d", w.Ready, w.Desired), e.age(w.Created))
			default:
				current := 0
				for _, p := range e.inv.Pods {
					if p.Cluster == e.cluster && p.Owner == kind+"/"+w.Name && p.Namespace == w.Namespace && p.Node != "" {
						current++
					}
				}
				add(w.Namespace, w.Name, strconv.Itoa(w.Desired), strconv.Itoa(current), strconv.Itoa(w.Ready),
					strconv.Itoa(w.UpToDate), strconv.Itoa(w.Available), e.age(w.Created))
			}
		}
	case "CronJob":
		for _, c := range e.cronJobs {
			last := "<none>"
			if t := lastSchedule(c.schedule, e.now, e.created()); !t.IsZero() {
				last = e.age(t)
			}
			add(c.ns, c.name, c.schedule, string(condStatus(c.suspended)), "0", last, e.age(e.created())) // kubectl prints True/False
		}
	}
	return out
}
