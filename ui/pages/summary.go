package pages

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
	"github.com/opsconsole/console/ui/common"
)

// AuditReader reads the audit log's attempts since a time, oldest first
// (the summary's "actions run since yesterday").
type AuditReader func(ctx context.Context, since time.Time) ([]actions.AuditEntry, error)

// SummaryLookback is how far back the summary lists the actions run.
const SummaryLookback = 24 * time.Hour

// Summary lists at most summaryMax problems and actions (the rest counted).
const summaryMax = 8

// summaryTwoColumns is the width from which the summary is laid out in
// two columns (the estate left; databases, problems and actions right).
const summaryTwoColumns = 110

// auditMsg carries the audit entries of page's request req.
type auditMsg struct {
	page    string
	req     int
	entries []actions.AuditEntry
	err     error
}

// readAudit reads the audit log's attempts since since in a tea.Cmd, for
// page's request req.
func readAudit(page string, req int, read AuditReader, since time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		es, err := read(ctx, since)
		return auditMsg{page: page, req: req, entries: es, err: err}
	}
}

// Summary is the stand-up page: one screen that fits a projector with the
// regions, their AZs and ASGs (desired/ready), the database clusters with
// their roles and last backup, what is wrong now and the actions run over
// the last 24 hours (from the audit log, so every session's and every
// CLI run's).
type Summary struct {
	ctx    *common.Context
	audit  AuditReader
	stacks common.Stacks
	data   *summaryData
	req    int
	// sched are the stacks' schedules (read in a tea.Cmd: skips, audit log)
	sched []*schedule.Status

	entries  []actions.AuditEntry
	auditErr string
	loaded   bool

	filter        common.Filter
	width, height int
	offset        int
}

// summaryData is what Build prepares from a snapshot.
type summaryData struct {
	regions                     []summaryRegion
	nZones, nASGs, desired, rdy int
	nodes, nodesReady           int
	pods, podsReady             int
	dbs                         []summaryDB
	problems                    Problems
	list                        []RankedProblem
}

type summaryRegion struct {
	name  string
	zones []string
	asgs  []summaryASG
	err   string
}

type summaryASG struct {
	name                      string
	desired, inService, nodes int
	health                    int
	schedule                  string // the schedule's state ("" none)
}

type summaryDB struct {
	name, engine   string
	primary        string // the healthy primary's name ("" none)
	replicas       int
	maxLag         float64
	others         int // members with other roles (sentinels, nodes, arbiters)
	health         int
	lastBackup     time.Time
	region, status string
}

// NewSummary returns the Summary view; b.Audit reads the actions run.
func NewSummary(ctx *common.Context, b *Backends) Page {
	return &Summary{ctx: ctx, audit: b.Audit, stacks: b.Stacks}
}

// Name implements Page.
func (s *Summary) Name() string { return "summary" }

// Title implements Page.
func (s *Summary) Title() string { return "Summary" }

// Build implements Builder.
func (s *Summary) Build(in *Input) any { return buildSummary(in) }

// Apply implements Builder.
func (s *Summary) Apply(data any) { s.data = data.(*summaryData) }

func buildSummary(in *Input) *summaryData {
	inv := in.Inv
	d := &summaryData{nZones: len(inv.Zones), nASGs: len(inv.AutoscalingGroups)}
	byRegion := map[string]int{}
	region := func(name string) *summaryRegion {
		i, ok := byRegion[name]
		if !ok {
			i = len(d.regions)
			byRegion[name] = i
			d.regions = append(d.regions, summaryRegion{name: san(name)})
		}
		return &d.regions[i]
	}
	for _, r := range inv.Regions {
		region(r.Name).err = san(r.Error)
	}
	for _, z := range inv.Zones {
		r := region(z.Region)
		r.zones = append(r.zones, san(z.Name))
	}
	for i := range inv.AutoscalingGroups {
		g := &inv.AutoscalingGroups[i]
		d.desired += g.Desired
		d.rdy += g.InService
		r := region(g.Region)
		r.asgs = append(r.asgs, summaryASG{name: san(g.Name), desired: g.Desired, inService: g.InService, nodes: g.ReadyNodes, health: asgHealth(g),
			schedule: scheduleText(schedule.ForGroup(*g, in.Now))})
	}
	for i := range inv.Nodes {
		d.nodes++
		if _, h := providers.NodeStatus(&inv.Nodes[i]); h != providers.HealthBad {
			d.nodesReady++
		}
	}
	for i := range inv.Pods {
		d.pods++
		if inv.Pods[i].Ready {
			d.podsReady++
		}
	}
	for i := range inv.Databases {
		db := &inv.Databases[i]
		sd := summaryDB{name: san(db.Name), engine: san(db.Engine), health: dbHealth(db), lastBackup: db.LastBackup,
			region: san(db.Region), status: san(db.Status)}
		for j := range db.Members {
			m := &db.Members[j]
			switch m.Role {
			case providers.RolePrimary:
				if m.Healthy && sd.primary == "" {
					sd.primary = san(m.Name)
				}
			case providers.RoleReplica:
				sd.replicas++
				sd.maxLag = max(sd.maxLag, m.LagSeconds)
			default:
				sd.others++
			}
		}
		d.dbs = append(d.dbs, sd)
	}
	d.problems, d.list = ListProblems(inv)
	return d
}

// Refresh implements Refresher: reads the audit log's last 24 hours in a
// tea.Cmd.
func (s *Summary) Refresh() tea.Cmd {
	s.req++
	cmds := []tea.Cmd{s.readSchedules(s.req)}
	if s.audit != nil {
		cmds = append(cmds, readAudit(s.Name(), s.req, s.audit, s.ctx.Now().Add(-SummaryLookback)))
	}
	return tea.Batch(cmds...)
}

// schedulesMsg carries the stacks' schedules.
type schedulesMsg struct {
	req  int
	list []*schedule.Status
}

// readSchedules reads the scheduled stacks' states (the schedule's: the
// summary does not run terraform) off the UI goroutine.
func (s *Summary) readSchedules(req int) tea.Cmd {
	if s.stacks == nil {
		return nil
	}
	list, now := s.stacks.List(), s.ctx.Now()
	return func() tea.Msg {
		var out []*schedule.Status
		for _, st := range list {
			if sc, _ := st.ScheduleStatus(now, nil); sc != nil { // an unreadable file is in its Errors
				out = append(out, sc)
			}
		}
		return schedulesMsg{req: req, list: out}
	}
}

// Update implements Updater: installs the audit entries read; a run
// that changed (started, ended) reads them again.
func (s *Summary) Update(msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case schedulesMsg:
		if msg.req == s.req {
			s.sched = msg.list
			return true, nil
		}
		return false, nil
	case auditMsg:
		if msg.page != s.Name() || msg.req != s.req {
			return false, nil
		}
		s.loaded, s.entries, s.auditErr = true, msg.entries, ""
		if msg.err != nil {
			s.auditErr = oneLine(common.ErrText(msg.err))
		}
		return true, nil
	case common.RunChangedMsg:
		if msg.Done { // its outcome is on record
			return false, s.Refresh()
		}
	}
	return false, nil
}

// Loading reports whether the audit log is being read for the first time.
func (s *Summary) Loading() bool { return s.audit != nil && !s.loaded }

// SetFilter implements Page: keeps the lines that match.
func (s *Summary) SetFilter(f common.Filter) { s.filter, s.offset = f, 0 }

// SetSize implements Page.
func (s *Summary) SetSize(w, h int) { s.width, s.height = w, h }

// HandleKey implements Page: scrolling.
func (s *Summary) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := s.ctx.Keys
	switch {
	case key.Matches(k, keys.Up):
		s.Scroll(-1)
	case key.Matches(k, keys.Down):
		s.Scroll(1)
	case key.Matches(k, keys.PageUp):
		s.Scroll(-s.height)
	case key.Matches(k, keys.PageDown):
		s.Scroll(s.height)
	case key.Matches(k, keys.Home):
		s.offset = 0
	case key.Matches(k, keys.End):
		s.Scroll(1 << 20)
	default:
		return false, nil
	}
	return true, nil
}

// Scroll implements Page.
func (s *Summary) Scroll(d int) {
	s.offset = max(0, min(s.offset+d, len(s.lines())-s.height))
}

// KeyHints implements Page.
func (s *Summary) KeyHints() []key.Binding {
	return []key.Binding{s.ctx.Keys.Down, s.ctx.Keys.Worst}
}

// Selected implements Page: the summary has no cursor.
func (s *Summary) Selected() (Selection, bool) { return Selection{}, false }

// Status implements Page.
func (s *Summary) Status() string {
	n := len(s.lines())
	if n <= s.height {
		return "all " + strconv.Itoa(n) + " lines"
	}
	return fmt.Sprintf("%d-%d/%d lines", s.offset+1, min(n, s.offset+s.height), n)
}

// View implements Page.
func (s *Summary) View() string {
	lines := s.lines()
	from := min(s.offset, max(0, len(lines)-s.height))
	lines = lines[from:min(len(lines), from+s.height)]
	return strings.Join(lines, "\n")
}

// lines renders the whole summary at the page's width (two columns from
// summaryTwoColumns), filtered.
func (s *Summary) lines() []string {
	if s.data == nil {
		return []string{s.ctx.Theme.Muted.Render("  building the summary…")}
	}
	left, right := s.estate(), s.status()
	w := s.width
	var out []string
	if w >= summaryTwoColumns {
		left, right = s.keep(left), s.keep(right)
		lw := 0 // the estate's own width, at most half
		for _, l := range left {
			lw = max(lw, ansi.StringWidth(l))
		}
		lw = min(lw, w/2-1)
		for i := range max(len(left), len(right)) {
			var l, r string
			if i < len(left) {
				l = ansi.Truncate(left[i], lw, "…")
			}
			if i < len(right) {
				r = ansi.Truncate(right[i], w-lw-2, "…")
			}
			out = append(out, l+strings.Repeat(" ", max(0, lw-ansi.StringWidth(l)))+"  "+r)
		}
		return out
	}
	for _, l := range s.keep(append(append(left, ""), right...)) {
		out = append(out, ansi.Truncate(l, w, "…"))
	}
	return out
}

// keep applies the filter to lines (section titles and blank lines stay).
func (s *Summary) keep(lines []string) []string {
	if s.filter.Empty() {
		return lines
	}
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = common.Fold(ansi.Strip(l))
	}
	keep := map[int]bool{}
	for _, i := range s.filter.Apply(texts, nil) {
		keep[i] = true
	}
	var out []string
	for i, l := range lines {
		if keep[i] || l == "" || !strings.HasPrefix(l, " ") {
			out = append(out, l)
		}
	}
	return out
}

// estate is the left column: counts, then regions with their AZs and ASGs.
func (s *Summary) estate() []string {
	th, d := s.ctx.Theme, s.data
	var out []string
	out = append(out, th.Title.Render("Estate"),
		fmt.Sprintf("  %s · %s · %s: desired %d, in service %d", count(len(d.regions), "region"), count(d.nZones, "AZ"), count(d.nASGs, "ASG"), d.desired, d.rdy))
	if d.nodes > 0 || d.pods > 0 {
		out = append(out, fmt.Sprintf("  nodes %s · pods %s", ratio(th, d.nodesReady, d.nodes), ratio(th, d.podsReady, d.pods)))
	}
	out = append(out, "", th.Title.Render("Regions, AZs, ASGs (in service/desired)"))
	if len(d.regions) == 0 {
		out = append(out, th.Muted.Render("  no regions in this environment"))
	}
	for _, r := range d.regions {
		line := "  " + th.Header.Render(r.name)
		if len(r.zones) > 0 {
			line += th.Muted.Render("  AZs " + strings.Join(r.zones, " "))
		}
		if r.err != "" {
			line += th.Error.Render("  ✗ " + r.err)
		}
		out = append(out, line)
		for _, g := range r.asgs {
			line := fmt.Sprintf("    %s %s %s", th.HealthStyle(g.health).Render(glyph(g.health)), g.name,
				th.HealthStyle(g.health).Render(strconv.Itoa(g.inService)+"/"+strconv.Itoa(g.desired)))
			if g.schedule != "" {
				line += th.Muted.Render("  " + g.schedule)
			}
			out = append(out, line)
		}
	}
	if len(s.sched) > 0 {
		out = append(out, "", th.Title.Render("Stack schedules"))
		for _, sc := range s.sched {
			line := "  " + san(sc.Name) + th.Muted.Render("  "+san(sc.Text))
			if rc := sc.LastRecreate; rc != nil {
				style := th.OK
				if !rc.Within {
					style = th.Warn
				}
				line += "  " + style.Render(rc.Words())
			}
			out = append(out, line)
		}
	}
	return out
}

// ratio renders ready/total, coloured by whether all are ready.
func ratio(th *common.Theme, ready, total int) string {
	t := strconv.Itoa(ready) + "/" + strconv.Itoa(total) + " ready"
	if ready < total {
		return th.Warn.Render("! " + t)
	}
	return th.OK.Render("✓ " + t)
}

// status is the right column: databases, problems, actions.
func (s *Summary) status() []string {
	th, d := s.ctx.Theme, s.data
	now := s.ctx.Now()
	out := []string{th.Title.Render("Databases (● primary, ○ replicas, last backup)")}
	if len(d.dbs) == 0 {
		out = append(out, th.Muted.Render("  no database clusters"))
	}
	for _, db := range d.dbs {
		roles := th.Bad.Render("no healthy primary")
		if db.primary != "" {
			roles = "● " + db.primary
		}
		if db.replicas > 0 {
			roles += fmt.Sprintf(", %d ○ (lag ≤%.1fs)", db.replicas, db.maxLag)
		}
		if db.primary == "" && db.replicas == 0 {
			roles = fmt.Sprintf("%d members", db.others)
		}
		backup := "no backup"
		if !db.lastBackup.IsZero() {
			backup = "backup " + age(now, db.lastBackup)
		}
		out = append(out, fmt.Sprintf("  %s %s %s · %s · %s", th.HealthStyle(db.health).Render(glyph(db.health)), db.name,
			th.Muted.Render(db.engine), roles, backup))
	}
	out = append(out, "")
	if d.problems.Total() == 0 {
		out = append(out, th.Title.Render("Problems now"), th.OK.Render("  ✓ nothing wrong now"))
	} else {
		out = append(out, th.Title.Render(fmt.Sprintf("Problems now (%d)", len(d.list))))
		for _, p := range d.list[:min(len(d.list), summaryMax)] {
			h := problemHealth(p.Rank)
			out = append(out, "  "+th.HealthStyle(h).Render(glyph(h))+" "+p.What)
		}
		if n := len(d.list) - summaryMax; n > 0 {
			out = append(out, th.Muted.Render(fmt.Sprintf("  … %d more (:problems lists them)", n)))
		}
	}
	out = append(out, "")
	return append(out, s.actionLines()...)
}

// actionLines lists the actions run over the lookback, newest first.
func (s *Summary) actionLines() []string {
	th := s.ctx.Theme
	title := "Actions, last 24h"
	switch {
	case s.audit == nil:
		return []string{th.Title.Render(title), th.Muted.Render("  no audit log configured")}
	case s.auditErr != "":
		return []string{th.Title.Render(title), th.Error.Render("  ✗ audit log: " + s.auditErr)}
	case !s.loaded:
		return []string{th.Title.Render(title), th.Muted.Render("  reading the audit log…")}
	}
	es := s.entries
	counts := map[string]int{}
	for _, e := range es {
		counts[e.Result]++
	}
	var parts []string
	for _, r := range []string{actions.StatusSucceeded, actions.StatusFailed, actions.StatusCancelled, actions.StatusRefused, actions.StatusPlanned, actions.StatusStarted} {
		if counts[r] > 0 {
			parts = append(parts, strconv.Itoa(counts[r])+" "+r)
		}
	}
	if len(es) == 0 {
		return []string{th.Title.Render(title), th.Muted.Render("  none")}
	}
	out := []string{th.Title.Render(title+" ("+strconv.Itoa(len(es))+")") + th.Muted.Render("  "+strings.Join(parts, ", "))}
	recent := slices.Clone(es)
	slices.Reverse(recent)
	for _, e := range recent[:min(len(recent), summaryMax)] {
		out = append(out, "  "+AuditLine(th, s.ctx.Now(), e))
	}
	if n := len(es) - summaryMax; n > 0 {
		out = append(out, th.Muted.Render(fmt.Sprintf("  … %d more (console audit lists them)", n)))
	}
	return out
}

// AuditLine renders one audit entry: "3h ago alice restart pod/x ✓ succeeded".
func AuditLine(th *common.Theme, now time.Time, e actions.AuditEntry) string {
	st, h := StatusText(e.Result)
	if e.Result == actions.StatusStarted {
		st, h = "⟳ started", providers.HealthWarn
	}
	return fmt.Sprintf("%s %s %s %s %s", th.Muted.Render(age(now, e.Time)+" ago"), san(e.Who),
		san(e.Action), san(e.Target), th.HealthStyle(h).Render(st))
}

// count renders "1 region", "3 regions".
func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
