package schedule

import (
	"testing"
	"time"
)

func weekdays(t *testing.T, loc *time.Location) []Event {
	t.Helper()
	up, err := Parse("0 7 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	down, err := Parse("0 20 * * FRI")
	if err != nil {
		t.Fatal(err)
	}
	return []Event{{Name: "recreate", Cron: up, Loc: loc, Up: true}, {Name: "teardown", Cron: down, Loc: loc}}
}

func TestCompute(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ev := weekdays(t, berlin)
	yes, no := true, false
	// Friday 4 Dec 2026 20:00 Berlin = 19:00 UTC; Monday 7 Dec 07:00 Berlin = 06:00 UTC
	fri := time.Date(2026, 12, 4, 19, 0, 0, 0, time.UTC)
	mon := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		now    time.Time
		actual *bool
		skips  []Skip
		up     bool
		change time.Time
		text   string
	}{
		{"friday afternoon", time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC), nil, nil,
			true, fri, "up, tears down in 3 h"},
		{"just before the teardown", fri.Add(-10 * time.Minute), nil, nil,
			true, fri, "up, tears down in 10 min"},
		{"at the teardown", fri, nil, nil,
			false, mon, "down until Mon 07:00"},
		{"saturday", time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), nil, nil,
			false, mon, "down until Mon 07:00"},
		{"tuesday", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), nil, nil,
			true, time.Date(2026, 12, 4, 19, 0, 0, 0, time.UTC), "up, tears down in 3 d"},
		{"brought up at the weekend", time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), &yes, nil,
			true, time.Date(2026, 12, 11, 19, 0, 0, 0, time.UTC), "up, tears down in 6 d (off schedule)"},
		{"torn down on a monday", time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), &no, nil,
			false, time.Date(2026, 12, 14, 6, 0, 0, 0, time.UTC), "down until Dec 14 07:00 (off schedule)"},
		{"the next teardown skipped", time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC), nil, []Skip{{Event: "teardown", At: fri}},
			true, time.Date(2026, 12, 11, 19, 0, 0, 0, time.UTC), "up, tears down in 7 d (1 skipped)"},
		{"a skipped teardown leaves it up after", fri.Add(time.Hour), nil, []Skip{{Event: "teardown", At: fri}},
			true, time.Date(2026, 12, 11, 19, 0, 0, 0, time.UTC), "up, tears down in 6 d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := Compute(ev, tc.now, tc.actual, tc.skips)
			if st.Up != tc.up || st.Change == nil || !st.Change.At.Equal(tc.change) || st.Text != tc.text {
				t.Errorf("Compute = up %v change %+v text %q; want up %v change %s text %q", st.Up, st.Change, st.Text, tc.up, tc.change, tc.text)
			}
			if st.Skipped == nil {
				t.Error("Skipped is nil, want [] (JSON)")
			}
		})
	}
}

func TestComputeEdges(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	once := []Event{{Name: "scale-in", Start: now.Add(2 * time.Hour)}}
	st := Compute(once, now, nil, nil)
	if !st.Up || st.Last != nil || st.Change == nil || st.Text != "up, tears down in 2 h" {
		t.Errorf("one-off teardown ahead: %+v", st)
	}
	st = Compute(once, now.Add(3*time.Hour), nil, nil)
	if st.Up || st.Change != nil || st.Text != "down, no bring-up scheduled" {
		t.Errorf("one-off teardown passed: %+v", st)
	}
	up, _ := Parse("0 7 * * *")
	ended := []Event{{Name: "up", Cron: up, Up: true, End: now.Add(-48 * time.Hour)}}
	st = Compute(ended, now, nil, nil)
	if st.Next != nil || st.Last == nil || !st.Last.At.Equal(time.Date(2026, 11, 29, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("ended recurrence: %+v", st)
	}
	if st.Text != "up, no teardown scheduled" {
		t.Errorf("text %q", st.Text)
	}
	started := []Event{{Name: "up", Cron: up, Up: true, Start: now.Add(72 * time.Hour)}}
	if n, _ := started[0].Next(now); !n.Equal(now.Add(72 * time.Hour)) {
		t.Errorf("a recurrence with a later StartTime runs first at StartTime, got %s", n)
	}
}

func TestInWhen(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "in under a minute", 45 * time.Minute: "in 45 min",
		3*time.Hour + 59*time.Minute: "in 3 h", 47 * time.Hour: "in 47 h", 50 * time.Hour: "in 2 d",
	} {
		if got := In(d); got != want {
			t.Errorf("In(%s) = %q, want %q", d, got, want)
		}
	}
}
