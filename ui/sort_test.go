package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/components/table"
)

// TestSortWorstFirst: sorting by a status or health column puts the
// worst rows first (bad, then warn, then ok), S puts them last, and the
// view starts at the top after each sort.
func TestSortWorstFirst(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	cases := []struct {
		view   string
		column string
		snap   *providers.Snapshot
	}{
		{"pods", "STATUS", snap}, {"nodes", "STATUS", fixtureSnapshot()}, {"lb", "TARGETS", fixtureSnapshot()},
	}
	for _, c := range cases {
		t.Run(c.view, func(t *testing.T) {
			m := newTestModel(t, c.snap, s, 80, 24)
			typeText(m, ":"+c.view)
			press(m, "enter")
			tbl := m.page().(interface{ Table() *table.Model }).Table()
			for range 20 {
				press(m, "o")
				if strings.Contains(screen(m), c.column+" ▲") {
					break
				}
			}
			if !strings.Contains(screen(m), c.column+" ▲") {
				t.Fatalf("no sort by %s", c.column)
			}
			check := func(reverse bool) {
				t.Helper()
				rows := tbl.Rows()
				if tbl.Cursor() != 0 {
					t.Errorf("cursor on row %d after the sort, want the top", tbl.Cursor())
				}
				kinds := map[int]bool{rows[0].Health: true}
				for i := 1; i < len(rows); i++ {
					kinds[rows[i].Health] = true
					worse := rows[i].Health > rows[i-1].Health
					if reverse {
						worse = rows[i].Health < rows[i-1].Health
					}
					if worse {
						t.Fatalf("row %d (%s, health %d) after row %d (%s, health %d)", i, rows[i].Key, rows[i].Health, i-1, rows[i-1].Key, rows[i-1].Health)
					}
				}
				if len(kinds) < 2 {
					t.Errorf("the %s all have one health: the test proves nothing", c.view)
				}
			}
			check(false)
			if first := tbl.Rows()[0]; first.Health != providers.HealthBad {
				t.Errorf("first row %s has health %d, want bad", first.Key, first.Health)
			}
			press(m, "G", "O")
			check(true)
		})
	}
}

// TestFilterCursorOnFirstMatch: typing a filter puts the cursor on the
// first match (exact matches first); a bad regex says so in the footer.
func TestFilterCursorOnFirstMatch(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 120, 30)
	typeText(m, ":pods")
	press(m, "enter", "G")
	typeText(m, "/shop/cart-010")
	tbl := m.page().(interface{ Table() *table.Model }).Table()
	rows := tbl.Rows()
	if tbl.Cursor() != 0 || len(rows) != 1 || rows[0].Key != "pod/prod-us-east-1/shop/cart-010" {
		t.Errorf("cursor %d on %d rows %v, want the one match first", tbl.Cursor(), len(rows), rows)
	}
	press(m, "esc")
	typeText(m, "/~cart-(")
	if !strings.Contains(screen(m), "✗ not a regular expression") {
		t.Errorf("a bad regex should be said:\n%s", screen(m))
	}
}
