package pages

import (
	"regexp"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// Forwards is the view of the port-forwards running now (`:pf`,
// `:forwards`): each is a run of the executor (F or a on a pod starts
// one), listed with its pod, the container port, the local address, who
// started it and since when; x stops the selected one through the run's
// cancel (the executor's, audited "cancelled").
type Forwards struct {
	ctx    *common.Context
	exec   common.Executor
	tbl    table.Model
	runs   []common.Run
	texts  []string
	filter common.Filter
	width  int
	height int
}

// StopKey stops the selected forward.
var StopKey = key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "stop the forward"))

// NewForwards returns the Forwards view of b's executor.
func NewForwards(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "POD", Width: 20, Grow: true, Max: 60, Priority: 10, Middle: true}, {Title: "PORT", Width: 5, Right: true, Priority: 9},
		{Title: "LOCAL", Width: 15, Priority: 9}, {Title: "BY", Width: 5, Priority: 6},
		{Title: "SINCE", Width: 5, Right: true, Priority: 7}, {Title: "CONTEXT", Width: 8, Grow: true, Max: 30, Priority: 4},
		{Title: "RUN", Width: 8, Priority: 3},
	}
	return &Forwards{ctx: ctx, exec: b.Exec, tbl: table.New(ctx, cols)}
}

// Name implements Page.
func (f *Forwards) Name() string { return "forwards" }

// Title implements Page.
func (f *Forwards) Title() string { return "Forwards" }

// Refresh implements Refresher: the executor's runs (in memory, no I/O).
func (f *Forwards) Refresh() tea.Cmd { f.reload(); return nil }

// Tick implements Ticker: ages move, forwards start and end.
func (f *Forwards) Tick(time.Time) { f.reload() }

// Update implements Updater: a run's output (the local address) or end.
func (f *Forwards) Update(msg tea.Msg) (bool, tea.Cmd) {
	if _, ok := msg.(common.RunChangedMsg); ok {
		f.reload()
		return true, nil
	}
	return false, nil
}

// forwarding is kubectl's line naming the local address
// ("Forwarding from 127.0.0.1:40123 -> 8080").
var forwarding = regexp.MustCompile(`Forwarding from (\S+:\d+) -> (\d+)`)

// forwardPorts are a forward run's local address ("…" until kubectl says
// it listens) and the container port (from its output, else its command's
// last argument LOCAL:PORT).
func forwardPorts(r common.Run) (local, port string) {
	local = "…"
	if calls := r.Plan().Calls; len(calls) > 0 {
		f := strings.Fields(calls[0])
		if _, p, ok := strings.Cut(f[len(f)-1], ":"); ok {
			port = p
		}
	}
	for _, l := range r.Lines() {
		if m := forwarding.FindStringSubmatch(l); m != nil {
			return m[1], m[2]
		}
	}
	return local, port
}

// reload lists the forwards running now.
func (f *Forwards) reload() {
	if f.exec == nil {
		return
	}
	f.runs, f.texts = f.runs[:0], f.texts[:0]
	for _, r := range f.exec.Runs() {
		if r.Spec().Name == actions.VerbPortForward && r.Result().Status == actions.StatusRunning {
			f.runs = append(f.runs, r)
		}
	}
	now := f.ctx.Now()
	rows := make([]table.Row, 0, len(f.runs))
	for _, r := range f.runs {
		s := r.Spec()
		local, port := forwardPorts(r)
		by := s.Principal.User
		if by == "" {
			by = actions.CurrentUser()
		}
		pod := strings.TrimPrefix(s.Target.Namespace+"/"+s.Target.Name, "/")
		f.texts = append(f.texts, common.Fold(san(pod+" "+port+" "+local+" "+by+" "+s.Target.Cluster)))
		rows = append(rows, table.Row{Key: san(r.ID()), Cells: []string{san(pod), san(port), san(local), san(by), age(now, r.Started()),
			san(s.Target.Cluster), shortRun(san(r.ID()))}})
	}
	shown := f.filter.Apply(f.texts, nil)
	kept := make([]table.Row, 0, len(shown))
	for _, i := range shown {
		kept = append(kept, rows[i])
	}
	f.tbl.SetRows(kept)
}

// SetFilter implements Page.
func (f *Forwards) SetFilter(flt common.Filter) { f.filter = flt; f.reload() }

// SetSize implements Page.
func (f *Forwards) SetSize(w, h int) {
	f.width, f.height = w, h
	f.tbl.SetSize(w, max(1, h-1))
}

// HandleKey implements Page: navigation, and x stops the selected forward
// (through the executor: its owner's or an admin's; it stops kubectl and
// audits who stopped it).
func (f *Forwards) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	if key.Matches(k, StopKey) {
		r := f.selected()
		if r == nil {
			return true, common.Notice("no forward selected", false)
		}
		if err := common.CancelRun(f.exec, r); err != nil {
			return true, common.Notice(err.Error(), true)
		}
		local, _ := forwardPorts(r)
		return true, common.Notice("stopping the forward "+local+" to "+r.Spec().Target.String(), false)
	}
	return navigate(f.ctx.Keys, &f.tbl, k), nil
}

// selected is the forward under the cursor.
func (f *Forwards) selected() common.Run {
	key := f.tbl.SelectedKey()
	for _, r := range f.runs {
		if key != "" && san(r.ID()) == key {
			return r
		}
	}
	return nil
}

// Scroll implements Page.
func (f *Forwards) Scroll(d int) { f.tbl.Scroll(d) }

// View implements Page.
func (f *Forwards) View() string {
	th := f.ctx.Theme
	if len(f.runs) == 0 {
		return fillLines(th.Muted.Render(ansi.Truncate("No port-forward running: F on a pod or a service starts one.", f.width, "…")), f.height)
	}
	note := th.Muted.Render(ansi.Truncate("each forward listens on 127.0.0.1 until stopped (x), the console quits, or 12h", f.width, "…"))
	return fillLines(f.tbl.View()+"\n"+note, f.height)
}

// KeyHints implements Page.
func (f *Forwards) KeyHints() []key.Binding { return []key.Binding{StopKey, f.ctx.Keys.Forward} }

// Selected implements Page: the forward's run (the pod: d, a, s act on it).
func (f *Forwards) Selected() (Selection, bool) {
	r := f.selected()
	if r == nil {
		return Selection{}, false
	}
	s := r.Spec()
	local, port := forwardPorts(r)
	var fl fields
	fl.add("pod", s.Target.String())
	fl.addIf("context", s.Target.Cluster)
	fl.add("container port", port)
	fl.add("local address", local)
	fl.addIf("by", s.Principal.Who)
	fl.add("since", stamp(r.Started()))
	fl.add("run", r.ID())
	fl.add("command", s.Description)
	return Selection{Key: r.ID(), Refs: []actions.Ref{s.Target}, Detail: detail.Content{Title: "port-forward to " + s.Target.String(), Fields: fl}}, true
}

// Status implements Page.
func (f *Forwards) Status() string { return f.tbl.Position() }
