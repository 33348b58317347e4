package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsconsole/console/internal/version"
)

func TestVersionCommands(t *testing.T) {
	tests := []struct {
		args     []string
		wantJSON bool
		want     int
	}{
		{[]string{"version"}, false, exitOK},
		{[]string{"--version"}, false, exitOK},
		{[]string{"version", "--json"}, true, exitOK},
		{[]string{"--version", "--json"}, true, exitOK},
		{[]string{"--json"}, false, exitUsage}, // --json alone would open the TUI
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &out, &errb)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.want, errb.String())
			continue
		}
		if code != exitOK {
			continue
		}
		want := version.Get()
		if tc.wantJSON {
			var got version.Info
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Errorf("%v: not JSON: %v: %s", tc.args, err, out.String())
			} else if got != want {
				t.Errorf("%v: %+v, want %+v", tc.args, got, want)
			}
		} else if got := strings.TrimSpace(out.String()); got != want.String() {
			t.Errorf("%v: %q, want %q", tc.args, got, want.String())
		}
	}
}

// TestVersionBuilt builds the binary with the release's -ldflags -X and
// without them, and checks what `console --version --json` prints.
func TestVersionBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the console twice")
	}
	dir := t.TempDir()
	const pkg = "github.com/opsconsole/console/internal/version"
	stamped := filepath.Join(dir, "stamped")
	build(t, "-o", stamped, "-ldflags", "-s -w -X "+pkg+".version=v9.8.7 -X "+pkg+".commit=0123abc -X "+pkg+".date=2026-11-30T10:00:00Z", ".")
	got := runVersionJSON(t, stamped)
	if got.Version != "v9.8.7" || got.Commit != "0123abc" || got.Date != "2026-11-30T10:00:00Z" {
		t.Errorf("stamped build prints %+v", got)
	}
	if out := runBin(t, stamped, "version"); !strings.HasPrefix(out, "console v9.8.7 (commit 0123abc, built 2026-11-30T10:00:00Z, go") {
		t.Errorf("stamped `console version` = %q", out)
	}

	// A plain go build: "dev" and the revision the toolchain recorded
	// (GOFLAGS may say -buildvcs=false; a developer's go build records it).
	dev := filepath.Join(dir, "dev")
	build(t, "-o", dev, "-buildvcs=auto", ".")
	got = runVersionJSON(t, dev)
	if got.Version != version.Dev {
		t.Errorf("dev build prints version %q, want %q", got.Version, version.Dev)
	}
	meta, err := exec.Command("go", "version", "-m", dev).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	recorded := ""
	for _, line := range strings.Split(string(meta), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "build\tvcs.revision="); ok {
			recorded = v
		}
	}
	if got.Commit != recorded {
		t.Errorf("dev build prints commit %q, the toolchain recorded %q", got.Commit, recorded)
	}
	// In a git clone the recorded revision is HEAD (the go command does not
	// stamp from a git worktree, whose .git is a file).
	if fi, err := os.Stat(filepath.Join("..", "..", ".git")); err == nil && fi.IsDir() {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("git rev-parse HEAD: %v", err)
		}
		if got.Commit != strings.TrimSpace(string(head)) {
			t.Errorf("dev build prints commit %q, HEAD is %s", got.Commit, head)
		}
	} else {
		t.Logf("not a git clone: the dev build records no revision (commit %q)", got.Commit)
	}
}

func build(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("go", append([]string{"build"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
}

func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return string(out)
}

func runVersionJSON(t *testing.T, bin string) version.Info {
	t.Helper()
	var info version.Info
	out := runBin(t, bin, "--version", "--json")
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("%s --version --json: %v: %s", bin, err, out)
	}
	return info
}
