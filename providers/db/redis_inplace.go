package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/opsconsole/console/providers"
)

// Redis restores in place without restarting the live server (the console
// cannot know how a live redis-server was started, nor stop it without a
// Sentinel failing over meanwhile): the backup's RDB is loaded into a
// temporary redis-server on 127.0.0.1, and the live primary is made its
// replica. As a replica it refuses client writes (READONLY: the write
// fence), drops its dataset and loads the backup's by a full sync, which
// its own replicas then receive from it; REPLICAOF NO ONE makes it the
// primary again. With Sentinels, every replica's replica-priority is 0 for
// the duration, so that no Sentinel can fail over to a replica while the
// primary reports itself a replica. The primary's data before the restore
// is kept as an RDB copy (its BGSAVE), like a backup.

// InPlaceReplicasResync implements replicasResync: the replicas follow
// the restored primary.
func (e *redisEngine) InPlaceReplicasResync() {}

// RestoreInPlacePlan implements InPlaceRestorer.
func (e *redisEngine) RestoreInPlacePlan(b providers.Backup, member string) []string {
	plan := []string{
		member + ": BGSAVE, its RDB copied to DIR/restores/" + e.d.Name + "-before-restore-TIME (the data kept)",
		"redis-server --port FREE_PORT --bind 127.0.0.1 loading " + filepath.Join(b.Location, rdbFile) + " (backup " + b.ID + "; a temporary source)",
	}
	if e.sentinels() {
		plan = append(plan, "every other member: CONFIG SET replica-priority 0, until every Sentinel sees it (no failover while the primary is a replica; restored afterwards)")
	}
	return append(plan,
		member+": CONFIG SET replica-read-only yes (for the duration); REPLICAOF 127.0.0.1 FREE_PORT: client writes are refused (READONLY), its keys replaced by the backup's (full sync)",
		member+": wait until master_link_status:up, master_sync_in_progress:0, loading:0 and DBSIZE equals the source's",
		member+": REPLICAOF NO ONE (a primary again); its replicas resync from it",
		"stop the temporary redis-server and remove its directory",
	)
}

// RestoreInPlace implements InPlaceRestorer.
func (e *redisEngine) RestoreInPlace(ctx context.Context, b providers.Backup, member string, out io.Writer) (string, error) {
	c := redisClient(member, 10*time.Second)
	defer c.Close()
	if _, err := localVolumes(ctx, member, nil); err != nil {
		return "", fmt.Errorf("%s: %w", member, err)
	}
	stamp := time.Now().UTC().Format("20060102T150405")
	base := filepath.Join(e.o.Dir, "restores")
	kept := filepath.Join(base, e.d.Name+"-before-restore-"+stamp)
	if err := os.MkdirAll(kept, 0o700); err != nil {
		return "", err
	}
	if _, err := e.Backup(ctx, member, kept, out); err != nil {
		return "", fmt.Errorf("keep the data of %s before the restore: %w (nothing was changed)", member, err)
	}
	src := filepath.Join(base, e.d.Name+"-in-place-source-"+stamp)
	if err := os.Mkdir(src, 0o700); err != nil {
		return kept, err
	}
	tmp, err := e.Restore(ctx, b, src, out)
	if err != nil {
		_ = os.RemoveAll(src)
		return kept, fmt.Errorf("start the backup's RDB as a temporary source: %w (nothing was changed)", err)
	}
	defer func() {
		_ = syscall.Kill(tmp.PID, syscall.SIGKILL)
		waitExit(context.WithoutCancel(ctx), tmp.PID, 10*time.Second)
		if err := os.RemoveAll(src); err == nil {
			fmt.Fprintf(out, "temporary source %s stopped and removed\n", tmp.Address)
		}
	}()
	fmt.Fprintf(out, "temporary source %s holds backup %s\n", tmp.Address, b.ID)
	if e.sentinels() {
		restore, err := e.zeroPriorities(ctx, member, out)
		defer e.restorePriorities(ctx, restore, out)
		if err != nil {
			return kept, fmt.Errorf("%w (nothing was changed)", err)
		}
		if err := e.waitPriorities(ctx, member, out); err != nil {
			return kept, fmt.Errorf("%w (nothing was changed)", err)
		}
	}
	ro, err := c.ConfigGet(ctx, "replica-read-only").Result()
	if err != nil {
		return kept, fmt.Errorf("CONFIG GET replica-read-only on %s: %w", member, err)
	}
	if ro["replica-read-only"] != "yes" {
		if err := c.ConfigSet(ctx, "replica-read-only", "yes").Err(); err != nil {
			return kept, fmt.Errorf("CONFIG SET replica-read-only yes on %s: %w", member, err)
		}
		defer c.ConfigSet(context.WithoutCancel(ctx), "replica-read-only", ro["replica-read-only"])
	}
	host, port, _ := net.SplitHostPort(tmp.Address)
	fmt.Fprintf(out, "%s: REPLICAOF %s %s (client writes refused from now on)\n", member, host, port)
	if err := c.Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		return kept, fmt.Errorf("REPLICAOF on %s: %w", member, err)
	}
	// Whatever happens next, the member must end as a primary.
	promoted := false
	defer func() {
		if !promoted {
			err := c.Do(context.WithoutCancel(ctx), "REPLICAOF", "NO", "ONE").Err()
			fmt.Fprintf(out, "%s: REPLICAOF NO ONE (the restore did not finish: check its keys; the data before it is in %s): %v\n", member, kept, err)
		}
	}()
	tc := redisClient(tmp.Address, 5*time.Second)
	want, err := tc.DBSize(ctx).Result()
	tc.Close()
	if err != nil {
		return kept, fmt.Errorf("DBSIZE on the temporary source: %w", err)
	}
	if err := waitSynced(ctx, c, want); err != nil {
		return kept, fmt.Errorf("%s did not load the backup: %w", member, err)
	}
	fmt.Fprintf(out, "%s: synced from the backup (%d keys)\n", member, want)
	if err := c.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		return kept, fmt.Errorf("REPLICAOF NO ONE on %s: %w (it still refuses writes)", member, err)
	}
	promoted = true
	fmt.Fprintf(out, "%s: REPLICAOF NO ONE: the primary again, with the backup's keys; the data before is kept in %s\n", member, kept)
	return kept, nil
}

// waitSynced waits until c's server has finished a full sync from its
// master (link up, no sync or load in progress) and holds want keys.
func waitSynced(ctx context.Context, c *redis.Client, want int64) error {
	deadline := time.NewTimer(5 * time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		s, err := c.Info(ctx, "replication", "persistence").Result()
		if err == nil {
			info := parseInfo(s)
			last = "master_link_status:" + info["master_link_status"] + " master_sync_in_progress:" + info["master_sync_in_progress"] + " loading:" + info["loading"]
			if info["role"] == "slave" && info["master_link_status"] == "up" && info["master_sync_in_progress"] == "0" && info["loading"] == "0" {
				n, err := c.DBSize(ctx).Result()
				if err == nil && n == want {
					return nil
				}
				last += " dbsize:" + strconv.FormatInt(n, 10)
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%s)", ctx.Err(), last)
		case <-deadline.C:
			return errors.New("not synced within 5 minutes (" + last + ")")
		case <-tick.C:
		}
	}
}
