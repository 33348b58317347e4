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
	// Backup takes one backup from primary now into dir (a new directory
	// the console owns, 0700), reports progress to out and returns its
	// Time (the point it restores to) and Kind; the provider records it.
	Backup(ctx context.Context, primary, dir string, out io.Writer) (providers.Backup, error)
}

// PromoteChecker is implemented by engines with promotion preconditions
// of their own (e.g. Redis Sentinels must agree on the current primary).
type PromoteChecker interface {
	// PromoteCheck returns why promoting candidate in db (a fresh probe)
	// must be refused, or nil.
	PromoteCheck(ctx context.Context, db providers.Database, candidate string) error
}

// Restorer is implemented by engines that restore a backup into a new
// instance started alongside the live cluster (never over it).
type Restorer interface {
	// RestorePlan lists the steps Restore takes for backup b.
	RestorePlan(b providers.Backup) []string
	// Restore starts a new instance in dir from backup b and returns once
	// it accepts connections.
	Restore(ctx context.Context, b providers.Backup, dir string, out io.Writer) (Restored, error)
	// Describe reads the restored instance at addr and says what it holds
	// (e.g. "3 keys"), or fails when it does not answer.
	Describe(ctx context.Context, addr string) (string, error)
}

// PointInTimeRestorer is implemented by engines that keep logs to replay
// (a PostgreSQL WAL archive): a base backup restored into a new instance
// and replayed up to a point in time. The window of times it can reach is
// the Database's RestoreWindow, as Probe reports it.
type PointInTimeRestorer interface {
	// RestoreToTimePlan lists the steps RestoreToTime takes.
	RestoreToTimePlan(b providers.Backup, at time.Time) []string
	// RestoreToTime starts a new instance in dir from base backup b,
	// replays the logs up to at and returns once it accepts writes.
	RestoreToTime(ctx context.Context, b providers.Backup, at time.Time, dir string, out io.Writer) (Restored, error)
}

// Options configure every engine of a provider.
type Options struct {
	// Dir is the directory the console owns for backups (Dir/backups) and
	// restored instances (Dir/restores); created 0700.
	Dir string
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
	"mongodb":    newMongo,
}
