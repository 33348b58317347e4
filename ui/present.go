package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// ViewState is what presenter mode mirrors of a session's view: not its
// bytes but what a follower needs to draw the same view at its own size.
type ViewState struct {
	Page      string // the view shown
	Region    string // "" every region
	Context   string // Kubernetes context ("" every one)
	Namespace string // Kubernetes namespace ("" every one)
	Filter    string // the view's filter as typed
	Cursor    string // the key of the row under the cursor
	Detail    bool   // the detail pane is open
	// Expanded is the rows the presenter expanded or collapsed
	// (pages.Expander: the topology).
	Expanded string
	// Overlay is what is open over the page besides the detail pane:
	// "help", "palette" (OverlayText: the command typed), "panel" (the
	// action menu, form, preview and confirmation, or a review of an
	// approval: OverlayText its lines unwrapped, overlayPinned, then the
	// pinned ones; OverlayLine the line of the cursor), or "" none.
	// OverlayLine is the help's first line shown too.
	Overlay     string
	OverlayText string
	OverlayLine int
}

// overlayPinned separates a mirrored panel's lines from its pinned ones.
const overlayPinned = "\n\x00\n"

// mirrorWidth is the width a presenter's panel is rendered at for the
// followers: wide enough that no line wraps; each follower wraps it to
// its own width.
const mirrorWidth = 1 << 16

// Presence is one session's handle on presenter mode (console serve): it
// presents its view to the others, or follows another session's. A local
// console has none.
type Presence interface {
	// Name is the session's user, the name others follow.
	Name() string
	// Present starts presenting: publish sends each change of the view;
	// stop ends it (the followers are told). An error when the user
	// presents in another session already.
	Present() (publish func(ViewState), stop func(), err error)
	// Presenters lists who presents now, sorted.
	Presenters() []string
	// Followers is how many sessions follow this session's presentation.
	Followers() int
	// Follow receives presenter's view: its current state at once, then
	// each change (a slow reader gets the latest only); the channel is
	// closed when the presenter stops or stop is called.
	Follow(presenter string) (states <-chan ViewState, stop func(), err error)
}

// PresenceHub is presenter mode's hub, shared by the sessions of one
// console serve: presenters publish their ViewState, followers receive
// the latest. Safe for concurrent use.
type PresenceHub struct {
	mu    sync.Mutex
	shows map[string]*presentation // by presenter
}

// presentation is one presenter's latest state and followers.
type presentation struct {
	latest    ViewState
	has       bool
	followers map[chan ViewState]struct{}
}

// NewPresenceHub returns an empty hub.
func NewPresenceHub() *PresenceHub { return &PresenceHub{shows: map[string]*presentation{}} }

// Session returns user's handle on the hub.
func (h *PresenceHub) Session(user string) Presence { return &hubSession{h: h, user: user} }

// hubSession is one session's Presence.
type hubSession struct {
	h    *PresenceHub
	user string
}

func (s *hubSession) Name() string { return s.user }

func (s *hubSession) Present() (func(ViewState), func(), error) {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.shows[s.user]; ok {
		return nil, nil, fmt.Errorf("%s presents in another session already", s.user)
	}
	p := &presentation{followers: map[chan ViewState]struct{}{}}
	h.shows[s.user] = p
	publish := func(st ViewState) {
		h.mu.Lock()
		defer h.mu.Unlock()
		p.latest, p.has = st, true
		for ch := range p.followers {
			sendLatest(ch, st)
		}
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.shows[s.user] == p {
				delete(h.shows, s.user)
			}
			for ch := range p.followers {
				close(ch)
			}
			clear(p.followers)
		})
	}
	return publish, stop, nil
}

// sendLatest puts st in ch (capacity 1), replacing a state not yet read.
// The caller holds the hub's lock: it is ch's only sender.
func sendLatest(ch chan ViewState, st ViewState) {
	select {
	case <-ch:
	default:
	}
	ch <- st
}

func (s *hubSession) Presenters() []string {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	out := make([]string, 0, len(s.h.shows))
	for name := range s.h.shows {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (s *hubSession) Followers() int {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	if p, ok := s.h.shows[s.user]; ok {
		return len(p.followers)
	}
	return 0
}

// errNobodyPresents is Follow's error when no one presents.
var errNobodyPresents = errors.New("nobody presents now (a session starts with :present)")

func (s *hubSession) Follow(presenter string) (<-chan ViewState, func(), error) {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.shows[presenter]
	switch {
	case presenter == s.user:
		return nil, nil, fmt.Errorf("you are %s: follow someone else", s.user)
	case !ok && len(h.shows) == 0:
		return nil, nil, errNobodyPresents
	case !ok:
		names := make([]string, 0, len(h.shows))
		for n := range h.shows {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, nil, fmt.Errorf("%s does not present (presenting: %s)", presenter, strings.Join(names, ", "))
	}
	ch := make(chan ViewState, 1)
	p.followers[ch] = struct{}{}
	if p.has {
		ch <- p.latest
	}
	stop := func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := p.followers[ch]; ok {
			delete(p.followers, ch)
			close(ch)
		}
	}
	return ch, stop, nil
}

// presence is the model's presenter-mode state: presenting (publish set)
// or following (follow set), or neither.
type presence struct {
	publish   func(ViewState)
	stopShow  func()
	published ViewState
	sent      bool

	follow     string // the presenter followed ("" none)
	followCh   <-chan ViewState
	followStop func()
	followReq  int
	want       ViewState // the presenter's latest state, applied
}

// Messages of presenter mode.
type (
	followStateMsg struct {
		req int
		st  ViewState
	}
	followEndedMsg struct{ req int }
)

// noServe is what :present and :follow say in a local console.
const noServe = "presenter mode needs console serve: sessions of one console serve present to each other (:present, :follow NAME)"

// presentCommand runs :present: start presenting, or stop.
func (m *Model) presentCommand() tea.Cmd {
	pr := m.d.presence
	switch {
	case pr == nil:
		m.setMsg(noServe, true)
	case m.pres.publish != nil:
		m.stopPresenting()
		m.setMsg("stopped presenting", false)
	default:
		if m.pres.follow != "" {
			m.unfollow()
		}
		publish, stop, err := pr.Present()
		if err != nil {
			m.setMsg(err.Error(), true)
			return nil
		}
		m.pres.publish, m.pres.stopShow, m.pres.sent = publish, stop, false
		m.publishView()
		m.setMsg("presenting your view: others follow with :follow "+pr.Name()+" (:present again stops)", false)
	}
	return nil
}

// stopPresenting ends the presentation (the followers are told).
func (m *Model) stopPresenting() {
	if m.pres.stopShow != nil {
		m.pres.stopShow()
	}
	m.pres.publish, m.pres.stopShow = nil, nil
}

// followCommand runs :follow NAME.
func (m *Model) followCommand(name string) tea.Cmd {
	pr := m.d.presence
	if pr == nil {
		m.setMsg(noServe, true)
		return nil
	}
	if name == "" {
		if ps := pr.Presenters(); len(ps) > 0 {
			m.setMsg("presenting: "+strings.Join(ps, ", ")+" (:follow NAME)", false)
		} else {
			m.setMsg(errNobodyPresents.Error(), true)
		}
		return nil
	}
	ch, stop, err := pr.Follow(name)
	if err != nil {
		m.setMsg(err.Error(), true)
		return nil
	}
	m.unfollow()
	m.stopPresenting()
	m.pres.follow, m.pres.followCh, m.pres.followStop = name, ch, stop
	m.pres.followReq++
	m.msg = ""
	return waitFollow(ch, m.pres.followReq)
}

// waitFollow waits for the followed presenter's next state.
func waitFollow(ch <-chan ViewState, req int) tea.Cmd {
	return func() tea.Msg {
		st, ok := <-ch
		if !ok {
			return followEndedMsg{req: req}
		}
		return followStateMsg{req: req, st: st}
	}
}

// unfollow stops following (nothing when not following).
func (m *Model) unfollow() {
	if m.pres.followStop != nil {
		m.pres.followStop()
	}
	m.pres.follow, m.pres.followCh, m.pres.followStop = "", nil, nil
	m.pres.followReq++
}

// stopFollowing is esc, q or :unfollow: the follow ends, the view stays
// where the presenter left it, the keys are the user's again.
func (m *Model) stopFollowing() {
	if m.pres.follow == "" {
		m.setMsg("not following anyone", false)
		return
	}
	who := m.pres.follow
	m.unfollow()
	if m.mode == modeDetail {
		m.mode = modeNormal
		m.layout()
	}
	m.setMsg("stopped following "+who, false)
}

// closePresence ends presenting and following (the session ends).
func (m *Model) closePresence() {
	m.stopPresenting()
	m.unfollow()
}

// handleFollowMsg applies the followed presenter's states and their end.
func (m *Model) handleFollowMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case followStateMsg:
		if msg.req != m.pres.followReq || m.pres.follow == "" {
			return nil, true
		}
		m.pres.want = msg.st
		// the channel is the hub's: wait on the same one again
		return tea.Batch(m.applyFollowed(), m.nextFollow()), true
	case followEndedMsg:
		if msg.req != m.pres.followReq || m.pres.follow == "" {
			return nil, true
		}
		who := m.pres.follow
		m.unfollow()
		if m.mode == modeDetail {
			m.mode = modeNormal
			m.layout()
		}
		m.setMsg(who+" stopped presenting (left or :present again): no longer following", false)
		return nil, true
	}
	return nil, false
}

// nextFollow waits again on the followed presenter's channel.
func (m *Model) nextFollow() tea.Cmd {
	if m.pres.followCh == nil {
		return nil
	}
	return waitFollow(m.pres.followCh, m.pres.followReq)
}

// viewState is the session's view as presenter mode mirrors it.
func (m *Model) viewState() ViewState {
	st := ViewState{Page: m.active, Region: m.region, Filter: m.filterText(), Detail: m.mode == modeDetail}
	if m.kscope != nil {
		st.Context, st.Namespace = m.kscope.Context, m.kscope.Namespace
	}
	if c, ok := m.page().(pages.Cursored); ok {
		st.Cursor = c.CursorKey()
	}
	if e, ok := m.page().(pages.Expander); ok {
		st.Expanded = e.ExpandState()
	}
	switch m.mode {
	case modeHelp:
		st.Overlay, st.OverlayLine = "help", m.helpOff
	case modePalette:
		st.Overlay, st.OverlayText = "palette", m.input.Value
	case modeMenu, modeParams, modePreparing, modeConfirm, modeAwait:
		lines, cur, pinned := m.flow.content(m, mirrorWidth)
		st.Overlay, st.OverlayText, st.OverlayLine = "panel", strings.Join(lines, "\n")+overlayPinned+strings.Join(pinned, "\n"), cur
	case modeApprove:
		lines, pinned := m.approvalContent(mirrorWidth)
		st.Overlay, st.OverlayText = "panel", strings.Join(lines, "\n")+overlayPinned+strings.Join(pinned, "\n")
	}
	return st
}

// mirroredOverlay draws the followed presenter's overlay at this
// session's size (w x h): the help, the palette's suggestions, or the
// action panel rewrapped; false when none is open. Only text is
// mirrored: the follower's keys never reach it (followKey).
func (m *Model) mirroredOverlay(w, h int) (string, bool) {
	st := m.pres.want
	switch st.Overlay {
	case "help":
		m.helpOff, m.helpFrom = st.OverlayLine, modeNormal
		return fill(m.helpView(w, h), w, h), true
	case "palette":
		hints := m.paletteHints(w, st.OverlayText)
		hints = slices.Insert(hints, 1, "  "+m.ctx.Theme.Key.Render(":"+common.Sanitize(st.OverlayText)))
		return overlayBottom(fill(m.page().View(), w, h), hints, h), true
	case "panel":
		text, pinnedText, _ := strings.Cut(st.OverlayText, overlayPinned)
		cw := max(1, w-flowChrome)
		var lines, pinned []string
		cursor := 0
		for i, l := range strings.Split(text, "\n") {
			if i == st.OverlayLine {
				cursor = len(lines)
			}
			lines = append(lines, wrapTo(l, cw)...)
		}
		if pinnedText != "" {
			for _, l := range strings.Split(pinnedText, "\n") {
				pinned = append(pinned, wrapTo(l, cw)...)
			}
		}
		return fill(drawPanel(m, w, h, lines, cursor, pinned, 0, true), w, h), true
	}
	return "", false
}

// publishView sends the view to the followers when it changed.
func (m *Model) publishView() {
	if m.pres.publish == nil {
		return
	}
	st := m.viewState()
	if m.pres.sent && st == m.pres.published {
		return
	}
	m.pres.published, m.pres.sent = st, true
	m.pres.publish(st)
}

// applyFollowed shows the followed presenter's view: page, region, scope,
// filter, cursor and detail pane, at this session's own size.
func (m *Model) applyFollowed() tea.Cmd {
	st := m.pres.want
	var cmds []tea.Cmd
	if _, ok := m.byName[st.Page]; ok && st.Page != m.active {
		m.release(m.active, st.Page)
		m.active = st.Page
		m.layout()
		cmds = append(cmds, m.buildActive(), m.refreshActive())
	}
	if st.Region != m.region || st.Context != m.kscope.Context || st.Namespace != m.kscope.Namespace {
		m.region, m.kscope.Context, m.kscope.Namespace = st.Region, st.Context, st.Namespace
		cmds = append(cmds, m.rescope())
	}
	if st.Filter != m.filterText() {
		m.setFilter(st.Filter)
	}
	m.applyFollowedCursor()
	return tea.Batch(cmds...)
}

// applyFollowedCursor puts the cursor and the detail pane where the
// presenter has them (again once the page's rows are built).
func (m *Model) applyFollowedCursor() {
	if m.pres.follow == "" || m.pres.want.Page != m.active {
		return
	}
	st := m.pres.want
	if e, ok := m.page().(pages.Expander); ok && e.ExpandState() != st.Expanded {
		e.SetExpandState(st.Expanded)
	}
	if c, ok := m.page().(pages.Cursored); ok && st.Cursor != "" {
		c.SetCursorKey(st.Cursor)
	}
	switch {
	case m.mode == modePalette:
	case st.Detail:
		m.openDetail()
	case m.mode == modeDetail:
		m.mode = modeNormal
		m.layout()
	}
}

// followKey is the keyboard of a follower: esc and q stop following, :
// opens the palette (:unfollow, :follow NAME, :quit); every other key
// does nothing (the view is the presenter's).
func (m *Model) followKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.mode == modePalette:
		return m.paletteKey(k)
	case m.mode == modeHelp:
		m.mode = m.helpFrom
		m.layout()
		return nil
	case k.String() == "esc" || k.String() == "q":
		m.stopFollowing()
		return nil
	case k.String() == ":":
		m.mode = modePalette
		m.input = common.Input{Prompt: ":"}
		return nil
	}
	return nil
}

// followBanner is the footer's line while following.
func (m *Model) followBanner() string {
	return m.ctx.Theme.Badge.Render(" following " + common.Sanitize(m.pres.follow) + "'s view (esc to stop) ")
}

// followSuggestions completes :follow NAME with the presenters' names.
func (m *Model) followSuggestions(input string) ([]string, bool) {
	f := strings.Fields(input)
	if m.d.presence == nil || len(f) == 0 || !strings.EqualFold(f[0], "follow") || !strings.Contains(input, " ") {
		return nil, false
	}
	prefix := ""
	if len(f) > 1 {
		prefix = f[1]
	}
	var out []string
	for _, n := range m.d.presence.Presenters() {
		if n != m.d.presence.Name() && strings.HasPrefix(n, prefix) {
			out = append(out, ":follow "+common.Sanitize(n)+" — follow "+common.Sanitize(n)+"'s view")
		}
	}
	if len(out) == 0 {
		out = append(out, "(nobody else presents now)")
	}
	return out, true
}
