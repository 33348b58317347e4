package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	for i := range db.Members {
		if m := &db.Members[i]; m.Role == providers.RolePrimary && m.Healthy {
			on, what := e.archiving(ctx, m.Address)
			m.Status += "; " + what
			if on {
				db.RestoreWindow = e.window()
			}
		}
	}
	rollupStatus(&db)
	return db
}

// archiveDir is the console's WAL archive of this cluster.
func (e *postgres) archiveDir() string { return walArchiveDir(e.o.Dir, e.d.Name) }

// archiving reports whether the primary at addr archives its WAL into the
// console's archive (archive_mode on or always, and an archive_command
// naming the archive directory), and says so in words.
func (e *postgres) archiving(ctx context.Context, addr string) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 2*e.o.Timeout)
	defer cancel()
	conn, err := pgConnect(ctx, e.d, addr, e.o.Timeout)
	if err != nil {
		return false, "wal archiving unknown: " + oneLine(err.Error())
	}
	defer conn.Close(context.Background())
	var mode, command string
	var failed int64
	if err := conn.QueryRow(ctx, `select current_setting('archive_mode'), current_setting('archive_command'),
		(select failed_count from pg_stat_archiver)`).Scan(&mode, &command, &failed); err != nil {
		return false, "wal archiving unknown: " + oneLine(err.Error())
	}
	switch {
	case mode == "off":
		return false, "wal archiving off"
	case !strings.Contains(command, e.archiveDir()):
		return false, "wal archived elsewhere (not into " + e.archiveDir() + ")"
	case failed > 0:
		return true, fmt.Sprintf("wal archiving into %s (%d failures)", e.archiveDir(), failed)
	}
	return true, "wal archiving into " + e.archiveDir()
}

// walSegment matches the name of a WAL segment file (timeline, log, segment).
var walSegment = regexp.MustCompile(`^[0-9A-F]{24}$`)

// window is the range of times the archive can restore to: from the end of
// the oldest console backup whose first WAL segment is archived, to the
// time the newest segment was archived (the archive reaches that far only
// once a segment is finished: archive_timeout bounds the gap). nil when no
// backup can start a replay.
func (e *postgres) window() *providers.TimeWindow {
	bs, err := newCatalog(e.o.Dir, e.d.Name).list()
	if err != nil {
		return nil
	}
	var earliest time.Time
	for _, b := range bs {
		if e.replayable(b) && (earliest.IsZero() || b.Time.Before(earliest)) {
			earliest = b.Time
		}
	}
	entries, err := os.ReadDir(e.archiveDir())
	if err != nil || earliest.IsZero() {
		return nil
	}
	var latest time.Time
	for _, en := range entries {
		if !walSegment.MatchString(en.Name()) {
			continue
		}
		if fi, err := en.Info(); err == nil && fi.ModTime().After(latest) {
			latest = fi.ModTime()
		}
	}
	if latest.Before(earliest) {
		return nil
	}
	return &providers.TimeWindow{Earliest: earliest, Latest: latest, Source: "wal archive " + e.archiveDir()}
}

// replayable reports whether the WAL archive holds the first segment of
// base backup b (named in its backup_label), so a replay can start from it.
func (e *postgres) replayable(b providers.Backup) bool {
	label, err := os.ReadFile(filepath.Join(b.Location, "data", "backup_label"))
	if err != nil {
		return false
	}
	m := startSegment.FindSubmatch(label)
	if m == nil {
		return false
	}
	_, err = os.Stat(filepath.Join(e.archiveDir(), string(m[1])))
	return err == nil
}

// startSegment finds the first WAL segment in a backup_label.
var startSegment = regexp.MustCompile(`START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)`)

// PromotePlan implements Engine.
func (e *postgres) PromotePlan(addr string) ([]string, string) {
	c := []string{
		"the old primary, if it answers: fenced first (as below), then " + addr + " must replay up to its last WAL position (pg_current_wal_insert_lsn) within " + catchUpTimeout.String() + ", else the fence is lifted and nothing is promoted",
		addr + ": SELECT pg_promote(true, 60)",
	}
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, o+": if a replica: ALTER SYSTEM SET primary_conninfo (host and port of "+addr+"); SELECT pg_reload_conf()",
				o+": if the old primary: fence it: ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf(); pg_terminate_backend of its client sessions")
		}
	}
	return c, "The old primary is fenced read-only (new transactions cannot write), not stopped: stop it or rebuild it as a replica; if it cannot be reached it is reported and must be fenced by hand."
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
	if err := e.quiesce(ctx, conn, addr, out); err != nil {
		return err
	}
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

// catchUpTimeout bounds how long a promote waits for the candidate to
// replay everything the fenced old primary wrote.
const catchUpTimeout = 30 * time.Second

// quiesce prepares a switchover as Patroni does: when the old primary
// answers, it is fenced first (no client writes any more), and the
// candidate (on cand) must replay up to the old primary's last WAL
// position before it is promoted. Promoting a candidate that is behind a
// sibling replica leaves that sibling on WAL the new timeline does not
// have, and it can never follow. If the candidate does not catch up in
// time the fence is lifted and the promote refused. With the old primary
// unreachable (a failover) there is nothing to wait for.
func (e *postgres) quiesce(ctx context.Context, cand *pgx.Conn, addr string, out io.Writer) error {
	for _, o := range e.d.Members {
		if o == addr {
			continue
		}
		old, err := pgConnect(ctx, e.d, o, 5*time.Second)
		if err != nil {
			continue
		}
		defer old.Close(context.Background())
		var inRecovery bool
		if err := old.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&inRecovery); err != nil || inRecovery {
			continue
		}
		msg, err := e.fence(ctx, old)
		if err != nil {
			return fmt.Errorf("before promoting %s: %w", addr, err)
		}
		fmt.Fprintf(out, "%s: %s\n", o, msg)
		var lsn string
		if err := old.QueryRow(ctx, "select pg_current_wal_insert_lsn()::text").Scan(&lsn); err != nil {
			return errors.Join(fmt.Errorf("read the old primary's WAL position: %w", err), e.unfence(old, o, out))
		}
		fmt.Fprintf(out, "%s: waiting to replay up to %s (the old primary's last WAL position)\n", addr, lsn)
		wait, cancel := context.WithTimeout(ctx, catchUpTimeout)
		defer cancel()
		for {
			var done bool
			err := cand.QueryRow(wait, "select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).Scan(&done)
			if err == nil && done {
				return nil
			}
			if wait.Err() != nil {
				return errors.Join(fmt.Errorf("%s did not replay up to %s within %s; not promoted", addr, lsn, catchUpTimeout), e.unfence(old, o, out))
			}
			select {
			case <-wait.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// unfence lifts the fence of an old primary after a refused promote.
func (e *postgres) unfence(conn *pgx.Conn, addr string, out io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, q := range []string{"alter system reset default_transaction_read_only", "select pg_reload_conf()"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s is still fenced read-only (%s: %w): reset default_transaction_read_only by hand", addr, q, err)
		}
	}
	fmt.Fprintf(out, "%s: fence lifted (ALTER SYSTEM RESET default_transaction_read_only)\n", addr)
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
		return e.fence(ctx, conn)
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

// fencedStatus starts the status of a primary the console fenced.
const fencedStatus = "fenced: read-only"

// fence makes the old primary on conn refuse writes: every new transaction
// read-only (ALTER SYSTEM SET default_transaction_read_only, reloaded) and
// every other client session ended, so none keeps writing in a session
// that began before. A client can still SET default_transaction_read_only
// off in its own session: stop the old primary, or rebuild it as a replica.
func (e *postgres) fence(ctx context.Context, conn *pgx.Conn) (string, error) {
	for _, q := range []string{"alter system set default_transaction_read_only = on", "select pg_reload_conf()"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return "", fmt.Errorf("old primary not fenced (%s: %w): stop it by hand", q, err)
		}
	}
	var ended int
	if err := conn.QueryRow(ctx, `select count(pg_terminate_backend(pid)) from pg_stat_activity
		where backend_type = 'client backend' and pid <> pg_backend_pid()`).Scan(&ended); err != nil {
		return "", fmt.Errorf("old primary read-only, but its sessions not ended (%w): stop it by hand", err)
	}
	return fmt.Sprintf("the old primary: fenced (ALTER SYSTEM SET default_transaction_read_only = on; SELECT pg_reload_conf(); %d client sessions ended by pg_terminate_backend)", ended), nil
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
		var readOnly string
		if err := conn.QueryRow(ctx, "select current_setting('default_transaction_read_only')").Scan(&readOnly); err == nil && readOnly == "on" {
			// Fenced (after a promotion): not a primary that takes writes.
			m.Status = fencedStatus + " (default_transaction_read_only on)"
			return m
		}
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
		"postgres -D NEW_DIR/data -p FREE_PORT -k NEW_DIR/data -c listen_addresses=127.0.0.1 -c archive_mode=off (a standalone primary)"}
}

// Restore implements Restorer: a copy of the base backup started as a
// standalone server on a free port. PostgreSQL refuses to run as root: as
// root the server runs as user postgres, which must be able to reach dir.
func (e *postgres) Restore(ctx context.Context, b providers.Backup, dir string, out io.Writer) (Restored, error) {
	return e.restore(ctx, b, dir, nil, out)
}

// RestoreToTimePlan implements PointInTimeRestorer.
func (e *postgres) RestoreToTimePlan(b providers.Backup, at time.Time) []string {
	return []string{"copy " + filepath.Join(b.Location, "data") + " (base backup " + b.ID + ") to NEW_DIR/data",
		"NEW_DIR/data/recovery.signal; postgresql.auto.conf: restore_command = 'cp " + e.archiveDir() + "/%f %p', recovery_target_time = '" +
			at.UTC().Format(pgTime) + "', recovery_target_action = 'promote'",
		"postgres -D NEW_DIR/data -p FREE_PORT -k NEW_DIR/data -c listen_addresses=127.0.0.1 -c archive_mode=off (replays the archive up to that time, then a standalone primary)"}
}

// pgTime is how a recovery_target_time is written.
const pgTime = "2006-01-02 15:04:05.999999-07:00"

// RestoreToTime implements PointInTimeRestorer: the base backup b copied
// into dir, with recovery.signal and a recovery target so that the server
// replays the console's WAL archive up to at, then promotes itself.
func (e *postgres) RestoreToTime(ctx context.Context, b providers.Backup, at time.Time, dir string, out io.Writer) (Restored, error) {
	return e.restore(ctx, b, dir, func(data string) error {
		conf := fmt.Sprintf("\n# console point-in-time restore\nrestore_command = %s\nrecovery_target_time = %s\nrecovery_target_action = 'promote'\n",
			quoteLiteral("cp "+e.archiveDir()+"/%f %p"), quoteLiteral(at.UTC().Format(pgTime)))
		fmt.Fprintf(out, "recovery to %s from %s\n", at.UTC().Format(time.RFC3339Nano), e.archiveDir())
		if err := appendTo(filepath.Join(data, "postgresql.auto.conf"), conf); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(data, "recovery.signal"), nil, 0o600)
	}, out)
}

// restore copies base backup b into dir/data, lets recover prepare it
// (nil: none) and starts it as a standalone server, never archiving (its
// WAL must not reach the live cluster's archive), ready once it accepts
// writes (a recovery has ended).
func (e *postgres) restore(ctx context.Context, b providers.Backup, dir string, recover func(data string) error, out io.Writer) (Restored, error) {
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
	if recover != nil {
		if err := recover(data); err != nil {
			return Restored{}, fmt.Errorf("recovery settings: %w", err)
		}
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
			return []string{"-D", data, "-p", strconv.Itoa(port), "-k", data, "-c", "listen_addresses=127.0.0.1", "-c", "archive_mode=off"}
		},
		ready: func(ctx context.Context, addr string) error {
			conn, err := pgConnect(ctx, e.d, addr, time.Second)
			if err != nil {
				return err
			}
			defer conn.Close(context.Background())
			var recovering bool
			if err := conn.QueryRow(ctx, "select pg_is_in_recovery()").Scan(&recovering); err != nil {
				return err
			}
			if recovering {
				return errors.New("still replaying")
			}
			return nil
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
