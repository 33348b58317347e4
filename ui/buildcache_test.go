package ui

import (
	"sync"
	"testing"

	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/components/table"
	"github.com/opsconsole/console/ui/pages"
)

// TestBuildCacheShared: sessions showing the same view of the same
// snapshot and scope share one build and one row slice, their filters
// and cursors their own; another scope or a newer version builds again.
func TestBuildCacheShared(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	var ms []*Model
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
			mu.Lock()
			ms = append(ms, m)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := cache.Builds(); n != 1 {
		t.Fatalf("5 sessions on pods ran %d builds, want 1", n)
	}
	rows := func(m *Model) []table.Row {
		return m.page().(interface{ Table() *table.Model }).Table().Rows()
	}
	if &rows(ms[0])[0].Cells[0] != &rows(ms[4])[0].Cells[0] {
		t.Fatal("the sessions' rows are not the same cells")
	}
	typeText(ms[0], "/")
	typeText(ms[0], "checkout")
	press(ms[0], "enter")
	if a, b := len(rows(ms[0])), len(rows(ms[1])); a >= b || a == 0 {
		t.Fatalf("a filter in one session changed another's rows: %d vs %d", a, b)
	}

	tests := []struct {
		name   string
		change func(m *Model)
		builds int
	}{
		{"another region", func(m *Model) { m.region = "us-east-1" }, 2},
		{"the same region again", func(m *Model) { m.region = "us-east-1" }, 2},
		{"a newer snapshot", func(m *Model) { m.region = ""; next := *snap; next.Version = 2; m.snap = &next }, 3},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ms[1+i]
			tc.change(m)
			drain(m, m.buildActive())
			if n := cache.Builds(); n != tc.builds {
				t.Fatalf("builds = %d, want %d", n, tc.builds)
			}
		})
	}
	// a session a snapshot behind (back to every region at version 1)
	// still shares the build of version 1
	m := ms[1]
	m.region = ""
	drain(m, m.buildActive())
	if n := cache.Builds(); n != 3 {
		t.Fatalf("a session a version behind built again: builds = %d, want 3", n)
	}
}

// TestReleaseHiddenPages: in a session with a shared build cache, a page
// left drops its rows (it would hold its own old snapshot version) and,
// shown again, takes them from the cache with the cursor where it was.
func TestReleaseHiddenPages(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
	tbl := func() *table.Model { return m.byName["pods"].(interface{ Table() *table.Model }).Table() }
	press(m, "down", "down", "down")
	cursor := tbl().SelectedKey()
	drain(m, m.switchTo("nodes"))
	if n := len(tbl().Rows()); n != 0 {
		t.Fatalf("the hidden pods page holds %d rows", n)
	}
	builds := cache.Builds()
	drain(m, m.switchTo("pods"))
	if got := tbl().SelectedKey(); got != cursor || len(tbl().Rows()) == 0 {
		t.Fatalf("pods shown again: cursor %q (was %q), %d rows", got, cursor, len(tbl().Rows()))
	}
	if n := cache.Builds(); n != builds {
		t.Fatalf("pods shown again built anew (%d builds, was %d), not from the cache", n, builds)
	}
}
