package kube_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// seedClaim creates a PersistentVolumeClaim; with volume set it is bound
// to it (status Bound with its capacity: the lab runs no PV controller).
func seedClaim(ctx context.Context, c kubernetes.Interface, ns, name, class, volume string, size string) error {
	q := resource.MustParse(size)
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, VolumeName: volume,
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: q}}}}
	pvc, err := c.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pvc %s: %w", name, err)
	}
	if volume == "" {
		return nil
	}
	pvc.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: pvc.Spec.AccessModes,
		Capacity: corev1.ResourceList{corev1.ResourceStorage: q}}
	if _, err := c.CoreV1().PersistentVolumeClaims(ns).UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("pvc %s status: %w", name, err)
	}
	return nil
}

// TestStorageLab reads PersistentVolumeClaims (with their volumes and the
// pods mounting them), Services and EndpointSlices from a real
// kube-apiserver; joins a database member to its pod's claims; and checks
// what a restricted user sees.
func TestStorageLab(t *testing.T) {
	k := lab.Kube(t)
	ctx := t.Context()
	c := k.Client()
	for i, n := range []string{"ip-10-0-3-10", "ip-10-0-3-11"} {
		if _, err := seedNode(ctx, c, n, "us-east-1c", fmt.Sprintf("i-0ccc00000000000%d", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	// The kubelet API of ip-10-0-3-10, reached through the API server's
	// node proxy: it answers the stats summary in the kubelet's format.
	// ip-10-0-3-11 has none.
	serveSummary(t, k, "ip-10-0-3-10", statsSummaryJSON)
	for _, ns := range []string{"db", "team-a"} {
		if err := ensureNS(ctx, c, ns); err != nil {
			t.Fatal(err)
		}
	}
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-pg-0"},
		Spec: corev1.PersistentVolumeSpec{StorageClassName: "gp3", PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("50Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			ClaimRef:               &corev1.ObjectReference{Namespace: "db", Name: "data-pg-0"},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "ebs.csi.aws.com", VolumeHandle: "vol-0abc"}}}}
	if _, err := c.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := seedClaim(ctx, c, "db", "data-pg-0", "gp3", "pv-pg-0", "50Gi"); err != nil {
		t.Fatal(err)
	}
	if err := seedClaim(ctx, c, "db", "wal-pg-0", "gp3", "", "10Gi"); err != nil {
		t.Fatal(err)
	}
	if err := seedClaim(ctx, c, "team-a", "cache", "standard", "", "1Gi"); err != nil {
		t.Fatal(err)
	}
	pod, err := seedPod(ctx, c, "db", "pg-0", "ip-10-0-3-10", nil)
	if err != nil {
		t.Fatal(err)
	}
	// seedPod makes no volumes: a second pod that mounts both claims.
	zero := int64(0)
	pgPod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: "pg-1"},
		Spec: corev1.PodSpec{NodeName: "ip-10-0-3-10", TerminationGracePeriodSeconds: &zero,
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-pg-0"}}},
				{Name: "wal", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "wal-pg-0"}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			Containers: []corev1.Container{{Name: "postgres", Image: "postgres:15", VolumeMounts: []corev1.VolumeMount{
				{Name: "data", MountPath: "/var/lib/postgresql/data"}, {Name: "wal", MountPath: "/var/lib/postgresql/wal"}, {Name: "tmp", MountPath: "/tmp"}}}}}}
	pgPod, err = c.CoreV1().Pods("db").Create(ctx, pgPod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pgPod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.1.3.5"}
	if _, err := c.CoreV1().Pods("db").UpdateStatus(ctx, pgPod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	cachePod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "cache-0"},
		Spec: corev1.PodSpec{NodeName: "ip-10-0-3-11", TerminationGracePeriodSeconds: &zero,
			Volumes:    []corev1.Volume{{Name: "c", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "cache"}}}},
			Containers: []corev1.Container{{Name: "redis", Image: "redis", VolumeMounts: []corev1.VolumeMount{{Name: "c", MountPath: "/data"}}}}}}
	if _, err := c.CoreV1().Pods("team-a").Create(ctx, cachePod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: "pg"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "pg"},
			Ports: []corev1.ServicePort{{Name: "sql", Port: 5432, TargetPort: intstr.FromString("sql"), Protocol: corev1.ProtocolTCP}}}}
	if _, err := c.CoreV1().Services("db").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes, no, node := true, false, "ip-10-0-3-10"
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: "pg-x1",
		Labels: map[string]string{discoveryv1.LabelServiceName: "pg"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.1.3.5"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}, NodeName: &node,
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "db", Name: "pg-1"}},
			{Addresses: []string{"10.1.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}, NodeName: &node,
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "db", Name: pod.Name}},
		}}
	if _, err := c.DiscoveryV1().EndpointSlices("db").Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A second slice repeating an address counts it once.
	slice2 := slice.DeepCopy()
	slice2.Name, slice2.ResourceVersion = "pg-x2", ""
	slice2.Endpoints = slice2.Endpoints[:1]
	if _, err := c.DiscoveryV1().EndpointSlices("db").Create(ctx, slice2, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, StatsInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	updates := runProvider(t, p)
	u := waitUpdate(t, updates, 30*time.Second, "the claims, the service's endpoints and the stats read", func(u providers.Update) bool {
		if u.Inventory == nil || len(u.Inventory.VolumeClaims) != 3 || findSvc(u.Inventory, "db", "pg") == nil {
			return false
		}
		data := findClaim(u.Inventory, "db", "data-pg-0")
		return findSvc(u.Inventory, "db", "pg").EndpointsTotal == 2 && len(u.Inventory.Hidden) > 0 && data != nil && data.UsageKnown
	})
	inv := u.Inventory

	t.Run("claims", func(t *testing.T) {
		data := findClaim(inv, "db", "data-pg-0")
		want := providers.VolumeClaim{Namespace: "db", Name: "data-pg-0", Cluster: "lab", Phase: "Bound", StorageClass: "gp3",
			CapacityGiB: 50, RequestGiB: 50, Volume: "pv-pg-0", AccessModes: []string{"ReadWriteOnce"}, VolumeMode: "Filesystem",
			ReclaimPolicy: "Retain", Driver: "ebs.csi.aws.com", Pods: []string{"pg-1"}, MountPath: "/var/lib/postgresql/data",
			UsedGiB: 41, FilesystemGiB: 49, UsageKnown: true}
		if data == nil {
			t.Fatal("no claim data-pg-0")
		}
		data.Created = time.Time{}
		if fmt.Sprintf("%+v", *data) != fmt.Sprintf("%+v", want) {
			t.Errorf("claim\n got %+v\nwant %+v", *data, want)
		}
		wal := findClaim(inv, "db", "wal-pg-0")
		if wal == nil || wal.Phase != "Pending" || wal.Volume != "" || wal.CapacityGiB != 10 || wal.Driver != "" ||
			!slices.Equal(wal.Pods, []string{"pg-1"}) || wal.MountPath != "/var/lib/postgresql/wal" {
			t.Errorf("pending claim %+v", wal)
		}
		if cache := findClaim(inv, "team-a", "cache"); cache == nil || !slices.Equal(cache.Pods, []string{"cache-0"}) || cache.Phase != "Pending" {
			t.Errorf("claim cache %+v", cache)
		}
	})

	t.Run("the kubelets' stats: usage where served, unknown and said once where not", func(t *testing.T) {
		data, wal := findClaim(inv, "db", "data-pg-0"), findClaim(inv, "db", "wal-pg-0")
		if !data.UsageKnown || data.UsedGiB != 41 || data.FilesystemGiB != 49 || !wal.UsageKnown || wal.UsedGiB != 0.5 || wal.FilesystemGiB != 10 {
			t.Errorf("usage data %+v wal %+v", data, wal)
		}
		if cache := findClaim(inv, "team-a", "cache"); cache.UsageKnown {
			t.Errorf("usage of cache known: %+v", cache)
		}
		var said []providers.Hidden
		for _, h := range inv.Hidden {
			if strings.HasPrefix(h.What, "volume usage") {
				said = append(said, h)
			}
		}
		if len(said) != 1 || said[0].What != "volume usage on ip-10-0-3-11" || !strings.Contains(said[0].Reason, "stats summary could not be read (1 node(s))") {
			t.Errorf("hidden %+v", inv.Hidden)
		}
	})

	t.Run("services", func(t *testing.T) {
		s := findSvc(inv, "db", "pg")
		if s.Type != "NodePort" || s.ClusterIP == "" || s.ClusterIP == "None" || !s.EndpointsKnown || s.EndpointsReady != 1 || s.EndpointsTotal != 2 {
			t.Errorf("service %+v", s)
		}
		if len(s.Ports) != 1 || s.Ports[0].Port != 5432 || s.Ports[0].TargetPort != "sql" || s.Ports[0].NodePort == 0 || s.Ports[0].Protocol != "TCP" {
			t.Errorf("ports %+v", s.Ports)
		}
		if got := s.Pods(); !slices.Equal(got, []string{"pg-1", "pg-0"}) {
			t.Errorf("pods behind = %v, want the ready one first", got)
		}
		if s.Endpoints[0].Node != "ip-10-0-3-10" || !s.Endpoints[0].Ready || s.Endpoints[1].Ready {
			t.Errorf("endpoints %+v", s.Endpoints)
		}
		if k8s := findSvc(inv, "default", "kubernetes"); k8s == nil || k8s.Type != "ClusterIP" {
			t.Errorf("the API server's own service: %+v", k8s)
		}
	})

	t.Run("a database member joined to its pod's claims", func(t *testing.T) {
		dbView := &providers.Inventory{Databases: []providers.Database{{Name: "orders", Engine: "postgres", Members: []providers.Member{
			{Name: "pg-1", Role: providers.RolePrimary, Healthy: true, Address: "10.1.3.5:5432"},
			{Name: "elsewhere", Role: providers.RoleReplica, Healthy: true, Address: "10.9.9.9:5432"},
		}}}}
		merged := providers.Merge(inv, dbView)
		m := merged.Databases[0].Members
		if len(m[1].Volumes) != 0 {
			t.Errorf("member elsewhere got volumes %+v", m[1].Volumes)
		}
		want := []providers.Volume{
			{Mount: "/data", Path: "pvc db/data-pg-0", Class: "gp3", SizeGiB: 49, UsedGiB: 41, UsageKnown: true},
			{Mount: "/journal", Path: "pvc db/wal-pg-0", Class: "gp3", SizeGiB: 10, UsedGiB: 0.5, UsageKnown: true},
		}
		if !slices.Equal(m[0].Volumes, want) {
			t.Errorf("volumes %+v, want %+v", m[0].Volumes, want)
		}
		// 41 of 49 GiB: 83.7 % used, over the 80 % rule; the journal is not.
		if !m[0].Volumes[0].Full() || m[0].Volumes[1].Full() {
			t.Errorf("full: data %v journal %v", m[0].Volumes[0].Full(), m[0].Volumes[1].Full())
		}
		if dbView.Databases[0].Members[0].Volumes != nil {
			t.Errorf("the source's view was modified")
		}
	})

	t.Run("restricted user: claims and services of its namespace, no volumes, said once", func(t *testing.T) {
		kc := k.User(t, "carol", []string{"team-a"})
		rp, err := kube.New(kube.Options{Kubeconfig: kc, Context: lab.KubeContext, Namespaces: []string{"team-a"}})
		if err != nil {
			t.Fatal(err)
		}
		u := waitUpdate(t, runProvider(t, rp), 30*time.Second, "carol's claim", func(u providers.Update) bool {
			return u.Inventory != nil && len(u.Inventory.VolumeClaims) == 1
		})
		inv := u.Inventory
		if c := inv.VolumeClaims[0]; c.Namespace != "team-a" || c.Name != "cache" {
			t.Errorf("carol sees claim %+v", c)
		}
		for _, s := range inv.Services {
			if s.Namespace != "team-a" {
				t.Errorf("carol sees service %s/%s", s.Namespace, s.Name)
			}
		}
		n := 0
		for _, h := range inv.Hidden {
			switch h.What {
			case "persistent volumes":
				n++
				if !strings.Contains(h.Reason, "forbidden") {
					t.Errorf("hidden %+v", h)
				}
			case "persistent volume claims in other namespaces", "services in other namespaces", "endpoint slices in other namespaces":
				if !strings.Contains(h.Reason, "team-a") {
					t.Errorf("hidden %+v", h)
				}
			}
		}
		if n != 1 {
			t.Errorf("persistent volumes said %d times: %+v", n, inv.Hidden)
		}
	})
}

func findClaim(inv *providers.Inventory, ns, name string) *providers.VolumeClaim {
	for i := range inv.VolumeClaims {
		if inv.VolumeClaims[i].Namespace == ns && inv.VolumeClaims[i].Name == name {
			return &inv.VolumeClaims[i]
		}
	}
	return nil
}

func findSvc(inv *providers.Inventory, ns, name string) *providers.Service {
	for i := range inv.Services {
		if inv.Services[i].Namespace == ns && inv.Services[i].Name == name {
			return &inv.Services[i]
		}
	}
	return nil
}

// statsSummaryJSON is a stats summary in the kubelet's format
// (k8s.io/kubelet/pkg/apis/stats/v1alpha1): pod pg-1's volumes, two from
// claims and an emptyDir; a pod of another node's claim is not in it.
const statsSummaryJSON = `{
  "node": {"nodeName": "ip-10-0-3-10", "fs": {"usedBytes": 1073741824, "capacityBytes": 107374182400}},
  "pods": [
    {"podRef": {"name": "pg-1", "namespace": "db", "uid": "x"},
     "volume": [
       {"name": "data", "usedBytes": 44023414784, "capacityBytes": 52613349376, "availableBytes": 8589934592,
        "pvcRef": {"name": "data-pg-0", "namespace": "db"}},
       {"name": "wal", "usedBytes": 536870912, "capacityBytes": 10737418240, "pvcRef": {"name": "wal-pg-0", "namespace": "db"}},
       {"name": "tmp", "usedBytes": 4096, "capacityBytes": 107374182400}
     ]},
    {"podRef": {"name": "pg-0", "namespace": "db", "uid": "y"}, "volume": []}
  ]
}`

// serveSummary serves summary as node's kubelet stats summary, over TLS
// with a kubelet certificate of the lab's CA, on an address of the machine
// the API server's node proxy accepts (not loopback), and points the
// node's status at it (InternalIP and port), so the API server reaches it
// as it reaches a kubelet.
func serveSummary(t *testing.T, k *lab.KubeCluster, node, summary string) {
	t.Helper()
	ip, err := lab.ProxyableIP()
	lab.Require(t, "a non-loopback address for the kubelet API", err)
	cert, err := k.KubeletCert(ip)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/stats/summary" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, summary)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	ctx := t.Context()
	n, err := k.Client().CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip.String()}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	if _, err := k.Client().CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
