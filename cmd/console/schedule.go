package main

import (
	"path/filepath"
	"time"

	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
)

// envStacks returns the environment's Terraform stacks with their
// schedules' skips recorded beside the audit log (docs/schedule.md).
func envStacks(s config.Settings) terraform.Stacks {
	return terraform.FromEnvironment(s.Env, configBase(s)).WithAudit(s.AuditLog)
}

// configBase is the directory relative paths of the config file resolve
// against ("" without a file).
func configBase(s config.Settings) string {
	if s.Path == "" {
		return ""
	}
	return filepath.Dir(s.Path)
}

// schedules returns the schedule of every scheduled object at now: the
// groups with scheduled actions, then the stacks with a `schedule:` (their
// actual state is not read here: the schedule's is shown), each stack with
// its last recreate from the audit log. Never nil (JSON []).
func schedules(inv *providers.Inventory, stacks terraform.Stacks, now time.Time) []schedule.Status {
	out := []schedule.Status{}
	for _, g := range inv.AutoscalingGroups {
		if st := schedule.ForGroup(g, now); st != nil {
			out = append(out, *st)
		}
	}
	for _, stack := range stacks {
		if st, _ := stack.ScheduleStatus(now, nil); st != nil { // an unreadable file is in st.Errors
			out = append(out, *st)
		}
	}
	return out
}
