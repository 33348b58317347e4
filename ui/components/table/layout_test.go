package table

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/ui/common"
)

// podCols is the Pods view's spec, as a realistic case.
var podCols = []Column{
	{Title: "NAMESPACE", Width: 10, Priority: 8},
	{Title: "NAME", Width: 22, Grow: true, Max: 56, Priority: 10, Middle: true},
	{Title: "STATUS", Width: 12, Priority: 9},
	{Title: "RESTARTS", Width: 8, Right: true, Priority: 5},
	{Title: "NODE", Width: 14, Grow: true, Max: 48, Priority: 7, Middle: true},
	{Title: "AGE", Width: 4, Right: true, Priority: 4},
	{Title: "OWNER", Width: 16, Grow: true, Max: 40, Priority: 3, Middle: true},
}

func TestLayout(t *testing.T) {
	many := make([]Column, 12)
	manyNat := make([]int, 12)
	for i := range many {
		many[i] = Column{Title: "C" + string(rune('a'+i)), Width: 8, Priority: 12 - i}
		manyNat[i] = 10
	}
	many[0].Priority = 100
	cases := []struct {
		name    string
		cols    []Column
		natural []int
		off     []bool
		avail   int
		want    []int
	}{
		{
			// 80 columns: OWNER (lowest priority) drops; every other
			// column shows its widest cell; the rest pads NAME and NODE
			name: "narrow", cols: podCols, natural: []int{4, 12, 18, 2, 17, 3, 19}, avail: 78,
			want: []int{9, 15, 18, 8, 20, 3, 0},
		},
		{
			// 40 columns: the name keeps its content, low-value
			// columns go first (OWNER, AGE, RESTARTS, NODE)
			name: "very narrow", cols: podCols, natural: []int{4, 12, 18, 2, 17, 3, 19}, avail: 38,
			want: []int{9, 12, 15, 0, 0, 0, 0},
		},
		{
			// 220 columns: nothing is cut, the rest pads the Grow
			// columns up to their Max
			name: "wide", cols: podCols, natural: []int{4, 30, 18, 2, 40, 3, 25}, avail: 218,
			want: []int{9, 56, 18, 8, 48, 3, 40},
		},
		{
			// a name longer than its Max shows in full when there is
			// room (Max caps growth, not content)
			name: "wide long name", cols: podCols, natural: []int{4, 70, 18, 2, 17, 3, 19}, avail: 198,
			want: []int{9, 70, 18, 8, 44, 3, 40},
		},
		{
			// a long name at 80 columns: it takes half the screen, the
			// lowest columns drop (OWNER, AGE, RESTARTS), it is cut
			// there (middle ellipsis)
			name: "long name", cols: podCols, natural: []int{4, 60, 18, 2, 17, 3, 19}, avail: 78,
			want: []int{9, 40, 12, 0, 14, 0, 0},
		},
		{
			// many columns: the identifying one and the highest
			// priorities, in their order
			name: "many columns", cols: many, natural: manyNat, avail: 60,
			want: []int{10, 10, 10, 9, 8, 8, 0, 0, 0, 0, 0, 0},
		},
		{
			// scrolled off: the dropped OWNER comes into view, the
			// rest pads the Grow columns
			name: "scrolled", cols: podCols, natural: []int{4, 12, 18, 2, 17, 3, 19}, avail: 78,
			off:  []bool{true, false, true, true, false, false, false},
			want: []int{0, 20, 0, 0, 25, 3, 27},
		},
		{
			name: "one column wider than the screen", cols: podCols[1:2], natural: []int{100}, avail: 30,
			want: []int{30},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Layout(c.cols, c.natural, c.off, c.avail)
			if !slices.Equal(got, c.want) {
				t.Errorf("Layout = %v, want %v", got, c.want)
			}
			used, n := 0, 0
			for _, w := range got {
				if w > 0 {
					used += w
					n++
				}
			}
			if used+n-1 > c.avail {
				t.Errorf("%v uses %d cells of %d", got, used+n-1, c.avail)
			}
		})
	}
}

func TestFitMiddle(t *testing.T) {
	cases := []struct {
		s    string
		w    int
		want string
	}{
		{"payments-aurora-instance-3", 23, "payments-au…-instance-3"},
		{"payments-aurora-instance-3", 30, "payments-aurora-instance-3    "},
		{"terraform_data.workers", 15, "terrafo…workers"},
		{"✓ node-with-a-long-name", 12, "✓ node…-name"},
		{"abcdef", 4, "abc…"}, // too narrow for both ends
		// a DNS name keeps its first (most specific) label
		{"node ip-10-1-64-12.eu-west-1.compute.internal", 29, "node ip-10-1-64-12.eu-west-1…"},
		{"edge-us-east-1.elb.example", 12, "edge-us-eas…"},
		// an IPv4 address and a Terraform address are not DNS names
		{"10.100.200.17", 9, "10.1…0.17"},
		{"module.workers.aws_instance.node[0]", 20, "module.wor…e.node[0]"},
	}
	for _, c := range cases {
		got := fitMiddle(c.s, c.w, false)
		if got != c.want || ansi.StringWidth(got) != c.w {
			t.Errorf("fitMiddle(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}

func TestWrapCells(t *testing.T) {
	got := wrapCells([]string{"NAME", "STATUS", "OWNER"}, []string{"checkout-000", "✓ Running", "Deployment/a-very-long-owner-name"}, 30)
	want := []string{"NAME checkout-000", "STATUS ✓ Running", "OWNER Deployment/a-very-long-o", "wner-name"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapCells = %q, want %q", got, want)
	}
}

// Names that differ only at their end stay apart when their column is
// too narrow for them.
func TestDistinctEnds(t *testing.T) {
	groups := [][]string{
		{"payments-aurora-instance-1", "payments-aurora-instance-2", "payments-aurora-instance-3"},
		{"terraform_data.workers", "terraform_data.bastion"},
		{"module.workers.aws_autoscaling_group.this", "module.workers.aws_autoscaling_group.that"},
		{"ip-10-1-64-12.eu-west-1.compute.internal", "ip-10-1-65-7.eu-west-1.compute.internal", "ip-10-1-66-201.eu-west-1.compute.internal"},
	}
	for _, names := range groups {
		for _, width := range []int{80, 60, 40} {
			m := New(common.NewContext(), podCols)
			m.SetSize(width, 10)
			rows := make([]Row, len(names))
			for i, n := range names {
				rows[i] = Row{Key: n, Cells: []string{"ns", n, "✓ Running", "0", "node-us-east-1a-0-with-a-long-name", "1h", "Deployment/" + n}}
			}
			m.SetRows(rows)
			lines := strings.Split(ansi.Strip(m.View()), "\n")[1 : 1+len(names)]
			// the rows differ only by their name: distinct lines are
			// distinct names
			seen := map[string]bool{}
			for _, l := range lines {
				l = strings.TrimPrefix(strings.TrimPrefix(l, "▸"), " ")
				if seen[l] {
					t.Errorf("width %d: two of %q look the same:\n%s", width, names, strings.Join(lines, "\n"))
				}
				seen[l] = true
			}
		}
	}
}

func TestMeasure(t *testing.T) {
	rows := []Row{
		{Cells: []string{"abcd", "✓ ok", "日本"}, Prefix: "  ▸ "},
		{Cells: []string{"abcdef", "x", "abcde"}},
	}
	if got, want := Measure(rows, 3), []int{8, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("Measure = %v, want %v", got, want)
	}
}

// Scrolling right shows what was dropped; the identifying column stays;
// the full row shows every cell.
func TestScrollAndFullRow(t *testing.T) {
	m := New(common.NewContext(), podCols)
	m.SetSize(60, 10)
	m.SetRows([]Row{{Key: "a", Cells: []string{"shop", "checkout-000", "✓ Running", "12", "node-us-east-1a-0", "3h", "Deployment/checkout"}}})
	v := ansi.Strip(m.View())
	if strings.Contains(v, "OWNER") || !strings.HasSuffix(strings.Split(v, "\n")[0], "›") {
		t.Fatalf("at 60 columns OWNER should be dropped and › shown:\n%s", v)
	}
	for range 5 {
		m.ScrollRight()
	}
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "OWNER") || !strings.Contains(v, "Deployment/checkout") || !strings.Contains(v, "checkout-000") || !strings.HasPrefix(v, "‹") {
		t.Errorf("scrolled right: OWNER and the name should show, ‹ marks the scroll:\n%s", v)
	}
	for m.ScrollLeft() {
	}
	m.ToggleFullRow()
	v = ansi.Strip(m.View())
	if n := strings.Count(v, "\n") + 1; n != 10 {
		t.Errorf("view has %d lines, want 10", n)
	}
	for _, want := range []string{"OWNER Deployment/checkout", "RESTARTS 12", "NODE node-us-east-1a-0"} {
		if !strings.Contains(v, want) {
			t.Errorf("the full row lacks %q:\n%s", want, v)
		}
	}
}
