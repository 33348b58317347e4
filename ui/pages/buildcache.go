package pages

import (
	"cmp"
	"slices"
	"sync"
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

// BuildCache shares pages' built data between the sessions of one
// console serve: per view and scope it keeps the results of the newest
// few snapshot versions (sessions a snapshot behind still share), each
// built once however many sessions ask at once. Safe for concurrent use;
// a nil cache builds every time.
type BuildCache struct {
	mu      sync.Mutex
	entries map[buildKey][]*buildEntry // newest first
	builds  int                        // how many builds ran (tests)
}

// buildKey is a view and a scope (region, Kubernetes context and namespace).
type buildKey struct{ page, scope string }

// buildEntry is one build, done when done is closed.
type buildEntry struct {
	version uint64
	done    chan struct{}
	data    any
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
// from the cache when a session built it already, else built with in()
// (once, the other sessions asking meanwhile wait for it). A page that is
// not a SharedBuilder, or a version older than those cached, is built for
// the caller alone.
func (c *BuildCache) Build(page string, p Builder, version uint64, scope string, in func() *Input) any {
	sb, ok := p.(SharedBuilder)
	if c == nil || !ok || !sb.SharedBuild() {
		return p.Build(in())
	}
	k := buildKey{page, scope}
	c.mu.Lock()
	list := c.entries[k]
	for _, e := range list {
		if e.version == version {
			c.mu.Unlock()
			<-e.done
			return e.data
		}
	}
	if len(list) == buildVersions && list[len(list)-1].version > version {
		c.mu.Unlock()
		return p.Build(in())
	}
	if len(c.entries) >= maxBuildEntries {
		clear(c.entries)
	}
	e := &buildEntry{version: version, done: make(chan struct{})}
	list = append(list, e)
	slices.SortFunc(list, func(a, b *buildEntry) int { return cmp.Compare(b.version, a.version) })
	c.entries[k] = list[:min(len(list), buildVersions)]
	c.builds++
	c.mu.Unlock()
	defer close(e.done)
	e.data = p.Build(in())
	return e.data
}

// Builds is how many builds the cache ran.
func (c *BuildCache) Builds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds
}

// Releaser is implemented by Builders that can drop their built data
// while hidden (console serve, where the rows come from a BuildCache: a
// hidden page would otherwise hold the snapshot version it was last
// built from, one per session); the shell builds it again, from the
// cache, when it is shown, and the cursor goes back to the row it was on.
type Releaser interface {
	Release()
}
