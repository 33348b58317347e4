package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
)

// demoStackTF is the demo's Terraform stack (terraform_data resources
// only: nothing to download, nothing real touched).
//
//go:embed demostack/main.tf
var demoStackTF []byte

// demoSchedule is the demo stack's schedule.
var demoSchedule = config.StackSchedule{Teardown: "0 20 * * FRI", Recreate: "0 7 * * MON", TimeZone: "Europe/Berlin"}

// demoStackName is the demo stack's name in the Stacks view.
const demoStackName = "demo-infra"

// demoStack writes the demo's stack into a private directory beside the
// audit log (0700, kept between runs so its state survives) and returns
// it, its resources mapped to the demo's objects for "rebuild via
// terraform". The real terraform runs it; when terraform is not on the
// PATH the Stacks view says so (internal/errtext).
func demoStack(s config.Settings) (*terraform.Stack, error) {
	dir := filepath.Join(filepath.Dir(s.AuditLog), "demo-terraform")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo stack: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("demo stack: %w", err)
	}
	path := filepath.Join(dir, "main.tf")
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, demoStackTF) {
		if err := os.WriteFile(path, demoStackTF, 0o600); err != nil {
			return nil, fmt.Errorf("demo stack: %w", err)
		}
	}
	st := terraform.FromDir(dir)
	st.Name = demoStackName
	st.Targets = map[string]string{"asg/demo-use1-workers": "terraform_data.workers"}
	// the dev schedule (docs/schedule.md): down at weekends
	sc, err := terraform.NewSchedule(&demoSchedule, s.Env.Name, s.AuditLog)
	if err != nil {
		return nil, fmt.Errorf("demo stack: %w", err)
	}
	st.Schedule = sc
	return st, nil
}
