package podlog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers/kube/podlogs"
	"github.com/opsconsole/console/ui/common"
)

func TestTraceID(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		line, want string
	}{
		{"traceparent: 00-" + id + "-00f067aa0ba902b7-01 GET /", id},
		{`level=error msg="timeout" trace_id=` + id + ` span_id=00f067aa0ba902b7`, id},
		{`{"traceId":"` + strings.ToUpper(id) + `","msg":"x"}`, id},
		{"traceID: " + id, id},
		{"trace.id=" + id, id},
		// silent: too short, not hex, all zeros, no trace field
		{"trace_id=4bf92f3577b34da6", ""},
		{"trace_id=" + strings.Repeat("z", 32), ""},
		{"trace_id=" + strings.Repeat("0", 32), ""},
		{"request " + id + " done", ""},
		{"plain line", ""},
	}
	for _, tt := range tests {
		if got := traceID(common.Fold(tt.line)); got != tt.want {
			t.Errorf("traceID(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func lines(pod string, n int, start time.Time, format string) []podlogs.Line {
	out := make([]podlogs.Line, n)
	for i := range out {
		out[i] = podlogs.Line{Time: start.Add(time.Duration(i) * time.Millisecond), Pod: pod, Container: "app", Text: fmt.Sprintf(format, i)}
	}
	return out
}

func newTest(maxLines int) *Model {
	ctx := common.NewContext()
	ctx.Now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }
	m := New(ctx, Options{Title: "deployment shop/web", MaxLines: maxLines})
	m.SetSize(80, 12)
	m.streaming = true
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "ctrl+s":
			msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		m.Update(msg)
	}
}

func TestRingIsBounded(t *testing.T) {
	m := newTest(100)
	t0 := time.Now()
	m.Ingest(lines("web-1", 250, t0, "line %d"))
	if m.Lines() != 100 || m.buf.base != 150 {
		t.Fatalf("lines = %d, dropped = %d; want 100 and 150", m.Lines(), m.buf.base)
	}
	if got := m.buf.at(m.buf.base).text; got != "line 150" {
		t.Errorf("oldest = %q, want line 150", got)
	}
	if got := m.buf.at(m.buf.end() - 1).text; got != "line 249" {
		t.Errorf("newest = %q, want line 249", got)
	}
	if !strings.Contains(m.View(), "150 dropped") {
		t.Errorf("header does not say what was dropped:\n%s", m.View())
	}
}

func TestSearchFilterAndFollow(t *testing.T) {
	m := newTest(1000)
	t0 := time.Now()
	m.Ingest(lines("web-1", 100, t0, "GET /item/%d ok"))
	press(m, "/")
	for _, r := range "item/4" {
		press(m, string(r))
	}
	press(m, "enter")
	// item/4, item/40..49
	if len(m.matches) != 11 {
		t.Fatalf("matches = %d, want 11", len(m.matches))
	}
	if m.follow {
		t.Error("a search stops following")
	}
	first := m.buf.at(m.cursor).text
	press(m, "n")
	second := m.buf.at(m.cursor).text
	press(m, "N")
	if m.buf.at(m.cursor).text != first || first == second {
		t.Errorf("n/N: %q → %q → %q", first, second, m.buf.at(m.cursor).text)
	}
	press(m, "o")
	v := ansi.Strip(m.View())
	if strings.Contains(v, "item/5 ok") || !strings.Contains(v, "item/45 ok") {
		t.Errorf("only matching lines:\n%s", v)
	}
	// New lines that match join the matches as they arrive.
	m.Ingest(lines("web-1", 1, t0.Add(time.Second), "GET /item/4xyz ok"))
	if len(m.matches) != 12 {
		t.Errorf("matches after ingest = %d, want 12", len(m.matches))
	}
	press(m, "o", "G")
	if !m.follow {
		t.Error("G follows again")
	}
	m.Ingest(lines("web-1", 1, t0.Add(2*time.Second), "newest line %d"))
	if got := m.buf.at(m.cursor).text; got != "newest line 0" {
		t.Errorf("following: cursor on %q", got)
	}
}

func TestMergedPodsAreLabelled(t *testing.T) {
	m := newTest(1000)
	t0 := time.Now()
	m.Ingest(lines("web-1", 1, t0, "from one"))
	v := ansi.Strip(m.View())
	if strings.Contains(v, "web-1 from one") {
		t.Errorf("one pod: no label expected:\n%s", v)
	}
	m.Ingest(lines("web-2", 1, t0.Add(time.Millisecond), "from two"))
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "web-1 from one") || !strings.Contains(v, "web-2 from two") {
		t.Errorf("two pods: each line labelled with its pod:\n%s", v)
	}
}

func TestLinesAreSanitised(t *testing.T) {
	m := newTest(10)
	m.Ingest([]podlogs.Line{{Time: time.Now(), Pod: "p", Text: "evil \x1b]0;title\x07 \x1b[2J done"}})
	if v := m.View(); strings.Contains(v, "\x1b]0;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") {
		t.Errorf("escape sequences reached the screen: %q", v)
	}
}

func TestEnterOpensTrace(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	m := newTest(10)
	m.Ingest([]podlogs.Line{{Time: time.Now(), Pod: "p", Text: "checkout failed trace_id=" + id}})
	cmd, _ := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter on a line with a trace id: no command")
	}
	if msg, ok := cmd().(OpenTraceMsg); !ok || msg.ID != id {
		t.Errorf("enter = %#v, want OpenTraceMsg{%s}", cmd(), id)
	}
	m.Ingest([]podlogs.Line{{Time: time.Now(), Pod: "p", Text: "no id here"}})
	cmd, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if _, ok := cmd().(OpenTraceMsg); ok {
		t.Error("enter on a line without a trace id opened a trace")
	}
}

func TestHighlightFromSpan(t *testing.T) {
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := common.NewContext()
	t0 := time.Now()
	m := New(ctx, Options{Title: "pod shop/web-1", SinceTime: t0, Until: t0.Add(time.Minute), Highlight: id})
	m.SetSize(80, 10)
	m.Ingest(lines("web-1", 5, t0, "before %d"))
	m.Ingest([]podlogs.Line{{Time: t0.Add(time.Second), Pod: "web-1", Text: "charge trace_id=" + id}})
	if got := m.buf.at(m.cursor).text; !strings.Contains(got, id) {
		t.Errorf("cursor on %q, want the trace's first line", got)
	}
	if !strings.Contains(m.View(), "▌") {
		t.Errorf("the trace's line is not marked:\n%s", m.View())
	}
}

func TestStreamChoices(t *testing.T) {
	var (
		mu   sync.Mutex
		reqs []podlogs.Request
	)
	ctx := common.NewContext()
	m := New(ctx, Options{Title: "pod shop/web-1", Targets: []podlogs.Target{{Namespace: "shop", Pod: "web-1"}},
		Stream: func(_ context.Context, req podlogs.Request, deliver func([]podlogs.Line)) error {
			mu.Lock()
			reqs = append(reqs, req)
			mu.Unlock()
			return nil
		}})
	var drain func(cmd tea.Cmd)
	drain = func(cmd tea.Cmd) {
		// run the stream's goroutine to its end: wait returns done
		for cmd != nil {
			msg := cmd()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					drain(c)
				}
				return
			}
			cmd, _ = m.Update(msg)
		}
	}
	// each choice restarts the stream: wait for its goroutine's request
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(reqs) }
	// one request at a time: the next key only once the last one's request
	// was made (else their order is the goroutines')
	waitFor := func(n int) {
		t.Helper()
		lab.WaitFor(t, fmt.Sprintf("request %d", n), lab.Wait, func() (bool, string) {
			return count() >= n, fmt.Sprintf("%d requests", count())
		})
	}
	drain(m.Start())
	waitFor(1)
	m.containers = []string{"", "app", "sidecar"}
	press(m, "p")
	waitFor(2)
	press(m, "c")
	waitFor(3)
	press(m, "r")
	waitFor(4)
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) < 4 {
		t.Fatalf("requests = %d, want 4", len(reqs))
	}
	if !reqs[0].Follow || reqs[0].Tail != 500 {
		t.Errorf("first request = %+v, want follow, tail 500", reqs[0])
	}
	if !reqs[1].Previous || reqs[1].Follow {
		t.Errorf("p: %+v, want previous without follow", reqs[1])
	}
	if reqs[2].Targets[0].Container != "app" {
		t.Errorf("c: container %q, want app", reqs[2].Targets[0].Container)
	}
	if reqs[3].Tail != 5000 {
		t.Errorf("r: tail %d, want 5000", reqs[3].Tail)
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	ctx := common.NewContext()
	m := New(ctx, Options{Title: "pod shop/web-1", SaveDir: dir})
	m.SetSize(80, 10)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m.Ingest(lines("web-1", 3, t0, "line %d"))
	cmd, _ := m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	msg := cmd()
	saved, ok := msg.(savedMsg)
	if !ok || saved.err != nil {
		t.Fatalf("save: %#v", msg)
	}
	data, err := os.ReadFile(saved.path)
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-12-01T12:00:00Z line 0\n2026-12-01T12:00:00.001Z line 1\n2026-12-01T12:00:00.002Z line 2\n"
	if string(data) != want || filepath.Dir(saved.path) != dir {
		t.Errorf("saved %s:\n%q\nwant\n%q", saved.path, data, want)
	}
	if st, _ := os.Stat(saved.path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
}
