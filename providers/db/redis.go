package db

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

func redisClient(addr string, timeout time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: 0, PoolSize: 1})
}

// parseInfo parses the text of Redis INFO into key/values.
func parseInfo(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// replicaLags reads the primary's view of its replicas: "slaveN" lines
// "ip=...,port=...,state=online,offset=...,lag=1" → lag seconds by address.
func replicaLags(info map[string]string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range info {
		if !strings.HasPrefix(k, "slave") {
			continue
		}
		if _, err := strconv.Atoi(strings.TrimPrefix(k, "slave")); err != nil {
			continue
		}
		f := map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			if a, b, ok := strings.Cut(kv, "="); ok {
				f[a] = b
			}
		}
		lag, _ := strconv.ParseFloat(f["lag"], 64)
		out[net.JoinHostPort(f["ip"], f["port"])] = lag
	}
	return out
}

// redisEngine is a Redis primary with replicas, optionally watched by
// Sentinels.
type redisEngine struct {
	d config.Database
	o Options
}

func newRedis(d config.Database, o Options) Engine { return &redisEngine{d: d, o: o} }

// Probe implements Engine.
func (e *redisEngine) Probe(ctx context.Context) providers.Database {
	d, timeout := e.d, e.o.Timeout
	db := providers.Database{Name: d.Name, Engine: "redis"}
	lags := map[string]float64{}
	var lastSave time.Time
	for _, addr := range d.Members {
		m := providers.Member{Name: addr, Address: addr}
		c := redisClient(addr, timeout)
		info, err := c.Info(ctx, "replication", "persistence").Result()
		if err != nil {
			m.Status = "unreachable: " + oneLine(err.Error())
			db.Members = append(db.Members, m)
			c.Close()
			continue
		}
		kv := parseInfo(info)
		m.Volumes = redisVolumes(ctx, c, addr)
		switch kv["role"] {
		case "master":
			m.Role = providers.RolePrimary
			m.Healthy = true
			m.Status = "connected_slaves=" + kv["connected_slaves"]
			for a, l := range replicaLags(kv) {
				lags[a] = l
			}
			if ts, err := strconv.ParseInt(kv["rdb_last_save_time"], 10, 64); err == nil && ts > 0 {
				if t := time.Unix(ts, 0); t.After(lastSave) {
					lastSave = t
				}
			}
		default:
			m.Role = providers.RoleReplica
			m.Healthy = kv["master_link_status"] == "up"
			m.Status = "link " + kv["master_link_status"] + " to " + net.JoinHostPort(kv["master_host"], kv["master_port"])
			if s, err := strconv.ParseFloat(kv["master_last_io_seconds_ago"], 64); err == nil && s >= 0 {
				m.LagSeconds = s
			}
		}
		c.Close()
		db.Members = append(db.Members, m)
	}
	for i := range db.Members {
		if l, ok := lags[db.Members[i].Address]; ok {
			db.Members[i].LagSeconds = l
		}
	}
	if len(d.Sentinels) > 0 && d.Master != "" {
		addr, err := sentinelMaster(ctx, d, timeout)
		if err != nil {
			db.Status = "sentinel: " + oneLine(err.Error())
		} else {
			db.Endpoint = addr
			for i := range db.Members {
				if db.Members[i].Address == addr && db.Members[i].Role != providers.RolePrimary {
					db.Status = "sentinel names " + addr + " primary but it reports replica"
				}
			}
		}
	}
	if !lastSave.IsZero() {
		db.LastBackup = lastSave
	}
	rollupStatus(&db)
	return db
}

// sentinelMaster asks the sentinels, in order, for the primary's address.
func sentinelMaster(ctx context.Context, d config.Database, timeout time.Duration) (string, error) {
	var lastErr error
	for _, s := range d.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: s, DialTimeout: timeout, ReadTimeout: timeout, MaxRetries: 0})
		addr, err := c.GetMasterAddrByName(ctx, d.Master).Result()
		c.Close()
		if err == nil && len(addr) == 2 {
			return net.JoinHostPort(addr[0], addr[1]), nil
		}
		lastErr = err
	}
	return "", fmt.Errorf("no sentinel answered for %q: %w", d.Master, lastErr)
}

// sentinelAnswers asks every Sentinel for the primary's address; a
// Sentinel that does not answer is reported by its error.
func (e *redisEngine) sentinelAnswers(ctx context.Context) map[string]string {
	out := map[string]string{}
	for _, s := range e.d.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: s, DialTimeout: e.o.Timeout, ReadTimeout: e.o.Timeout, MaxRetries: 0})
		addr, err := c.GetMasterAddrByName(ctx, e.d.Master).Result()
		c.Close()
		switch {
		case err != nil:
			out[s] = "error: " + oneLine(err.Error())
		case len(addr) == 2:
			out[s] = net.JoinHostPort(addr[0], addr[1])
		}
	}
	return out
}

func (e *redisEngine) sentinels() bool { return len(e.d.Sentinels) > 0 && e.d.Master != "" }

// PromoteCheck implements PromoteChecker: with Sentinels, a majority of
// them must name the primary the members report, so that a failover does
// not act on a split view.
func (e *redisEngine) PromoteCheck(ctx context.Context, db providers.Database, candidate string) error {
	if !e.sentinels() {
		return nil
	}
	current := strings.Join(healthyPrimaries(db), ", ")
	answers := e.sentinelAnswers(ctx)
	agree := 0
	var said []string
	for _, s := range e.d.Sentinels {
		if answers[s] == current {
			agree++
		}
		said = append(said, s+" says "+answers[s])
	}
	if need := len(e.d.Sentinels)/2 + 1; agree < need {
		return fmt.Errorf("only %d of %d Sentinels name the primary %q (%d needed): %s", agree, len(e.d.Sentinels), current, need, strings.Join(said, "; "))
	}
	return nil
}

// PromotePlan implements Engine.
func (e *redisEngine) PromotePlan(addr string) ([]string, string) {
	if e.sentinels() {
		var c []string
		for _, o := range e.d.Members {
			if o != addr {
				c = append(c, o+": CONFIG SET replica-priority 0 (restored afterwards)")
			}
		}
		return append(c, "SENTINEL FAILOVER "+e.d.Master+" (on the first Sentinel that answers)",
			"SENTINEL get-master-addr-by-name "+e.d.Master+" until it names "+addr), ""
	}
	c := []string{addr + ": REPLICAOF NO ONE"}
	host, port, _ := net.SplitHostPort(addr)
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, fmt.Sprintf("%s: REPLICAOF %s %s", o, host, port))
		}
	}
	return c, ""
}

// Promote implements Engine. With Sentinels, the failover is theirs:
// every other member's replica-priority is set to 0 so that the Sentinels
// choose addr, SENTINEL FAILOVER starts it, and the priorities are restored.
// Without, REPLICAOF NO ONE on the replica, then every other member follows
// it (a member that does not is reported, not fatal).
func (e *redisEngine) Promote(ctx context.Context, addr string, out io.Writer) error {
	if e.sentinels() {
		return e.sentinelFailover(ctx, addr, out)
	}
	c := redisClient(addr, 5*time.Second)
	defer c.Close()
	fmt.Fprintf(out, "%s: REPLICAOF NO ONE\n", addr)
	if err := c.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		return fmt.Errorf("promote %s: %w", addr, err)
	}
	host, port, _ := net.SplitHostPort(addr)
	for _, o := range e.d.Members {
		if o == addr {
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

func (e *redisEngine) sentinelFailover(ctx context.Context, addr string, out io.Writer) error {
	restore, err := e.zeroPriorities(ctx, addr, out)
	defer e.restorePriorities(ctx, restore, out)
	if err != nil {
		return fmt.Errorf("steer the failover: %w", err)
	}
	// Sentinels read a replica's priority from its INFO (every 10 s): wait
	// until every Sentinel sees the others at 0, or it may choose one of them.
	if err := e.waitPriorities(ctx, addr, out); err != nil {
		return err
	}
	before := healthyPrimaries(e.Probe(ctx))
	var lastErr error
	started := false
	for _, s := range e.d.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: s, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, MaxRetries: 0})
		lastErr = c.Failover(ctx, e.d.Master).Err()
		c.Close()
		fmt.Fprintf(out, "%s: SENTINEL FAILOVER %s\n", s, e.d.Master)
		if lastErr == nil {
			started = true
			break
		}
		fmt.Fprintf(out, "  %v\n", lastErr)
	}
	if !started {
		return fmt.Errorf("no Sentinel started the failover: %w", lastErr)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		votes := map[string]int{}
		for _, a := range e.sentinelAnswers(ctx) {
			votes[a]++
		}
		for a, n := range votes {
			if n <= len(e.d.Sentinels)/2 {
				continue
			}
			switch {
			case a == addr:
				fmt.Fprintf(out, "%d of %d Sentinels name %s the primary\n", n, len(e.d.Sentinels), addr)
				return nil
			case slices.Contains(e.d.Members, a) && !slices.Contains(before, a):
				return fmt.Errorf("the Sentinels promoted %s, not %s", a, addr)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("failover to %s not confirmed by the Sentinels: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

// zeroPriorities sets replica-priority 0 on every member but addr, so that
// no Sentinel chooses one of them, and returns their previous values (the
// ones set so far, on an error).
func (e *redisEngine) zeroPriorities(ctx context.Context, addr string, out io.Writer) (map[string]string, error) {
	restore := map[string]string{}
	for _, o := range e.d.Members {
		if o == addr {
			continue
		}
		c := redisClient(o, 5*time.Second)
		prev, err := c.ConfigGet(ctx, "replica-priority").Result()
		if err == nil {
			err = c.ConfigSet(ctx, "replica-priority", "0").Err()
		}
		c.Close()
		if err != nil {
			return restore, fmt.Errorf("replica-priority on %s: %w", o, err)
		}
		restore[o] = prev["replica-priority"]
		fmt.Fprintf(out, "%s: CONFIG SET replica-priority 0\n", o)
	}
	return restore, nil
}

// restorePriorities sets back the priorities zeroPriorities changed.
func (e *redisEngine) restorePriorities(ctx context.Context, restore map[string]string, out io.Writer) {
	for o, prio := range restore {
		c := redisClient(o, 5*time.Second)
		err := c.ConfigSet(context.WithoutCancel(ctx), "replica-priority", prio).Err()
		c.Close()
		fmt.Fprintf(out, "%s: CONFIG SET replica-priority %s (restored)", o, prio)
		if err != nil {
			fmt.Fprintf(out, ": %v", err)
		}
		fmt.Fprintln(out)
	}
}

// waitPriorities waits until every Sentinel reports every replica but
// addr with priority 0.
func (e *redisEngine) waitPriorities(ctx context.Context, addr string, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	fmt.Fprintf(out, "waiting until the Sentinels see the priorities (they read INFO every 10 s)\n")
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		ready := true
		for _, s := range e.d.Sentinels {
			c := redis.NewSentinelClient(&redis.Options{Addr: s, DialTimeout: e.o.Timeout, ReadTimeout: e.o.Timeout, MaxRetries: 0})
			reps, err := c.Replicas(ctx, e.d.Master).Result()
			c.Close()
			if err != nil {
				ready = false
				break
			}
			for _, r := range reps {
				if a := net.JoinHostPort(r["ip"], r["port"]); a != addr && r["slave-priority"] != "0" {
					ready = false
				}
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the Sentinels did not see the replica priorities in time: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// BackupPlan implements Backuper.
func (e *redisEngine) BackupPlan(primary string) []string {
	return []string{primary + ": BGSAVE", primary + ": INFO persistence (until rdb_saves grows)",
		primary + ": CONFIG GET dir, dbfilename; copy that RDB file into the backup directory"}
}

// Backup implements Backuper: BGSAVE on the primary, waiting until the
// save is recorded (rdb_saves grows and no save runs), then a copy of the
// RDB file (the primary must run on this machine) stamped with LASTSAVE.
func (e *redisEngine) Backup(ctx context.Context, primary, dir string, out io.Writer) (providers.Backup, error) {
	c := redisClient(primary, 5*time.Second)
	defer c.Close()
	before, _, err := rdbSaves(ctx, c)
	if err != nil {
		return providers.Backup{}, err
	}
	fmt.Fprintf(out, "%s: BGSAVE\n", primary)
	if err := c.BgSave(ctx).Err(); err != nil {
		return providers.Backup{}, fmt.Errorf("BGSAVE on %s: %w", primary, err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return providers.Backup{}, ctx.Err()
		case <-tick.C:
		}
		n, running, err := rdbSaves(ctx, c)
		if err != nil {
			return providers.Backup{}, err
		}
		if n > before && !running {
			fmt.Fprintf(out, "%s: saved (rdb_saves %d -> %d)\n", primary, before, n)
			break
		}
	}
	last, err := c.LastSave(ctx).Result()
	if err != nil {
		return providers.Backup{}, fmt.Errorf("LASTSAVE on %s: %w", primary, err)
	}
	conf, err := c.ConfigGet(ctx, "dir").Result()
	if err != nil {
		return providers.Backup{}, fmt.Errorf("CONFIG GET dir on %s: %w", primary, err)
	}
	file, err := c.ConfigGet(ctx, "dbfilename").Result()
	if err != nil {
		return providers.Backup{}, fmt.Errorf("CONFIG GET dbfilename on %s: %w", primary, err)
	}
	src := filepath.Join(conf["dir"], file["dbfilename"])
	fmt.Fprintf(out, "copy %s to %s\n", src, dir)
	if err := copyFile(filepath.Join(dir, rdbFile), src); err != nil {
		return providers.Backup{}, fmt.Errorf("copy the RDB of %s (it must run on this machine): %w", primary, err)
	}
	return providers.Backup{Time: time.Unix(last, 0), Status: "completed", Kind: "rdb"}, nil
}

// rdbFile is the name of the RDB file in a backup and a restored instance.
const rdbFile = "dump.rdb"

// RestorePlan implements Restorer.
func (e *redisEngine) RestorePlan(b providers.Backup) []string {
	return []string{"copy " + filepath.Join(b.Location, rdbFile) + " into a new directory",
		"redis-server --port FREE_PORT --bind 127.0.0.1 --dir NEW_DIR --dbfilename " + rdbFile + " (a standalone primary)"}
}

// Restore implements Restorer: a new redis-server loading the backup's RDB.
func (e *redisEngine) Restore(ctx context.Context, b providers.Backup, dir string, out io.Writer) (Restored, error) {
	bin, err := findProgram("redis-server")
	if err != nil {
		return Restored{}, err
	}
	if err := copyFile(filepath.Join(dir, rdbFile), filepath.Join(b.Location, rdbFile)); err != nil {
		return Restored{}, fmt.Errorf("copy the backup: %w", err)
	}
	fmt.Fprintf(out, "starting redis-server in %s\n", dir)
	return startServer(ctx, serverSpec{bin: bin, dir: dir,
		args: func(port int) []string {
			return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--dbfilename", rdbFile,
				"--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"}
		},
		ready: func(ctx context.Context, addr string) error {
			c := redisClient(addr, time.Second)
			defer c.Close()
			return c.Ping(ctx).Err()
		}})
}

// Describe implements Restorer: the number of keys (DBSIZE).
func (e *redisEngine) Describe(ctx context.Context, addr string) (string, error) {
	c := redisClient(addr, 5*time.Second)
	defer c.Close()
	n, err := c.DBSize(ctx).Result()
	if err != nil {
		return "", fmt.Errorf("DBSIZE on %s: %w", addr, err)
	}
	return fmt.Sprintf("%d keys", n), nil
}

// redisVolumes reads the volumes of the member at addr when it runs on
// this machine: its working directory (CONFIG GET dir: the RDB and AOF
// files, /data) and the directory of its logfile (/logs) when that is on a
// filesystem of its own.
func redisVolumes(ctx context.Context, c *redis.Client, addr string) []providers.Volume {
	conf, err := c.ConfigGet(ctx, "dir").Result()
	if err != nil || conf["dir"] == "" {
		return nil
	}
	dirs := []dirVolume{{"/data", conf["dir"]}}
	if lf, err := c.ConfigGet(ctx, "logfile").Result(); err == nil && filepath.IsAbs(lf["logfile"]) {
		dirs = append(dirs, dirVolume{"/logs", filepath.Dir(lf["logfile"])})
	}
	vs, _ := localVolumes(ctx, addr, dirs)
	return vs
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
