// Package db is the source for database clusters watched directly: Redis
// (replication and Sentinel) and PostgreSQL (streaming replication). It
// reports each member's role, health and lag, and offers promote and
// backup actions through the actions executor.
package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// Provider polls the configured databases.
type Provider struct {
	dbs      []config.Database
	interval time.Duration
	refresh  chan struct{}
	// timeout bounds one probe of one member.
	timeout time.Duration
}

// New returns a provider for dbs, polling every interval (default 5s).
func New(dbs []config.Database, interval time.Duration) *Provider {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	return &Provider{dbs: dbs, interval: interval, refresh: make(chan struct{}, 1), timeout: 3 * time.Second}
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
	t := time.NewTicker(p.interval)
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
	inv := &providers.Inventory{Databases: make([]providers.Database, len(p.dbs))}
	var wg sync.WaitGroup
	for i, d := range p.dbs {
		wg.Add(1)
		go func(i int, d config.Database) {
			defer wg.Done()
			inv.Databases[i] = p.probe(ctx, d)
		}(i, d)
	}
	wg.Wait()
	return inv
}

func (p *Provider) probe(ctx context.Context, d config.Database) providers.Database {
	switch d.Engine {
	case "redis":
		return probeRedis(ctx, d, p.timeout)
	case "postgres", "postgresql":
		return probePostgres(ctx, d, p.timeout)
	default:
		return providers.Database{Name: d.Name, Engine: d.Engine, Status: fmt.Sprintf("unsupported engine %q", d.Engine)}
	}
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
