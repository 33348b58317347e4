package lab

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PGCluster is a PostgreSQL primary with streaming replicas. Every server
// trusts connections from 127.0.0.1 as user "postgres".
type PGCluster struct {
	// Primary is the primary's address (host:port) at start.
	Primary string
	// Replicas are the streaming replicas' addresses.
	Replicas []string
	// User is the superuser name ("postgres").
	User string
	// DSN is a connection string template: {host} and {port} are replaced
	// by a member's address.
	DSN string
	// Dir holds the logs.
	Dir string

	dataRoot string // data directories (owned by postgres when run as root)
	binDir   string
	cred     *syscall.Credential
	procs    map[string]*process
}

// Postgres starts a primary and replicas for a test; they stop at
// t.Cleanup.
func Postgres(t testing.TB, replicas int) *PGCluster {
	t.Helper()
	c, err := StartPostgres(testContext(t), t.TempDir(), replicas)
	Require(t, "postgres", err)
	t.Cleanup(c.Close)
	return c
}

// PostgresArchiving starts a primary and replicas like Postgres, the
// primary archiving its WAL into archive (archive_mode on, archive_command
// copying each finished segment there, never overwriting): the directory
// the console owns for the cluster's WAL archive. The directory is created
// and, as root, given to user postgres; its parents must be traversable by
// that user.
func PostgresArchiving(t testing.TB, replicas int, archive string) *PGCluster {
	t.Helper()
	c, err := StartPostgresArchiving(testContext(t), t.TempDir(), replicas, archive)
	Require(t, "postgres", err)
	t.Cleanup(c.Close)
	return c
}

// pgBinDir finds PostgreSQL's server programs, preferring version 15.
func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		if (vi == 15) != (vj == 15) {
			return vi == 15
		}
		return vi > vj
	})
	p, err := lookPath("initdb", dirs...)
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

// StartPostgres initialises a primary, clones replicas from it with
// pg_basebackup, starts them all and waits until the primary streams to
// every replica. Logs go to dir. PostgreSQL refuses to run as root, so as
// root the servers run as user postgres with their data in a directory it
// owns (removed at Close).
func StartPostgres(ctx context.Context, dir string, replicas int) (*PGCluster, error) {
	return StartPostgresArchiving(ctx, dir, replicas, "")
}

// StartPostgresArchiving is StartPostgres with the primary archiving its
// WAL into archive ("" for no archiving), see PostgresArchiving.
func StartPostgresArchiving(ctx context.Context, dir string, replicas int, archive string) (*PGCluster, error) {
	binDir, err := pgBinDir()
	if err != nil {
		return nil, &StartError{Component: "postgres", Err: err}
	}
	c := &PGCluster{User: "postgres", Dir: dir, binDir: binDir, procs: map[string]*process{},
		DSN: "postgres://postgres@{host}:{port}/postgres?sslmode=disable"}
	if os.Geteuid() == 0 {
		cred, err := userCredential("postgres")
		if err != nil {
			return nil, &StartError{Component: "postgres", Err: fmt.Errorf("running as root needs the postgres user: %w", err)}
		}
		c.cred = cred
	}
	if c.dataRoot, err = os.MkdirTemp("", "lab-pg-"); err != nil {
		return nil, &StartError{Component: "postgres", Err: err}
	}
	if c.cred != nil {
		if err := os.Chown(c.dataRoot, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			c.Close()
			return nil, &StartError{Component: "postgres", Err: err}
		}
	}
	_ = os.Symlink(c.dataRoot, filepath.Join(dir, "data"))

	primaryData := filepath.Join(c.dataRoot, "primary")
	if out, err := run(ctx, c.cred, filepath.Join(binDir, "initdb"), "-D", primaryData, "-U", "postgres",
		"--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		c.Close()
		return nil, &StartError{Component: "postgres", Err: fmt.Errorf("initdb: %w", err), Log: lastLines(out, 30)}
	}
	conf := "\n# lab\nwal_level = replica\nmax_wal_senders = 16\nmax_replication_slots = 16\nhot_standby = on\n" +
		"wal_keep_size = 128MB\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n" +
		"shared_buffers = 32MB\nmax_connections = 60\nlogging_collector = off\nwal_receiver_status_interval = 1s\n"
	if archive != "" {
		// The parents only traversable (0711), the archive the server's.
		if err := os.MkdirAll(filepath.Dir(archive), 0o711); err != nil {
			c.Close()
			return nil, &StartError{Component: "postgres", Err: err}
		}
		if err := os.Mkdir(archive, 0o700); err != nil && !os.IsExist(err) {
			c.Close()
			return nil, &StartError{Component: "postgres", Err: err}
		}
		if c.cred != nil {
			if err := os.Chown(archive, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				c.Close()
				return nil, &StartError{Component: "postgres", Err: err}
			}
		}
		q := strings.ReplaceAll(archive, "'", "''")
		conf += "archive_mode = on\narchive_command = 'test ! -f " + q + "/%f && cp %p " + q + "/%f'\n"
	}
	if err := appendFile(filepath.Join(primaryData, "postgresql.conf"), conf); err != nil {
		c.Close()
		return nil, &StartError{Component: "postgres", Err: err}
	}
	hba := "\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
	if err := appendFile(filepath.Join(primaryData, "pg_hba.conf"), hba); err != nil {
		c.Close()
		return nil, &StartError{Component: "postgres", Err: err}
	}
	if c.Primary, err = c.startServer(ctx, "postgres-primary", primaryData); err != nil {
		c.Close()
		return nil, err
	}
	// Clone and start the replicas in parallel.
	addrs := make([]string, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addrs[i], errs[i] = c.startReplica(ctx, i+1)
		}()
	}
	wg.Wait()
	for i := range replicas {
		if errs[i] != nil {
			c.Close()
			return nil, errs[i]
		}
		c.Replicas = append(c.Replicas, addrs[i])
	}
	err = waitFor(ctx, nil, func(ctx context.Context) error {
		out, err := c.Query(ctx, c.Primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) != strconv.Itoa(replicas) {
			return fmt.Errorf("%s of %d replicas streaming", strings.TrimSpace(out), replicas)
		}
		return nil
	})
	if err != nil {
		c.Close()
		return nil, startErr("postgres", fmt.Errorf("replication did not start: %w", err), filepath.Join(dir, "postgres-primary.log"))
	}
	return c, nil
}

// startReplica clones the primary with pg_basebackup -R and starts it.
func (c *PGCluster) startReplica(ctx context.Context, n int) (string, error) {
	name := fmt.Sprintf("postgres-replica-%d", n)
	data := filepath.Join(c.dataRoot, fmt.Sprintf("replica-%d", n))
	host, port, _ := strings.Cut(c.Primary, ":")
	if out, err := run(ctx, c.cred, filepath.Join(c.binDir, "pg_basebackup"), "-d", fmt.Sprintf("host=%s port=%s user=postgres application_name=%s", host, port, name),
		"-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return "", &StartError{Component: name, Err: fmt.Errorf("pg_basebackup: %w", err), Log: lastLines(out, 30)}
	}
	return c.startServer(ctx, name, data)
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func userCredential(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("uid of %s: %w", name, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("gid of %s: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// startServer starts postgres on a free port with its socket in its data
// directory and waits until it accepts queries.
func (c *PGCluster) startServer(ctx context.Context, name, data string) (string, error) {
	logPath := filepath.Join(c.Dir, name+".log")
	return withPortRetry(func(int) (string, error, bool) {
		port, err := FreePort()
		if err != nil {
			return "", err, false
		}
		addr := hostPort(port)
		p, err := startProcess(procSpec{name: name, path: filepath.Join(c.binDir, "postgres"), dir: data, logPath: logPath, cred: c.cred,
			args: []string{"-D", data, "-p", strconv.Itoa(port), "-k", data, "-c", "listen_addresses=127.0.0.1"}})
		if err != nil {
			return "", &StartError{Component: name, Err: err}, false
		}
		c.procs[addr] = p
		if err := waitFor(ctx, p, func(ctx context.Context) error {
			_, err := c.Query(ctx, addr, "SELECT 1")
			return err
		}); err != nil {
			p.stop(syscall.SIGINT, 3*time.Second)
			delete(c.procs, addr)
			return "", startErr(name, err, logPath), portInUse(logPath)
		}
		return addr, nil, false
	})
}

// Query runs SQL with psql on a member and returns the unaligned,
// tuples-only output.
func (c *PGCluster) Query(ctx context.Context, addr, sql string) (string, error) {
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		return "", fmt.Errorf("bad postgres address %q", addr)
	}
	psql, err := lookPath("psql", c.binDir)
	if err != nil {
		return "", err
	}
	out, err := run(ctx, nil, psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", host, "-p", port, "-U", c.User, "-d", "postgres", "-c", sql)
	return strings.TrimRight(out, "\n"), err
}

// ConnString returns the DSN of one member.
func (c *PGCluster) ConnString(addr string) string {
	host, port, _ := strings.Cut(addr, ":")
	return strings.NewReplacer("{host}", host, "{port}", port).Replace(c.DSN)
}

// Promote promotes a replica to primary (pg_promote) and waits for it.
func (c *PGCluster) Promote(ctx context.Context, addr string) error {
	out, err := c.Query(ctx, addr, "SELECT pg_promote(true, 60)")
	if err != nil {
		return fmt.Errorf("promote %s: %w", addr, err)
	}
	if strings.TrimSpace(out) != "t" {
		return fmt.Errorf("promote %s: pg_promote returned %q", addr, out)
	}
	return nil
}

// Kill stops one member immediately (SIGKILL), e.g. to lose the primary.
func (c *PGCluster) Kill(addr string) error {
	p, ok := c.procs[addr]
	if !ok {
		return fmt.Errorf("no postgres process at %s", addr)
	}
	p.stop(syscall.SIGKILL, 0)
	return nil
}

// Close stops every server (fast shutdown) and removes the data.
func (c *PGCluster) Close() {
	if c == nil {
		return
	}
	for _, p := range c.procs {
		p.stop(syscall.SIGINT, 5*time.Second)
	}
	if c.dataRoot != "" {
		_ = os.RemoveAll(c.dataRoot)
	}
}
