// Package version tells which build of the console is running.
//
// Release builds stamp the version, the commit and the build date at link
// time (.goreleaser.yaml):
//
//	go build -ldflags "-X github.com/opsconsole/console/internal/version.version=v1.2.3 \
//	  -X github.com/opsconsole/console/internal/version.commit=abc123 \
//	  -X github.com/opsconsole/console/internal/version.date=2026-12-01T17:00:00Z" ./cmd/console
//
// A build without them (go build, go install) reports "dev" with the VCS
// revision and time the Go toolchain recorded (debug.ReadBuildInfo), or the
// module version for `go install github.com/opsconsole/console/cmd/console@vX`.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X at build time; empty in a plain `go build`.
var (
	version string
	commit  string
	date    string
)

// Dev is the version of a build that was not stamped.
const Dev = "dev"

// Info describes the running build. Its JSON form is what
// `console version --json` prints.
type Info struct {
	// Version is the release version (e.g. v1.2.3), the module version of a
	// `go install …@vX` build, or "dev".
	Version string `json:"version"`
	// Commit is the VCS revision, empty when unknown.
	Commit string `json:"commit"`
	// Date is when the build (release) or the commit (dev build) was made,
	// RFC 3339, empty when unknown.
	Date string `json:"date"`
	// Modified reports a dev build from a tree with uncommitted changes.
	Modified bool `json:"modified"`
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string `json:"go_version"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

// Get returns the running build's Info.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(version, commit, date, bi)
}

// get combines the stamped values with the build info (nil when the binary
// has none).
func get(stampedVersion, stampedCommit, stampedDate string, bi *debug.BuildInfo) Info {
	info := Info{
		Version:   stampedVersion,
		Commit:    stampedCommit,
		Date:      stampedDate,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi != nil && bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if info.Version != "" {
		return info
	}
	info.Version = Dev
	if bi == nil {
		return info
	}
	// `go install module@v1.2.3` records the module version and no VCS
	// settings; a build in a checkout records a pseudo-version (or
	// "(devel)") and the VCS settings, which say more.
	var vcs bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			vcs = true
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	if v := bi.Main.Version; !vcs && v != "" && v != "(devel)" {
		info.Version = v
	}
	return info
}

// String is the one line `console version` prints, e.g.
// "console v1.2.3 (commit abc123, built 2026-12-01T17:00:00Z, go1.26.8 linux/amd64)".
func (i Info) String() string {
	var parts []string
	if i.Commit != "" {
		c := "commit " + i.Commit
		if i.Modified {
			c += " (modified)"
		}
		parts = append(parts, c)
	}
	if i.Date != "" {
		word := "built"
		if i.Version == Dev {
			word = "committed" // a dev build knows its commit's time, not its own
		}
		parts = append(parts, word+" "+i.Date)
	}
	parts = append(parts, strings.TrimSpace(i.GoVersion+" "+i.Platform))
	return fmt.Sprintf("console %s (%s)", i.Version, strings.Join(parts, ", "))
}
