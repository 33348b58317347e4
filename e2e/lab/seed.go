package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// KubeSeedOptions size the seeded Kubernetes estate. The defaults give a
// moderate estate (one node per instance, 3 namespaces × 2 deployments × 5
// pods = 30 pods); benchmarks raise them (e.g. 1,000 nodes, 50,000 pods).
type KubeSeedOptions struct {
	// Namespaces to create (default shop, payments, platform).
	Namespaces []string
	// DeploymentsPerNamespace (default 2).
	DeploymentsPerNamespace int
	// Replicas per deployment (default 5).
	Replicas int
	// Unhealthy is how many pods are left crash-looping and not ready
	// (default 1; -1 for none).
	Unhealthy int
	// Workers is the number of concurrent API calls (default 16).
	Workers int
	// Logf, when set, reports progress.
	Logf func(format string, args ...any)
}

func (o KubeSeedOptions) withDefaults() KubeSeedOptions {
	if len(o.Namespaces) == 0 {
		o.Namespaces = []string{"shop", "payments", "platform"}
	}
	if o.DeploymentsPerNamespace <= 0 {
		o.DeploymentsPerNamespace = 2
	}
	if o.Replicas <= 0 {
		o.Replicas = 5
	}
	if o.Unhealthy == 0 {
		o.Unhealthy = 1
	}
	if o.Unhealthy < 0 {
		o.Unhealthy = 0
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// KubeEstate is what SeedKube created.
type KubeEstate struct {
	// Nodes by name, in instance order.
	Nodes []string
	// Namespaces created.
	Namespaces []string
	// Deployments as "namespace/name".
	Deployments []string
	// Pods as "namespace/name"; Unhealthy lists those left not ready.
	Pods      []string
	Unhealthy []string
}

// deploymentNames name the seeded workloads, cycled per namespace.
var deploymentNames = []string{"web", "api", "worker", "cart", "checkout", "search", "auth", "billing"}

// SyntheticInstances returns n instances with made-up ids spread over
// regions and three AZs each, for seeding Kubernetes without an AWS
// endpoint (benchmarks).
func SyntheticInstances(n int, regions ...string) []SeededInstance {
	if len(regions) == 0 {
		regions = []string{"us-east-1"}
	}
	out := make([]SeededInstance, 0, n)
	for i := range n {
		region := regions[i%len(regions)]
		az := region + string(rune('a'+(i/len(regions))%3))
		out = append(out, SeededInstance{
			ID: fmt.Sprintf("i-%017x", 0xab000000+i), Region: region, AZ: az, Type: "m5.large",
			PrivateIP: fmt.Sprintf("10.%d.%d.%d", 10+i%len(regions), 128+(i/250)%100, 1+i%250), ASG: "lab-web",
		})
	}
	return out
}

// SeedKube creates one Ready node per instance (zone, region and
// instance-type labels, providerID aws:///<az>/<id>), namespaces, and in
// each namespace Deployments with a ReplicaSet owned by each and Running
// pods owned by the ReplicaSets, bound round-robin to the nodes. Statuses
// are written with UpdateStatus, as a kubelet and controllers would.
func SeedKube(ctx context.Context, c kubernetes.Interface, instances []SeededInstance, opts KubeSeedOptions) (*KubeEstate, error) {
	o := opts.withDefaults()
	if len(instances) == 0 {
		return nil, fmt.Errorf("seed kube: no instances to make nodes of")
	}
	start := time.Now()
	est := &KubeEstate{Namespaces: o.Namespaces}
	nodes := make([]*corev1.Node, len(instances))
	for i, in := range instances {
		nodes[i] = nodeFor(in)
		est.Nodes = append(est.Nodes, nodes[i].Name)
	}
	if err := parallel(ctx, o.Workers, len(nodes), func(ctx context.Context, i int) error {
		return createNode(ctx, c, nodes[i])
	}); err != nil {
		return nil, fmt.Errorf("seed kube nodes: %w", err)
	}
	o.Logf("seeded %d nodes in %v", len(nodes), time.Since(start).Round(time.Millisecond))

	for _, ns := range o.Namespaces {
		if err := ensureNamespace(ctx, c, ns); err != nil {
			return nil, err
		}
	}
	type podJob struct {
		pod     *corev1.Pod
		healthy bool
	}
	var jobs []podJob
	nodeIndex := 0
	for _, ns := range o.Namespaces {
		for d := range o.DeploymentsPerNamespace {
			name := deploymentNames[d%len(deploymentNames)]
			if d >= len(deploymentNames) {
				name = fmt.Sprintf("%s-%d", name, d/len(deploymentNames))
			}
			rs, err := createDeployment(ctx, c, ns, name, int32(o.Replicas))
			if err != nil {
				return nil, err
			}
			est.Deployments = append(est.Deployments, ns+"/"+name)
			for p := range o.Replicas {
				node := nodes[nodeIndex%len(nodes)]
				nodeIndex++
				pod := podFor(rs, p, node)
				sick := len(est.Unhealthy) < o.Unhealthy && ns == o.Namespaces[len(o.Namespaces)/2] && p == 0
				if sick {
					est.Unhealthy = append(est.Unhealthy, ns+"/"+pod.Name)
				}
				jobs = append(jobs, podJob{pod: pod, healthy: !sick})
				est.Pods = append(est.Pods, ns+"/"+pod.Name)
			}
		}
	}
	podStart := time.Now()
	if err := parallel(ctx, o.Workers, len(jobs), func(ctx context.Context, i int) error {
		return createPod(ctx, c, jobs[i].pod, jobs[i].healthy)
	}); err != nil {
		return nil, fmt.Errorf("seed kube pods: %w", err)
	}
	o.Logf("seeded %d deployments and %d pods in %v", len(est.Deployments), len(jobs), time.Since(podStart).Round(time.Millisecond))
	for _, ref := range est.Unhealthy {
		if err := warnEvent(ctx, c, ref); err != nil {
			return nil, err
		}
	}
	return est, nil
}

// parallel runs fn for 0..n-1 on workers goroutines; the first error stops
// the rest.
func parallel(ctx context.Context, workers, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}

func nodeFor(in SeededInstance) *corev1.Node {
	name := in.NodeName()
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"kubernetes.io/hostname":           name,
			"kubernetes.io/os":                 "linux",
			"kubernetes.io/arch":               "amd64",
			"topology.kubernetes.io/zone":      in.AZ,
			"topology.kubernetes.io/region":    in.Region,
			"node.kubernetes.io/instance-type": in.Type,
			"lab.opsconsole.dev/asg":           in.ASG,
		}},
		Spec: corev1.NodeSpec{ProviderID: in.ProviderID()},
	}
}

func createNode(ctx context.Context, c kubernetes.Interface, n *corev1.Node) error {
	created, err := c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", n.Name, err)
	}
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	ip := ipFromNodeName(n.Name)
	created.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady"),
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"),
		},
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: n.Name}},
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.34.4", OSImage: "Ubuntu 24.04 LTS", OperatingSystem: "linux",
			Architecture: "amd64", ContainerRuntimeVersion: "containerd://2.1.0", KernelVersion: "6.8.0-lab"},
	}
	if ip != "" {
		created.Status.Addresses = append([]corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}}, created.Status.Addresses...)
	}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set status of node %s: %w", n.Name, err)
	}
	return nil
}

// ipFromNodeName turns ip-10-1-2-3.region.compute.internal into 10.1.2.3
// ("" for other names).
func ipFromNodeName(name string) string {
	if len(name) < 4 || name[:3] != "ip-" {
		return ""
	}
	host := name[3:]
	for i := range len(host) {
		if host[i] == '.' {
			host = host[:i]
			break
		}
	}
	b := []byte(host)
	for i := range b {
		if b[i] == '-' {
			b[i] = '.'
		}
	}
	return string(b)
}

// podIP derives a stable address in 100.64.0.0/16 from the pod's name.
func podIP(name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("100.64.%d.%d", sum[0], sum[1]%250+1)
}

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// createDeployment creates a Deployment with its status and the ReplicaSet
// it owns, and returns the ReplicaSet.
func createDeployment(ctx context.Context, c kubernetes.Interface, ns, name string, replicas int32) (*appsv1.ReplicaSet, error) {
	labels := map[string]string{"app": name}
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: name, Image: "registry.lab.internal/" + ns + "/" + name + ":1.4.2",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080, Name: "http"}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		}}},
	}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}
	d, err := c.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create deployment %s/%s: %w", ns, name, err)
	}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: replicas, UpdatedReplicas: replicas,
		ReadyReplicas: replicas, AvailableReplicas: replicas,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
			LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
	if _, err := c.AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		return nil, fmt.Errorf("set status of deployment %s/%s: %w", ns, name, err)
	}
	hash := shortHash(ns+"/"+name, 10)
	rsLabels := map[string]string{"app": name, "pod-template-hash": hash}
	rsTmpl := tmpl
	rsTmpl.Labels = rsLabels
	yes := true
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-" + hash, Namespace: ns, Labels: rsLabels,
			Annotations: map[string]string{revisionAnnotation: "1"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				Controller: &yes, BlockOwnerDeletion: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: rsLabels}, Template: rsTmpl},
	}
	created, err := c.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create replicaset %s/%s: %w", ns, rs.Name, err)
	}
	created.Status = appsv1.ReplicaSetStatus{Replicas: replicas, FullyLabeledReplicas: replicas, ReadyReplicas: replicas,
		AvailableReplicas: replicas, ObservedGeneration: created.Generation}
	updated, err := c.AppsV1().ReplicaSets(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("set status of replicaset %s/%s: %w", ns, rs.Name, err)
	}
	return updated, nil
}

func podFor(rs *appsv1.ReplicaSet, i int, node *corev1.Node) *corev1.Pod {
	yes := true
	spec := *rs.Spec.Template.Spec.DeepCopy()
	spec.NodeName = node.Name
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: rs.Name + "-" + podSuffix(rs.Name, i), Namespace: rs.Namespace,
			Labels: rs.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
				Controller: &yes, BlockOwnerDeletion: &yes}},
		},
		Spec: spec,
	}
}

// podSuffix is a 5-character suffix like a ReplicaSet's random one,
// distinct for every i below 36^5 within one ReplicaSet.
func podSuffix(rs string, i int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789" + "aeiouy013"
	const space = 36 * 36 * 36 * 36 * 36
	sum := sha256.Sum256([]byte(rs))
	offset := int(sum[0])<<16 | int(sum[1])<<8 | int(sum[2])
	n := (offset + i*7919) % space // 7919 is prime, so coprime with 36^5
	b := make([]byte, 5)
	for k := range b {
		b[k] = alphabet[n%36]
		n /= 36
	}
	return string(b)
}

// createPod creates a pod and writes a Running status (ready, or
// crash-looping when healthy is false).
func createPod(ctx context.Context, c kubernetes.Interface, pod *corev1.Pod, healthy bool) error {
	created, err := c.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	started := metav1.NewTime(time.Now().Add(-2 * time.Hour).Truncate(time.Second))
	ready := corev1.ConditionTrue
	cs := corev1.ContainerStatus{Name: pod.Spec.Containers[0].Name, Image: pod.Spec.Containers[0].Image,
		ImageID: "registry.lab.internal/sha256:" + shortHash(pod.Spec.Containers[0].Image, 64), ContainerID: "containerd://" + shortHash(pod.Name, 64),
		Ready: true, Started: &healthy, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}
	if !healthy {
		ready = corev1.ConditionFalse
		cs.Ready = false
		cs.RestartCount = 7
		cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: "back-off 5m0s restarting failed container=" + cs.Name}}
		cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error",
			StartedAt: started, FinishedAt: metav1.Now()}}
	}
	cond := func(t corev1.PodConditionType, s corev1.ConditionStatus) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: started}
	}
	created.Status = corev1.PodStatus{
		Phase: corev1.PodRunning, StartTime: &started, QOSClass: corev1.PodQOSBurstable,
		HostIP: ipFromNodeName(pod.Spec.NodeName), PodIP: podIP(pod.Namespace + "/" + pod.Name),
		Conditions: []corev1.PodCondition{
			cond(corev1.PodInitialized, corev1.ConditionTrue), cond(corev1.PodScheduled, corev1.ConditionTrue),
			cond(corev1.ContainersReady, ready), cond(corev1.PodReady, ready),
		},
		ContainerStatuses: []corev1.ContainerStatus{cs},
	}
	if _, err := c.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// warnEvent records a BackOff warning for a crash-looping pod ("ns/name").
func warnEvent(ctx context.Context, c kubernetes.Interface, ref string) error {
	var ns, name string
	for i := range len(ref) {
		if ref[i] == '/' {
			ns, name = ref[:i], ref[i+1:]
			break
		}
	}
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name + ".backoff", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: name, APIVersion: "v1"},
		Reason:         "BackOff", Message: "Back-off restarting failed container", Type: corev1.EventTypeWarning,
		Count: 7, FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "kubelet"},
	}
	if _, err := c.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create event for %s: %w", ref, err)
	}
	return nil
}
