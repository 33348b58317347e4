package db

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// memberDSN fills the {host} and {port} of the configured DSN template.
func memberDSN(d config.Database, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "5432"
	}
	dsn := d.DSN
	if dsn == "" {
		dsn = "postgres://postgres@{host}:{port}/postgres?sslmode=disable"
	}
	return strings.NewReplacer("{host}", host, "{port}", port).Replace(dsn)
}

func pgConnect(ctx context.Context, d config.Database, addr string, timeout time.Duration) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(memberDSN(d, addr))
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = timeout
	return pgx.ConnectConfig(ctx, cfg)
}

// postgres is a PostgreSQL primary with streaming replicas.
type postgres struct {
	d config.Database
	o Options
}

func newPostgres(d config.Database, o Options) Engine { return &postgres{d: d, o: o} }

// Probe implements Engine.
func (e *postgres) Probe(ctx context.Context) providers.Database {
	db := providers.Database{Name: e.d.Name, Engine: "postgres"}
	for _, addr := range e.d.Members {
		db.Members = append(db.Members, probePGMember(ctx, e.d, addr, e.o.Timeout))
	}
	rollupStatus(&db)
	return db
}

// PromotePlan implements Engine.
func (e *postgres) PromotePlan(addr string) ([]string, string) {
	return []string{addr + ": SELECT pg_promote(true, 60)"},
		"The old primary keeps running as a primary: stop it or rebuild it as a replica (split brain otherwise)."
}

// Promote implements Engine: pg_promote() on the replica, waiting up to 60 s.
func (e *postgres) Promote(ctx context.Context, addr string, out io.Writer) error {
	conn, err := pgConnect(ctx, e.d, addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close(context.Background())
	fmt.Fprintf(out, "%s: SELECT pg_promote(true, 60)\n", addr)
	var ok bool
	if err := conn.QueryRow(ctx, "select pg_promote(true, 60)").Scan(&ok); err != nil {
		return fmt.Errorf("pg_promote on %s: %w", addr, err)
	}
	if !ok {
		return fmt.Errorf("pg_promote on %s returned false", addr)
	}
	return nil
}

func probePGMember(ctx context.Context, d config.Database, addr string, timeout time.Duration) providers.Member {
	m := providers.Member{Name: addr, Address: addr}
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	conn, err := pgConnect(ctx, d, addr, timeout)
	if err != nil {
		m.Status = "unreachable: " + oneLine(err.Error())
		return m
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	if err := conn.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&inRecovery); err != nil {
		m.Status = "query failed: " + oneLine(err.Error())
		return m
	}
	if !inRecovery {
		m.Role = providers.RolePrimary
		m.Healthy = true
		var n int
		_ = conn.QueryRow(ctx, "select count(*) from pg_stat_replication where state = 'streaming'").Scan(&n)
		m.Status = "streaming replicas=" + strconv.Itoa(n)
		return m
	}
	m.Role = providers.RoleReplica
	// Lag: zero when everything received is replayed; else the age of the
	// last replayed transaction.
	var caughtUp bool
	var lag float64
	var receiver string
	err = conn.QueryRow(ctx, `select coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false),
		coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8,
		coalesce((select status from pg_stat_wal_receiver limit 1), 'stopped')`).Scan(&caughtUp, &lag, &receiver)
	if err != nil {
		m.Status = "query failed: " + oneLine(err.Error())
		return m
	}
	if !caughtUp {
		m.LagSeconds = lag
	}
	m.Healthy = receiver == "streaming"
	m.Status = "wal receiver " + receiver
	return m
}
