package providers

import (
	"slices"
	"testing"
)

func TestMountRole(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"/var/lib/postgresql/data", MountData},
		{"/data/db", MountData},
		{"/bitnami/redis", MountData},
		{"", MountData},
		{"/var/lib/postgresql/wal", MountJournal},
		{"/pgdata/pg_wal", MountJournal},
		{"/pg/XLOG", MountJournal},
		{"/data/journal", MountJournal},
		{"/var/log/postgresql", MountLogs},
		{"/opt/kafka/logs", MountLogs},
	} {
		if got := MountRole(c.path); got != c.want {
			t.Errorf("MountRole(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}

// TestJoinClaims: which member gets which pod's claims, and which gets
// none (an unknown address, an IP several pods share, a DNS name that is
// not a pod's).
func TestJoinClaims(t *testing.T) {
	pods := []Pod{
		{Cluster: "a", Namespace: "db", Name: "pg-0", IP: "10.0.0.5"},
		{Cluster: "a", Namespace: "db", Name: "pg-1", IP: "10.0.0.6"},
		{Cluster: "a", Namespace: "db", Name: "hostnet", IP: "10.0.9.1"},
		{Cluster: "a", Namespace: "kube-system", Name: "agent", IP: "10.0.9.1"},
		{Cluster: "a", Namespace: "db", Name: "redis-0", IP: "10.0.0.7"},
	}
	claims := []VolumeClaim{
		{Cluster: "a", Namespace: "db", Name: "data-pg-0", StorageClass: "gp3", CapacityGiB: 100, FilesystemGiB: 98, UsedGiB: 80, UsageKnown: true,
			Pods: []string{"pg-0"}, MountPath: "/var/lib/postgresql/data"},
		{Cluster: "a", Namespace: "db", Name: "wal-pg-0", StorageClass: "io2", CapacityGiB: 10, Pods: []string{"pg-0"}, MountPath: "/var/lib/postgresql/wal"},
		{Cluster: "a", Namespace: "db", Name: "data-pg-1", StorageClass: "gp3", CapacityGiB: 100, Pods: []string{"pg-1"}, MountPath: "/var/lib/postgresql/data"},
		{Cluster: "a", Namespace: "db", Name: "data-hostnet", CapacityGiB: 5, Pods: []string{"hostnet"}, MountPath: "/data"},
		{Cluster: "a", Namespace: "db", Name: "data-redis-0", CapacityGiB: 5, Pods: []string{"redis-0"}, MountPath: "/data"},
	}
	local := Volume{Mount: MountData, Path: "/srv/redis", Class: "ext4", SizeGiB: 50, UsedGiB: 1, UsageKnown: true}
	members := []Member{
		{Name: "by-ip", Address: "10.0.0.5:5432"},
		{Name: "by-dns", Address: "pg-1.pg.db.svc.cluster.local:5432"},
		{Name: "shared-ip", Address: "10.0.9.1:5432"},
		{Name: "unknown", Address: "10.9.9.9:5432"},
		{Name: "not-a-pod-name", Address: "pg.db.svc:5432"},
		{Name: "engine-reports-data", Address: "10.0.0.7:6379", Volumes: []Volume{local}},
	}
	inv := &Inventory{Pods: pods, VolumeClaims: claims, Databases: []Database{{Name: "d", Members: members}}}
	Join(inv)
	got := map[string][]Volume{}
	for _, m := range inv.Databases[0].Members {
		got[m.Name] = m.Volumes
	}
	want := map[string][]Volume{
		"by-ip": {
			{Mount: MountData, Path: "pvc db/data-pg-0", Class: "gp3", SizeGiB: 98, UsedGiB: 80, UsageKnown: true},
			{Mount: MountJournal, Path: "pvc db/wal-pg-0", Class: "io2", SizeGiB: 10},
		},
		"by-dns":              {{Mount: MountData, Path: "pvc db/data-pg-1", Class: "gp3", SizeGiB: 100}},
		"shared-ip":           nil,
		"unknown":             nil,
		"not-a-pod-name":      nil,
		"engine-reports-data": {local},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: volumes %+v, want %+v", name, got[name], w)
		}
	}
	if members[0].Volumes != nil {
		t.Errorf("the source's member was modified: %+v", members[0].Volumes)
	}
}

// TestClaimUsageFull: the 80% rule on a claim's volume, both ways.
func TestClaimUsageFull(t *testing.T) {
	for _, c := range []struct {
		name string
		vc   VolumeClaim
		full bool
	}{
		{"81% of the filesystem", VolumeClaim{CapacityGiB: 100, FilesystemGiB: 100, UsedGiB: 81, UsageKnown: true}, true},
		{"79%", VolumeClaim{CapacityGiB: 100, UsedGiB: 79, UsageKnown: true}, false},
		{"unknown usage", VolumeClaim{CapacityGiB: 100, UsedGiB: 99}, false},
		{"the filesystem counts over the capacity", VolumeClaim{CapacityGiB: 50, FilesystemGiB: 100, UsedGiB: 45, UsageKnown: true}, false},
	} {
		if got := c.vc.AsVolume(MountData).Full(); got != c.full {
			t.Errorf("%s: full = %v, want %v", c.name, got, c.full)
		}
	}
}
