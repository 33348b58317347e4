package db

import (
	"context"
	"fmt"
	"net"
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

func probeRedis(ctx context.Context, d config.Database, timeout time.Duration) providers.Database {
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
		db.Backups = []providers.Backup{{ID: fmt.Sprintf("rdb-%d", lastSave.Unix()), Time: lastSave, Status: "completed"}}
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

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
