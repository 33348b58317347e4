package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers/schedule"
)

func demoSchedules(t *testing.T) []schedule.Status {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"--demo", "inventory", "--json"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("inventory: exit %d: %s", code, errb.String())
	}
	var inv struct {
		Schedules []schedule.Status `json:"schedules"`
		Groups    []struct {
			Name             string            `json:"name"`
			ScheduledActions []json.RawMessage `json:"scheduled_actions"`
		} `json:"autoscaling_groups"`
	}
	if err := json.Unmarshal(out.Bytes(), &inv); err != nil {
		t.Fatal(err)
	}
	for _, g := range inv.Groups {
		if g.ScheduledActions == nil {
			t.Errorf("group %s: scheduled_actions is null, want []", g.Name)
		}
	}
	return inv.Schedules
}

// TestScheduleCLI: the demo's scheduled group and stack in inventory --json,
// and a stack's skip-teardown through `action do` recorded and shown.
func TestScheduleCLI(t *testing.T) {
	isolate(t)
	got := demoSchedules(t)
	var kinds []string
	for _, s := range got {
		kinds = append(kinds, s.Kind+"/"+s.Name)
		if s.Text == "" || (s.Word != "up" && s.Word != "down") || len(s.Events) != 2 || s.Skipped == nil || s.Errors == nil {
			t.Errorf("schedule %+v", s)
		}
	}
	if strings.Join(kinds, ",") != "asg/demo-use1-workers,stack/"+demoStackName {
		t.Fatalf("schedules %v", kinds)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--demo", "action", "do", "skip-teardown", "stack/" + demoStackName, "--yes", "--json"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("skip-teardown: exit %d: %s%s", code, out.String(), errb.String())
	}
	var res struct {
		Status   string `json:"status"`
		Verified bool   `json:"verified"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Status != "succeeded" || !res.Verified {
		t.Fatalf("skip-teardown result %s (%v)", out.String(), err)
	}
	got = demoSchedules(t)
	if st := got[1]; len(st.Skipped) != 1 || st.Skipped[0].Event != schedule.EventTeardown || !strings.Contains(st.Text, "(1 skipped)") {
		t.Errorf("after the skip: %+v", st)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"--demo", "action", "do", "bring-up", "asg/demo-euw1-workers", "--yes"}, strings.NewReader(""), &out, &errb); code != exitRefused {
		t.Errorf("bring-up of a group without a schedule: exit %d: %s", code, errb.String())
	}
}
