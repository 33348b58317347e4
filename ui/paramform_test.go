package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/opsconsole/console/actions"
)

// TestParamForm: the form checks each value with the parameter's own
// Validate before it lets the preview start, says why it refuses, and
// hands over the values chosen.
func TestParamForm(t *testing.T) {
	count := actions.CountParam("desired", "Desired capacity", 3, 4, 1, 6)
	choice := actions.Param{Name: "member", Kind: actions.ParamChoice, Value: "db-2", Choices: []actions.Choice{
		{Value: "db-2", Label: "lag 0s"}, {Value: "db-3", Label: "lag 9s", Unavailable: "it is not healthy"}, {Value: "db-4", Label: "lag 1s"}}}
	cases := []struct {
		name   string
		params []actions.Param
		keys   []string
		done   bool
		want   string // values when done; the error shown when not
	}{
		{"the defaults", []actions.Param{count}, []string{"enter"}, true, "desired=4"},
		{"a number typed", []actions.Param{count}, []string{"backspace", "6", "enter"}, true, "desired=6"},
		{"above the group's max", []actions.Param{count}, []string{"backspace", "9", "enter"}, false, "9 is above the maximum 6"},
		{"letters are not typed into a count", []actions.Param{count}, []string{"x", "enter"}, true, "desired=4"},
		{"emptied", []actions.Param{count}, []string{"backspace", "enter"}, false, "give a whole number"},
		{"stepped within bounds", []actions.Param{count}, []string{"up", "up", "up", "up", "enter"}, true, "desired=6"},
		{"a choice moved", []actions.Param{choice}, []string{"down", "down", "enter"}, true, "member=db-4"},
		{"an unavailable choice refused", []actions.Param{choice}, []string{"down", "enter"}, false, "db-3 cannot be chosen: it is not healthy"},
		{"two fields, the second wrong", []actions.Param{choice, count}, []string{"tab", "backspace", "0", "enter"}, false, "0 is below the minimum 1"},
		{"two fields", []actions.Param{choice, count}, []string{"down", "down", "tab", "backspace", "2", "enter"}, true, "member=db-4,desired=2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newParamForm(c.params)
			done := false
			for _, k := range c.keys {
				done = f.key(keyMsg(k))
			}
			if done != c.done {
				t.Fatalf("done = %v, want %v (errors %q)", done, c.done, f.fields[f.focus].err)
			}
			if done {
				var got []string
				for _, v := range f.values() {
					got = append(got, v[0]+"="+v[1])
				}
				if strings.Join(got, ",") != c.want {
					t.Errorf("values %v, want %s", got, c.want)
				}
				return
			}
			if err := f.fields[f.focus].err; !strings.Contains(err, c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
}

// restoreForm is a restore taking a backup, a point in time within a
// window and a new target's name, recording the values it is given.
type restoreForm struct {
	fakeAction
	mu  sync.Mutex
	set []string
}

func (a *restoreForm) Params() []actions.Param {
	return []actions.Param{
		{Name: "backup", Title: "Backup to restore", Kind: actions.ParamChoice, Value: "b2", Help: "2 restorable backups of orders-pg, newest first",
			Choices: []actions.Choice{{Value: "b2", Label: "2026-11-27 10:00 UTC · 40.0 MiB"}, {Value: "b1", Label: "2026-11-26 10:00 UTC · 39.5 MiB"}}},
		{Name: "at", Title: "Point in time", Kind: actions.ParamTime, Optional: true, Now: func() time.Time { return frozen },
			Earliest: frozen.Add(-2 * time.Hour), Latest: frozen.Add(-5 * time.Minute),
			Help: "earliest " + frozen.Add(-2*time.Hour).UTC().Format("2006-01-02 15:04:05Z07:00") + ", latest " +
				frozen.Add(-5*time.Minute).UTC().Format("2006-01-02 15:04:05Z07:00") + "; RFC 3339 or -15m; empty: the backup itself"},
		{Name: "target", Title: "Restore as", Kind: actions.ParamName, Optional: true, Rule: actions.NameDNSLabel, Current: "orders-pg",
			Taken: []string{"orders-pg-copy"}, Help: "the new instance's name; empty: orders-pg-restore-TIME"},
	}
}

func (a *restoreForm) SetParam(name, v string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.set = append(a.set, name+"="+v)
	return nil
}

// TestGoldenRestoreForm edits a point in time and a new target's name in
// the restore form at 80x24: the window is in the time's hint, a time
// before it and the live name are refused each on one line (golden), and
// the values handed to the action are the ones checked (a relative time
// made absolute).
func TestGoldenRestoreForm(t *testing.T) {
	a := &restoreForm{fakeAction: fakeAction{actions.Spec{Name: actions.VerbRestore, Runner: "db", Effect: actions.Destructive,
		Target: actions.Ref{Kind: actions.KindDatabase, Name: "orders-pg"}, Description: "restore orders-pg into a new instance"}}}
	m := goldenModel(t, func(d *deps) {
		d.offerers = func() []actions.Offerer {
			return []actions.Offerer{offerFunc(func(r actions.Ref) []actions.Action { return []actions.Action{a} })}
		}
	})
	tm := teatest.NewTestModel(t, probe{m}, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "topology", built("topology"))
	tm.Type(":db")
	tm.Send(enter())
	waitFor(t, tm, "db", built("db"))
	tm.Type("a")
	waitFor(t, tm, "the offers", func(m *Model) bool { return m.mode == modeMenu && !m.flow.loading })
	tm.Send(enter())
	waitFor(t, tm, "the form", func(m *Model) bool { return m.mode == modeParams })
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("-3h")
	tm.Send(enter())
	out := waitFor(t, tm, "the time refused", func(m *Model) bool {
		return m.mode == modeParams && strings.Contains(m.flow.form.fields[1].err, "before the earliest restorable time")
	})
	golden.RequireEqual(t, belowTabs(m, out))
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	tm.Type("-30m")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Type("orders-pg")
	tm.Send(enter())
	waitFor(t, tm, "the live name refused", func(m *Model) bool {
		return m.mode == modeParams && m.flow.form.focus == 2 && m.flow.form.fields[2].err == "orders-pg is the live one: name a new one"
	})
	tm.Type("-pitr")
	tm.Send(enter())
	waitFor(t, tm, "the confirmation", func(m *Model) bool { return m.mode == modeConfirm })
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	a.mu.Lock()
	defer a.mu.Unlock()
	want := "backup=b2,at=" + frozen.Add(-30*time.Minute).UTC().Format(time.RFC3339Nano) + ",target=orders-pg-pitr"
	if got := strings.Join(a.set, ","); got != want {
		t.Errorf("values set %s, want %s", got, want)
	}
}

// offerFunc is an offerer from a function.
type offerFunc func(actions.Ref) []actions.Action

func (f offerFunc) Offer(r actions.Ref) []actions.Action { return f(r) }
