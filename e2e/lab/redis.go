package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RedisMaster is the Sentinel master name of every lab Redis set.
const RedisMaster = "lab"

// RedisSet is a Redis primary with replicas, watched by Sentinels.
type RedisSet struct {
	// Primary is the primary's address (host:port) at start.
	Primary string
	// Replicas are the replicas' addresses.
	Replicas []string
	// Sentinels are the Sentinels' addresses.
	Sentinels []string
	// Master is the Sentinel master name ("lab").
	Master string
	// Dir holds data, configuration and logs.
	Dir string

	cli   string
	procs map[string]*process // by address
}

// Redis starts a primary, replicas and Sentinels for a test; they stop at
// t.Cleanup.
func Redis(t testing.TB, replicas, sentinels int) *RedisSet {
	t.Helper()
	r, err := StartRedis(testContext(t), t.TempDir(), replicas, sentinels)
	Require(t, "redis", err)
	t.Cleanup(r.Close)
	return r
}

// StartRedis starts a Redis primary, replicas and Sentinels in dir and waits
// until every replica is linked and every Sentinel sees them all.
func StartRedis(ctx context.Context, dir string, replicas, sentinels int) (*RedisSet, error) {
	server, err := lookPath("redis-server")
	if err != nil {
		return nil, &StartError{Component: "redis-server", Err: err}
	}
	cli, err := lookPath("redis-cli")
	if err != nil {
		return nil, &StartError{Component: "redis-cli", Err: err}
	}
	sentinel := ""
	if sentinels > 0 {
		if sentinel, err = lookPath("redis-sentinel"); err != nil {
			return nil, &StartError{Component: "redis-sentinel", Err: err}
		}
	}
	r := &RedisSet{Master: RedisMaster, Dir: dir, cli: cli, procs: map[string]*process{}}
	startOne := func(name string, args func(port int) []string, bin string) (string, error) {
		return withPortRetry(func(int) (string, error, bool) {
			port, err := FreePort()
			if err != nil {
				return "", err, false
			}
			addr := hostPort(port)
			logPath := filepath.Join(dir, name+".log")
			p, err := startProcess(procSpec{name: name, path: bin, args: args(port), dir: dir, logPath: logPath})
			if err != nil {
				return "", &StartError{Component: name, Err: err}, false
			}
			r.procs[addr] = p
			if err := waitFor(ctx, p, func(ctx context.Context) error { return r.ping(ctx, addr) }); err != nil {
				p.stop(syscall.SIGTERM, 2*time.Second)
				delete(r.procs, addr)
				return "", startErr(name, err, logPath), portInUse(logPath)
			}
			return addr, nil, false
		})
	}
	serverArgs := func(name string, replicaOf string) func(int) []string {
		return func(port int) []string {
			d := filepath.Join(dir, name)
			_ = os.MkdirAll(d, 0o755)
			a := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", d, "--save", "", "--appendonly", "no",
				"--daemonize", "no", "--protected-mode", "no", "--replica-announce-ip", "127.0.0.1"}
			if replicaOf != "" {
				host, p, _ := strings.Cut(replicaOf, ":")
				a = append(a, "--replicaof", host, p)
			}
			return a
		}
	}
	if r.Primary, err = startOne("redis-primary", serverArgs("primary", ""), server); err != nil {
		r.Close()
		return nil, err
	}
	for i := range replicas {
		name := fmt.Sprintf("redis-replica-%d", i+1)
		addr, err := startOne(name, serverArgs(name, r.Primary), server)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.Replicas = append(r.Replicas, addr)
	}
	quorum := sentinels/2 + 1
	for i := range sentinels {
		name := fmt.Sprintf("redis-sentinel-%d", i+1)
		addr, err := startOne(name, func(port int) []string {
			conf := filepath.Join(dir, name+".conf")
			host, pp, _ := strings.Cut(r.Primary, ":")
			body := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nsentinel announce-ip 127.0.0.1\n"+
				"sentinel monitor %s %s %s %d\nsentinel down-after-milliseconds %s 2000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
				port, dir, RedisMaster, host, pp, quorum, RedisMaster, RedisMaster, RedisMaster)
			_ = os.WriteFile(conf, []byte(body), 0o644)
			return []string{conf}
		}, sentinel)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.Sentinels = append(r.Sentinels, addr)
	}
	if err := waitFor(ctx, nil, r.settled(replicas)); err != nil {
		r.Close()
		return nil, startErr("redis", fmt.Errorf("replication did not settle: %w", err), filepath.Join(dir, "redis-primary.log"))
	}
	return r, nil
}

// settled checks that the primary has all replicas online and each
// Sentinel knows the replicas and the other Sentinels.
func (r *RedisSet) settled(replicas int) func(context.Context) error {
	return func(ctx context.Context) error {
		info, err := r.Do(ctx, r.Primary, "INFO", "replication")
		if err != nil {
			return err
		}
		if got := strings.Count(info, "state=online"); got < replicas {
			return fmt.Errorf("primary has %d of %d replicas online", got, replicas)
		}
		for _, s := range r.Sentinels {
			out, err := r.Do(ctx, s, "SENTINEL", "MASTER", RedisMaster)
			if err != nil {
				return err
			}
			fields := strings.Fields(out)
			for i := 0; i+1 < len(fields); i++ {
				switch fields[i] {
				case "num-slaves":
					if fields[i+1] != fmt.Sprint(replicas) {
						return fmt.Errorf("sentinel %s sees %s replicas", s, fields[i+1])
					}
				case "num-other-sentinels":
					if fields[i+1] != fmt.Sprint(len(r.Sentinels)-1) {
						return fmt.Errorf("sentinel %s sees %s other sentinels", s, fields[i+1])
					}
				}
			}
		}
		return nil
	}
}

func (r *RedisSet) ping(ctx context.Context, addr string) error {
	out, err := r.Do(ctx, addr, "PING")
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "PONG" {
		return fmt.Errorf("PING %s: %q", addr, out)
	}
	return nil
}

// Do runs one command with redis-cli against addr and returns its raw
// output.
func (r *RedisSet) Do(ctx context.Context, addr string, args ...string) (string, error) {
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		return "", fmt.Errorf("bad redis address %q", addr)
	}
	out, err := run(ctx, nil, r.cli, append([]string{"-h", host, "-p", port}, args...)...)
	if err != nil {
		return out, err
	}
	if strings.HasPrefix(out, "(error)") || strings.HasPrefix(out, "ERR ") {
		return out, errors.New(strings.TrimSpace(out))
	}
	return out, nil
}

// Kill stops one member (primary, replica or Sentinel) by address, e.g. to
// cause a failover.
func (r *RedisSet) Kill(addr string) error {
	p, ok := r.procs[addr]
	if !ok {
		return fmt.Errorf("no redis process at %s", addr)
	}
	p.stop(syscall.SIGKILL, 0)
	return nil
}

// Close stops every member.
func (r *RedisSet) Close() {
	if r == nil {
		return
	}
	for _, p := range r.procs {
		p.stop(syscall.SIGTERM, 2*time.Second)
	}
}
