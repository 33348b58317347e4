package logview

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

func lines(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, "line "+strconv.Itoa(i))
	}
	return out
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.HandleKey(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	}
}

func TestLogView(t *testing.T) {
	lv := New(common.NewContext())
	m := &lv
	m.SetSize(40, 6) // 5 rows and the status line
	m.SetLines(lines(1, 3))
	m.SetLines(lines(1, 50)) // only the new lines are added
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "line 50") || !strings.Contains(v, "following") || len(m.rows) != 50 {
		t.Fatalf("the view should follow the end of 50 lines (%d rows):\n%s", len(m.rows), v)
	}
	press(m, "g")
	m.SetLines(lines(1, 60)) // not following: stays at the top
	if v = ansi.Strip(m.View()); !strings.Contains(v, "line 1\n") || !strings.Contains(v, "of 60") {
		t.Errorf("after g new lines should not move the view:\n%s", v)
	}
	press(m, "/", "5")
	m.HandleKey(tea.KeyPressMsg{Code: tea.KeyEnter})
	if v = ansi.Strip(m.View()); !strings.Contains(v, "/5 1/15") {
		t.Errorf("/5 should find 15 lines (5, 15, ... 45, 50-59), the first current:\n%s", v)
	}
	press(m, "N")
	if v = ansi.Strip(m.View()); !strings.Contains(v, "/5 15/15") || !strings.Contains(v, "line 59") {
		t.Errorf("N from the first match wraps to the last (line 59):\n%s", v)
	}
	// a bounded log that dropped its oldest lines is wrapped again
	m.SetLines(lines(11, 70))
	if m.Len() != 60 || m.lines[0] != "line 11" || len(m.rows) != 60 {
		t.Errorf("after the start moved: %d lines from %q, %d rows", m.Len(), m.lines[0], len(m.rows))
	}
	m.SetSize(100, 6)
	if v = ansi.Strip(m.View()); !strings.Contains(v, "of 70") || !strings.Contains(v, "first 10 only on disk") || len(m.matches) != 15 || m.matches[0] != 14 {
		t.Errorf("lines keep their numbers and the matches drop with their lines (5 goes, 65 comes: 15, got %d):\n%s", len(m.matches), v)
	}
	// long lines wrap at the width, none is cut
	m.SetSize(40, 6)
	m.SetLines([]string{strings.Repeat("word ", 20)})
	if len(m.rows) < 3 {
		t.Errorf("a 100-cell line at 40 columns should wrap into 3 rows, got %d", len(m.rows))
	}
}
