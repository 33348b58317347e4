package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/providers"
)

// TestASGSchedule: a group's schedule in the ASG view's row and detail for
// a fixed clock; a group without one shows nothing.
func TestASGSchedule(t *testing.T) {
	six, one, zero := 6, 1, 0
	inv := &providers.Inventory{AutoscalingGroups: []providers.AutoscalingGroup{
		{Name: "dev", Region: "eu-west-1", Desired: 0, Min: 0, Max: 18, ScheduledActions: []providers.ScheduledAction{
			{Name: "weekday-up", Recurrence: "0 7 * * MON-FRI", TimeZone: "Europe/Berlin", Desired: &six, Min: &one},
			{Name: "weekend-down", Recurrence: "0 20 * * FRI", TimeZone: "Europe/Berlin", Desired: &zero, Min: &zero},
			{Name: "broken", Recurrence: "0 25 * * *"}}},
		{Name: "prod", Region: "eu-west-1", Desired: 3, Min: 3, Max: 9},
	}}
	// Saturday 5 Dec 2026 10:00 UTC: down since Friday 20:00 Berlin
	d := buildASGs(&Input{Inv: inv, Now: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)})
	cells := d.rows[0].Cells
	if got := cells[len(cells)-1]; got != "down until Mon 07:00" {
		t.Errorf("dev's SCHEDULE cell %q", got)
	}
	if got := d.rows[1].Cells[len(d.rows[1].Cells)-1]; got != "" {
		t.Errorf("prod's SCHEDULE cell %q, want empty", got)
	}
	var lines []string
	for _, f := range d.sel(0).Detail.Fields {
		lines = append(lines, strings.Repeat("  ", f.Indent)+f.Key+": "+f.Value)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"schedule: down until Mon 07:00",
		"  weekday-up: 0 7 * * MON-FRI Europe/Berlin → desired 6 min 1, next Mon 06:00 UTC (in 44 h)",
		"  weekend-down: 0 20 * * FRI Europe/Berlin → desired 0 min 0, next Dec 11 19:00 UTC (in 6 d)",
		`  unreadable: broken: cron "0 25 * * *": hour: 25 is outside 0-23`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("detail lacks %q:\n%s", want, text)
		}
	}
	for _, f := range d.sel(1).Detail.Fields {
		if f.Key == "schedule" {
			t.Errorf("prod's detail has a schedule: %q", f.Value)
		}
	}
}
