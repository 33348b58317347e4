package db

import (
	"context"
	"io"
	"time"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// Engine is one configured cluster of one database engine, as the
// provider and its actions see it. Every engine reads roles, lag and
// backups (Probe) and promotes a replica; what only some engines can do is
// an optional interface of its own (Backuper, Restorer), in the manner of
// k9s's internal/dao capability interfaces: an action is offered only when
// the engine implements it.
type Engine interface {
	// Probe reads every member once (role, health, lag) and the cluster's
	// backups. A member that cannot be reached is reported unhealthy with
	// the error in its Status, never dropped.
	Probe(ctx context.Context) providers.Database
	// PromotePlan lists the calls Promote makes to promote the replica at
	// addr, and a note for the plan (what the user must do afterwards), or "".
	PromotePlan(addr string) (calls []string, note string)
	// Promote makes the replica at addr the primary, writing each step to out.
	Promote(ctx context.Context, addr string, out io.Writer) error
}

// Backuper is implemented by engines that take backups.
type Backuper interface {
	// BackupPlan lists the calls Backup makes on primary.
	BackupPlan(primary string) []string
	// Backup takes one backup from primary now, reports progress to out and
	// returns the backup as Probe will list it.
	Backup(ctx context.Context, primary string, out io.Writer) (providers.Backup, error)
}

// Options configure every engine of a provider.
type Options struct {
	// Interval is the polling interval (default 5s).
	Interval time.Duration
	// Timeout bounds one probe of one member (default 3s).
	Timeout time.Duration
}

// newEngine builds the engine of one configured cluster.
type newEngine func(d config.Database, o Options) Engine

// engines maps each engine name of the configuration (config.Database.Engine)
// to its constructor. Adding an engine is one file and one line here.
var engines = map[string]newEngine{
	"redis":      newRedis,
	"postgres":   newPostgres,
	"postgresql": newPostgres,
}
