package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TerraformBin returns the terraform program, or an ErrMissing error.
func TerraformBin() (string, error) {
	return lookPath("terraform")
}

// TerraformDir writes files (name → content) into a new temporary
// directory and returns it. The test is skipped (failed in CI) when
// terraform is not installed.
func TerraformDir(t testing.TB, files map[string]string) string {
	t.Helper()
	_, err := TerraformBin()
	Require(t, "terraform", err)
	dir := t.TempDir()
	if err := WriteFiles(dir, files); err != nil {
		t.Fatalf("lab: %v", err)
	}
	return dir
}

// WriteFiles writes files (relative name → content) under dir.
func WriteFiles(dir string, files map[string]string) error {
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// TerraformEnv is the environment for running terraform in the lab: no
// checkpoint calls, no CLI configuration from the user, input disabled.
func TerraformEnv() []string {
	return []string{"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_CLI_CONFIG_FILE=/dev/null"}
}

// LabStack is a terraform_data stack standing in for the infrastructure of
// an autoscaling group: applying it changes nothing outside the directory.
var LabStack = map[string]string{
	"main.tf": `variable "desired_capacity" {
  type    = number
  default = 3
}

resource "terraform_data" "asg" {
  input = {
    name             = "web"
    desired_capacity = var.desired_capacity
  }
}

resource "terraform_data" "database" {
  input = {
    name = "orders"
  }
}

output "desired_capacity" {
  value = terraform_data.asg.output.desired_capacity
}
`,
}

// TerraformInit runs terraform init in dir (no network is needed for
// terraform_data stacks).
func TerraformInit(ctx context.Context, dir string) (string, error) {
	return TerraformRun(ctx, dir, "init", "-input=false", "-no-color")
}

// TerraformRun runs terraform with args in dir and returns its output.
func TerraformRun(ctx context.Context, dir string, args ...string) (string, error) {
	tf, err := TerraformBin()
	if err != nil {
		return "", err
	}
	return runEnv(ctx, dir, TerraformEnv(), tf, args...)
}
