package pages

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/terraform"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// DriftKey asks for a stack's drift (a refresh-only plan).
var DriftKey = key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "check drift"))

// summaryTimeout bounds one stack's summary (init, state pull, show) and
// driftTimeout its refresh-only plan.
const (
	summaryTimeout = 2 * time.Minute
	driftTimeout   = 10 * time.Minute
)

// stackSummaryMsg carries one stack's summary (drift: from a refresh-only plan).
type stackSummaryMsg struct {
	req   int
	stack string
	drift bool
	sum   terraform.Summary
	err   error
	// sched is the stack's schedule state (nil: none), read with the summary
	sched *schedule.Status
}

// stackState is what the view knows of one stack.
type stackState struct {
	stack   *terraform.Stack
	sum     *terraform.Summary // nil until loaded
	loading bool
	err     string
	// drift: checking while the refresh-only plan runs; driftErr when it failed.
	checking bool
	driftErr string
	// sched is the schedule's state when the summary was read (nil: none)
	sched *schedule.Status
}

// Stacks is the Terraform stacks view: one row per stack of the
// environment (resources, last apply, drift, lock), each expandable into
// its resources. The page reads the summaries itself (terraform, in
// tea.Cmds), not from the snapshot.
type Stacks struct {
	ctx      *common.Context
	b        *Backends
	req      int            // request id of the current summaries round
	driftReq map[string]int // stack → request id of its drift check
	loaded   bool           // a round has been started (the view was shown)
	tbl      table.Model
	stacks   []*stackState
	expanded map[string]bool
	filter   common.Filter
	keys     []rowKey // what each table row is
	width    int
	height   int
	now      time.Time
}

// rowKey identifies a row: a stack (res < 0) or one of its resources.
type rowKey struct {
	stack int
	res   int
}

// NewStacks returns the Stacks view of b's Terraform stacks.
func NewStacks(ctx *common.Context, b *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 14, Grow: true, Max: 64, Priority: 10, Middle: true}, {Title: "RES", Width: 4, Right: true, Priority: 7},
		{Title: "LAST APPLY", Width: 10, Priority: 5}, {Title: "DRIFT", Width: 11, Priority: 8},
		{Title: "LOCK", Width: 10, Grow: true, Max: 44, Priority: 6}, {Title: "WORKSPACE", Width: 9, Priority: 3},
		{Title: "DIR / ID", Width: 10, Grow: true, Max: 48, Priority: 4, Middle: true},
	}
	return &Stacks{ctx: ctx, b: b, tbl: table.New(ctx, cols), expanded: map[string]bool{}, driftReq: map[string]int{}}
}

// Name implements Page.
func (p *Stacks) Name() string { return "stacks" }

// Title implements Page.
func (p *Stacks) Title() string { return "Stacks" }

// Refresh implements Refresher: (re)reads every stack's summary, one
// tea.Cmd per stack; the answers of an earlier round are dropped.
func (p *Stacks) Refresh() tea.Cmd {
	src := p.b.Stacks
	if src == nil {
		return nil
	}
	p.req++
	p.loaded = true
	list := src.List()
	p.setStacks(list, p.ctx.Now())
	busy := p.busyStacks()
	var cmds []tea.Cmd
	for _, s := range list {
		if busy[s.Name] {
			continue // terraform is running there: read it when the run ends
		}
		p.setLoading(s.Name)
		cmds = append(cmds, p.summarize(p.req, s.Name, false))
	}
	return tea.Batch(cmds...)
}

// busyStacks names the stacks a Terraform run of this console is running
// on (their working directory is in use: no init beside it).
func (p *Stacks) busyStacks() map[string]bool {
	busy := map[string]bool{}
	if p.b.Exec == nil {
		return busy
	}
	for _, r := range p.b.Exec.Runs() {
		s := r.Spec()
		if s.Runner != "terraform" || r.Result().Status != "running" {
			continue
		}
		if s.Target.Kind == "stack" {
			busy[s.Target.Name] = true
		} else if s.Target.Namespace != "" {
			busy[s.Target.Namespace] = true
		}
	}
	return busy
}

// summarize reads one summary off the UI goroutine.
func (p *Stacks) summarize(req int, name string, drift bool) tea.Cmd {
	ctx, src, now := p.b.Ctx, p.b.Stacks, p.ctx.Now()
	return func() tea.Msg {
		t := summaryTimeout
		if drift {
			t = driftTimeout
		}
		cctx, cancel := context.WithTimeout(ctx, t)
		defer cancel()
		sum, err := src.Summarize(cctx, name, drift)
		msg := stackSummaryMsg{req: req, stack: name, drift: drift, sum: sum, err: err}
		if st := findStack(src.List(), name); st != nil && st.Schedule != nil {
			var actual *bool
			if err == nil {
				up := len(sum.Resources) > 0
				actual = &up
			}
			msg.sched, _ = st.ScheduleStatus(now, actual) // an unreadable file is in its Errors
		}
		return msg
	}
}

// checkDrift starts a refresh-only plan of the stack name.
func (p *Stacks) checkDrift(name string) tea.Cmd {
	if p.b.Stacks == nil {
		return nil
	}
	p.req++
	p.driftReq[name] = p.req
	p.setDriftChecking(name)
	return tea.Batch(common.Notice("checking drift of "+name+" (terraform plan -refresh-only)…", false),
		p.summarize(p.req, name, true))
}

// Update implements Updater: a summary read, or a Terraform run ended
// (the state changed: the summaries are read again once the view was shown).
func (p *Stacks) Update(msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case stackSummaryMsg:
		var notice tea.Cmd
		if msg.drift {
			if p.driftReq[msg.stack] != msg.req {
				return true, nil // stale
			}
			delete(p.driftReq, msg.stack)
			if msg.err != nil {
				notice = common.Notice("drift of "+msg.stack+": "+common.ErrText(msg.err), true)
			} else {
				notice = common.Notice(fmt.Sprintf("drift of %s: %d drifted", msg.stack, len(msg.sum.Drift)), false)
			}
		} else if msg.req != p.req {
			return true, nil // stale
		}
		if st := p.find(msg.stack); st != nil && !msg.drift {
			st.sched = msg.sched
		}
		p.setSummary(msg.stack, msg.sum, msg.err, msg.drift, p.ctx.Now())
		return true, notice
	case common.RunChangedMsg:
		if msg.Done && msg.Run.Spec().Runner == "terraform" && p.loaded {
			return true, p.Refresh()
		}
	}
	return false, nil
}

// Scroll implements Page.
func (p *Stacks) Scroll(d int) { p.tbl.Scroll(d) }

// Status implements Page.
func (p *Stacks) Status() string { return p.tbl.Position() }

// SetSize implements Page: the table, then one line for the selected
// stack's error or the loading progress.
func (p *Stacks) SetSize(w, h int) {
	p.width, p.height = w, h
	p.tbl.SetSize(w, max(1, h-1))
}

// SetFilter implements Page: stacks that match, or have a resource that does.
func (p *Stacks) SetFilter(f common.Filter) { p.filter = f; p.rebuild() }

// KeyHints implements Page.
func (p *Stacks) KeyHints() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Toggle, k.Detail, k.Actions, DriftKey, k.Refresh}
}

// setStacks installs the configured stacks, keeping what is known of
// those that stay.
func (p *Stacks) setStacks(list []*terraform.Stack, now time.Time) {
	old := map[string]*stackState{}
	for _, s := range p.stacks {
		old[s.stack.Name] = s
	}
	p.stacks = p.stacks[:0]
	for _, s := range list {
		st := old[s.Name]
		if st == nil {
			st = &stackState{}
		}
		st.stack = s
		p.stacks = append(p.stacks, st)
	}
	p.now = now
	p.rebuild()
}

func (p *Stacks) find(name string) *stackState {
	for _, s := range p.stacks {
		if s.stack.Name == name {
			return s
		}
	}
	return nil
}

// setLoading marks a stack's summary as being (re)loaded.
func (p *Stacks) setLoading(name string) {
	if s := p.find(name); s != nil {
		s.loading = true
		p.rebuild()
	}
}

// setDriftChecking marks a stack's refresh-only plan as running.
func (p *Stacks) setDriftChecking(name string) {
	if s := p.find(name); s != nil {
		s.checking, s.driftErr = true, ""
		p.rebuild()
	}
}

// Loading reports whether any summary or drift check is in flight.
func (p *Stacks) Loading() bool {
	for _, s := range p.stacks {
		if s.loading || s.checking {
			return true
		}
	}
	return false
}

// Summary returns the loaded summary of a stack.
func (p *Stacks) Summary(name string) (terraform.Summary, bool) {
	if s := p.find(name); s != nil && s.sum != nil {
		return *s.sum, true
	}
	return terraform.Summary{}, false
}

// setSummary installs a stack's summary (or the error reading it). A
// summary with drift (drift true) sets the drift; one without keeps the
// drift found earlier while the state is the same (same serial).
func (p *Stacks) setSummary(name string, sum terraform.Summary, err error, drift bool, now time.Time) {
	s := p.find(name)
	if s == nil {
		return
	}
	p.now = now
	if drift {
		s.checking = false
		if err != nil {
			s.driftErr = common.ErrText(err)
			p.rebuild()
			return
		}
		s.driftErr = ""
	} else {
		s.loading = false
		if err != nil {
			s.err = common.ErrText(err)
			p.rebuild()
			return
		}
		if s.sum != nil && s.sum.DriftChecked && s.sum.Serial == sum.Serial && s.sum.Lineage == sum.Lineage {
			sum.Drift, sum.DriftChecked = s.sum.Drift, true
		}
	}
	s.err = ""
	s.sum = &sum
	p.rebuild()
}

// cells renders a stack's row.
func (p *Stacks) cells(s *stackState) ([]string, int) {
	res, last, drift, lock := "…", "-", "unknown", "-"
	h := table.NoHealth
	switch {
	case s.sum != nil:
		res = strconv.Itoa(len(s.sum.Resources))
		if !s.sum.LastApply.IsZero() {
			last = age(p.now, s.sum.LastApply) + " ago"
		}
	case s.err != "":
		res, h = "✗", providers.HealthBad
	case !s.loading:
		res = "-"
	}
	switch {
	case s.checking:
		drift = "⟳ checking"
	case s.driftErr != "":
		drift, h = "✗ error", providers.HealthBad
	case s.sum != nil && s.sum.DriftChecked && len(s.sum.Drift) == 0:
		drift = "✓ none"
	case s.sum != nil && s.sum.DriftChecked:
		drift = "! " + strconv.Itoa(len(s.sum.Drift)) + " drifted"
		if h == table.NoHealth {
			h = providers.HealthWarn
		}
	}
	if s.sum != nil && s.sum.Lock != nil {
		lock = "locked by " + san(s.sum.Lock.Who)
		if id := s.sum.Lock.ID; id != "" {
			if len(id) > 8 {
				id = id[:8]
			}
			lock += " (" + san(id) + ")"
		}
		if h == table.NoHealth {
			h = providers.HealthWarn
		}
	}
	ws := s.stack.Workspace
	if ws == "" {
		ws = "default"
	}
	return []string{san(s.stack.Name), res, last, drift, lock, san(ws), san(s.stack.Dir)}, h
}

// rebuild recomputes the rows (a handful of stacks: done on the UI goroutine).
func (p *Stacks) rebuild() {
	var rows []table.Row
	p.keys = p.keys[:0]
	for i, s := range p.stacks {
		name := s.stack.Name
		var res []terraform.Resource
		if s.sum != nil {
			res = s.sum.Resources
		}
		stackMatch := p.filter.Empty() || matches(p.filter, name+" "+s.stack.Dir)
		var resShown []int
		for j, r := range res {
			if p.filter.Empty() || stackMatch || matches(p.filter, r.Address) {
				resShown = append(resShown, j)
			}
		}
		if !stackMatch && len(resShown) == 0 {
			continue
		}
		open := p.expanded[name] || (!p.filter.Empty() && !stackMatch)
		mark := 0
		if len(res) > 0 {
			mark = 1
			if open {
				mark = 2
			}
		}
		cells, h := p.cells(s)
		rows = append(rows, table.Row{Key: "stack/" + san(name), Cells: cells, Prefix: prefix(0, mark), Health: h})
		p.keys = append(p.keys, rowKey{stack: i, res: -1})
		if !open {
			continue
		}
		for _, j := range resShown {
			r := res[j]
			id := r.ID
			if r.Tainted {
				id += " (tainted)"
			}
			rows = append(rows, table.Row{Key: "resource/" + san(name) + "/" + san(r.Address), Prefix: prefix(1, 0),
				Cells: []string{san(r.Address), "", "", p.resourceDrift(s, r.Address), "", "", san(id)}, Health: table.NoHealth})
			p.keys = append(p.keys, rowKey{stack: i, res: j})
		}
	}
	p.tbl.SetRows(rows)
}

func (p *Stacks) resourceDrift(s *stackState, addr string) string {
	if s.sum == nil || !s.sum.DriftChecked {
		return ""
	}
	for _, d := range s.sum.Drift {
		if d == addr {
			return "! drifted"
		}
	}
	return "✓ none"
}

func (p *Stacks) cursorKey() (rowKey, bool) {
	c := p.tbl.Cursor()
	if c < 0 || c >= len(p.keys) {
		return rowKey{}, false
	}
	return p.keys[c], true
}

// Focus implements Focuser: kind "stack" (name) or "resource" (stack/address).
func (p *Stacks) Focus(kind, name string) bool {
	if kind == "resource" {
		if stack, _, ok := strings.Cut(name, "/"); ok && !p.expanded[stack] {
			p.expanded[stack] = true
			p.rebuild()
		}
	}
	return p.tbl.Select(kind + "/" + san(name))
}

// HandleKey implements Page: navigation, expand/collapse, D for drift.
func (p *Stacks) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := p.ctx.Keys
	cur, ok := p.cursorKey()
	switch {
	case key.Matches(k, DriftKey):
		if !ok {
			return true, nil
		}
		return true, p.checkDrift(p.stacks[cur.stack].stack.Name)
	case key.Matches(k, keys.Toggle):
		if ok && cur.res < 0 {
			name := p.stacks[cur.stack].stack.Name
			p.expanded[name] = !p.expanded[name]
			p.rebuild()
		}
		return true, nil
	case key.Matches(k, keys.Right):
		if ok && cur.res < 0 {
			p.expanded[p.stacks[cur.stack].stack.Name] = true
			p.rebuild()
		}
		return true, nil
	case key.Matches(k, keys.Left):
		if !ok {
			return true, nil
		}
		name := p.stacks[cur.stack].stack.Name
		if cur.res >= 0 { // on a resource: go to its stack
			p.tbl.Select("stack/" + san(name))
			return true, nil
		}
		p.expanded[name] = false
		p.rebuild()
		return true, nil
	}
	return navigate(keys, &p.tbl, k), nil
}

// Selected implements Page: a stack (actions: plan, apply, teardown,
// recreate, unlock when locked) or one of its resources (rebuild).
func (p *Stacks) Selected() (Selection, bool) {
	k, ok := p.cursorKey()
	if !ok {
		return Selection{}, false
	}
	s := p.stacks[k.stack]
	if k.res >= 0 && s.sum != nil && k.res < len(s.sum.Resources) {
		return p.resourceSelection(s, s.sum.Resources[k.res]), true
	}
	return p.stackSelection(s), true
}

func (p *Stacks) stackSelection(s *stackState) Selection {
	st := s.stack
	var f fields
	f.add("kind", "TerraformStack")
	f.add("name", st.Name)
	f.add("dir", st.Dir)
	ws := st.Workspace
	if ws == "" {
		ws = "default"
	}
	f.add("workspace", ws)
	for _, v := range st.VarFiles {
		f.sub("var_file", v)
	}
	refs := []actions.Ref{{Kind: "stack", Name: st.Name}}
	switch {
	case s.sum != nil:
		sum := s.sum
		f.add("serial", fmt.Sprint(sum.Serial))
		f.addIf("lineage", sum.Lineage)
		f.addIf("terraform_version", sum.TerraformVersion)
		if sum.LastApply.IsZero() {
			f.add("last_apply", "- (no local state)")
		} else {
			f.add("last_apply", stamp(sum.LastApply)+" ("+age(p.now, sum.LastApply)+" ago)")
		}
		if sum.Lock != nil {
			f.add("lock", sum.Lock.String())
			if sum.Lock.ID != "" {
				refs = append(refs, actions.Ref{Kind: "lock", Namespace: st.Name, Name: sum.Lock.ID})
			}
		} else {
			f.add("lock", "not locked")
		}
	case s.err != "":
		f.add("error", s.err)
	default:
		f.add("state", "loading…")
	}
	f.add("drift", p.driftText(s))
	for _, d := range p.driftList(s) {
		f.sub("-", d)
	}
	if s.sum != nil {
		f.add("resources", strconv.Itoa(len(s.sum.Resources)))
		for _, r := range s.sum.Resources {
			v := r.ID
			if v == "" {
				v = "-"
			}
			if r.Tainted {
				v += " (tainted)"
			}
			f.sub(r.Address, v)
		}
	}
	f.add("targets", strconv.Itoa(len(st.Targets)))
	for _, t := range sortedKeys(st.Targets) {
		f.sub(t, st.Targets[t])
	}
	scheduleFields(&f, s.sched, p.now)
	return Selection{Key: "stack/" + san(st.Name), Refs: refs,
		Detail: detail.Content{Title: "terraform stack " + st.Name, Fields: f}}
}

func (p *Stacks) driftText(s *stackState) string {
	switch {
	case s.checking:
		return "checking (refresh-only plan running)"
	case s.driftErr != "":
		return "error: " + s.driftErr
	case s.sum == nil || !s.sum.DriftChecked:
		return "unknown (D runs a refresh-only plan)"
	case len(s.sum.Drift) == 0:
		return "none"
	default:
		return strconv.Itoa(len(s.sum.Drift)) + " drifted"
	}
}

func (p *Stacks) driftList(s *stackState) []string {
	if s.sum == nil || !s.sum.DriftChecked {
		return nil
	}
	return s.sum.Drift
}

func (p *Stacks) resourceSelection(s *stackState, r terraform.Resource) Selection {
	st := s.stack
	var f fields
	f.add("kind", "TerraformResource")
	f.add("stack", st.Name)
	f.add("address", r.Address)
	f.add("type", r.Type)
	f.add("id", r.ID)
	f.add("tainted", yesno(r.Tainted))
	if d := p.resourceDrift(s, r.Address); d != "" {
		f.add("drift", d)
	} else {
		f.add("drift", "unknown")
	}
	var mapped []string
	for _, t := range sortedKeys(st.Targets) {
		if st.Targets[t] == r.Address {
			mapped = append(mapped, t)
		}
	}
	if len(mapped) > 0 {
		f.add("targets", "")
		for _, t := range mapped {
			f.sub("-", t)
		}
	}
	return Selection{
		Key:    "resource/" + san(st.Name) + "/" + san(r.Address),
		Refs:   []actions.Ref{{Kind: "resource", Namespace: st.Name, Name: r.Address}},
		Detail: detail.Content{Title: "terraform resource " + r.Address, Fields: f},
	}
}

// matches reports whether the filter keeps text.
func matches(f common.Filter, text string) bool {
	return len(f.Apply([]string{common.Fold(san(text))}, nil)) == 1
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// View implements Page.
func (p *Stacks) View() string {
	th := p.ctx.Theme
	if len(p.stacks) == 0 {
		out := []string{th.Muted.Render(ansi.Truncate("No Terraform stacks in this environment: list them under terraform: in the config file (docs/configuration.md).", p.width, "…"))}
		for len(out) < p.height {
			out = append(out, "")
		}
		return strings.Join(out, "\n")
	}
	last := ""
	if k, ok := p.cursorKey(); ok && p.stacks[k.stack].err != "" {
		s := p.stacks[k.stack]
		last = th.Error.Render(ansi.Truncate("✗ stack "+san(s.stack.Name)+": "+san(s.err), p.width, "…"))
	} else if p.Loading() {
		n := 0
		for _, s := range p.stacks {
			if s.loading || s.checking {
				n++
			}
		}
		last = th.Muted.Render(ansi.Truncate(fmt.Sprintf("reading %d of %d stacks (terraform init, state pull, show)…", n, len(p.stacks)), p.width, "…"))
	}
	tbl := strings.Split(p.tbl.View(), "\n")
	for len(tbl) < p.height-1 {
		tbl = append(tbl, "")
	}
	return strings.Join(append(tbl[:max(0, p.height-1)], last), "\n")
}

func findStack(list []*terraform.Stack, name string) *terraform.Stack {
	for _, s := range list {
		if s.Name == name {
			return s
		}
	}
	return nil
}
