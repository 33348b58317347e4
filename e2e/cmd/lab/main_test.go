package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
)

// TestLabCheck starts the whole lab, seeds it, writes the console's
// configuration and stops, as `make lab` does up to the wait.
func TestLabCheck(t *testing.T) {
	dir := t.TempDir()
	var out strings.Builder
	err := run(t.Context(), options{check: true, perAZ: 1, replicas: 2, dir: dir, root: lab.RepoRoot(), out: &out})
	if errors.Is(err, lab.ErrMissing) {
		lab.Require(t, "lab", err)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "--config "+filepath.Join(dir, "console.yaml")) {
		t.Errorf("summary lacks the console command:\n%s", out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "console.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Parse(data)
	if err != nil {
		t.Fatalf("console.yaml does not parse: %v\n%s", err, data)
	}
	env, ok := f.Environments["lab"]
	if !ok || f.DefaultEnv != "lab" {
		t.Fatalf("no default environment lab in:\n%s", data)
	}
	if len(env.Regions) != 2 || !strings.HasPrefix(env.AWS.EndpointURL, "http://127.0.0.1:") {
		t.Errorf("regions %v, endpoint %q", env.Regions, env.AWS.EndpointURL)
	}
	if len(env.Kube) != 1 || env.Kube[0].Context != lab.KubeContext {
		t.Errorf("kube = %+v", env.Kube)
	} else if _, err := os.Stat(env.Kube[0].Kubeconfig); err != nil {
		t.Errorf("kubeconfig: %v", err)
	}
	if !strings.HasPrefix(env.Jaeger, "127.0.0.1:") || len(env.Terraform) != 1 || len(env.Databases) != 2 {
		t.Errorf("jaeger %q, terraform %+v, databases %+v", env.Jaeger, env.Terraform, env.Databases)
	}
	envFile, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil || !strings.Contains(string(envFile), "AWS_ENDPOINT_URL=") {
		t.Errorf("env file: %v\n%s", err, envFile)
	}
}

// BenchmarkLabStartup measures the start-up of the whole lab (binaries
// built): every component started and ready, AWS, Kubernetes and Jaeger
// seeded and the configuration written; the stop is not timed.
//
//	go test -run '^$' -bench LabStartup -benchtime 3x ./e2e/cmd/lab
func BenchmarkLabStartup(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		err := run(b.Context(), options{check: true, perAZ: 1, replicas: 5, dir: dir, root: lab.RepoRoot(), out: io.Discard,
			up: b.StopTimer})
		if errors.Is(err, lab.ErrMissing) {
			lab.Require(b, "lab", err)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
