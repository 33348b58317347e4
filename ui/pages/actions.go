package pages

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// Actions is the view of running and past action runs, with the selected
// run's streamed output.
type Actions struct {
	ctx    *common.Context
	exec   common.Executor // nil: no executor, no runs
	tbl    table.Model
	runs   []common.Run
	texts  []string
	filter common.Filter
	shown  []int
	width  int
	height int
	note   string // e.g. the read-only reason
}

// NewActions returns the Actions view of b's executor (with why actions
// are refused, when they are).
func NewActions(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "RUN", Width: 8, Priority: 7}, {Title: "ACTION", Width: 10, Priority: 8},
		{Title: "TARGET", Width: 20, Grow: true, Max: 56, Priority: 10, Middle: true}, {Title: "STATUS", Width: 12, Priority: 9},
		{Title: "ELAPSED", Width: 7, Right: true, Priority: 5}, {Title: "RUNNER", Width: 9, Priority: 3},
		{Title: "PLAN", Width: 16, Grow: true, Max: 80, Priority: 4},
	}
	a := &Actions{ctx: ctx, exec: b.Exec, tbl: table.New(ctx, cols)}
	if b.ReadOnly != "" {
		a.note = "READ-ONLY: " + b.ReadOnly
	}
	return a
}

// Name implements Page.
func (a *Actions) Name() string { return "actions" }

// Title implements Page.
func (a *Actions) Title() string { return "Actions" }

// Refresh implements Refresher: the executor's runs (in memory, no I/O).
func (a *Actions) Refresh() tea.Cmd {
	if a.exec != nil {
		a.setRuns(a.exec.Runs(), a.ctx.Now())
	}
	return nil
}

// Tick implements Ticker: elapsed times move.
func (a *Actions) Tick(time.Time) { a.Refresh() }

// Update implements Updater: a run's new output or end.
func (a *Actions) Update(msg tea.Msg) (bool, tea.Cmd) {
	if _, ok := msg.(common.RunChangedMsg); !ok {
		return false, nil
	}
	return true, a.Refresh()
}

// Scroll implements Page.
func (a *Actions) Scroll(d int) { a.tbl.Scroll(d) }

// Status implements Page.
func (a *Actions) Status() string { return a.tbl.Position() }

// KeyHints implements Page.
func (a *Actions) KeyHints() []key.Binding { return []key.Binding{a.ctx.Keys.Cancel} }

// HandleKey implements Page: navigation, and x cancels the selected run
// while it runs (through the run, that is through the executor).
func (a *Actions) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	if key.Matches(k, a.ctx.Keys.Cancel) {
		if r := a.selectedRun(); r != nil && r.Result().Status == "running" {
			r.Cancel()
			return true, common.Notice("cancelling run "+r.ID(), false)
		}
		return true, nil
	}
	return navigate(a.ctx.Keys, &a.tbl, k), nil
}

// SetSize implements Page: the runs table takes the top, the output the rest.
func (a *Actions) SetSize(w, h int) {
	a.width, a.height = w, h
	th := max(3, min(h/3, len(a.runs)+1))
	if a.note != "" {
		th = max(3, th-1)
	}
	a.tbl.SetSize(w, th)
}

// StatusText renders a run status with a glyph.
func StatusText(status string) (string, int) {
	switch status {
	case "running":
		return "⟳ running", table.NoHealth
	case "succeeded":
		return "✓ succeeded", providers.HealthOK
	case "planned":
		return "✓ planned", providers.HealthOK
	case "cancelled":
		return "⊘ cancelled", providers.HealthWarn
	case "refused":
		return "✗ refused", providers.HealthBad
	default:
		return "✗ " + status, providers.HealthBad
	}
}

// setRuns replaces the runs (newest first) and re-renders their rows.
func (a *Actions) setRuns(runs []common.Run, now time.Time) {
	a.runs = runs
	a.texts = a.texts[:0]
	for _, r := range runs {
		s := r.Spec()
		a.texts = append(a.texts, common.Fold(san(string(s.Name)+" "+s.Target.String()+" "+r.Result().Status)))
	}
	a.refilter(now)
	a.SetSize(a.width, a.height)
}

// SetFilter implements Page.
func (a *Actions) SetFilter(f common.Filter) { a.filter = f; a.refilter(a.ctx.Now()) }

func (a *Actions) refilter(now time.Time) {
	a.shown = a.filter.Apply(a.texts, nil)
	rows := make([]table.Row, 0, len(a.shown))
	for _, i := range a.shown {
		r := a.runs[i]
		s, res := r.Spec(), r.Result()
		st, h := StatusText(res.Status)
		el := res.Duration
		if res.Status == "running" {
			el = now.Sub(r.Started())
		}
		id := san(r.ID())
		rows = append(rows, table.Row{Key: id, Health: h, Cells: []string{
			shortRun(id), san(string(s.Name)), san(s.Target.String()), st, el.Round(100 * time.Millisecond).String(), san(s.Runner), san(r.Plan().Summary)}})
	}
	a.tbl.SetRows(rows)
}

func shortRun(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// selectedRun returns the run under the cursor.
func (a *Actions) selectedRun() common.Run {
	c := a.tbl.Cursor()
	if c < 0 || c >= len(a.shown) {
		return nil
	}
	return a.runs[a.shown[c]]
}

// Focus implements Focuser: kind "run", name its id.
func (a *Actions) Focus(kind, name string) bool {
	return kind == "run" && a.tbl.Select(san(name))
}

// Selected implements Page.
func (a *Actions) Selected() (Selection, bool) {
	r := a.selectedRun()
	if r == nil {
		return Selection{}, false
	}
	s, res := r.Spec(), r.Result()
	var f fields
	f.add("run", r.ID())
	f.add("action", string(s.Name))
	f.add("target", s.Target.String())
	f.add("runner", s.Runner)
	f.add("effect", s.Effect.String())
	f.add("description", s.Description)
	f.add("status", res.Status)
	f.addIf("error", res.Error)
	if res.Verify != "" {
		f.add("verified", yesno(res.Verified)+" — "+res.Verify)
	}
	f.add("started", stamp(r.Started()))
	f.add("plan", r.Plan().Summary)
	for _, c := range r.Plan().Calls {
		f.sub("-", c)
	}
	return Selection{Key: r.ID(), Detail: detail.Content{Title: "run " + r.ID(), Fields: f}}, true
}

// View implements Page.
func (a *Actions) View() string {
	th := a.ctx.Theme
	var out []string
	if a.note != "" {
		out = append(out, th.Warn.Render(ansi.Truncate(a.note, a.width, "…")))
	}
	if len(a.runs) == 0 {
		out = append(out, th.Muted.Render("No actions yet: select an object in any view and press a."))
		for len(out) < a.height {
			out = append(out, "")
		}
		return strings.Join(out, "\n")
	}
	out = append(out, a.tbl.View())
	rest := a.height - len(strings.Split(strings.Join(out, "\n"), "\n"))
	if r := a.selectedRun(); r != nil && rest > 1 {
		lines := r.Lines()
		title := "output of " + san(r.ID()) + " (" + strconv.Itoa(len(lines)) + " lines)"
		out = append(out, th.Title.Render(ansi.Truncate(title, a.width, "…")))
		rest--
		if len(lines) > rest {
			lines = lines[len(lines)-rest:]
		}
		for _, l := range lines {
			out = append(out, ansi.Truncate(san(l), a.width, "…"))
		}
	}
	s := strings.Join(out, "\n")
	n := len(strings.Split(s, "\n"))
	for ; n < a.height; n++ {
		s += "\n"
	}
	return s
}
