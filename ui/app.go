// Package ui is the console's interactive terminal UI (bubbletea v2): an
// app shell that routes keys, sizes and messages to one page per view
// (package pages, whose registry gives the tabs and the palette's
// commands), built from small components (package components/...)
// sharing one context (package common). The shell builds the snapshot
// pages' rows; pages that read other systems load their own data. Every
// I/O runs in a tea.Cmd; answers are tagged with a request id or a
// snapshot version so stale ones are dropped.
package ui

import (
	"context"
	"slices"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/palette"
	"github.com/opsconsole/console/ui/components/textview"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/podlog"
)

// mode is what has the keyboard besides the page.
type mode int

const (
	modeNormal mode = iota
	modeFilter
	modePalette
	modeHelp
	modeDetail
	modeMenu
	modeParams
	modePreparing
	modeConfirm
	modeTrace
	modeText // describe or YAML of a Kubernetes object
	modeLogs
	// modeAwait: the requester's confirmed action waits for a second
	// person's approval (console serve).
	modeAwait
	// modeApprove: the approver reviews another person's request.
	modeApprove
)

// deps are the model's collaborators; tests fill them with fakes.
type deps struct {
	ctx       context.Context            // parent of every request
	snapshots <-chan *providers.Snapshot // nil: no live updates
	initial   *providers.Snapshot
	refresh   func()
	offerers  func() []actions.Offerer
	exec      common.Executor // nil: no executor
	stacks    common.Stacks   // nil: no Terraform stacks
	traces    traces.Source   // nil: no trace source
	env       string
	envs      []string // environments of the config file
	demo      bool
	readOnly  bool
	roReason  string
	now       func() time.Time
	tick      time.Duration // 0: no ticks (tests)
	startView string        // the view shown first (a registry name or alias; "" the first)
	// kube returns the Kubernetes sources' on-demand readers (nil: none).
	kube  func() []providers.KubeReader
	audit pages.AuditReader // nil: no audit log
	// kubeContexts lists the kubeconfig's contexts; addKube starts a
	// source for one more (:ctx NAME). nil: not offered.
	kubeContexts func() ([]string, error)
	addKube      func(name string) error
	// snapshotDir is where the snapshot key writes ("" none).
	snapshotDir string
	logs        logSource // nil: no pod logs
	logLines    int       // the logs view's buffer (0: podlog.DefaultLines)
	// user is the user and role of a console serve session ("" locally).
	user string
	// statePath is the state file (favourite namespaces; "" none kept);
	// state is what it held at start, stateErr why it could not be read.
	statePath string
	state     consoleState
	stateErr  error
	// execTerminal hands the terminal to an attached action (nil:
	// tea.Exec; tests run the attachment in place).
	execTerminal func(tea.ExecCommand, tea.ExecCallback) tea.Cmd
	// presence is the session's handle on presenter mode (nil locally).
	presence Presence
	// builds shares the pages' built rows and the problem count between
	// sessions (console serve; nil: each build is the session's own).
	builds *pages.BuildCache
	// latest is the store's newest snapshot (console serve: builds and
	// counts are of the newest, shared by the sessions; nil: of the
	// snapshot the session shows).
	latest func() *providers.Snapshot
}

// pageState tracks the build of one page's data.
type pageState struct {
	built    uint64 // snapshot version applied
	region   string // region applied
	building bool
	applied  bool
	// held is the build applied, held while the page shows it: a shared
	// build cache keeps it only as long as a session does.
	held *pages.Built
}

// Model is the app shell.
type Model struct {
	ctx   *common.Context
	d     deps
	snap  *providers.Snapshot
	now   time.Time
	ready bool // a snapshot with data has been applied to the page shown
	// early are the keys typed before the first frame, applied once ready.
	early []tea.KeyPressMsg

	pages   []pages.Page // in tab order
	byName  map[string]pages.Page
	state   map[string]*pageState
	active  string
	history []string
	region  string
	// kscope is the Kubernetes context and namespace shown (:ctx, :ns,
	// 0-9), shared with the pages' Backends; nsFav are the favourite
	// namespaces of each context (favKey; 1-9: the last ones chosen, most
	// recent first), read from and saved to the state file.
	kscope  *pages.KubeScope
	nsFav   map[string][]string
	palette *palette.Palette

	mode     mode
	helpFrom mode // what the help was opened over
	helpOff  int  // first line of the help shown, when it is taller than the screen
	input    common.Input
	msg      string
	msgErr   bool
	detail   detail.Model
	text     textview.Model // describe / YAML viewer
	textFrom mode           // what the viewer was opened over
	textReq  int

	flow   actionFlow
	spin   spinner.Model
	reqID  int
	tracev traceViewer
	logv   *podlog.Model // the logs view, open in modeLogs (and under a trace opened from it)
	quit   bool
	// quitAsked: quitting with actions running waits for y (cancel them and quit).
	quitAsked bool

	filterByPage map[string]string
	filterErr    string // why the filter being typed is not a regex
	traceReq     int
	traceLoad    *traceLoad // the trace being fetched (nil: none)
	// openTraceData is the trace shown in the trace view (for b: its
	// report with the other baseline).
	openTraceData *traces.Trace
	refreshing    bool
	pendingJump   [][2]string
	pendingPage   string // the page pendingJump is for
	jumpNote      string // said once the jump is done
	jumpTicks     int    // ticks the jump has waited for its target (jumpPatience)

	problems *pages.Problems // counted per snapshot (nil: not yet)
	probReq  int

	pres presence // presenter mode: presenting or following

	// toApprove are the requests waiting that the user may decide (the
	// header's notice); apv is the approver's panel (modeApprove).
	toApprove []*actions.Approval
	apv       approvalPanel
}

// newModel builds the shell around d.
func newModel(d deps) *Model {
	ctx := common.NewContext()
	if d.now != nil {
		ctx.Now = d.now
	}
	if d.ctx == nil {
		d.ctx = context.Background()
	}
	m := &Model{ctx: ctx, d: d, byName: map[string]pages.Page{}, state: map[string]*pageState{}, now: ctx.Now()}
	m.kscope = &pages.KubeScope{}
	m.nsFav = map[string][]string{}
	for c, nss := range d.state.FavouriteNamespaces {
		m.nsFav[c] = nss
	}
	if d.stateErr != nil {
		m.setMsg("favourite namespaces not read: "+common.ErrText(d.stateErr), true)
	}
	b := &pages.Backends{Scope: m.kscope, Ctx: d.ctx, Traces: d.traces, Stacks: d.stacks, Exec: d.exec, Kube: d.kube, Audit: d.audit}
	if ro, why := m.readOnly(); ro {
		b.ReadOnly = why
	}
	var cmds []palette.Spec
	for _, v := range pages.Views() {
		p := v.New(ctx, b)
		m.pages = append(m.pages, p)
		m.byName[v.Name] = p
		m.state[v.Name] = &pageState{}
		cmds = append(cmds, palette.Spec{Name: v.Name, Aliases: v.Aliases, Help: v.Help})
	}
	m.palette = palette.New(cmds)
	m.active = m.pages[0].Name()
	if name, ok := ViewName(d.startView); ok {
		m.active = name
	}
	m.detail = detail.New(ctx)
	m.text = textview.New(ctx)
	m.spin = spinner.New(spinner.WithSpinner(spinner.Dot))
	// the model holds the snapshot shown, not the first one besides it (a
	// console serve session would pin the version it connected at)
	m.snap, m.d.initial = d.initial, nil
	return m
}

func (m *Model) page() pages.Page { return m.byName[m.active] }

// ViewName resolves a view's name or palette alias (as --view takes it)
// to the registry's name.
func ViewName(s string) (string, bool) {
	for _, v := range pages.Views() {
		if v.Name == s || slices.Contains(v.Aliases, s) {
			return v.Name, true
		}
	}
	return "", false
}

// ViewNames are the views' names, in tab order.
func ViewNames() []string {
	var out []string
	for _, v := range pages.Views() {
		out = append(out, v.Name)
	}
	return out
}

// maxEarlyKeys bounds the keys kept before the first frame.
const maxEarlyKeys = 256

// becomeReady marks the shell ready once the page shown can be drawn from
// data, and applies the keys typed before (in order).
func (m *Model) becomeReady() tea.Cmd {
	if m.ready || !hasData(m.snap) || !m.pageReady(m.active) {
		return nil
	}
	m.ready = true
	keys := m.early
	m.early = nil
	var cmds []tea.Cmd
	for _, k := range keys {
		cmds = append(cmds, m.handleKey(k))
	}
	return tea.Sequence(cmds...)
}

// readOnly reports the executor's mode (or the settings' when there is none).
func (m *Model) readOnly() (bool, string) {
	if m.d.exec != nil {
		return m.d.exec.ReadOnly()
	}
	if m.d.readOnly {
		return true, m.d.roReason
	}
	return false, ""
}

// Messages.
type (
	snapshotMsg struct{ snap *providers.Snapshot }
	builtMsg    struct {
		page    string
		version uint64
		region  string
		built   *pages.Built
	}
	tickMsg time.Time
)

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	m.toApprove = m.decidable()
	cmds := []tea.Cmd{m.waitSnapshot(), m.refreshActive(), m.watchApprovals()}
	if m.snap != nil {
		cmds = append(cmds, m.buildActive(), m.countProblems(), m.becomeReady())
	}
	if m.d.tick > 0 {
		cmds = append(cmds, m.tickCmd())
	}
	return tea.Batch(cmds...)
}

func (m *Model) tickCmd() tea.Cmd {
	return tea.Tick(m.d.tick, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// waitSnapshot waits for the store's next snapshot.
func (m *Model) waitSnapshot() tea.Cmd {
	ch := m.d.snapshots
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return snapshotMsg{s}
	}
}

// hasData reports whether any source has answered.
func hasData(s *providers.Snapshot) bool {
	if s == nil {
		return false
	}
	for _, st := range s.Inv.Sources {
		if st.Status != providers.StatusPending {
			return true
		}
	}
	return len(s.Inv.Sources) == 0
}

// buildActive starts building the active page's data for the current
// snapshot unless it is current or already being built (or the page's
// data does not come from the snapshot).
func (m *Model) buildActive() tea.Cmd {
	name := m.active
	st := m.state[name]
	snap := m.snap
	p, ok := m.page().(pages.Builder)
	// built may be newer than the snapshot shown (built for the store's
	// newest, below)
	if !ok || snap == nil || !hasData(snap) || st.building || (st.built >= snap.Version && st.region == m.scopeKey()) {
		return nil
	}
	st.building = true
	region, now, key, ks := m.region, m.now, m.scopeKey(), *m.kscope
	cache, latest := m.d.builds, m.d.latest
	return func() tea.Msg {
		snap := newest(snap, latest)
		in := func() *pages.Input {
			return &pages.Input{Inv: narrowKube(narrow(snap.Inv, region), ks.Context, ks.Namespace), Now: now}
		}
		return builtMsg{page: name, version: snap.Version, region: key, built: cache.Build(name, p, snap.Version, key, in)}
	}
}

// newest is the store's newest snapshot (latest) when it is newer than
// snap and has data, else snap: a session behind (console serve, 20 of
// them on 2 cores) builds and counts what the others do, not a version
// of its own that no other session shares.
func newest(snap *providers.Snapshot, latest func() *providers.Snapshot) *providers.Snapshot {
	if latest == nil {
		return snap
	}
	if l := latest(); l != nil && l.Version > snap.Version && hasData(l) {
		return l
	}
	return snap
}

// Update implements tea.Model; a presenting session publishes its view
// after each message that changed it.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := m.update(msg)
	m.publishView()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.ctx.Width, m.ctx.Height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case snapshotMsg:
		m.snap = msg.snap
		if m.refreshing {
			m.refreshing, m.msg = false, ""
		}
		return m, tea.Batch(m.waitSnapshot(), m.buildActive(), m.countProblems(), m.becomeReady())
	case reachMsg:
		m.showReach(msg)
		return m, nil
	case problemsMsg:
		if msg.req == m.probReq {
			m.problems = &msg.p
		}
		return m, nil
	case builtMsg:
		st := m.state[msg.page]
		st.building = false
		if _, ok := m.byName[msg.page].(pages.Releaser); ok && m.d.builds != nil && msg.page != m.active {
			return m, nil // released while it was built (shown again: built again)
		}
		if msg.region == m.scopeKey() && (!st.applied || msg.version > st.built || msg.region != st.region) {
			m.byName[msg.page].(pages.Builder).Apply(msg.built.Data)
			st.built, st.region, st.applied, st.held = msg.version, msg.region, true, msg.built
			m.applyJump(msg.page, false)
			m.applyFollowedCursor()
		}
		return m, tea.Batch(m.buildActive(), m.becomeReady()) // a newer snapshot may have arrived meanwhile
	case tickMsg:
		m.now = m.ctx.Now()
		if m.pendingJump != nil {
			if m.jumpTicks++; m.jumpTicks >= jumpPatience {
				m.applyJump(m.pendingPage, true)
			}
		}
		if t, ok := m.page().(pages.Ticker); ok {
			t.Tick(m.now)
		}
		cmds := []tea.Cmd{m.tickCmd()}
		if p, ok := m.page().(pages.Poller); ok && m.ready {
			cmds = append(cmds, p.Poll(m.now))
		}
		return m, tea.Batch(cmds...)
	case common.NoticeMsg:
		m.setMsg(msg.Text, msg.Err)
		return m, nil
	case pages.ShowMsg:
		return m, m.switchTo(msg.Page)
	case snapshotWrittenMsg:
		m.snapshotWritten(msg)
		return m, nil
	case pages.OpenMsg:
		cmd, _ := m.openArg(msg.Arg)
		return m, cmd
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m, m.handleWheel(msg)
	case spinner.TickMsg:
		if m.mode != modePreparing && !m.flow.starting && !m.apv.busy {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	if cmd, ok := m.handleAttach(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.handleApprovalMsg(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.handleFollowMsg(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.flow.handle(m, msg); ok {
		return m, cmd
	}
	if cmd, ok := m.handleLogsMsg(msg); ok {
		return m, cmd
	}
	if cmd, ok := m.handleTraceMsg(msg); ok {
		return m, cmd
	}
	if m.handleTextMsg(msg) {
		return m, nil
	}
	if cmd, ok := m.handleKubeAdded(msg); ok {
		return m, cmd
	}
	if m.handleStateSaved(msg) {
		return m, nil
	}
	cmd := m.toPages(msg)
	if m.mode == modeTrace && m.tracev != nil {
		var tc tea.Cmd
		m.tracev, tc = m.tracev.Update(msg)
		cmd = tea.Batch(cmd, tc)
	}
	return m, cmd
}

// toPages offers msg to every page that handles messages of its own; the
// detail pane open on the page shown follows its changes.
func (m *Model) toPages(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range m.pages {
		u, ok := p.(pages.Updater)
		if !ok {
			continue
		}
		changed, cmd := u.Update(msg)
		cmds = append(cmds, cmd)
		if changed && m.mode == modeDetail && p.Name() == m.active {
			m.openDetail()
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleWheel(msg tea.MouseWheelMsg) tea.Cmd {
	d := 0
	switch msg.Mouse().Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	}
	switch m.mode {
	case modeDetail:
		m.detail.Scroll(d)
	case modeText:
		m.text.Scroll(d)
	case modeTrace:
		if m.tracev != nil {
			var cmd tea.Cmd
			m.tracev, cmd = m.tracev.Update(msg)
			return cmd
		}
	default:
		m.page().Scroll(d)
	}
	return nil
}

// switchTo shows page name, remembering the current one for esc.
func (m *Model) switchTo(name string) tea.Cmd {
	if _, ok := m.byName[name]; !ok || name == m.active {
		return nil
	}
	m.history = append(m.history, m.active)
	if len(m.history) > 50 {
		m.history = m.history[1:]
	}
	return m.show(name)
}

func (m *Model) show(name string) tea.Cmd {
	m.release(m.active, name)
	m.active = name
	if m.mode != modeNormal {
		m.mode = modeNormal
	}
	m.layout()
	return tea.Batch(m.buildActive(), m.refreshActive())
}

// release drops the built data of page old when another is shown, in a
// session whose rows come from a shared build cache (console serve): a
// hidden page would hold its own old snapshot version; shown again it is
// built from the cache.
func (m *Model) release(old, next string) {
	if m.d.builds == nil || old == next {
		return
	}
	if r, ok := m.byName[old].(pages.Releaser); ok {
		r.Release()
		st := m.state[old]
		*st = pageState{building: st.building}
	}
}

// refreshActive starts the page shown loading its own data, if it does.
func (m *Model) refreshActive() tea.Cmd {
	if r, ok := m.page().(pages.Refresher); ok {
		return r.Refresh()
	}
	return nil
}

// focus shows page name with the cursor on the object kind/name (e.g.
// the run just started in the Actions view).
func (m *Model) focus(name, kind, obj string) tea.Cmd {
	var cmd tea.Cmd
	if name == m.active {
		cmd = m.refreshActive()
	} else {
		cmd = m.switchTo(name)
	}
	if f, ok := m.byName[name].(pages.Focuser); ok {
		f.Focus(kind, obj)
	}
	return cmd
}

func (m *Model) setMsg(s string, isErr bool) { m.msg, m.msgErr = common.Sanitize(s), isErr }
