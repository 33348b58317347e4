package pages

import (
	"cmp"
	"slices"
	"sync"
	"weak"
)

// SharedBuilder is implemented by Builders whose Build depends on its
// Input alone (no page state) and whose result is never changed once
// built (Apply keeps it as it is; filters, sorts and cursors live beside
// it in the page): sessions showing the same view of the same snapshot
// and scope can share one result (BuildCache).
type SharedBuilder interface {
	Builder
	SharedBuild() bool
}

// IncrementalBuilder is implemented by SharedBuilders that can reuse an
// earlier build's unchanged rows (the Pods view: from one snapshot to
// the next most of 50,000 pods show the same cells, which the two builds
// then share instead of holding twice).
type IncrementalBuilder interface {
	SharedBuilder
	// BuildFrom is Build, given prev, the data of an earlier build of the
	// same view and scope (never changed: what it reuses stays as it is).
	BuildFrom(in *Input, prev any) any
}

// Built is one build's data as a BuildCache hands it out. The sessions
// showing it hold it (the shell keeps it beside the page it applied it
// to) and the cache only weakly: the rows of a view, or of a snapshot
// version, that no session shows any more are freed at the next
// collection, however many sessions or versions went by.
type Built struct {
	// Data is what the page's Build returned (given to its Apply).
	Data any
}

// BuildCache shares what the sessions of one console serve derive from
// the same snapshot: the pages' built data and the problem count. Per
// view and scope it keeps the builds of the newest few snapshot versions
// while a session holds them (Built), each built once however many
// sessions ask at once; per scope it keeps the problem counts of the
// newest few versions. Safe for concurrent use; a nil cache builds and
// counts every time.
type BuildCache struct {
	mu      sync.Mutex
	entries map[buildKey][]*buildEntry // newest first
	builds  int                        // how many builds ran (tests)
	counts  int                        // how many problem counts ran (tests)
}

// buildKey is a view and a scope (region, Kubernetes context and namespace).
type buildKey struct{ page, scope string }

// problemsPage is the buildKey page of the problem counts.
const problemsPage = "\x00problems"

// buildEntry is one build or problem count, done when done is closed.
type buildEntry struct {
	version  uint64
	done     chan struct{}
	built    weak.Pointer[Built] // a page's build: while a session holds it
	problems Problems            // a problem count
}

// Bounds: the versions kept per view and scope, and the views × scopes
// kept (beyond it the cache starts again: an estate with many namespaces
// chosen by many users).
const (
	buildVersions   = 3
	maxBuildEntries = 256
)

// NewBuildCache returns an empty cache.
func NewBuildCache() *BuildCache { return &BuildCache{entries: map[buildKey][]*buildEntry{}} }

// Build returns the data of view page (p) for snapshot version in scope,
// from the cache when a session built it already and one still holds it,
// else built with in() (once, the other sessions asking meanwhile wait
// for it). A page that is not a SharedBuilder, or a version older than
// those cached, is built for the caller alone.
func (c *BuildCache) Build(page string, p Builder, version uint64, scope string, in func() *Input) *Built {
	sb, ok := p.(SharedBuilder)
	if c == nil || !ok || !sb.SharedBuild() {
		return &Built{Data: p.Build(in())}
	}
	for {
		e, mine, prev := c.entry(buildKey{page, scope}, version, func(e *buildEntry) bool { return e.built.Value() != nil })
		switch {
		case e == nil:
			return &Built{Data: p.Build(in())}
		case mine:
			b := &Built{}
			if ib, ok := p.(IncrementalBuilder); ok && prev != nil {
				b.Data = ib.BuildFrom(in(), prev.Data)
			} else {
				b.Data = p.Build(in())
			}
			e.built = weak.Make(b)
			close(e.done)
			return b
		}
		<-e.done
		if b := e.built.Value(); b != nil {
			return b
		}
		// built and already dropped by every session: build it again
	}
}

// Problems returns the problem count of snapshot version in scope, from
// the cache when a session counted it already, else counted with count
// (once, the other sessions asking meanwhile wait for it). The caller
// gets its own copy (it adds its session's failed runs). A version older
// than those cached is counted for the caller alone.
func (c *BuildCache) Problems(version uint64, scope string, count func() Problems) Problems {
	if c == nil {
		return count()
	}
	e, mine, _ := c.entry(buildKey{problemsPage, scope}, version, nil)
	switch {
	case e == nil:
		return count()
	case mine:
		e.problems = count()
		close(e.done)
		return e.problems
	}
	<-e.done
	return e.problems
}

// entry returns the entry of k at version and whether the caller is to
// fill it (and close its done), then with the newest earlier build still
// held (prev, nil when none); nil when version is older than every
// entry kept. Entries done whose data live reports dropped are
// forgotten (live nil: kept until newer versions push them out).
func (c *BuildCache) entry(k buildKey, version uint64, live func(*buildEntry) bool) (e *buildEntry, mine bool, prev *Built) {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := slices.DeleteFunc(c.entries[k], func(e *buildEntry) bool {
		return isDone(e) && live != nil && !live(e) // (one being built stays)
	})
	for _, e := range list {
		if e.version == version {
			c.entries[k] = list
			return e, false, nil
		}
	}
	if len(list) == buildVersions && list[len(list)-1].version > version {
		c.entries[k] = list
		return nil, false, nil
	}
	for _, e := range list { // newest first
		if e.version >= version || !isDone(e) {
			continue
		}
		if prev = e.built.Value(); prev != nil {
			break
		}
	}
	if len(c.entries) >= maxBuildEntries {
		clear(c.entries)
	}
	e = &buildEntry{version: version, done: make(chan struct{})}
	list = append(list, e)
	slices.SortFunc(list, func(a, b *buildEntry) int { return cmp.Compare(b.version, a.version) })
	c.entries[k] = list[:min(len(list), buildVersions)]
	if k.page == problemsPage {
		c.counts++
	} else {
		c.builds++
	}
	return e, true, prev
}

// isDone reports whether e is built.
func isDone(e *buildEntry) bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// Builds is how many builds the cache ran.
func (c *BuildCache) Builds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds
}

// Counts is how many problem counts the cache ran.
func (c *BuildCache) Counts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Releaser is implemented by Builders that can drop their built data
// while hidden (console serve, where the rows come from a BuildCache: a
// hidden page would otherwise hold the snapshot version it was last
// built from, one per session); the shell builds it again, from the
// cache, when it is shown, and the cursor goes back to the row it was on.
type Releaser interface {
	Release()
}
