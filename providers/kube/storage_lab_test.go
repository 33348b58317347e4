package kube_test

import (
	"context"
	"fmt"
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
	if _, err := seedNode(ctx, c, "ip-10-0-3-10", "us-east-1c", "i-0ccc000000000001"); err != nil {
		t.Fatal(err)
	}
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
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "db", Name: "pg"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "pg"},
			Ports: []corev1.ServicePort{{Name: "sql", Port: 5432, TargetPort: intstr.FromString("sql"), Protocol: corev1.ProtocolTCP}}}}
	if svc, err = c.CoreV1().Services("db").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
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
		return findSvc(u.Inventory, "db", "pg").EndpointsTotal == 2 && len(u.Inventory.Hidden) > 0
	})
	inv := u.Inventory

	t.Run("claims", func(t *testing.T) {
		data := findClaim(inv, "db", "data-pg-0")
		want := providers.VolumeClaim{Namespace: "db", Name: "data-pg-0", Cluster: "lab", Phase: "Bound", StorageClass: "gp3",
			CapacityGiB: 50, RequestGiB: 50, Volume: "pv-pg-0", AccessModes: []string{"ReadWriteOnce"}, VolumeMode: "Filesystem",
			ReclaimPolicy: "Retain", Driver: "ebs.csi.aws.com", Pods: []string{"pg-1"}, MountPath: "/var/lib/postgresql/data"}
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
		if cache := findClaim(inv, "team-a", "cache"); cache == nil || cache.Pods == nil || len(cache.Pods) != 0 || cache.UsageKnown {
			t.Errorf("unmounted claim %+v", cache)
		}
	})

	t.Run("the kubelet's stats: unknown usage, said once", func(t *testing.T) {
		// The node is an API object without a kubelet: its summary
		// cannot be read, the usage stays unknown and is said hidden.
		var said []providers.Hidden
		for _, h := range inv.Hidden {
			if strings.HasPrefix(h.What, "volume usage") {
				said = append(said, h)
			}
		}
		if len(said) != 1 || said[0].What != "volume usage on ip-10-0-3-10" || !strings.Contains(said[0].Reason, "stats summary") {
			t.Errorf("hidden %+v", inv.Hidden)
		}
		for _, c := range inv.VolumeClaims {
			if c.UsageKnown {
				t.Errorf("usage of %s known", c.Name)
			}
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
			{Mount: "/data", Path: "pvc db/data-pg-0", Class: "gp3", SizeGiB: 50},
			{Mount: "/journal", Path: "pvc db/wal-pg-0", Class: "gp3", SizeGiB: 10},
		}
		if !slices.Equal(m[0].Volumes, want) {
			t.Errorf("volumes %+v, want %+v", m[0].Volumes, want)
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
