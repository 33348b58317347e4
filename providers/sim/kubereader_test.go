package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// demoReader is the reader of the demo's first cluster and the objects
// the tests describe: its crash-looping pod, that pod's node, a
// StatefulSet, one of its claims.
func demoReader(t *testing.T) (*Sim, providers.KubeReader, *providers.Inventory) {
	t.Helper()
	s := newTest(t, Options{})
	rs := s.KubeReaders()
	if len(rs) != 2 || rs[0].Context() != "demo-use1" {
		t.Fatalf("readers: %d, first %q; want one per demo cluster", len(rs), rs[0].Context())
	}
	return s, rs[0], s.Snapshot()
}

func firstPod(inv *providers.Inventory, cluster string, keep func(p *providers.Pod) bool) *providers.Pod {
	for i := range inv.Pods {
		if p := &inv.Pods[i]; p.Cluster == cluster && keep(p) {
			return p
		}
	}
	return nil
}

// TestKubeReaderDescribe: each kind the demo serves is described by
// kubectl's own describer, with what `kubectl describe` shows beside the
// object (its events, a node's pods, a Deployment's ReplicaSet, a
// claim's pod), under every name kubectl takes for the kind.
func TestKubeReaderDescribe(t *testing.T) {
	_, r, inv := demoReader(t)
	crash := firstPod(inv, "demo-use1", func(p *providers.Pod) bool { return p.Reason == "CrashLoopBackOff" })
	sts := firstPod(inv, "demo-use1", func(p *providers.Pod) bool { return strings.HasPrefix(p.Owner, "StatefulSet/") })
	if crash == nil || sts == nil {
		t.Fatal("the demo has no crash-looping pod or no StatefulSet pod")
	}
	stsName := strings.TrimPrefix(sts.Owner, "StatefulSet/")
	var claim *providers.VolumeClaim
	for i := range inv.VolumeClaims {
		if c := &inv.VolumeClaims[i]; c.Cluster == "demo-use1" && slices.Contains(c.Pods, sts.Name) {
			claim = c
		}
	}
	if claim == nil {
		t.Fatalf("no claim of %s", sts.Name)
	}
	running := func(owner string) (n int) {
		for _, p := range inv.Pods {
			if p.Cluster == "demo-use1" && p.Owner == owner && p.Phase == "Running" {
				n++
			}
		}
		return n
	}
	gpu := firstPod(inv, "demo-use1", func(p *providers.Pod) bool { return p.Node == "" && p.Owner != "" })
	if gpu == nil {
		t.Fatal("the demo has no pod waiting for a GPU")
	}
	// The node's allocated CPU is the sum of its pods' requests, which
	// kubectl's describer adds up from the pods the demo lists beside it.
	var nodeCPU int64
	for i := range inv.Pods {
		if p := &inv.Pods[i]; p.Cluster == "demo-use1" && p.Node == crash.Node && p.Phase != "Succeeded" && p.Phase != "Failed" {
			kind, owner, _ := strings.Cut(p.Owner, "/")
			for c := range p.Images {
				q := resources(kind, owner, c, false).Requests[corev1.ResourceCPU]
				nodeCPU += q.MilliValue()
			}
		}
	}
	alloc := allocatable(instanceCapacity["m6i.2xlarge"].cpu, instanceCapacity["m6i.2xlarge"].memGiB, instanceCapacity["m6i.2xlarge"].pods)
	tests := []struct {
		resource, ns, name string
		want               []string
	}{
		{"pod", crash.Namespace, crash.Name, []string{"Name:         " + crash.Name, "Node:         " + crash.Node + "/",
			"Controlled By:  ReplicaSet/", "Reason:       CrashLoopBackOff", "Restart Count:  ", "Warning  BackOff", "kubelet",
			"Limits: memory: 256Mi Requests: cpu: 100m memory: 128Mi",
			"Liveness: http-get http://:8080/healthz delay=15s timeout=1s period=10s successThreshold=1 failureThreshold=3",
			"Readiness: http-get http://:8080/healthz delay=5s", "QoS Class: Burstable"}},
		{"pod", sts.Namespace, sts.Name, []string{"Liveness: tcp-socket :", "Requests: cpu:"}},
		{"pod", gpu.Namespace, gpu.Name, []string{"nvidia.com/gpu: 1 Requests:", "Insufficient nvidia.com/gpu", "Node: <none>",
			"Conditions: Type Status PodScheduled False Volumes:"}},
		{"po", crash.Namespace, crash.Name, []string{"Name:         " + crash.Name}},
		{"pods", crash.Namespace, crash.Name, []string{"Name:         " + crash.Name}},
		{"node", "", crash.Node, []string{"Name:               " + crash.Node, "InternalIP:", "Capacity:", "Non-terminated Pods:", crash.Name,
			"ProviderID:", "kubernetes.io/arch=amd64", "MemoryPressure False", "System Info:", "Kubelet Version:", "Container Runtime Version: containerd://",
			"Allocatable: cpu: 7910m memory: 31775Mi pods: 58",
			fmt.Sprintf("Allocated resources: (Total limits may be over 100 percent, i.e., overcommitted.) Resource Requests Limits -------- -------- ------ cpu %dm (%d%%)",
				nodeCPU, nodeCPU*100/alloc.Cpu().MilliValue())}},
		{"deploy", "shop", "checkout", []string{"Limits: memory: 256Mi", "Readiness: http-get http://:8080/healthz"}},
		{"deploy", "shop", "checkout", []string{"Replicas:", "NewReplicaSet:   checkout-", "ScalingReplicaSet", "deployment-controller"}},
		{"statefulsets.apps", sts.Namespace, stsName, []string{"Name: " + stsName, fmt.Sprintf("Pods Status: %d Running", running(sts.Owner)), "Volume Claims: Name: " + claimDefs[stsName][0].prefix,
			claimDefs[stsName][0].mount + " from " + claimDefs[stsName][0].prefix + " (rw)"}},
		{"ds", "logging", "fluent-bit", []string{"Desired Number of Nodes Scheduled: ", fmt.Sprintf("Pods Status: %d Running", running("DaemonSet/fluent-bit"))}},
		{"svc", "shop", "frontend", []string{"Type:                     LoadBalancer", "LoadBalancer Ingress:", "Endpoints:"}},
		{"pvc", claim.Namespace, claim.Name, []string{"StorageClass:  " + claim.StorageClass, "Used By: " + sts.Name, "Status:        Bound"}},
		{"cronjobs.batch", "shop", "nightly-report", []string{"Schedule:                      0 3 * * *", "Last Schedule Time:"}},
		{"ns", "", "shop", []string{"Status:       Active"}},
	}
	for _, tc := range tests {
		t.Run(tc.resource, func(t *testing.T) {
			out, err := r.Describe(context.Background(), providers.KubeObject{Cluster: "demo-use1", Resource: tc.resource, Namespace: tc.ns, Name: tc.name})
			if err != nil {
				t.Fatal(err)
			}
			// kubectl aligns its columns: compare with runs of spaces as one
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range tc.want {
				if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("describe %s %s/%s lacks %q:\n%s", tc.resource, tc.ns, tc.name, w, out)
				}
			}
		})
	}
}

// TestKubeReaderRefuses: what the demo does not have is an error that
// says so, never an empty answer taken for an object.
func TestKubeReaderRefuses(t *testing.T) {
	_, r, inv := demoReader(t)
	other := firstPod(inv, "demo-euw1", func(*providers.Pod) bool { return true })
	if other == nil {
		t.Fatal("no pod in the second cluster")
	}
	tests := []struct {
		name string
		o    providers.KubeObject
		want string
	}{
		{"a kind the demo has not", providers.KubeObject{Resource: "ingresses", Namespace: "shop", Name: "web"}, `resource "ingresses"`},
		{"a group it does not serve", providers.KubeObject{Resource: "pods.metrics.k8s.io", Namespace: "shop", Name: "web"}, `resource "pods.metrics.k8s.io"`},
		{"an object it has not", providers.KubeObject{Resource: "pod", Namespace: "shop", Name: "nope"}, `pod "shop/nope"`},
		{"another cluster's pod", providers.KubeObject{Resource: "pod", Namespace: other.Namespace, Name: other.Name}, "pod"},
		{"an event", providers.KubeObject{Resource: "events", Namespace: "shop", Name: "x"}, "Events view"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, read := range []func(context.Context, providers.KubeObject) (string, error){r.Describe, r.YAML} {
				out, err := read(context.Background(), tc.o)
				if !errors.Is(err, ErrNotInDemo) || !strings.Contains(err.Error(), tc.want) || out != "" {
					t.Errorf("%+v: %q, %v; want ErrNotInDemo naming %s", tc.o, out, err, tc.want)
				}
			}
		})
	}
	if _, err := r.Table(context.Background(), "ingresses", ""); !errors.Is(err, ErrNotInDemo) {
		t.Errorf("table of ingresses: %v", err)
	}
}

// TestKubeReaderYAML: the YAML is the API object (it reads back as one).
func TestKubeReaderYAML(t *testing.T) {
	_, r, inv := demoReader(t)
	crash := firstPod(inv, "demo-use1", func(p *providers.Pod) bool { return p.Reason == "CrashLoopBackOff" })
	out, err := r.YAML(context.Background(), providers.KubeObject{Resource: "pod", Namespace: crash.Namespace, Name: crash.Name})
	if err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	if err := yaml.UnmarshalStrict([]byte(out), &pod); err != nil {
		t.Fatalf("the YAML is not a Pod: %v\n%s", err, out)
	}
	if pod.Kind != "Pod" || pod.Name != crash.Name || pod.Spec.NodeName != crash.Node || pod.Status.PodIP != crash.IP ||
		len(pod.Status.ContainerStatuses) != len(crash.Images) || pod.Status.ContainerStatuses[0].RestartCount != int32(crash.Restarts) ||
		pod.Status.ContainerStatuses[0].State.Waiting == nil || pod.Status.ContainerStatuses[0].State.Waiting.Reason != "CrashLoopBackOff" {
		t.Errorf("pod read back: %+v", pod)
	}
	if strings.Contains(out, "managedFields") {
		t.Errorf("managedFields shown:\n%s", out)
	}
}

// TestKubeReaderEvents: the cluster's events, a repeated one counted as
// one series, filtered by namespace, newest first; the other cluster's
// are not listed.
func TestKubeReaderEvents(t *testing.T) {
	s, r, inv := demoReader(t)
	crash := firstPod(inv, "demo-use1", func(p *providers.Pod) bool { return p.Reason == "CrashLoopBackOff" })
	s.mu.Lock()
	now := s.st.now()
	for range 3 {
		s.st.event(now, "Warning", "BackOff", "Pod", crash.Cluster, crash.Namespace, crash.Name, "Back-off restarting failed container")
	}
	s.st.event(now, "Warning", "BackOff", "Pod", "demo-euw1", crash.Namespace, crash.Name, "Back-off restarting failed container")
	s.mu.Unlock()
	all, err := r.Events(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var series []providers.KubeEvent
	for i, e := range all {
		if i > 0 && e.Last.After(all[i-1].Last) {
			t.Errorf("events not newest first: %v after %v", e.Last, all[i-1].Last)
		}
		if e.Kind == "Pod" && e.Name == crash.Name && e.Message == "Back-off restarting failed container" {
			series = append(series, e)
		}
	}
	if len(series) != 1 || series[0].Count != 3 || series[0].Source != "kubelet" || series[0].Namespace != crash.Namespace {
		t.Errorf("the repeated event: %+v, want one series of 3 from the kubelet (the other cluster's not counted)", series)
	}
	ns, err := r.Events(context.Background(), "ops")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ns {
		if e.Namespace != "ops" {
			t.Errorf("namespace ops lists %+v", e)
		}
	}
}

// TestKubeReaderTables: every kind listed by discovery has a table whose
// rows have a cell per column; a namespace keeps its objects only, and a
// cluster-wide kind ignores it.
func TestKubeReaderTables(t *testing.T) {
	_, r, inv := demoReader(t)
	ctx := context.Background()
	kinds, err := r.Resources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		tb, err := r.Table(ctx, k.Name(), "")
		if err != nil {
			t.Fatalf("%s: %v", k.Name(), err)
		}
		if len(tb.Rows) == 0 {
			t.Errorf("%s: no rows", k.Name())
		}
		for _, row := range tb.Rows {
			if len(row.Cells) != len(tb.Columns) || (k.Namespaced != (row.Namespace != "")) {
				t.Errorf("%s row %+v for columns %v (namespaced %t)", k.Name(), row, tb.Columns, k.Namespaced)
				break
			}
		}
	}
	pods, err := r.Table(ctx, "po", "shop")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range inv.Pods {
		if p.Cluster == "demo-use1" && p.Namespace == "shop" {
			want++
		}
	}
	if len(pods.Rows) != want {
		t.Errorf("pods of shop: %d rows, want %d", len(pods.Rows), want)
	}
	nodes, err := r.Table(ctx, "nodes", "shop")
	if err != nil || len(nodes.Rows) == 0 {
		t.Errorf("nodes with a namespace: %v, %v", nodes, err)
	}
}

// TestKubeReaderFollowsActions: the reads see what the demo's actions
// did: a suspended CronJob, a deleted Service.
func TestKubeReaderFollowsActions(t *testing.T) {
	s, r, _ := demoReader(t)
	ctx := context.Background()
	cj := actions.Ref{Kind: actions.KindCronJob, Cluster: "demo-use1", Namespace: "shop", Name: "nightly-report"}
	run := func(ref actions.Ref, verb actions.Verb) {
		t.Helper()
		a := offered(s, ref, verb)
		if a == nil {
			t.Fatalf("%s not offered on %s", verb, ref)
		}
		if err := a.Run(ctx, mustPreview(t, a), &lines{}); err != nil {
			t.Fatal(err)
		}
	}
	jobs := func() []providers.Job {
		js, err := r.(providers.JobReader).Jobs(ctx, "shop")
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	if js := jobs(); len(js) != 1 || js[0].Name != "nightly-report" || js[0].Suspend || js[0].LastSchedule.IsZero() {
		t.Fatalf("cronjobs of shop: %+v", js)
	}
	run(cj, "suspend")
	if js := jobs(); len(js) != 1 || !js[0].Suspend {
		t.Errorf("after suspend: %+v", js)
	}
	if out, err := r.Describe(ctx, providers.KubeObject{Resource: "cronjob", Namespace: "shop", Name: "nightly-report"}); err != nil || !strings.Contains(out, "Suspend:                       True") {
		t.Errorf("describe after suspend: %v\n%s", err, out)
	}
	svc := actions.Ref{Kind: "services", Cluster: "demo-use1", Namespace: "shop", Name: "cart"}
	run(svc, actions.VerbDelete)
	if _, err := r.Describe(ctx, providers.KubeObject{Resource: "svc", Namespace: "shop", Name: "cart"}); !errors.Is(err, ErrNotInDemo) {
		t.Errorf("describe a deleted service: %v", err)
	}
}
