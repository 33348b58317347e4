package db

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// memberDSN fills the {host} and {port} of the configured DSN template.
func memberDSN(d config.Database, addr string) string {
	return fillDSN(d.DSN, "postgres://postgres@{host}:{port}/postgres?sslmode=disable", "5432", addr)
}

// fillDSN replaces {host} and {port} in tmpl (def when empty) by addr's
// host and port (defPort when addr has none).
func fillDSN(tmpl, def, defPort, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, defPort
	}
	if tmpl == "" {
		tmpl = def
	}
	return strings.NewReplacer("{host}", host, "{port}", port).Replace(tmpl)
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
	c := []string{addr + ": SELECT pg_promote(true, 60)"}
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, o+": if a replica: ALTER SYSTEM SET primary_conninfo (host and port of "+addr+"); SELECT pg_reload_conf()")
		}
	}
	return c, "The old primary keeps running as a primary: stop it or rebuild it as a replica (split brain otherwise)."
}

// Promote implements Engine: pg_promote() on the replica, waiting up to
// 60 s, then every other replica is re-pointed at it (primary_conninfo,
// reloaded; recovery_target_timeline "latest" follows the new timeline).
// A replica that cannot be re-pointed is reported, not fatal.
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
	for _, o := range e.d.Members {
		if o == addr {
			continue
		}
		if msg, err := e.repoint(ctx, o, addr); err != nil {
			fmt.Fprintf(out, "warning: %s does not follow the new primary: %v\n", o, err)
		} else {
			fmt.Fprintf(out, "%s: %s\n", o, msg)
		}
	}
	return nil
}

// repoint makes the replica at addr stream from primary.
func (e *postgres) repoint(ctx context.Context, addr, primary string) (string, error) {
	conn, err := pgConnect(ctx, e.d, addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	var info string
	if err := conn.QueryRow(ctx, "select pg_is_in_recovery(), current_setting('primary_conninfo')").Scan(&inRecovery, &info); err != nil {
		return "", err
	}
	if !inRecovery {
		return "a primary: left as it is", nil
	}
	host, port, _ := net.SplitHostPort(primary)
	next, err := withHostPort(info, host, port)
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "alter system set primary_conninfo = "+quoteLiteral(next)); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "select pg_reload_conf()"); err != nil {
		return "", err
	}
	return "ALTER SYSTEM SET primary_conninfo (host=" + host + " port=" + port + "); SELECT pg_reload_conf()", nil
}

// withHostPort returns the key=value connection string info with its
// host and port replaced (added when missing). A quoted value with spaces
// is refused rather than split.
func withHostPort(info, host, port string) (string, error) {
	var kept []string
	for _, f := range strings.Fields(info) {
		if strings.Count(f, "'")%2 != 0 {
			return "", fmt.Errorf("primary_conninfo has a quoted value with spaces: re-point it by hand")
		}
		k, _, _ := strings.Cut(f, "=")
		if k != "host" && k != "port" && k != "hostaddr" {
			kept = append(kept, f)
		}
	}
	return strings.Join(append([]string{"host=" + host, "port=" + port}, kept...), " "), nil
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

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
	m.Volumes = pgVolumes(ctx, conn, addr)
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
	// last replayed transaction, or, when none was replayed since the
	// server started, the time since it started (the lag is at least that).
	var caughtUp bool
	var lag float64
	var receiver string
	err = conn.QueryRow(ctx, `select coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false),
		coalesce(extract(epoch from now() - coalesce(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())), 0)::float8,
		coalesce((select status || coalesce(' from ' || sender_host || ':' || sender_port, '') from pg_stat_wal_receiver limit 1), 'stopped')`).Scan(&caughtUp, &lag, &receiver)
	if err != nil {
		m.Status = "query failed: " + oneLine(err.Error())
		return m
	}
	if !caughtUp {
		m.LagSeconds = lag
	}
	m.Healthy = strings.HasPrefix(receiver, "streaming")
	m.Status = "wal receiver " + receiver
	return m
}

// pgVolumes reads the volumes of the member at addr when it runs on this
// machine: its data_directory (/data), pg_wal (/journal) and, with the
// logging collector on, its log_directory (/logs), the last two only when
// on filesystems of their own. Reading the settings needs a superuser or
// pg_read_all_settings; without, no volume is reported.
func pgVolumes(ctx context.Context, conn *pgx.Conn, addr string) []providers.Volume {
	var data, collector, logDir string
	if err := conn.QueryRow(ctx, `select current_setting('data_directory'), current_setting('logging_collector'),
		current_setting('log_directory')`).Scan(&data, &collector, &logDir); err != nil {
		return nil
	}
	dirs := []dirVolume{{"/data", data}, {"/journal", filepath.Join(data, "pg_wal")}}
	if collector == "on" {
		if !filepath.IsAbs(logDir) {
			logDir = filepath.Join(data, logDir)
		}
		dirs = append(dirs, dirVolume{"/logs", logDir})
	}
	vs, _ := localVolumes(ctx, addr, dirs)
	return vs
}

// pgBinDirs are where distributions install the programs of PostgreSQL
// major version major (Debian, then the PGDG RPMs).
func pgBinDirs(major string) []string {
	if major == "" {
		return nil
	}
	return []string{"/usr/lib/postgresql/" + major + "/bin", "/usr/pgsql-" + major + "/bin"}
}

// serverMajor reads the major version of the server at addr ("15").
func (e *postgres) serverMajor(ctx context.Context, addr string) (string, error) {
	conn, err := pgConnect(ctx, e.d, addr, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close(context.Background())
	var num int
	if err := conn.QueryRow(ctx, "select current_setting('server_version_num')::int").Scan(&num); err != nil {
		return "", fmt.Errorf("server version of %s: %w", addr, err)
	}
	return strconv.Itoa(num / 10000), nil
}

// BackupPlan implements Backuper.
func (e *postgres) BackupPlan(primary string) []string {
	return []string{"pg_basebackup -d " + memberDSN(e.d, primary) + " -D BACKUP_DIR/data -X stream -c fast -v"}
}

// Backup implements Backuper: pg_basebackup of the primary (plain format,
// with the WAL needed to make it consistent) into dir/data.
func (e *postgres) Backup(ctx context.Context, primary, dir string, out io.Writer) (providers.Backup, error) {
	major, err := e.serverMajor(ctx, primary)
	if err != nil {
		return providers.Backup{}, err
	}
	bin, err := findProgram("pg_basebackup", pgBinDirs(major)...)
	if err != nil {
		return providers.Backup{}, err
	}
	args := []string{"-d", memberDSN(e.d, primary), "-D", filepath.Join(dir, "data"), "-X", "stream", "-c", "fast", "-v",
		"-l", "console backup " + filepath.Base(dir)}
	fmt.Fprintf(out, "%s %s\n", bin, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return providers.Backup{}, fmt.Errorf("pg_basebackup from %s: %w", primary, err)
	}
	return providers.Backup{Time: time.Now(), Status: "completed", Kind: "pg_basebackup"}, nil
}

// RestorePlan implements Restorer.
func (e *postgres) RestorePlan(b providers.Backup) []string {
	return []string{"copy " + filepath.Join(b.Location, "data") + " to NEW_DIR/data",
		"postgres -D NEW_DIR/data -p FREE_PORT -k NEW_DIR/data -c listen_addresses=127.0.0.1 (a standalone primary)"}
}

// Restore implements Restorer: a copy of the base backup started as a
// standalone server on a free port. PostgreSQL refuses to run as root: as
// root the server runs as user postgres, which must be able to reach dir.
func (e *postgres) Restore(ctx context.Context, b providers.Backup, dir string, out io.Writer) (Restored, error) {
	src := filepath.Join(b.Location, "data")
	major, err := os.ReadFile(filepath.Join(src, "PG_VERSION"))
	if err != nil {
		return Restored{}, fmt.Errorf("backup %s: %w", b.ID, err)
	}
	bin, err := findProgram("postgres", pgBinDirs(strings.TrimSpace(string(major)))...)
	if err != nil {
		return Restored{}, err
	}
	cred, err := runAs("postgres")
	if err != nil {
		return Restored{}, err
	}
	data := filepath.Join(dir, "data")
	fmt.Fprintf(out, "copy %s to %s\n", src, data)
	if err := os.CopyFS(data, os.DirFS(src)); err != nil {
		return Restored{}, fmt.Errorf("copy the backup: %w", err)
	}
	for _, f := range []string{"standby.signal", "recovery.signal", "postmaster.pid"} {
		_ = os.Remove(filepath.Join(data, f))
	}
	if err := os.Chmod(data, 0o700); err != nil {
		return Restored{}, err
	}
	if err := chownTree(dir, cred); err != nil {
		return Restored{}, fmt.Errorf("give %s to user postgres: %w", dir, err)
	}
	if cred != nil {
		// The postgres user must traverse Dir and Dir/restores (0711: no listing).
		for _, d := range []string{filepath.Dir(dir), filepath.Dir(filepath.Dir(dir))} {
			if err := os.Chmod(d, 0o711); err != nil {
				return Restored{}, err
			}
		}
	}
	fmt.Fprintf(out, "starting %s -D %s\n", bin, data)
	return startServer(ctx, serverSpec{bin: bin, dir: dir, cred: cred,
		args: func(port int) []string {
			return []string{"-D", data, "-p", strconv.Itoa(port), "-k", data, "-c", "listen_addresses=127.0.0.1"}
		},
		ready: func(ctx context.Context, addr string) error {
			conn, err := pgConnect(ctx, e.d, addr, time.Second)
			if err != nil {
				return err
			}
			return conn.Close(context.Background())
		}})
}

// Describe implements Restorer: whether it runs as a primary and how many
// databases it holds.
func (e *postgres) Describe(ctx context.Context, addr string) (string, error) {
	conn, err := pgConnect(ctx, e.d, addr, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close(context.Background())
	var recovery bool
	var dbs int
	if err := conn.QueryRow(ctx, "select pg_is_in_recovery(), (select count(*) from pg_database where not datistemplate)::int").Scan(&recovery, &dbs); err != nil {
		return "", fmt.Errorf("query %s: %w", addr, err)
	}
	if recovery {
		return "", fmt.Errorf("%s is still in recovery", addr)
	}
	return fmt.Sprintf("accepts writes, %d databases", dbs), nil
}
