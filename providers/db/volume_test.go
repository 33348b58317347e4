package db

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestLocalVolumes: the data directory's filesystem is read for a member
// on this machine; a journal on the same filesystem is not a volume of its
// own; a member elsewhere is not read.
func TestLocalVolumes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("volumes are read on Linux only")
	}
	data := t.TempDir()
	if err := os.Mkdir(filepath.Join(data, "pg_wal"), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	vs, err := localVolumes(ctx, "127.0.0.1:5432", []dirVolume{{"/data", data}, {"/journal", filepath.Join(data, "pg_wal")}, {"/logs", filepath.Join(data, "missing")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("volumes %+v, want /data only", vs)
	}
	v := vs[0]
	if v.Mount != "/data" || v.Class == "" || !v.UsageKnown || v.SizeGiB <= 0 || v.UsedGiB < 0 || v.UsedGiB > v.SizeGiB {
		t.Errorf("volume %+v", v)
	}
	// /dev/shm, where it is a tmpfs of its own: a separate volume.
	if fs, err := statFS("/dev/shm"); err == nil && fs.class == "tmpfs" {
		vs, err := localVolumes(ctx, "localhost:6379", []dirVolume{{"/data", data}, {"/logs", "/dev/shm"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[1].Mount != "/logs" || vs[1].Class != "tmpfs" {
			t.Errorf("separate /logs: %+v", vs)
		}
	}
	if _, err := localVolumes(ctx, "192.0.2.10:5432", []dirVolume{{"/data", data}}); !errors.Is(err, errNotLocal) {
		t.Errorf("a member elsewhere: %v, want errNotLocal", err)
	}
	if _, err := localVolumes(ctx, "127.0.0.1:5432", []dirVolume{{"/data", filepath.Join(data, "missing")}}); err == nil {
		t.Error("a missing data directory: no error")
	}
}
