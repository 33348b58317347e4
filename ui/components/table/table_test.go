package table

import (
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

func TestFit(t *testing.T) {
	cases := []struct {
		s     string
		w     int
		right bool
		want  string
	}{
		{"abc", 5, false, "abc  "},
		{"abc", 5, true, "  abc"},
		{"abcdef", 4, false, "abc…"},
		{"✓ ok", 6, false, "✓ ok  "},
		{"✓ okay-long", 5, false, "✓ ok…"},
		{"日本語", 4, false, "日… "},
	}
	for _, c := range cases {
		got := fit(c.s, c.w, c.right)
		if got != c.want || ansi.StringWidth(got) != c.w {
			t.Errorf("fit(%q, %d) = %q (width %d), want %q", c.s, c.w, got, ansi.StringWidth(got), c.want)
		}
	}
}

func TestVirtualisedView(t *testing.T) {
	ctx := common.NewContext()
	m := New(ctx, []Column{{Title: "NAME", Width: 10, Grow: true}, {Title: "N", Width: 3, Right: true}})
	m.SetSize(40, 6)
	rows := make([]Row, 10000)
	for i := range rows {
		rows[i] = Row{Key: strconv.Itoa(i), Cells: []string{"row-" + strconv.Itoa(i), strconv.Itoa(i % 7)}}
	}
	m.SetRows(rows)
	if got := strings.Count(m.View(), "\n") + 1; got != 6 {
		t.Fatalf("view has %d lines, want 6", got)
	}
	m.End()
	if v := ansi.Strip(m.View()); !strings.Contains(v, "row-9999") || strings.Contains(v, "row-9990") {
		t.Errorf("end should show the last rows only:\n%s", v)
	}
	if m.Position() != "10000/10000" {
		t.Errorf("position %s", m.Position())
	}
	m.Home()
	m.PageDown()
	if m.Cursor() != 4 {
		t.Errorf("page down from 0 with 5 body rows: cursor %d, want 4", m.Cursor())
	}
	// the cursor stays on its key when rows change
	m.Select("1234")
	m.SetRows(rows[1000:2000])
	if m.SelectedKey() != "1234" {
		t.Errorf("cursor moved to %s", m.SelectedKey())
	}
	m.SetRows(nil)
	if m.Cursor() != -1 || !strings.Contains(m.View(), "nothing to show") {
		t.Errorf("empty table: cursor %d", m.Cursor())
	}
}

func TestLayoutCaps(t *testing.T) {
	cols := []Column{{Title: "A", Width: 10, Grow: true, Max: 20}, {Title: "B", Width: 5, Grow: true}, {Title: "C", Width: 4}}
	w := Layout(cols, []int{10, 5, 4}, nil, 98)
	if w[0] != 20 || w[0]+w[1]+w[2]+2 != 98 {
		t.Errorf("widths %v: A capped at 20, B takes the rest of 98", w)
	}
}
