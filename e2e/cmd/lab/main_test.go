package main

import (
	"errors"
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
	err := run(t.Context(), options{check: true, perAZ: 1, replicas: 2, dir: dir, root: lab.RepoRoot()})
	if errors.Is(err, lab.ErrMissing) {
		lab.Require(t, "lab", err)
	}
	if err != nil {
		t.Fatal(err)
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
