package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/export"
)

// MaxSnapshotLines bounds the body of a snapshot rendered "whole"
// (height 0): a 50,000-pod table is cut there.
const MaxSnapshotLines = 1000

// SnapshotOptions say what RenderSnapshot draws.
type SnapshotOptions struct {
	// View is the view to draw (a name or palette alias).
	View string
	// Width is the width in cells.
	Width int
	// Height is the body's height in lines; 0 draws the whole view (up to
	// MaxSnapshotLines, trailing blank lines dropped).
	Height int
}

// RenderSnapshot draws one frame of a view over the store's current
// snapshot with the same pages as the interactive console, without a
// terminal: the header, the problem strip, the view's title and its body,
// as ANSI text (colours and glyphs kept). Pages that load their own data
// (traces, stacks, the audit log) load it before the frame is drawn;
// ctx bounds the wait.
func RenderSnapshot(ctx context.Context, o Options, so SnapshotOptions) (string, error) {
	if o.Store == nil {
		return "", fmt.Errorf("ui: no store")
	}
	name, ok := ViewName(so.View)
	if !ok {
		return "", fmt.Errorf("no such view %q (one of %s)", so.View, strings.Join(ViewNames(), ", "))
	}
	d := staticDeps(ctx, o)
	d.initial = o.Store.Snapshot()
	if d.initial == nil {
		return "", fmt.Errorf("no snapshot: no source has answered")
	}
	d.startView = name
	m := newModel(d)
	whole := so.Height <= 0
	bh := so.Height
	if whole {
		bh = MaxSnapshotLines
	}
	w := max(20, so.Width)
	m.Update(tea.WindowSizeMsg{Width: w, Height: bh + m.headerLines() + footerLines})
	if err := runSync(ctx, m, m.Init()); err != nil {
		return "", err
	}
	return m.snapshotFrame(whole), nil
}

// cmdsType is the type a tea.Sequence's message converts to.
var cmdsType = reflect.TypeFor[[]tea.Cmd]()

// runSync runs cmd and the commands its messages return, one at a time,
// feeding the messages to m, until none is left or ctx is done. The
// messages of commands that wait for more (clock ticks, spinners, run
// updates, snapshots) are dropped: a snapshot is one frame.
func runSync(ctx context.Context, m *Model, cmd tea.Cmd) error {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		ch := make(chan tea.Msg, 1)
		go func() { ch <- c() }()
		var msg tea.Msg
		select {
		case msg = <-ch:
		case <-ctx.Done():
			return fmt.Errorf("rendering the snapshot: %w", context.Cause(ctx))
		}
		switch msg := msg.(type) {
		case nil, tickMsg, spinner.TickMsg, runUpdateMsg, snapshotMsg:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		}
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().ConvertibleTo(cmdsType) {
			queue = append(queue, v.Convert(cmdsType).Interface().([]tea.Cmd)...)
			continue
		}
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	return nil
}

// snapshotFrame draws the header, the problem strip, the view's title and
// status, and the body as shown (with what is open over it); with trim,
// the body's trailing blank lines are dropped.
func (m *Model) snapshotFrame(trim bool) string {
	th := m.ctx.Theme
	w, h := m.bodySize()
	title := th.TabActive.Render(m.page().Title())
	if st := m.page().Status(); st != "" {
		title += th.Muted.Render("  " + st)
	}
	if f := m.filterText(); f != "" {
		title += th.Muted.Render("  filter " + common.Sanitize(f))
	}
	title += th.Muted.Render("  · " + m.now.Format("2006-01-02 15:04:05 MST"))
	body := m.body(w, h)
	if trim {
		lines := strings.Split(body, "\n")
		for len(lines) > 1 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
			lines = lines[:len(lines)-1]
		}
		body = strings.Join(lines, "\n")
	}
	parts := []string{m.header()}
	if s := m.problemStrip(); s != "" {
		parts = append(parts, s)
	}
	parts = append(parts, ansi.Truncate(title, m.ctx.Width, "…"), body)
	return strings.Join(parts, "\n")
}

// snapshotWrittenMsg reports a snapshot written from the TUI.
type snapshotWrittenMsg struct {
	paths []string
	err   error
}

// writeSnapshot writes the view as shown to two files (plain text for
// chat, HTML with the colours for slides) in the snapshot directory, in a
// tea.Cmd, and says where.
func (m *Model) writeSnapshot() tea.Cmd {
	dir := m.d.snapshotDir
	if dir == "" {
		m.setMsg("no snapshot directory (the audit log's directory is used: set audit_log)", true)
		return nil
	}
	frame := m.snapshotFrame(true)
	base := filepath.Join(dir, m.active+"-"+m.ctx.Now().Format("20060102-150405"))
	title := "console " + m.page().Title()
	return func() tea.Msg {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return snapshotWrittenMsg{err: err}
		}
		var paths []string
		for _, f := range []export.Format{export.Text, export.HTML} {
			var b bytes.Buffer
			if err := export.Write(&b, f, frame, title); err != nil {
				return snapshotWrittenMsg{err: err}
			}
			p := base + f.Ext()
			if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
				return snapshotWrittenMsg{err: err}
			}
			paths = append(paths, p)
		}
		return snapshotWrittenMsg{paths: paths}
	}
}

// snapshotWritten says where the snapshot went (or why it did not).
func (m *Model) snapshotWritten(msg snapshotWrittenMsg) {
	if msg.err != nil {
		m.setMsg("snapshot not written: "+common.ErrText(msg.err), true)
		return
	}
	m.setMsg("snapshot written: "+strings.Join(msg.paths, " and "), false)
}

// snapshotDirFor is where the TUI writes snapshots: "snapshots" beside
// the audit log ("" when there is no audit log).
func snapshotDirFor(auditLog string) string {
	if auditLog == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(auditLog), "snapshots")
}
