package db

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// Offer implements actions.Offerer: a replica member can be promoted
// (Destructive); a Redis cluster can take a backup (BGSAVE, Mutating).
// Refs: {Kind: "member", Namespace: DB name, Name: member address} and
// {Kind: "database", Name: DB name}.
func (p *Provider) Offer(ref actions.Ref) []actions.Action {
	for _, d := range p.dbs {
		switch {
		case ref.Kind == "member" && ref.Namespace == d.Name && contains(d.Members, ref.Name):
			return []actions.Action{&promote{p: p, db: d, member: ref.Name}}
		case ref.Kind == "database" && ref.Name == d.Name && d.Engine == "redis":
			return []actions.Action{&backup{p: p, db: d}}
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// member re-reads one member's state.
func (p *Provider) member(ctx context.Context, d config.Database, addr string) providers.Member {
	db := p.probe(ctx, config.Database{Name: d.Name, Engine: d.Engine, Members: []string{addr}, DSN: d.DSN})
	if len(db.Members) == 0 {
		return providers.Member{}
	}
	return db.Members[0]
}

// promote makes a replica the primary: Redis "REPLICAOF NO ONE" on the
// member, then "REPLICAOF member" on every other member; PostgreSQL
// pg_promote() on the member.
type promote struct {
	p      *Provider
	db     config.Database
	member string
}

func (a *promote) Spec() actions.Spec {
	return actions.Spec{
		Name:        "promote",
		Target:      actions.Ref{Kind: "member", Namespace: a.db.Name, Name: a.member},
		Runner:      "db",
		Effect:      actions.Destructive,
		Timeout:     2 * time.Minute,
		Description: fmt.Sprintf("promote replica %s of %s (%s) to primary", a.member, a.db.Name, a.db.Engine),
	}
}

func (a *promote) Check(ctx context.Context) error {
	m := a.p.member(ctx, a.db, a.member)
	if m.Role != providers.RoleReplica {
		return fmt.Errorf("%w: %s is %q, not a replica (%s)", actions.ErrRefused, a.member, m.Role, m.Status)
	}
	return nil
}

func (a *promote) calls() []string {
	if a.db.Engine == "redis" {
		c := []string{a.member + ": REPLICAOF NO ONE"}
		host, port, _ := net.SplitHostPort(a.member)
		for _, o := range a.db.Members {
			if o != a.member {
				c = append(c, fmt.Sprintf("%s: REPLICAOF %s %s", o, host, port))
			}
		}
		return c
	}
	return []string{a.member + ": SELECT pg_promote(true, 60)"}
}

func (a *promote) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	plan := actions.Plan{Summary: "promote " + a.member + " to primary", Calls: a.calls(), Resources: []string{a.db.Name + "/" + a.member}, Replace: 0, Change: 1}
	if a.db.Engine != "redis" {
		plan.Text = "The old primary keeps running as a primary: stop it or rebuild it as a replica (split brain otherwise)."
	}
	return plan, nil
}

func (a *promote) Run(ctx context.Context, plan actions.Plan, out io.Writer) error {
	if a.db.Engine == "redis" {
		c := redisClient(a.member, 5*time.Second)
		defer c.Close()
		fmt.Fprintf(out, "%s: REPLICAOF NO ONE\n", a.member)
		if err := c.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
			return fmt.Errorf("promote %s: %w", a.member, err)
		}
		host, port, _ := net.SplitHostPort(a.member)
		for _, o := range a.db.Members {
			if o == a.member {
				continue
			}
			fmt.Fprintf(out, "%s: REPLICAOF %s %s\n", o, host, port)
			oc := redisClient(o, 5*time.Second)
			err := oc.Do(ctx, "REPLICAOF", host, port).Err()
			oc.Close()
			if err != nil {
				fmt.Fprintf(out, "warning: %s did not follow the new primary: %v\n", o, err)
			}
		}
		return nil
	}
	conn, err := pgConnect(ctx, a.db, a.member, 5*time.Second)
	if err != nil {
		return fmt.Errorf("connect %s: %w", a.member, err)
	}
	defer conn.Close(context.Background())
	fmt.Fprintf(out, "%s: SELECT pg_promote(true, 60)\n", a.member)
	var ok bool
	if err := conn.QueryRow(ctx, "select pg_promote(true, 60)").Scan(&ok); err != nil {
		return fmt.Errorf("pg_promote on %s: %w", a.member, err)
	}
	if !ok {
		return fmt.Errorf("pg_promote on %s returned false", a.member)
	}
	return nil
}

func (a *promote) Verify(ctx context.Context) (bool, string, error) {
	m := a.p.member(ctx, a.db, a.member)
	if m.Role == providers.RolePrimary {
		return true, a.member + " is now primary", nil
	}
	return false, fmt.Sprintf("%s is %q (%s)", a.member, m.Role, m.Status), nil
}

// backup runs BGSAVE on the Redis primary and waits for LASTSAVE to move.
type backup struct {
	p           *Provider
	db          config.Database
	savesBefore int64
}

func (a *backup) Spec() actions.Spec {
	return actions.Spec{Name: "backup", Target: actions.Ref{Kind: "database", Name: a.db.Name}, Runner: "db",
		Effect: actions.Mutating, Timeout: 10 * time.Minute, Description: "BGSAVE on the primary of " + a.db.Name}
}

func (a *backup) primary(ctx context.Context) (string, error) {
	db := a.p.probe(ctx, a.db)
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary && m.Healthy {
			return m.Address, nil
		}
	}
	return "", fmt.Errorf("%w: %s has no healthy primary (%s)", actions.ErrRefused, a.db.Name, db.Status)
}

func (a *backup) Check(ctx context.Context) error { _, err := a.primary(ctx); return err }

func (a *backup) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	pr, err := a.primary(ctx)
	if err != nil {
		return actions.Plan{}, err
	}
	return actions.Plan{Summary: "BGSAVE on " + pr, Calls: []string{pr + ": BGSAVE", pr + ": LASTSAVE (until it moves)"}, Add: 1, Resources: []string{a.db.Name}}, nil
}

func (a *backup) Run(ctx context.Context, plan actions.Plan, out io.Writer) error {
	pr, err := a.primary(ctx)
	if err != nil {
		return err
	}
	c := redisClient(pr, 5*time.Second)
	defer c.Close()
	saves := func() (int64, bool, error) { return rdbSaves(ctx, c) }
	before, _, err := saves()
	if err != nil {
		return err
	}
	a.savesBefore = before
	fmt.Fprintf(out, "%s: BGSAVE\n", pr)
	if err := c.BgSave(ctx).Err(); err != nil {
		return fmt.Errorf("BGSAVE on %s: %w", pr, err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		n, running, err := saves()
		if err != nil {
			return err
		}
		if n > before && !running {
			fmt.Fprintf(out, "%s: saved (rdb_saves %d -> %d)\n", pr, before, n)
			return nil
		}
	}
}

// rdbSaves reads the number of RDB saves since start and whether one is running.
func rdbSaves(ctx context.Context, c *redis.Client) (int64, bool, error) {
	info, err := c.Info(ctx, "persistence").Result()
	if err != nil {
		return 0, false, fmt.Errorf("INFO persistence on %s: %w", c.Options().Addr, err)
	}
	kv := parseInfo(info)
	n, err := strconv.ParseInt(kv["rdb_saves"], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s reports no rdb_saves (Redis 7 or later needed)", c.Options().Addr)
	}
	return n, kv["rdb_bgsave_in_progress"] == "1", nil
}

func (a *backup) Verify(ctx context.Context) (bool, string, error) {
	pr, err := a.primary(ctx)
	if err != nil {
		return false, "", err
	}
	c := redisClient(pr, 5*time.Second)
	defer c.Close()
	n, _, err := rdbSaves(ctx, c)
	if err != nil {
		return false, "", err
	}
	if n > a.savesBefore {
		return true, fmt.Sprintf("%s saved an RDB snapshot (rdb_saves %d)", pr, n), nil
	}
	return false, fmt.Sprintf("no new RDB save on %s", pr), nil
}
