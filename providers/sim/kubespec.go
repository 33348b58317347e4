package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// What the demo's pod templates ask for and how their containers are
// probed, and what the demo's nodes' kubelets report of themselves: the
// parts of a Pod and a Node that `kubectl describe` prints (Requests and
// Limits, Liveness and Readiness, QoS Class; System Info, Allocatable
// and Allocated resources) and that an engineer reads in an incident.
// They are made up for the demo, in the shapes clusters commonly use,
// and say nothing about real services.

// size is one container's requests and memory limit. A CPU limit is
// left out on purpose (common practice: CPU is throttled, not needed as
// a ceiling), so the demo's pods are Burstable, as most clusters' are.
type size struct {
	cpu, mem, memLimit string
}

// sizes are the main containers' sizes of the StatefulSets and
// DaemonSets by name; a Deployment's main container gets deploymentSize,
// and any other container (a sidecar) sidecarSize.
var (
	sizes = map[string]size{
		"orders-mongo":         {"1", "4Gi", "4Gi"},
		"orders-mongo-arbiter": {"100m", "256Mi", "512Mi"},
		"sessions-redis":       {"250m", "1Gi", "1Gi"},
		"sessions-sentinel":    {"50m", "64Mi", "128Mi"},
		"pilosa":               {"1", "4Gi", "6Gi"},
		"kafka":                {"1", "4Gi", "6Gi"},
		"node-exporter":        {"50m", "64Mi", "128Mi"},
		"fluent-bit":           {"100m", "128Mi", "512Mi"},
	}
	deploymentSize = size{"100m", "128Mi", "256Mi"}
	sidecarSize    = size{"50m", "64Mi", "128Mi"}
)

// gpuOwner is the Deployment one of whose pods asks for a GPU no node
// has (gen.go), which is why it stays Pending with FailedScheduling.
const gpuOwner = "model-serving"

// resources are the requests and limits of the i-th container of a pod
// of kind/owner; gpu adds the nvidia.com/gpu the pending pod asks for
// (an extended resource: its request is its limit).
func resources(kind, owner string, i int, gpu bool) corev1.ResourceRequirements {
	sz := sidecarSize
	if i == 0 {
		sz = deploymentSize
		if s, ok := sizes[owner]; ok && kind != kindDeployment {
			sz = s
		}
	}
	r := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(sz.cpu), corev1.ResourceMemory: resource.MustParse(sz.mem)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(sz.memLimit)},
	}
	if gpu && i == 0 {
		one := resource.MustParse("1")
		r.Requests["nvidia.com/gpu"], r.Limits["nvidia.com/gpu"] = one, one
	}
	return r
}

// probes are the main container's liveness and readiness probes on its
// port: HTTP GET /healthz for a Deployment or a DaemonSet (the path the
// demo's Unhealthy events name), a TCP connect for a StatefulSet (its
// databases and brokers speak their own protocols). The fields the API
// server defaults are set as it sets them.
func probes(kind string, port int32) (liveness, readiness *corev1.Probe) {
	if port == 0 {
		return nil, nil
	}
	handler := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(port), Scheme: corev1.URISchemeHTTP}}
	if kind == kindStatefulSet {
		handler = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}}
	}
	probe := func(delay int32) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: handler, InitialDelaySeconds: delay, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
	}
	return probe(15), probe(5)
}

// livenessFailure is the kubelet's message for a failed liveness probe
// of a pod of kind at ip:port, as the probe kind words it.
func livenessFailure(kind, ip string, port int) string {
	if kind == kindStatefulSet {
		return fmt.Sprintf("Liveness probe failed: dial tcp %s:%d: connect: connection refused", ip, port)
	}
	return "Liveness probe failed: HTTP probe failed with statuscode: 503"
}

// nodeInfo is what the kubelet of a demo node reports of its machine:
// an EKS optimised Amazon Linux 2023 AMI's versions, and ids derived
// from the instance id (so they are stable).
func nodeInfo(instanceID string) corev1.NodeSystemInfo {
	sum := sha256.Sum256([]byte(instanceID))
	h := hex.EncodeToString(sum[:])
	return corev1.NodeSystemInfo{
		MachineID: h[:32], SystemUUID: "ec2" + h[3:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32],
		BootID:        h[32:40] + "-" + h[40:44] + "-" + h[44:48] + "-" + h[48:52] + "-" + h[52:64],
		KernelVersion: "6.1.119-129.201.amzn2023.x86_64", OSImage: "Amazon Linux 2023.6.20241212",
		ContainerRuntimeVersion: "containerd://1.7.23", KubeletVersion: "v1.31.3-eks-59bf375",
		OperatingSystem: "linux", Architecture: "amd64",
	}
}

// allocatable is what the kubelet of an EKS optimised AMI leaves to pods
// of a node with cpu vCPUs, memGiB of memory and room for pods: the AMI
// reserves CPU for the system (6% of the first core, 1% of the second,
// 0.5% of the next two, 0.25% of the rest) and 255 MiB + 11 MiB per pod
// of memory, and evicts below 100 MiB available (the AMI's bootstrap
// defaults for kube-reserved and eviction-hard).
func allocatable(cpu int64, memGiB float64, pods int64) corev1.ResourceList {
	reserved := 0.0 // millicores
	for c := range cpu {
		switch {
		case c == 0:
			reserved += 60
		case c == 1:
			reserved += 10
		case c < 4:
			reserved += 5
		default:
			reserved += 2.5
		}
	}
	memMi := int64(memGiB*1024) - (255 + 11*pods) - 100
	return corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewMilliQuantity(cpu*1000-int64(math.Ceil(reserved)), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(memMi<<20, resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(pods, resource.DecimalSI),
	}
}
