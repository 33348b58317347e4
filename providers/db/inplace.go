package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opsconsole/console/providers"
)

// InPlaceRestorer is implemented by engines that can restore a backup
// over the live instance (only when explicitly asked: the executor then
// asks for a second typed confirmation): the instance is stopped, its data
// replaced by the backup's (the old data kept aside) and restarted as it
// was started.
type InPlaceRestorer interface {
	// RestoreInPlacePlan lists the steps RestoreInPlace takes on member.
	RestoreInPlacePlan(b providers.Backup, member string) []string
	// RestoreInPlace restores b over the instance at member and returns
	// once it accepts writes again, with where the old data was kept.
	RestoreInPlace(ctx context.Context, b providers.Backup, member string, out io.Writer) (kept string, err error)
}

// replicasResync is implemented by engines whose in-place restore carries
// the primary's replicas along (Redis: they resync from it), so a cluster
// with replicas may be restored in place; others restore a single
// instance only.
type replicasResync interface {
	InPlaceReplicasResync()
}

// pgServer is what the console reads of a running local PostgreSQL server
// to stop and restart it: its data directory, its postmaster's pid and
// the command line it was started with (postmaster.opts).
type pgServer struct {
	data string
	pid  int
	argv []string
	uid  uint32
	gid  uint32
}

// readPGServer reads the server at addr (it must run on this machine).
func (e *postgres) readPGServer(ctx context.Context, addr string) (pgServer, error) {
	conn, err := pgConnect(ctx, e.d, addr, 5*time.Second)
	if err != nil {
		return pgServer{}, fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close(context.Background())
	var s pgServer
	if err := conn.QueryRow(ctx, "select current_setting('data_directory')").Scan(&s.data); err != nil {
		return pgServer{}, fmt.Errorf("data_directory of %s: %w", addr, err)
	}
	if _, err := localVolumes(ctx, addr, []dirVolume{{"/data", s.data}}); err != nil {
		return pgServer{}, fmt.Errorf("%s: %w", addr, err)
	}
	pidFile, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return pgServer{}, err
	}
	first, _, _ := strings.Cut(string(pidFile), "\n")
	if s.pid, err = strconv.Atoi(strings.TrimSpace(first)); err != nil {
		return pgServer{}, fmt.Errorf("postmaster.pid of %s: %w", addr, err)
	}
	opts, err := os.ReadFile(filepath.Join(s.data, "postmaster.opts"))
	if err != nil {
		return pgServer{}, err
	}
	if s.argv = splitOpts(string(opts)); len(s.argv) == 0 {
		return pgServer{}, fmt.Errorf("postmaster.opts of %s is empty", addr)
	}
	fi, err := os.Stat(s.data)
	if err != nil {
		return pgServer{}, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.uid, s.gid = st.Uid, st.Gid
	}
	return s, nil
}

// splitOpts splits postmaster.opts: the program, then each argument in
// double quotes.
func splitOpts(s string) []string {
	s = strings.TrimSpace(s)
	prog, rest, _ := strings.Cut(s, " ")
	out := []string{prog}
	for {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(rest[i+1:], '"')
		if j < 0 {
			return out
		}
		out = append(out, rest[i+1:i+1+j])
		rest = rest[i+1+j+1:]
	}
}

// RestoreInPlacePlan implements InPlaceRestorer.
func (e *postgres) RestoreInPlacePlan(b providers.Backup, member string) []string {
	return []string{
		member + ": read data_directory, postmaster.pid and postmaster.opts (the server runs on this machine)",
		member + ": kill -INT POSTMASTER_PID (fast shutdown); wait until it exits",
		"move DATA_DIRECTORY aside to DATA_DIRECTORY.before-restore-TIME (kept)",
		"copy " + filepath.Join(b.Location, "data") + " (backup " + b.ID + ") to DATA_DIRECTORY; recovery.signal with recovery_target = 'immediate', recovery_target_action = 'promote' (a new timeline)",
		member + ": start it again with its postmaster.opts command line, as the data directory's owner; wait until it accepts writes",
	}
}

// RestoreInPlace implements InPlaceRestorer for a server on this machine.
func (e *postgres) RestoreInPlace(ctx context.Context, b providers.Backup, member string, out io.Writer) (string, error) {
	srv, err := e.readPGServer(ctx, member)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(out, "%s: kill -INT %d (fast shutdown of %s)\n", member, srv.pid, srv.data)
	if err := syscall.Kill(srv.pid, syscall.SIGINT); err != nil {
		return "", fmt.Errorf("stop %s (pid %d): %w", member, srv.pid, err)
	}
	if !waitExit(ctx, srv.pid, time.Minute) {
		return "", fmt.Errorf("%s (pid %d) did not stop within a minute: nothing was replaced", member, srv.pid)
	}
	kept := srv.data + ".before-restore-" + time.Now().UTC().Format("20060102T150405")
	fmt.Fprintf(out, "move %s to %s\n", srv.data, kept)
	if err := os.Rename(srv.data, kept); err != nil {
		return "", fmt.Errorf("move the old data aside: %w (the server is stopped: start it again by hand)", err)
	}
	fmt.Fprintf(out, "copy %s to %s\n", filepath.Join(b.Location, "data"), srv.data)
	if err := os.CopyFS(srv.data, os.DirFS(filepath.Join(b.Location, "data"))); err != nil {
		return kept, fmt.Errorf("copy the backup: %w (the old data is in %s)", err, kept)
	}
	for _, f := range []string{"standby.signal", "postmaster.pid"} {
		_ = os.Remove(filepath.Join(srv.data, f))
	}
	// End recovery as soon as the backup is consistent and switch to a new
	// timeline, so that its WAL never collides with the archived history
	// (the WAL it needs is in the backup's pg_wal: nothing to fetch).
	conf := "\n# console in-place restore of backup " + b.ID + "\nrestore_command = 'false'\nrecovery_target = 'immediate'\nrecovery_target_action = 'promote'\n"
	if err := errors.Join(appendTo(filepath.Join(srv.data, "postgresql.auto.conf"), conf),
		os.WriteFile(filepath.Join(srv.data, "recovery.signal"), nil, 0o600),
		// postmaster.opts is the server's own: its command line stays.
		copyFile(filepath.Join(srv.data, "postmaster.opts"), filepath.Join(kept, "postmaster.opts")),
		os.Chmod(srv.data, 0o700)); err != nil {
		return kept, fmt.Errorf("prepare the restored data: %w (the old data is in %s)", err, kept)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: srv.uid, Gid: srv.gid}
		if err := chownTree(srv.data, cred); err != nil {
			return kept, err
		}
	}
	logDir := filepath.Join(e.o.Dir, "restores")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return kept, err
	}
	logPath := filepath.Join(logDir, e.d.Name+"-in-place-"+time.Now().UTC().Format("20060102T150405")+".log")
	fmt.Fprintf(out, "%s: start %s (log %s)\n", member, strings.Join(srv.argv, " "), logPath)
	pid, err := startDetached(srv.argv, srv.data, logPath, cred)
	if err != nil {
		return kept, err
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if syscall.Kill(pid, 0) != nil {
			return kept, fmt.Errorf("%s exited at start: %s (log %s)", member, logTail(logPath, 5), logPath)
		}
		if _, err := e.Describe(ctx, member); err == nil {
			fmt.Fprintf(out, "%s: accepts writes again (pid %d); the old data is kept in %s\n", member, pid, kept)
			return kept, nil
		}
		select {
		case <-ctx.Done():
			return kept, fmt.Errorf("%s not ready: %w (log %s)", member, ctx.Err(), logPath)
		case <-tick.C:
		}
	}
}

// appendTo appends text to the file at path.
func appendTo(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
