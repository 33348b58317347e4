package ui

import (
	"runtime"
	"sync"
	"testing"

	"github.com/opsconsole/console/providers"
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
// shown again, takes them from the cache (another session still shows
// them) with the cursor where it was.
func TestReleaseHiddenPages(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	m := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
	other := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
	tbl := func() *table.Model { return m.byName["pods"].(interface{ Table() *table.Model }).Table() }
	press(m, "down", "down", "down")
	cursor := tbl().SelectedKey()
	drain(m, m.switchTo("nodes"))
	if n := len(tbl().Rows()); n != 0 {
		t.Fatalf("the hidden pods page holds %d rows", n)
	}
	builds := cache.Builds()
	runtime.GC() // the other session's hold keeps the rows in the cache
	drain(m, m.switchTo("pods"))
	if got := tbl().SelectedKey(); got != cursor || len(tbl().Rows()) == 0 {
		t.Fatalf("pods shown again: cursor %q (was %q), %d rows", got, cursor, len(tbl().Rows()))
	}
	if n := cache.Builds(); n != builds {
		t.Fatalf("pods shown again built anew (%d builds, was %d), not from the cache", n, builds)
	}
	runtime.KeepAlive(other)
}

// TestBuildCacheHoldsOnlyWhatIsShown: the cache holds a build only while
// a session shows it: once every session left the view (or the version),
// the rows are freed, and the view shown again is built anew.
func TestBuildCacheHoldsOnlyWhatIsShown(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	ms := []*Model{
		newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" }),
		newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" }),
	}
	if n := cache.Builds(); n != 1 {
		t.Fatalf("2 sessions on pods ran %d builds, want 1", n)
	}
	for _, m := range ms {
		drain(m, m.switchTo("nodes"))
	}
	builds := cache.Builds() // pods once, nodes once
	runtime.GC()             // nobody shows pods: its rows are freed
	drain(ms[0], ms[0].switchTo("pods"))
	if n := cache.Builds(); n != builds+1 {
		t.Fatalf("pods shown again after every session left it: builds = %d, want %d (built anew)", n, builds+1)
	}
	drain(ms[1], ms[1].switchTo("pods"))
	if n := cache.Builds(); n != builds+1 {
		t.Fatalf("the second session back on pods built again: builds = %d, want %d", n, builds+1)
	}
}

// TestServeSessionsShareTheNewest: a session behind the store (its
// snapshot older than the newest, as on a loaded server) builds and
// counts the store's newest version, the one the other sessions share,
// and shows it without building again; the problem count is counted
// once for every session of a version and scope.
func TestServeSessionsShareTheNewest(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	next := *snap
	next.Version = snap.Version + 1
	latest := func() *providers.Snapshot { return &next }
	open := func() *Model {
		m := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.latest = latest; d.startView = "pods" })
		drain(m, m.countProblems())
		return m
	}
	ms := []*Model{open(), open(), open()}
	if n := cache.Builds(); n != 1 {
		t.Fatalf("3 sessions on pods ran %d builds, want 1", n)
	}
	for i, m := range ms {
		if st := m.state["pods"]; st.built != next.Version {
			t.Errorf("session %d shows version %d, want the newest, %d", i, st.built, next.Version)
		}
		if m.problems == nil {
			t.Fatalf("session %d has no problem count", i)
		}
		if *m.problems != *ms[0].problems {
			t.Errorf("session %d counted %+v, session 0 %+v", i, *m.problems, *ms[0].problems)
		}
		if cmd := m.buildActive(); cmd != nil {
			t.Errorf("session %d, its snapshot older than its rows, builds again", i)
		}
	}
	if n := cache.Counts(); n != 1 {
		t.Fatalf("3 sessions counted the problems %d times, want 1", n)
	}
}

// TestBuildCacheReusesTheVersionBefore: the Pods view of a newer snapshot
// is built from the version a session still shows: the pods unchanged
// keep the same cells in both versions.
func TestBuildCacheReusesTheVersionBefore(t *testing.T) {
	cache := pages.NewBuildCache()
	snap, s := demoSnapshot(t, sim.Options{})
	rows := func(m *Model) []table.Row {
		return m.page().(interface{ Table() *table.Model }).Table().Rows()
	}
	old := newTestModel(t, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
	next := *snap
	next.Version = snap.Version + 1
	m := newTestModel(t, &next, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
	if n := cache.Builds(); n != 2 {
		t.Fatalf("two versions ran %d builds, want 2", n)
	}
	if m.state["pods"].built != next.Version || old.state["pods"].built != snap.Version {
		t.Fatalf("versions shown %d and %d, want %d and %d", old.state["pods"].built, m.state["pods"].built, snap.Version, next.Version)
	}
	if a, b := rows(old), rows(m); len(a) == 0 || &a[0].Cells[0] != &b[0].Cells[0] {
		t.Fatal("the newer version's rows are not the older's cells")
	}
}
