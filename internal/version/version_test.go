package version

import (
	"runtime/debug"
	"testing"
)

func TestGet(t *testing.T) {
	checkout := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/opsconsole/console", Version: "v0.0.0-20261201170000-abcdef123456+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "abcdef1234567890"},
			{Key: "vcs.time", Value: "2026-12-01T17:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	installed := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/opsconsole/console", Version: "v1.4.0"},
	}
	tests := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{"stamped release", "v1.2.3", "0123abc", "2026-11-30T10:00:00Z", checkout,
			Info{Version: "v1.2.3", Commit: "0123abc", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8"}},
		{"go build in a checkout", "", "", "", checkout,
			Info{Version: Dev, Commit: "abcdef1234567890", Date: "2026-12-01T17:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{"go install module@version", "", "", "", installed,
			Info{Version: "v1.4.0", GoVersion: "go1.26.8"}},
		{"go install from a local directory", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			Info{Version: Dev, GoVersion: "go1.26.8"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(tc.version, tc.commit, tc.date, tc.bi)
			got.Platform = "" // the machine's; checked below
			if got != tc.want {
				t.Errorf("get = %+v, want %+v", got, tc.want)
			}
		})
	}
	if got := get("", "", "", nil); got.Version != Dev || got.Platform == "" || got.GoVersion == "" {
		t.Errorf("get without build info = %+v, want dev with the platform and Go version", got)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{Info{Version: "v1.2.3", Commit: "0123abc", Date: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64"},
			"console v1.2.3 (commit 0123abc, built 2026-11-30T10:00:00Z, go1.26.8 linux/amd64)"},
		{Info{Version: Dev, Commit: "abcdef", Date: "2026-12-01T17:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: "linux/arm64"},
			"console dev (commit abcdef (modified), committed 2026-12-01T17:00:00Z, go1.26.8 linux/arm64)"},
		{Info{Version: Dev, GoVersion: "go1.26.8", Platform: "darwin/arm64"},
			"console dev (go1.26.8 darwin/arm64)"},
	}
	for _, tc := range tests {
		if got := tc.info.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
