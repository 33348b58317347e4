package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Kubelet is a running lab-kubelet: a virtual-kubelet (built by
// hack/setup.sh from e2e/kubelet) registering Nodes with the lab's
// kube-apiserver and running their pods' containers as local processes.
// The API server reaches it on 127.0.0.1:Port for logs, exec, attach and
// port-forward.
type Kubelet struct {
	// Nodes are the node names it serves.
	Nodes []string
	// Port is the kubelet API's port on 127.0.0.1.
	Port int
	// Dir holds the containers' log files and working directories.
	Dir string

	proc *process
}

// Kubelet starts a lab-kubelet serving the nodes for a test (default one
// node, "lab-kubelet-0"); it stops at t.Cleanup (before the API server).
func (k *KubeCluster) Kubelet(t testing.TB, nodes ...string) *Kubelet {
	t.Helper()
	kl, err := k.StartKubelet(testContext(t), nodes...)
	Require(t, "lab-kubelet", err)
	t.Cleanup(kl.Close)
	return kl
}

// StartKubelet starts a lab-kubelet serving the nodes (created when they
// do not exist; an existing node's status is taken over) and waits until
// every node is Ready with the kubelet's port. Pods bound to those nodes
// (spec.nodeName) then really run: their container's command + args as a
// local process. Close stops it; KubeCluster.Close stops it too.
func (k *KubeCluster) StartKubelet(ctx context.Context, nodes ...string) (*Kubelet, error) {
	path, err := builtBin("lab-kubelet")
	if err != nil {
		return nil, &StartError{Component: "lab-kubelet", Err: err}
	}
	if len(nodes) == 0 {
		nodes = []string{"lab-kubelet-0"}
	}
	dir, err := os.MkdirTemp(k.Dir, "kubelet-")
	if err != nil {
		return nil, &StartError{Component: "lab-kubelet", Err: err}
	}
	kl := &Kubelet{Nodes: nodes, Dir: dir}
	logPath := filepath.Join(dir, "lab-kubelet.log")
	pki := func(name string) string { return filepath.Join(k.Dir, "pki", name) }
	_, err = withPortRetry(func(int) (struct{}, error, bool) {
		port, err := FreePort()
		if err != nil {
			return struct{}{}, err, false
		}
		args := []string{"-kubeconfig", k.Kubeconfig, "-port", strconv.Itoa(port), "-address", "127.0.0.1",
			"-cert", pki("kubelet.crt"), "-key", pki("kubelet.key"), "-client-ca", pki("ca.crt"), "-dir", dir}
		for _, n := range nodes {
			args = append(args, "-node", n)
		}
		p, err := startProcess(procSpec{name: "lab-kubelet", path: path, args: args, dir: dir, logPath: logPath})
		if err != nil {
			return struct{}{}, &StartError{Component: "lab-kubelet", Err: err}, false
		}
		kl.proc, kl.Port = p, port
		if err := waitFor(ctx, p, k.nodesReady(nodes, port)); err != nil {
			p.stop(syscall.SIGTERM, 5*time.Second)
			return struct{}{}, startErr("lab-kubelet", err, logPath), portInUse(logPath)
		}
		return struct{}{}, nil, false
	})
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.kubelets = append(k.kubelets, kl)
	k.mu.Unlock()
	return kl, nil
}

// nodesReady succeeds once every node is Ready and advertises the port.
func (k *KubeCluster) nodesReady(nodes []string, port int) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, name := range nodes {
			n, err := k.Client().CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if int(n.Status.DaemonEndpoints.KubeletEndpoint.Port) != port {
				return fmt.Errorf("node %s: kubelet port %d, want %d", name, n.Status.DaemonEndpoints.KubeletEndpoint.Port, port)
			}
			ready := slices.ContainsFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool {
				return c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
			})
			if !ready {
				return fmt.Errorf("node %s not Ready", name)
			}
		}
		return nil
	}
}

// Close stops the kubelet and every container it runs.
func (kl *Kubelet) Close() {
	if kl == nil {
		return
	}
	kl.proc.stop(syscall.SIGTERM, 10*time.Second)
}

// LogPath is the kubelet's own log.
func (kl *Kubelet) LogPath() string { return filepath.Join(kl.Dir, "lab-kubelet.log") }

// RunSpec describes a Deployment whose pods really run on kubelet nodes.
type RunSpec struct {
	// Namespace (created when missing) and Name of the Deployment.
	Namespace, Name string
	// Replicas (default 1), bound round-robin to Nodes.
	Replicas int
	// Nodes the pods are bound to (there is no scheduler).
	Nodes []string
	// Containers of each pod (their Command runs as a local process; an
	// empty Image is set to "lab.local/process", the API requires one).
	Containers []corev1.Container
	// RestartPolicy (default Always).
	RestartPolicy corev1.RestartPolicy
}

// RunDeployment creates a Deployment, the ReplicaSet it owns and its pods,
// bound to the spec's nodes (the lab has no controller-manager and no
// scheduler, so the test writes what they would). It returns the pods'
// names in replica order.
func RunDeployment(ctx context.Context, c kubernetes.Interface, s RunSpec) ([]string, error) {
	if len(s.Nodes) == 0 || len(s.Containers) == 0 {
		return nil, fmt.Errorf("run deployment %s/%s: nodes and containers are required", s.Namespace, s.Name)
	}
	if s.Replicas <= 0 {
		s.Replicas = 1
	}
	if err := ensureNamespace(ctx, c, s.Namespace); err != nil {
		return nil, err
	}
	s.Containers = slices.Clone(s.Containers)
	for i := range s.Containers {
		if s.Containers[i].Image == "" {
			s.Containers[i].Image = "lab.local/process"
		}
	}
	hash := shortHash(s.Namespace+"/"+s.Name+"/run", 10)
	labels := map[string]string{"app": s.Name}
	podLabels := map[string]string{"app": s.Name, "pod-template-hash": hash}
	spec := corev1.PodSpec{Containers: s.Containers, RestartPolicy: s.RestartPolicy}
	replicas := int32(s.Replicas)
	dep, err := c.AppsV1().Deployments(s.Namespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec}},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create deployment %s/%s: %w", s.Namespace, s.Name, err)
	}
	yes := true
	rs, err := c.AppsV1().ReplicaSets(s.Namespace).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name + "-" + hash, Namespace: s.Namespace, Labels: podLabels,
			Annotations: map[string]string{revisionAnnotation: "1"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name, UID: dep.UID,
				Controller: &yes, BlockOwnerDeletion: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: podLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: podLabels}, Spec: spec}},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create replicaset %s/%s: %w", s.Namespace, s.Name, err)
	}
	names := make([]string, 0, s.Replicas)
	for i := range s.Replicas {
		ps := *spec.DeepCopy()
		ps.NodeName = s.Nodes[i%len(s.Nodes)]
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: rs.Name + "-" + podSuffix(rs.Name, i), Namespace: s.Namespace, Labels: podLabels,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
					Controller: &yes, BlockOwnerDeletion: &yes}}},
			Spec: ps,
		}
		if _, err := c.CoreV1().Pods(s.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create pod %s/%s: %w", s.Namespace, pod.Name, err)
		}
		names = append(names, pod.Name)
	}
	return names, nil
}

// PodsReady reports whether each named pod of namespace ns is Ready (its
// PodReady condition true, which the lab-kubelet sets from the
// containers' readiness probes), and what it saw, for lab.WaitFor: a
// container's process may run well before it serves.
func PodsReady(ctx context.Context, c kubernetes.Interface, ns string, names ...string) (bool, string) {
	seen := ""
	all := true
	for _, name := range names {
		p, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			seen += fmt.Sprintf("%s: %v\n", name, err)
			all = false
			continue
		}
		ready := slices.ContainsFunc(p.Status.Conditions, func(cd corev1.PodCondition) bool {
			return cd.Type == corev1.PodReady && cd.Status == corev1.ConditionTrue
		})
		all = all && ready
		seen += fmt.Sprintf("%s: phase %s, ready %t\n", name, p.Status.Phase, ready)
	}
	return all, seen
}
