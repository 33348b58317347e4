package pages

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/logview"
	"github.com/opsconsole/console/ui/components/table"
)

// Actions is the view of running and past action runs, with the selected
// run's streamed output under them; enter opens that output whole (a
// log view: scroll, search) until esc.
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

	// log is the selected run's output (logRun's); open when it takes
	// the whole view and the keyboard.
	log    logview.Model
	logRun string
	open   bool

	// past are the audited runs of earlier sessions (common.History),
	// listed after the session's runs; their kept output is read when
	// one is selected (outputs, by audit id).
	base     context.Context // the parent of the reads
	history  common.History
	past     []common.PastRun
	pastReq  int
	pastErr  string
	outputs  map[string][]string
	required map[string]bool // outputs asked for
}

// pastLimit is the number of earlier runs listed.
const pastLimit = 200

// pastRunsMsg answers Refresh's read of the audit log.
type pastRunsMsg struct {
	req  int
	runs []common.PastRun
	err  error
}

// outputMsg answers the read of a past run's kept output.
type outputMsg struct {
	id    string
	lines []string
}

// OutputKey opens the selected run's output whole.
var OutputKey = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "whole output (scroll, / search)"))

// KeepKey marks the selected run (the session's own, running) to keep
// running if the session ends (console serve), or not.
var KeepKey = key.NewBinding(key.WithKeys("K"), key.WithHelp("K", "keep running if I disconnect"))

// NewActions returns the Actions view of b's executor (with why actions
// are refused, when they are).
func NewActions(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "RUN", Width: 8, Priority: 7}, {Title: "ACTION", Width: 10, Priority: 8},
		{Title: "TARGET", Width: 20, Grow: true, Max: 56, Priority: 10, Middle: true}, {Title: "STATUS", Width: 12, Priority: 9},
		{Title: "BY", Width: 5, Priority: 6},
		{Title: "ELAPSED", Width: 7, Right: true, Priority: 5}, {Title: "RUNNER", Width: 9, Priority: 3},
		{Title: "PLAN", Width: 16, Grow: true, Max: 80, Priority: 4},
	}
	a := &Actions{ctx: ctx, exec: b.Exec, tbl: table.New(ctx, cols), log: logview.New(ctx),
		outputs: map[string][]string{}, required: map[string]bool{}}
	a.history, _ = b.Exec.(common.History)
	a.base = b.Ctx
	if a.base == nil {
		a.base = context.Background()
	}
	if b.ReadOnly != "" {
		a.note = "READ-ONLY: " + b.ReadOnly
	}
	return a
}

// Name implements Page.
func (a *Actions) Name() string { return "actions" }

// Title implements Page.
func (a *Actions) Title() string { return "Actions" }

// Refresh implements Refresher: the executor's runs (in memory), and the
// earlier sessions' runs read from the audit log in a tea.Cmd.
func (a *Actions) Refresh() tea.Cmd {
	a.reload()
	if a.history == nil {
		return nil
	}
	a.pastReq++
	req, h, ctx := a.pastReq, a.history, a.base
	return func() tea.Msg {
		runs, err := h.PastRuns(ctx, pastLimit)
		return pastRunsMsg{req: req, runs: runs, err: err}
	}
}

// reload takes the executor's runs again (in memory, no I/O).
func (a *Actions) reload() {
	if a.exec != nil {
		a.setRuns(a.exec.Runs(), a.ctx.Now())
	}
}

// Tick implements Ticker: elapsed times move.
func (a *Actions) Tick(time.Time) { a.reload() }

// Update implements Updater: a run's new output or end, the audit log's
// runs, a past run's output.
func (a *Actions) Update(msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case common.RunChangedMsg:
		a.reload()
		return true, nil
	case pastRunsMsg:
		if msg.req != a.pastReq {
			return false, nil
		}
		a.past, a.pastErr = msg.runs, ""
		if msg.err != nil {
			a.pastErr = "earlier runs: " + common.ErrText(msg.err)
		}
		a.reload()
		return true, a.readOutput()
	case outputMsg:
		a.outputs[msg.id] = msg.lines
		if a.logRun == msg.id {
			a.logRun = "" // shown again, whole
			a.syncLog()
		}
		return true, nil
	}
	return false, nil
}

// Scroll implements Page.
func (a *Actions) Scroll(d int) {
	if a.open {
		a.log.Scroll(d)
		return
	}
	a.tbl.Scroll(d)
	a.syncLog() // a past run's output is read on the next key
}

// Status implements Page.
func (a *Actions) Status() string { return a.tbl.Position() }

// KeyHints implements Page: the log's keys while it is open.
func (a *Actions) KeyHints() []key.Binding {
	k := a.ctx.Keys
	if a.open {
		return []key.Binding{k.Back, k.Up, k.Down, k.PageDown, logview.SearchKey, logview.NextKey, k.End, k.Cancel}
	}
	return []key.Binding{OutputKey, k.Cancel, KeepKey}
}

// Capturing implements Capturer: the open log takes the keyboard.
func (a *Actions) Capturing() bool { return a.open }

// HandleKey implements Page: navigation, enter opens the selected run's
// output (esc or q closes it), and x cancels the selected run while it
// runs (through the run, that is through the executor).
func (a *Actions) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	if a.open {
		if a.log.Searching() {
			return a.log.HandleKey(k), nil
		}
		if key.Matches(k, a.ctx.Keys.Back) || k.String() == "q" {
			a.open = false
			a.SetSize(a.width, a.height)
			return true, nil
		}
		if a.log.HandleKey(k) {
			return true, nil
		}
	} else if key.Matches(k, OutputKey) {
		if a.selectedRun() != nil || a.selectedPast() != nil {
			a.open = true
			a.SetSize(a.width, a.height)
		}
		a.syncLog()
		return true, a.readOutput()
	}
	if key.Matches(k, KeepKey) {
		return true, a.toggleKeep()
	}
	if key.Matches(k, a.ctx.Keys.Cancel) {
		if r := a.selectedRun(); r != nil && r.Result().Status == "running" {
			if err := common.CancelRun(a.exec, r); err != nil {
				return true, common.Notice(err.Error(), true)
			}
			return true, common.Notice("cancelling run "+r.ID(), false)
		}
		return true, nil
	}
	if a.open {
		return false, nil
	}
	ok := navigate(a.ctx.Keys, &a.tbl, k)
	a.syncLog()
	return ok, a.readOutput()
}

// toggleKeep flips the selected run's "keep running if I disconnect"
// choice through the executor (the run's owner only, while it runs).
func (a *Actions) toggleKeep() tea.Cmd {
	r := a.selectedRun()
	if r == nil || r.Result().Status != "running" {
		return common.Notice("K: select a run of yours that is running", true)
	}
	keeper, ok := a.exec.(common.Keeper)
	if !ok {
		return common.Notice("keep running: no shared executor", true)
	}
	on := !keeps(r)
	if err := keeper.KeepRunning(r, on); err != nil {
		return common.Notice(common.ErrText(err), true)
	}
	a.reload()
	if on {
		return common.Notice("run "+shortRun(r.ID())+" keeps running if you disconnect (audited, listed to the others with you as its owner)", false)
	}
	return common.Notice("run "+shortRun(r.ID())+" is cancelled if you disconnect", false)
}

// keeps reports whether r keeps running when its session ends.
func keeps(r common.Run) bool {
	k, ok := r.(common.Kept)
	return ok && k.KeepsRunning()
}

// owner is the user of an audit's who ("alice (key SHA256:…)" → alice).
func owner(who string) string {
	u, _, _ := strings.Cut(who, " (")
	return u
}

// SetSize implements Page: the runs table takes the top, the output the
// rest (its title line excluded); an open output the whole view.
func (a *Actions) SetSize(w, h int) {
	a.width, a.height = w, h
	th := max(3, min(h/3, len(a.runs)+len(a.past)+1))
	if a.note != "" {
		th = max(3, th-1)
	}
	a.tbl.SetSize(w, th)
	lh := h - th - 1
	if a.note != "" {
		lh--
	}
	hint := "enter: all of it, / search"
	if a.open {
		lh, hint = h-1, ""
	}
	a.log.SetSize(w, max(2, lh))
	a.log.SetKeysHint(hint)
}

// syncLog shows the selected run's output in the log view (all of it,
// wrapped once; only new lines are added while the run writes); for a
// run of an earlier session, its kept output once read (readOutput).
func (a *Actions) syncLog() {
	id, lines := "", []string(nil)
	if r := a.selectedRun(); r != nil {
		id, lines = r.ID(), r.Lines()
	} else if p := a.selectedPast(); p != nil {
		id = p.ID
		var ok bool
		if lines, ok = a.outputs[id]; !ok {
			lines = []string{"(reading the output kept with audit id " + san(id) + "…)"}
		}
	} else {
		a.logRun, a.open = "", false
		a.log.SetLines(nil)
		return
	}
	if id != a.logRun {
		a.logRun = id
		a.log = logview.New(a.ctx)
		a.SetSize(a.width, a.height)
	}
	a.log.SetLines(lines)
}

// readOutput returns the read of the selected earlier run's kept output
// (in a tea.Cmd), nil when it is read or asked for already.
func (a *Actions) readOutput() tea.Cmd {
	p := a.selectedPast()
	if p == nil || a.required[p.ID] {
		return nil
	}
	id, h, ctx := p.ID, a.history, a.base
	a.required[id] = true
	return func() tea.Msg {
		out, err := h.Output(ctx, id)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out = []string{"(no output kept: the attempt did not run)"}
		case err != nil:
			out = []string{"✗ " + common.ErrText(err)}
		}
		return outputMsg{id: id, lines: out}
	}
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
	case "left running":
		return "⟳ left running", providers.HealthWarn
	case "refused":
		return "✗ refused", providers.HealthBad
	default:
		return "✗ " + status, providers.HealthBad
	}
}

// setRuns replaces the runs (newest first) and re-renders their rows,
// the earlier sessions' after them.
func (a *Actions) setRuns(runs []common.Run, now time.Time) {
	a.runs = runs
	a.texts = a.texts[:0]
	for _, r := range runs {
		s := r.Spec()
		a.texts = append(a.texts, common.Fold(san(string(s.Name)+" "+s.Target.String()+" "+r.Result().Status)))
	}
	for _, p := range a.past {
		a.texts = append(a.texts, common.Fold(san(p.Action+" "+p.Target+" "+p.Result.Status)))
	}
	a.refilter(now)
	a.SetSize(a.width, a.height)
	a.syncLog()
}

// SetFilter implements Page.
func (a *Actions) SetFilter(f common.Filter) { a.filter = f; a.refilter(a.ctx.Now()); a.syncLog() }

func (a *Actions) refilter(now time.Time) {
	a.shown = a.filter.Apply(a.texts, nil)
	rows := make([]table.Row, 0, len(a.shown))
	session := make(map[string]bool, len(a.runs))
	for _, r := range a.runs {
		session[r.ID()] = true
	}
	for _, i := range a.shown {
		if i >= len(a.runs) {
			p := a.past[i-len(a.runs)]
			if session[p.ID] {
				continue // this session's run, listed above
			}
			status := p.Result.Status
			if !p.Finished {
				status = "interrupted" // the console stopped while it ran
			}
			st, h := StatusText(status)
			id := san(p.ID)
			rows = append(rows, table.Row{Key: id, Health: h, Faint: true, Cells: []string{
				shortRun(id), san(p.Action), san(p.Target), st, san(owner(p.Who)), p.Result.Duration.Round(100 * time.Millisecond).String(), san(p.Runner), san(p.Plan)}})
			continue
		}
		r := a.runs[i]
		s, res := r.Spec(), r.Result()
		st, h := StatusText(res.Status)
		if res.Status == "running" && keeps(r) {
			st += " (kept)"
		}
		el := res.Duration
		if res.Status == "running" {
			el = now.Sub(r.Started())
		}
		id := san(r.ID())
		rows = append(rows, table.Row{Key: id, Health: h, Cells: []string{
			shortRun(id), san(string(s.Name)), san(s.Target.String()), st, san(s.Principal.User), el.Round(100 * time.Millisecond).String(), san(s.Runner), san(r.Plan().Summary)}})
	}
	a.tbl.SetRows(rows)
}

func shortRun(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// selectedRun returns the session's run under the cursor.
func (a *Actions) selectedRun() common.Run {
	if i := a.selectedIndex(); i >= 0 && i < len(a.runs) {
		return a.runs[i]
	}
	return nil
}

// selectedPast returns the earlier session's run under the cursor.
func (a *Actions) selectedPast() *common.PastRun {
	if i := a.selectedIndex() - len(a.runs); i >= 0 && i < len(a.past) {
		return &a.past[i]
	}
	return nil
}

// selectedIndex is the index (in runs, then past) of the row under the
// cursor, -1 when none.
func (a *Actions) selectedIndex() int {
	key := a.tbl.SelectedKey()
	if key == "" {
		return -1
	}
	for i, r := range a.runs {
		if san(r.ID()) == key {
			return i
		}
	}
	for i, p := range a.past {
		if san(p.ID) == key {
			return len(a.runs) + i
		}
	}
	return -1
}

// CursorKey implements Cursored.
func (a *Actions) CursorKey() string { return a.tbl.SelectedKey() }

// SetCursorKey implements Cursored.
func (a *Actions) SetCursorKey(k string) bool {
	ok := a.tbl.Select(k)
	a.syncLog()
	return ok
}

// Focus implements Focuser: kind "run", name its id.
func (a *Actions) Focus(kind, name string) bool {
	ok := kind == "run" && a.tbl.Select(san(name))
	a.syncLog()
	return ok
}

// Selected implements Page.
func (a *Actions) Selected() (Selection, bool) {
	r := a.selectedRun()
	if p := a.selectedPast(); r == nil && p != nil {
		var f fields
		f.add("run", p.ID)
		f.add("action", p.Action)
		f.add("target", p.Target)
		f.add("runner", p.Runner)
		f.add("by", p.Who)
		f.add("status", p.Result.Status)
		f.addIf("error", p.Result.Error)
		if p.Result.Verify != "" {
			f.add("verified", yesno(p.Result.Verified)+" — "+p.Result.Verify)
		}
		f.add("recorded", stamp(p.At))
		f.add("plan", p.Plan)
		f.add("output", "console audit show "+p.ID)
		return Selection{Key: p.ID, Detail: detail.Content{Title: "run " + p.ID + " (an earlier session)", Fields: f}}, true
	}
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
	f.addIf("by", s.Principal.Who)
	if keeps(r) {
		f.add("if its session ends", "keeps running (audited \"left running\")")
	}
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

// View implements Page: the note, the runs, then the selected run's
// output (its end while it runs); an open output takes the whole view.
func (a *Actions) View() string {
	th := a.ctx.Theme
	var out []string
	r, p := a.selectedRun(), a.selectedPast()
	if a.open && (r != nil || p != nil) {
		out = append(out, th.Title.Render(ansi.Truncate(a.outputTitle(r, p), a.width, "…")), a.log.View())
		return fillLines(strings.Join(out, "\n"), a.height)
	}
	if a.note != "" {
		out = append(out, th.Warn.Render(ansi.Truncate(a.note, a.width, "…")))
	}
	if a.pastErr != "" {
		out = append(out, th.Error.Render(ansi.Truncate("✗ "+san(a.pastErr), a.width, "…")))
	}
	if len(a.runs) == 0 && len(a.past) == 0 {
		out = append(out, th.Muted.Render("No actions yet: select an object in any view and press a."))
		return fillLines(strings.Join(out, "\n"), a.height)
	}
	out = append(out, a.tbl.View())
	if r != nil || p != nil {
		title := "output of " + san(a.logRun) + " (" + strconv.Itoa(a.log.Len()) + " lines)"
		out = append(out, th.Title.Render(ansi.Truncate(title, a.width, "…")), a.log.View())
	}
	return fillLines(strings.Join(out, "\n"), a.height)
}

// outputTitle names the run whose output is shown (r, or p of an
// earlier session).
func (a *Actions) outputTitle(r common.Run, p *common.PastRun) string {
	var name, target, status, when string
	if r != nil {
		s := r.Spec()
		name, target, status = string(s.Name), s.Target.String(), r.Result().Status
	} else {
		name, target, status, when = p.Action, p.Target, p.Result.Status, " · "+stamp(p.At)
	}
	st, _ := StatusText(status)
	return "output of " + san(a.logRun) + " · " + san(name) + " " + san(target) + " · " + st + san(when) +
		" (" + strconv.Itoa(a.log.Len()) + " lines)"
}

// fillLines pads s to h lines (and cuts it there).
func fillLines(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}
