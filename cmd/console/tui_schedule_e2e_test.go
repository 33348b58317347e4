package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIDevScheduleEndToEnd runs the real binary in tmux against moto
// seeded with the lab's dev group (up on weekdays at 07:00, down on
// Fridays at 20:00, Europe/Berlin): :asg shows its schedule in words; a
// teardown from the actions menu (destructive: the name typed) sets the
// group to its "down" sizes and the row says it is off schedule; a
// bring-up outside the schedule (y) sets it back to its "up" sizes; each
// is read back from moto. :images lists the ECR repositories with their
// tags.
func TestTUIDevScheduleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	m := lab.Moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := m.Config(ctx, "us-east-1")
	est, err := lab.SeedAWS(ctx, []aws.Config{cfg}, lab.AWSSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := est.Regions[0]
	dir := t.TempDir()
	bin, err := buildConsole(dir)
	if err != nil {
		t.Fatal(err)
	}
	motoEnv(t, dir, m.URL)
	as := autoscaling.NewFromConfig(cfg)
	desired := func() int32 {
		t.Helper()
		out, err := as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{r.ASG}})
		if err != nil || len(out.AutoScalingGroups) != 1 {
			t.Fatalf("describe %s: %v", r.ASG, err)
		}
		return aws.ToInt32(out.AutoScalingGroups[0].DesiredCapacity)
	}
	if got := desired(); got != int32(r.ScheduleUpDesired) {
		t.Fatalf("seeded desired %d, want %d", got, r.ScheduleUpDesired)
	}

	s, _ := startInTmux(t, bin, 120, 30, nil, "--regions", "us-east-1", "--view", "asg")
	s.waitAll("the groups", "[ASGs]", r.ASG, "SCHEDULE")
	s.keys("/"+r.ASG, "Enter")
	row := func(scr string) string { return lineWith(scr, "▸ "+r.ASG+" ") }
	s.waitUntil("the group's schedule in words", func(scr string) bool {
		l := row(scr)
		return strings.Contains(l, "tears down in") || strings.Contains(l, "down until")
	})

	// teardown: destructive, the group's name typed
	s.pickAction("teardown")
	s.waitAll("the teardown's preview", "UpdateAutoScalingGroup", "→ 0", "to confirm")
	s.keys(r.ASG, "Enter")
	s.waitAll("the teardown done", "teardown on ", ": succeeded")
	if got := desired(); got != 0 {
		t.Errorf("desired after the teardown: %d, want 0", got)
	}

	// the row, read again (ctrl+r), says the group is down until its
	// next "up" (and "(off schedule)" when the schedule says up now)
	s.keys("Escape")
	s.waitUntil("the run's output closed", func(scr string) bool {
		return strings.Contains(scr, "[ASGs]") && !strings.Contains(scr, "teardown on ")
	})
	s.keys("C-r")
	s.waitUntil("the group torn down, read again", func(scr string) bool { return strings.Contains(row(scr), "down until") })

	// bring-up outside the schedule: mutating, y
	s.pickAction("bring-up")
	s.waitAll("the bring-up's preview", "UpdateAutoScalingGroup", "0 →", "press y to confirm")
	s.keys("y")
	s.waitAll("the bring-up done", "bring-up on ", ": succeeded")
	if got := desired(); got != int32(r.ScheduleUpDesired) {
		t.Errorf("desired after the bring-up: %d, want %d", got, r.ScheduleUpDesired)
	}

	s.keys("Escape")
	s.waitUntil("the run's output closed", func(scr string) bool { return !strings.Contains(scr, "bring-up on ") })
	s.keys("C-r")
	s.waitUntil("the group up again, read again", func(scr string) bool { return strings.Contains(row(scr), "up, tears down in") })

	// the images of the estate's registry
	s.keys(":images", "Enter")
	want := append([]string{"[Images]"}, r.Repositories...)
	s.waitAll("the repositories", want...)
}
