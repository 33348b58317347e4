package db

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
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

// PromotePlan implements Engine.
func (e *redisEngine) PromotePlan(addr string) ([]string, string) {
	c := []string{addr + ": REPLICAOF NO ONE"}
	host, port, _ := net.SplitHostPort(addr)
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, fmt.Sprintf("%s: REPLICAOF %s %s", o, host, port))
		}
	}
	return c, ""
}

// Promote implements Engine: REPLICAOF NO ONE on the replica, then every
// other member follows it (a member that does not is reported, not fatal).
func (e *redisEngine) Promote(ctx context.Context, addr string, out io.Writer) error {
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
