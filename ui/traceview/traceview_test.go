package traceview

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/traces"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func span(id, parent, svc, op string, start, dur int, err bool, res ...traces.KeyValue) traces.Span {
	return traces.Span{SpanID: id, ParentID: parent, Service: svc, Operation: op, Start: t0.Add(time.Duration(start) * time.Millisecond),
		Duration: time.Duration(dur) * time.Millisecond, Error: err, Resource: res}
}

func sample() *traces.Trace {
	return &traces.Trace{TraceID: "abc", Spans: []traces.Span{
		span("1", "", "frontend", "GET /checkout", 0, 100, true),
		span("2", "1", "checkout", "PlaceOrder", 5, 90, true),
		span("3", "2", "inventory", "GetItem", 10, 20, false),
		span("4", "2", "payment", "Charge", 35, 50, true, traces.KeyValue{Key: "k8s.pod.name", Value: "payment-0"}, traces.KeyValue{Key: "k8s.node.name", Value: "node-b"}),
		span("5", "4", "db", "INSERT \x1b]0;pwned\x07payments", 40, 40, true, traces.KeyValue{Key: "k8s.pod.name", Value: "db-0"}, traces.KeyValue{Key: "cloud.availability_zone", Value: "us-east-1c"}),
	}}
}

func press(m Model, keys ...string) (Model, []tea.Msg) {
	var msgs []tea.Msg
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "up":
			msg = tea.KeyPressMsg{Code: tea.KeyUp}
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		if cmd != nil {
			msgs = append(msgs, cmd())
		}
	}
	return m, msgs
}

func TestOpensOnErrorOriginAndJumps(t *testing.T) {
	m := New(sample(), nil).SetSize(120, 30)
	if s := m.Selected(); s == nil || s.SpanID != "5" {
		t.Fatalf("selected %+v, want the error origin 5", s)
	}
	out := m.View()
	if strings.Contains(out, "\x1b]0;") || strings.Contains(out, "\x07") {
		t.Error("escape sequence from the trace reached the screen")
	}
	if !strings.Contains(ansi.Strip(out), "error origin: db INSERT") {
		t.Errorf("report missing the origin:\n%s", ansi.Strip(out))
	}
	if n := strings.Count(out, "\n") + 1; n > 30 {
		t.Errorf("view has %d lines for a height of 30", n)
	}
	for _, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > 120 {
			t.Errorf("line wider than 120 (%d): %q", w, ansi.Strip(l))
		}
	}
	// o on the origin: the pod and zone of db.
	m, msgs := press(m, "o")
	if len(msgs) != 1 || msgs[0] != (JumpMsg{Pod: "db-0", Zone: "us-east-1c", Service: "db"}) {
		t.Errorf("jump %+v", msgs)
	}
	// n cycles through the errors in tree order: 5 → 1 → 2 → 4.
	var got []string
	for i := 0; i < 4; i++ {
		m, _ = press(m, "n")
		got = append(got, m.Selected().SpanID)
	}
	if strings.Join(got, ",") != "1,2,4,5" {
		t.Errorf("n visits %v", got)
	}
	m, _ = press(m, "N")
	if m.Selected().SpanID != "4" {
		t.Errorf("N went to %s", m.Selected().SpanID)
	}
	// Critical path and self time are shown.
	plain := ansi.Strip(m.View())
	if !strings.Contains(plain, "◆") || !strings.Contains(plain, "self") {
		t.Errorf("no critical path glyph or self column:\n%s", plain)
	}
}

func TestCollapseSearchDetail(t *testing.T) {
	m := New(sample(), nil).SetSize(100, 30)
	m, _ = press(m, "home")
	m.cursor = 0
	m, _ = press(m, "down") // checkout
	if m.Selected().SpanID != "2" {
		t.Fatalf("selected %s", m.Selected().SpanID)
	}
	m, _ = press(m, "enter") // collapse checkout
	if len(m.rows) != 2 || !strings.Contains(ansi.Strip(m.View()), "(+3)") {
		t.Fatalf("after collapse rows %d:\n%s", len(m.rows), ansi.Strip(m.View()))
	}
	// Search reveals a span in a collapsed subtree.
	m, _ = press(m, "/", "p", "a", "y", "enter")
	if m.Selected().SpanID != "4" || len(m.rows) != 5 {
		t.Fatalf("search selected %s with %d rows", m.Selected().SpanID, len(m.rows))
	}
	m, _ = press(m, "d")
	plain := ansi.Strip(m.View())
	if !strings.Contains(plain, "pod payment-0") || !strings.Contains(plain, "node node-b") {
		t.Errorf("detail pane:\n%s", plain)
	}
	// h folds the span, then goes to its parent.
	m, _ = press(m, "h", "h")
	if m.Selected().SpanID != "2" {
		t.Errorf("h went to %s", m.Selected().SpanID)
	}
}

func TestBigTraces(t *testing.T) {
	wide := New(traces.WideTrace(100000), nil).SetSize(160, 50)
	if len(wide.rows) != 100000 {
		t.Errorf("wide: %d rows", len(wide.rows))
	}
	wide, _ = press(wide, "end")
	if v := wide.View(); strings.Count(v, "\n") >= 50 {
		t.Error("view taller than the screen")
	}
	deep := traces.DeepTrace(100000)
	deep.Spans[len(deep.Spans)-1].Error = false // no origin to reveal
	dm := New(deep, nil).SetSize(160, 50)
	if len(dm.rows) != 2 || !strings.Contains(ansi.Strip(dm.View()), fmt.Sprintf("(+%d)", 100000-2)) {
		t.Errorf("deep: %d rows, large subtree not collapsed", len(dm.rows))
	}
}

func TestFindingsNavigation(t *testing.T) {
	tr := &traces.Trace{TraceID: "slow", Spans: []traces.Span{
		span("1", "", "frontend", "GET /", 0, 100, false),
		span("2", "1", "payment", "Charge", 5, 90, false),
		span("3", "2", "db", "SELECT", 10, 85, false, traces.KeyValue{Key: "k8s.pod.name", Value: "db-0"}),
	}}
	m := New(tr, nil).SetSize(120, 30)
	m, _ = press(m, "f")
	if m.Selected().SpanID != "3" || !strings.Contains(ansi.Strip(m.View()), "▶ slow_dependency") {
		t.Fatalf("f selected %s:\n%s", m.Selected().SpanID, ansi.Strip(m.View()))
	}
	_, msgs := press(m, "o")
	if len(msgs) != 1 || msgs[0].(JumpMsg).Pod != "db-0" {
		t.Errorf("jump %+v", msgs)
	}
}

func TestHandledErrorDoesNotOpenTheTrace(t *testing.T) {
	tr := &traces.Trace{TraceID: "ok", Spans: []traces.Span{
		span("1", "", "frontend", "GET /dispatch", 0, 100, false),
		span("2", "1", "driver", "FindNearest", 5, 90, false),
		span("3", "2", "redis", "GetDriver", 10, 20, true),
		span("4", "2", "redis", "GetDriver", 35, 10, false),
	}}
	tr.Spans[2].Events = []traces.Event{{Name: "log", Fields: []traces.KeyValue{{Key: "level", Value: "error"}, {Key: "error", Value: "redis timeout"}}}}
	m := New(tr, nil).SetSize(120, 30)
	if s := m.Selected(); s == nil || s.SpanID != "1" {
		t.Fatalf("selected %+v, want the root (no error origin)", s)
	}
	v := ansi.Strip(m.View())
	if strings.Contains(v, "✗ error origin") || !strings.Contains(v, "no error origin: the root did not fail") || !strings.Contains(v, "1 handled errors") {
		t.Errorf("report:\n%s", v)
	}
	m, _ = press(m, "down", "down", "d")
	if v := ansi.Strip(m.View()); !strings.Contains(v, "ERROR: redis timeout") {
		t.Errorf("detail lacks the log's message:\n%s", v)
	}
}

func TestJumpWithoutLocationStaysAndSaysWhy(t *testing.T) {
	m := New(sample(), nil).SetSize(120, 30)
	m, _ = press(m, "up", "up", "up", "up")
	if s := m.Selected(); s == nil || s.SpanID != "1" {
		t.Fatalf("selected %+v, want the root", s)
	}
	m, _ = press(m, "o") // the root names no place
	if v := ansi.Strip(m.View()); !strings.Contains(v, "names no pod, node, zone or host") {
		t.Errorf("no reason shown:\n%s", v)
	}
	_, msgs := press(m, "o")
	for _, msg := range msgs {
		if _, ok := msg.(JumpMsg); ok {
			t.Errorf("jumped to nowhere: %+v", msg)
		}
	}
}

// TestTopKeyIsNotTheJump: g goes to the top as in every other view; the
// jump to where a span ran is o, so the two never clash.
func TestTopKeyIsNotTheJump(t *testing.T) {
	m := New(sample(), nil).SetSize(120, 30)
	m, _ = press(m, "G")
	if s := m.Selected(); s == nil || s.SpanID == "1" {
		t.Fatalf("G should leave the root, selected %+v", s)
	}
	m, msgs := press(m, "g")
	if s := m.Selected(); s == nil || s.SpanID != "1" {
		t.Errorf("g should select the root (top), selected %+v", s)
	}
	for _, msg := range msgs {
		if _, ok := msg.(JumpMsg); ok {
			t.Errorf("g jumped: %+v", msg)
		}
	}
	var hints []string
	for _, b := range m.KeyHints() {
		hints = append(hints, b.Help().Key+" "+b.Help().Desc)
	}
	if !slices.Contains(hints, "o open where it ran") {
		t.Errorf("footer lacks the jump key: %v", hints)
	}
}
