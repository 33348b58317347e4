package kube

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/opsconsole/console/providers"
)

func TestParseProviderID(t *testing.T) {
	tests := []struct {
		in, id, zone string
	}{
		{"aws:///us-east-1a/i-0abc", "i-0abc", "us-east-1a"},
		{"aws:///eu-west-1b/i-0123456789abcdef0", "i-0123456789abcdef0", "eu-west-1b"},
		{"aws://i-0abc", "i-0abc", ""},
		{"aws:///us-east-1a/fargate-ip-10-0-0-1", "", ""},
		{"gce://project/us-central1-a/node-1", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		id, zone := ParseProviderID(tt.in)
		if id != tt.id || zone != tt.zone {
			t.Errorf("ParseProviderID(%q) = %q, %q; want %q, %q", tt.in, id, zone, tt.id, tt.zone)
		}
	}
}

func node(name string, labels map[string]string, providerID string, ready corev1.ConditionStatus, unsched bool, taints ...string) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: map[string]string{"big": strings.Repeat("x", 100)}},
		Spec:       corev1.NodeSpec{ProviderID: providerID, Unschedulable: unsched},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: ready}},
			Images:     []corev1.ContainerImage{{Names: []string{"img"}}},
		},
	}
	for _, k := range taints {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: k, Effect: corev1.TaintEffectNoSchedule})
	}
	return n
}

func TestConvertNode(t *testing.T) {
	tests := []struct {
		name    string
		n       *corev1.Node
		zone    string
		region  string
		itype   string
		id      string
		ready   bool
		unsched bool
		taint   bool
	}{
		{"topology labels", node("a", map[string]string{LabelZone: "us-east-1a", LabelRegion: "us-east-1", LabelInstanceType: "m5.large"}, "aws:///us-east-1a/i-1", corev1.ConditionTrue, false),
			"us-east-1a", "us-east-1", "m5.large", "i-1", true, false, false},
		{"legacy labels", node("b", map[string]string{LabelZoneLegacy: "eu-west-1b", LabelRegionLegacy: "eu-west-1", LabelInstanceTypeBeta: "c5.xlarge"}, "", corev1.ConditionFalse, true),
			"eu-west-1b", "eu-west-1", "c5.xlarge", "", false, true, false},
		{"zone from provider id, default region", node("c", nil, "aws:///us-west-2c/i-3", corev1.ConditionUnknown, false, "ToBeDeletedByClusterAutoscaler"),
			"us-west-2c", "default-region", "", "i-3", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := transformNode(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			tn := tr.(*corev1.Node)
			if tn.Annotations != nil || tn.Status.Images != nil || len(tn.Status.Conditions) != 1 {
				t.Errorf("transform kept too much: %+v", tn)
			}
			r := convertNode(tn, "lab", "default-region")
			n := r.node
			if n.Name != tt.n.Name || n.Cluster != "lab" || n.Zone != tt.zone || n.Region != tt.region || n.InstanceType != tt.itype ||
				n.InstanceID != tt.id || n.Ready != tt.ready || n.Unschedulable != tt.unsched || r.drainTaint != tt.taint {
				t.Errorf("got %+v drainTaint=%v", n, r.drainTaint)
			}
		})
	}
}

func pod(ns, name, node string, mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "/" + name), ResourceVersion: "1",
			Annotations:   map[string]string{"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", 500)},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
			Labels:        map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Env: []corev1.EnvVar{{Name: "SECRET", Value: "s"}}, VolumeMounts: []corev1.VolumeMount{{Name: "v", MountPath: "/v"}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1",
			Conditions:        []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, {Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, Image: "nginx", ImageID: "sha", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

func ownedBy(kind, name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &yes}}
	}
}

func TestConvertPod(t *testing.T) {
	crash := func(p *corev1.Pod) {
		p.Status.ContainerStatuses[0].Ready = false
		p.Status.ContainerStatuses[0].RestartCount = 5
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}}
		p.Status.Conditions[1].Status = corev1.ConditionFalse
	}
	tests := []struct {
		name     string
		p        *corev1.Pod
		phase    string
		ready    bool
		restarts int
		reason   string
		owner    string
		rs       string
	}{
		{"running", pod("shop", "web-1", "n1", ownedBy("StatefulSet", "web")), "Running", true, 0, "", "StatefulSet/web", ""},
		{"crash loop", pod("shop", "web-abc-1", "n1", func(p *corev1.Pod) {
			crash(p)
			ownedBy("ReplicaSet", "web-abc")(p)
			p.Labels[labelPodTemplateHash] = "abc"
		}), "Running", false, 5, "CrashLoopBackOff", "ReplicaSet/web-abc", "web-abc"},
		{"init waiting", pod("shop", "x", "", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i", RestartCount: 2, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
		}), "Pending", true, 2, "Init:CrashLoopBackOff", "", ""},
		{"evicted", pod("shop", "y", "n2", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason = "Evicted"
			p.Status.ContainerStatuses = nil
		}), "Failed", true, 0, "Evicted", "", ""},
		{"terminating", pod("shop", "z", "n2", func(p *corev1.Pod) {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}), "Running", true, 0, "Terminating", "", ""},
		{"oom killed", pod("shop", "o", "n2", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}
		}), "Running", true, 0, "OOMKilled", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := convertPod(tt.p, "lab")
			obj, err := podTransform("lab")(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if po := obj.(*podObj); !reflect.DeepEqual(po.rec, r) || po.Name != tt.p.Name || po.ResourceVersion != "1" {
				t.Errorf("informer transform differs from the conversion: %+v vs %+v", po.rec, r)
			}
			if again, _ := podTransform("lab")(obj); again != obj {
				t.Errorf("transform is not idempotent")
			}
			p := r.pod
			if p.Phase != tt.phase || p.Ready != tt.ready || p.Restarts != tt.restarts || p.Reason != tt.reason ||
				p.Owner != tt.owner || r.rs != tt.rs || p.Node != tt.p.Spec.NodeName || p.Cluster != "lab" {
				t.Errorf("got %+v rs=%q", p, r.rs)
			}
		})
	}
}

func TestResolveOwner(t *testing.T) {
	owners := map[nsName]string{
		{"shop", "web-5d8f"}:    "Deployment/web",
		{"shop", "rollout-abc"}: "Rollout/canary",
		{"shop", "bare-rs"}:     "",
	}
	tests := []struct {
		rs, hash, want string
	}{
		{"web-5d8f", "5d8f", "Deployment/web"},
		{"rollout-abc", "abc", "Rollout/canary"},
		{"bare-rs", "", "ReplicaSet/bare-rs"},
		{"api-77c9", "77c9", "Deployment/api"}, // ReplicaSet not visible: by name
		{"odd", "zz", "ReplicaSet/odd"},
	}
	for _, tt := range tests {
		p := pod("shop", "p", "n1", ownedBy("ReplicaSet", tt.rs))
		if tt.hash != "" {
			p.Labels[labelPodTemplateHash] = tt.hash
		}
		r := convertPod(p, "lab")
		if got := resolveOwner(&r, owners); got != tt.want {
			t.Errorf("resolveOwner(%s) = %q, want %q", tt.rs, got, tt.want)
		}
	}
}

func TestTransformEventSanitises(t *testing.T) {
	e := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: "e1", UID: "u1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-1"},
		Reason:         "BackOff",
		Message:        "Back-off \x1b[31mrestarting\x1b[0m failed container\n" + strings.Repeat("y", 1000),
		Type:           corev1.EventTypeWarning,
		LastTimestamp:  metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
	}
	tr, _ := transformEvent(e)
	ev := convertEvent(tr.(*corev1.Event), "lab")
	if strings.ContainsAny(ev.Message, "\x1b\n") {
		t.Errorf("message not sanitised: %q", ev.Message)
	}
	if len(ev.Message) > maxMessage+len("…") {
		t.Errorf("message not bounded: %d bytes", len(ev.Message))
	}
	if ev.Object != "Pod/shop/web-1" || ev.Reason != "BackOff" || ev.Type != "Warning" || !ev.Time.Equal(e.LastTimestamp.Time) {
		t.Errorf("got %+v", ev)
	}
}

func TestViewEmit(t *testing.T) {
	v := newView("lab", "us-east-1")
	v.upsert(node("n1", map[string]string{LabelZone: "us-east-1a"}, "aws:///us-east-1a/i-1", corev1.ConditionTrue, true))
	v.upsert(node("n2", map[string]string{LabelZone: "us-east-1b"}, "aws:///us-east-1b/i-2", corev1.ConditionTrue, false))
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-abc"}}
	yes := true
	rs.OwnerReferences = []metav1.OwnerReference{{Kind: "Deployment", Name: "web-frontend", Controller: &yes}}
	v.upsert(rs)
	for _, name := range []string{"c", "a", "b"} {
		v.upsert(informerPod(pod("shop", name, "n1", ownedBy("ReplicaSet", "web-abc"))))
	}
	v.upsert(informerPod(pod("shop", "d", "n1", func(p *corev1.Pod) {
		now := metav1.Now()
		p.DeletionTimestamp = &now
	})))
	three := int32(3)
	v.upsert(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-frontend"}, Spec: appsv1.DeploymentSpec{Replicas: &three}, Status: appsv1.DeploymentStatus{ReadyReplicas: 2}})
	v.remove(informerPod(pod("shop", "b", "n1", nil)))
	v.remove(cache.DeletedFinalStateUnknown{Key: "shop/zzz", Obj: informerPod(pod("shop", "zzz", "n1", nil))}) // unknown: ignored
	if !v.takeDirty() || v.takeDirty() {
		t.Fatal("dirty flag not set once")
	}
	inv := v.inventory()
	var names []string
	for _, p := range inv.Pods {
		names = append(names, p.Name+"="+p.Owner)
	}
	if got := strings.Join(names, ","); got != "a=Deployment/web-frontend,c=Deployment/web-frontend,d=" {
		t.Errorf("pods = %s", got)
	}
	if len(inv.Nodes) != 2 || inv.Nodes[0].Name != "n1" || !inv.Nodes[0].Draining || inv.Nodes[1].Draining {
		t.Errorf("nodes = %+v", inv.Nodes)
	}
	if len(inv.Workloads) != 1 || inv.Workloads[0].Desired != 3 || inv.Workloads[0].Ready != 2 || inv.Workloads[0].Kind != "Deployment" {
		t.Errorf("workloads = %+v", inv.Workloads)
	}
	// The emitted inventory is a copy: later changes do not alter it.
	v.upsert(informerPod(pod("shop", "a", "n2", nil)))
	if inv.Pods[0].Node != "n1" {
		t.Errorf("emitted view changed after an update")
	}
	if got := v.inventory().Pods[0]; got.Name != "a" || got.Node != "n2" || got.Owner != "" {
		t.Errorf("after update: %+v", got)
	}
}

// bigView fills a view with n pods on n/50 nodes, as the informers would.
func bigView(n int) (*view, []*podObj) {
	v := newView("lab", "us-east-1")
	nodes := n / 50
	for i := range nodes {
		tr, _ := transformNode(node(fmt.Sprintf("node-%04d", i), map[string]string{LabelZone: fmt.Sprintf("us-east-1%c", 'a'+i%3)}, fmt.Sprintf("aws:///us-east-1a/i-%08x", i), corev1.ConditionTrue, false))
		v.upsert(tr)
	}
	pods := make([]*podObj, n)
	for i := range n {
		p := pod(fmt.Sprintf("ns-%02d", i%40), fmt.Sprintf("app-%d-5d8f-%05d", i%500, i), fmt.Sprintf("node-%04d", i%nodes), ownedBy("ReplicaSet", fmt.Sprintf("app-%d-5d8f", i%500)))
		p.Labels[labelPodTemplateHash] = "5d8f"
		pods[i] = informerPod(p)
		v.upsert(pods[i])
	}
	return v, pods
}

// BenchmarkEmit50k measures building a complete view of 50,000 pods on
// 1,000 nodes after one pod changed (the steady-state emit step).
func BenchmarkEmit50k(b *testing.B) {
	v, pods := bigView(50000)
	v.inventory() // first emit sorts
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v.upsert(pods[i%len(pods)])
		inv := v.inventory()
		if len(inv.Pods) != 50000 {
			b.Fatalf("pods = %d", len(inv.Pods))
		}
	}
}

// BenchmarkConvertPod measures the per-event work: transform + convert +
// store of one pod update.
func BenchmarkConvertPod(b *testing.B) {
	v, _ := bigView(50000)
	raw := pod("ns-01", "app-1-5d8f-00001", "node-0001", ownedBy("ReplicaSet", "app-1-5d8f"))
	tf := podTransform("lab")
	b.ReportAllocs()
	for b.Loop() {
		tr, _ := tf(raw)
		v.upsert(tr)
	}
}

// BenchmarkViewMemory50k reports the heap held by the converted view of
// 50,000 pods (trimmed informer objects included).
func BenchmarkViewMemory50k(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v, pods := bigView(50000)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "MiB-heap")
		runtime.KeepAlive(v)
		runtime.KeepAlive(pods)
	}
}

// informerPod is what the pod informer hands to the view.
func informerPod(p *corev1.Pod) *podObj {
	o, _ := podTransform("lab")(p)
	return o.(*podObj)
}

func TestConvertPodImages(t *testing.T) {
	const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web"
	tests := []struct {
		name          string
		spec, imageID string
		wantDigest    string
	}{
		{"containerd repo digest", ecr + ":v1", ecr + "@sha256:aaa", "sha256:aaa"},
		{"docker-pullable", ecr + ":v1", "docker-pullable://" + ecr + "@sha256:bbb", "sha256:bbb"},
		{"local image id is not a repo digest", "nginx", "sha256:ccc", ""},
		{"docker image id", "nginx", "docker://sha256:ddd", ""},
		{"lab kubelet", "shop/web:v1", "lab://shop/web:v1", ""},
		{"not started", ecr + ":v1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("shop", "p", "n1", func(p *corev1.Pod) {
				p.Spec.Containers[0].Image = tt.spec
				p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "envoy:1.30"})
				p.Status.ContainerStatuses[0].ImageID = tt.imageID
			})
			imgs := convertPod(p, "lab").pod.Images
			want := []providers.ContainerImage{
				{Container: "c", Image: tt.spec, ImageID: tt.imageID, Digest: tt.wantDigest},
				{Container: "sidecar", Image: "envoy:1.30"}, // no status yet
			}
			if !reflect.DeepEqual(imgs, want) {
				t.Errorf("images = %+v, want %+v", imgs, want)
			}
		})
	}
	if imgs := convertPod(pod("shop", "p", "n1", func(p *corev1.Pod) { p.Spec.Containers = nil }), "lab").pod.Images; imgs == nil || len(imgs) != 0 {
		t.Errorf("no containers: images = %#v, want []", imgs)
	}
}

// TestConvertWorkload: a workload keeps through its transform what the
// workload views show (ready/desired, up-to-date, available, the
// template's images, creation), whatever its kind.
func TestConvertWorkload(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	three := int32(3)
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
		Containers: []corev1.Container{{Name: "app", Image: "shop/web:1.2", Command: []string{"/web"}, Env: []corev1.EnvVar{{Name: "A", Value: "b"}}},
			{Name: "proxy", Image: "envoy:1.30"}}}}
	meta := metav1.ObjectMeta{Namespace: "shop", Name: "web", CreationTimestamp: created, Annotations: map[string]string{"big": "x"}}
	cases := []struct {
		obj  any
		want providers.Workload
	}{
		{&appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Replicas: &three, Template: tmpl},
			Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 1, Replicas: 3}},
			providers.Workload{Kind: "Deployment", Desired: 3, Ready: 2, UpToDate: 3, Available: 1}},
		{&appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Replicas: &three, Template: tmpl},
			Status: appsv1.StatefulSetStatus{ReadyReplicas: 3, UpdatedReplicas: 1, AvailableReplicas: 3}},
			providers.Workload{Kind: "StatefulSet", Desired: 3, Ready: 3, UpToDate: 1, Available: 3}},
		{&appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Template: tmpl},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 4, NumberReady: 3, UpdatedNumberScheduled: 4, NumberAvailable: 2}},
			providers.Workload{Kind: "DaemonSet", Desired: 4, Ready: 3, UpToDate: 4, Available: 2}},
	}
	for _, c := range cases {
		trimmed, err := transformWorkload(c.obj)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := convertWorkload(trimmed, "prod")
		if !ok {
			t.Fatalf("%T not converted", c.obj)
		}
		want := c.want
		want.Namespace, want.Name, want.Cluster, want.Created = "shop", "web", "prod", created.Time
		want.Images = []string{"shop/web:1.2", "envoy:1.30"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", want.Kind, got, want)
		}
	}
	// the template keeps only the containers' names and images
	trimmed, _ := transformWorkload(cases[0].obj)
	if cs := trimmed.(*appsv1.Deployment).Spec.Template.Spec.Containers; cs[0].Command != nil || cs[0].Env != nil {
		t.Errorf("the trimmed template keeps more than names and images: %+v", cs[0])
	}
}
