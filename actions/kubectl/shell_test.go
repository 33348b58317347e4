package kubectl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
)

func TestShellArgv(t *testing.T) {
	tests := []struct {
		name string
		t    Target
		want []string
	}{
		{"context and namespace", Target{Context: "lab", Namespace: "shop", Name: "web-1"},
			[]string{"kubectl", "--context", "lab", "--namespace", "shop", "exec", "-it", "web-1", "-c", "app", "--", "sh", "-c", ShellScript}},
		{"kubeconfig", Target{Kubeconfig: "/k", Context: "prod", Namespace: "pay", Name: "api-0"},
			[]string{"kubectl", "--kubeconfig", "/k", "--context", "prod", "--namespace", "pay", "exec", "-it", "api-0", "-c", "app", "--", "sh", "-c", ShellScript}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Shell(tc.t, "app")
			if got := a.Argv(); !slices.Equal(got, tc.want) {
				t.Errorf("argv = %q\nwant   %q", got, tc.want)
			}
			s := a.Spec()
			if s.Name != actions.VerbShell || s.Effect != actions.Mutating || s.Target != (actions.Ref{Kind: actions.KindPod, Cluster: tc.t.Context, Namespace: tc.t.Namespace, Name: tc.t.Name}) {
				t.Errorf("spec = %+v", s)
			}
			if strings.Contains(s.Description, "--kubeconfig") || !strings.Contains(s.Description, "container app of pod "+tc.t.Namespace+"/"+tc.t.Name) {
				t.Errorf("description = %q", s.Description)
			}
			var _ actions.Interactive = a
		})
	}
	if ShellScript != "command -v bash >/dev/null 2>&1 && exec bash || exec sh" {
		t.Errorf("script = %q", ShellScript)
	}
}

// TestShellRunAttachedEnds: how kubectl ended is told apart: the shell's
// own exit status (kubectl's "command terminated with exit code N") is
// how it ended; kubectl failing to open the shell is an error with its
// message. A fake kubectl plays both.
func TestShellRunAttachedEnds(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		wantEnd string
		wantErr string
	}{
		{"exit 0", "cat; exit 0", "the shell exited with status 0", ""},
		{"exit 3 in the shell", "cat; echo 'command terminated with exit code 3' >&2; exit 3", "the shell exited with status 3", ""},
		{"kubectl fails", "echo 'error: unable to upgrade connection: container not found (\"app\")' >&2; exit 1", "", "exit status 1: error: unable to upgrade connection"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "kubectl")
			if err := os.WriteFile(bin, []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			a := Shell(Target{Binary: bin, Context: "lab", Namespace: "shop", Name: "web-1"}, "app")
			var out, errOut, log bytes.Buffer
			end, err := a.RunAttached(context.Background(), actions.Terminal{In: strings.NewReader("typed\n"), Out: &out, Err: &errOut}, &log)
			if end != tc.wantEnd || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("RunAttached = %q, %v; want %q, %q", end, err, tc.wantEnd, tc.wantErr)
			}
			if tc.wantErr == "" && out.String() != "typed\n" {
				t.Errorf("the terminal's output = %q", out.String())
			}
			if !strings.Contains(log.String(), "(attached to the terminal)") || strings.Contains(log.String(), "typed") {
				t.Errorf("log = %q (the terminal's traffic is never logged)", log.String())
			}
		})
	}
}
