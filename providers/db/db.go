// Package db is the source for database clusters watched directly: Redis
// (replication and Sentinel) and PostgreSQL (streaming replication). It
// reports each member's role, health and lag, and offers promote and
// backup actions through the actions executor. Each engine lives in a file
// of its own behind the Engine interface (engine.go), registered in one
// map.
package db

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// Provider polls the configured databases.
type Provider struct {
	clusters []cluster
	opts     Options
	refresh  chan struct{}

	mu   sync.Mutex
	seen map[string]providers.Database // the last probe sent, by name: what the user saw
}

// cluster is one configured database and its engine (nil when the
// configuration names an engine the console does not know).
type cluster struct {
	cfg    config.Database
	engine Engine
	// cat holds the backups the console took (Options.Dir/backups/NAME).
	cat catalog
	// dir is Options.Dir.
	dir string
}

// New returns a provider for dbs. Zero options take their defaults.
func New(dbs []config.Database, o Options) *Provider {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Dir == "" {
		o.Dir = DefaultDir()
	}
	p := &Provider{opts: o, refresh: make(chan struct{}, 1), seen: map[string]providers.Database{}}
	for _, d := range dbs {
		c := cluster{cfg: d, cat: newCatalog(o.Dir, d.Name), dir: o.Dir}
		if f, ok := engines[d.Engine]; ok {
			c.engine = f(d, o)
		}
		p.clusters = append(p.clusters, c)
	}
	return p
}

// DefaultDir is the directory the console owns for backups and restored
// instances: "db" next to the default audit log
// ($XDG_STATE_HOME/console/db, or ~/.local/state/console/db).
func DefaultDir() string {
	return filepath.Join(filepath.Dir(config.DefaultAuditLog()), "db")
}

// Name implements providers.Provider.
func (p *Provider) Name() string { return "db" }

// Kind implements providers.Provider.
func (p *Provider) Kind() string { return "db" }

// Refresh asks for a probe now.
func (p *Provider) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// Run probes every database each interval and sends the view.
func (p *Provider) Run(ctx context.Context, out chan<- providers.Update) error {
	t := time.NewTicker(p.opts.Interval)
	defer t.Stop()
	for {
		inv := p.Probe(ctx)
		if ctx.Err() != nil {
			return nil
		}
		providers.Send(ctx, out, providers.Update{Source: p.Name(), Inventory: inv})
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-p.refresh:
		}
	}
}

// Probe reads every configured database once, concurrently. A database
// that cannot be reached is reported with unhealthy members and its error
// in Status, never dropped.
func (p *Provider) Probe(ctx context.Context) *providers.Inventory {
	inv := &providers.Inventory{Databases: make([]providers.Database, len(p.clusters))}
	restored := make([][]providers.Database, len(p.clusters))
	var wg sync.WaitGroup
	for i, c := range p.clusters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inv.Databases[i] = c.probe(ctx)
			if c.engine != nil {
				restored[i] = c.probeRestored(ctx, p.opts.Timeout)
			}
		}()
	}
	wg.Wait()
	for _, r := range restored {
		inv.Databases = append(inv.Databases, r...)
	}
	p.mu.Lock()
	for _, db := range inv.Databases {
		p.seen[db.Name] = db
	}
	p.mu.Unlock()
	return inv
}

// lastSeen returns the last probe of database name, as the views show it.
func (p *Provider) lastSeen(name string) (providers.Database, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	db, ok := p.seen[name]
	return db, ok
}

func (c cluster) probe(ctx context.Context) providers.Database {
	if c.engine == nil {
		return providers.Database{Name: c.cfg.Name, Engine: c.cfg.Engine, Status: fmt.Sprintf("unsupported engine %q", c.cfg.Engine)}
	}
	db := c.engine.Probe(ctx)
	bs, err := c.cat.list()
	if err != nil {
		db.Status = oneLine(err.Error())
	}
	db.Backups = append(db.Backups, bs...)
	for _, b := range bs {
		if b.Time.After(db.LastBackup) {
			db.LastBackup = b.Time
		}
	}
	return db
}

// rollupStatus names a cluster's state from its members.
func rollupStatus(db *providers.Database) {
	primaries, healthy := 0, 0
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary && m.Healthy {
			primaries++
		}
		if m.Healthy {
			healthy++
		}
	}
	switch {
	case db.Status != "":
	case primaries == 0:
		db.Status = "no primary"
	case primaries > 1:
		db.Status = "split brain: several primaries"
	case healthy < len(db.Members):
		db.Status = "degraded"
	default:
		db.Status = "healthy"
	}
}

// names are the names of the configured databases.
func (p *Provider) names() []string {
	out := make([]string, 0, len(p.clusters))
	for _, c := range p.clusters {
		out = append(out, c.cfg.Name)
	}
	return out
}

// configured reports whether name is a configured database.
func (p *Provider) configured(name string) bool {
	return slices.Contains(p.names(), name)
}
