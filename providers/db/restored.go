package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// restoredFile records a restored instance in its directory.
const restoredFile = "restored.json"

// restoredRecord is what the console knows of an instance it restored.
type restoredRecord struct {
	Restored
	// From is "NAME@BACKUP" (and " as of TIME" for a point in time).
	From string `json:"from"`
}

// name is the restored instance's name: its directory's base name.
func (r restoredRecord) name() string { return filepath.Base(r.Dir) }

// saveRestored records r in its directory (0600).
func saveRestored(r Restored, from string) error {
	data, err := json.MarshalIndent(restoredRecord{Restored: r, From: from}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.Dir, restoredFile), data, 0o600)
}

// listRestored returns the recorded instances restored from database name
// under root (the directories of DIR/restores whose record says they come
// from NAME@…: NAME-restore-TIME, or the target named), in name order.
func listRestored(root, name string) ([]restoredRecord, error) {
	entries, err := os.ReadDir(filepath.Join(root, "restores"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []restoredRecord
	for _, e := range entries {
		if !e.IsDir() {
			continue // an in-place restore's log
		}
		d := filepath.Join(root, "restores", e.Name())
		data, err := os.ReadFile(filepath.Join(d, restoredFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a restore in progress, or one that failed
		}
		if err != nil {
			return out, fmt.Errorf("restored instance %s: %w", filepath.Base(d), err)
		}
		var r restoredRecord
		if err := json.Unmarshal(data, &r); err != nil || r.Dir != d || !strings.HasPrefix(r.From, name+"@") {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// probeRestored lists the instances restored from the cluster as
// databases of their own: one primary member at the instance's address,
// healthy when it answers (the engine's Describe).
func (c cluster) probeRestored(ctx context.Context, timeout time.Duration) []providers.Database {
	rs, _ := listRestored(c.dir, c.cfg.Name)
	d, ok := c.engine.(Restorer)
	if !ok {
		return nil
	}
	var out []providers.Database
	for _, r := range rs {
		m := providers.Member{Name: r.Address, Address: r.Address, Role: providers.RolePrimary}
		dctx, cancel := context.WithTimeout(ctx, timeout)
		what, err := d.Describe(dctx, r.Address)
		cancel()
		status := "restored instance, running: " + what
		if err != nil {
			status = "restored instance, not answering"
			m.Status = "not answering: " + oneLine(err.Error())
		} else {
			m.Healthy = true
			m.Status = what
		}
		out = append(out, providers.Database{Name: r.name(), Engine: c.cfg.Engine, Endpoint: r.Address, Status: status,
			RestoredFrom: r.From, Members: []providers.Member{m}})
	}
	return out
}

// removeRestored stops an instance the console restored and removes its
// directory: the delete action offered on it (database/NAME-restore-...).
type removeRestored struct {
	c cluster
	r restoredRecord
	d Restorer
}

func (a *removeRestored) spec() actions.Spec {
	return actions.Spec{Name: actions.VerbDelete, Target: actions.Ref{Kind: actions.KindDatabase, Name: a.r.name()}, Runner: "db",
		Effect: actions.Destructive, Timeout: 2 * time.Minute,
		Description: fmt.Sprintf("stop the instance restored from %s at %s and remove its directory %s", a.r.From, a.r.Address, a.r.Dir)}
}

// running reports whether the recorded process still runs and is the
// restored instance (its working directory is in the instance's
// directory: redis-server runs in it, postgres in its data directory), so
// that a recycled pid is never signalled. It reads /proc (Linux).
func (a *removeRestored) running() (bool, error) {
	if syscall.Kill(a.r.PID, 0) != nil {
		return false, nil
	}
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(a.r.PID) + "/cwd")
	if err != nil {
		return false, fmt.Errorf("cannot tell whether pid %d is the restored instance: %w", a.r.PID, err)
	}
	return cwd == a.r.Dir || strings.HasPrefix(cwd, a.r.Dir+string(filepath.Separator)), nil
}

func (a *removeRestored) check(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(a.r.Dir, restoredFile)); err != nil {
		return fmt.Errorf("%w: %s is no longer recorded: %w", actions.ErrRefused, a.r.name(), err)
	}
	_, err := a.running()
	return err
}

func (a *removeRestored) preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	run, err := a.running()
	if err != nil {
		return actions.Plan{}, err
	}
	calls := []string{"rm -r " + a.r.Dir}
	if run {
		calls = append([]string{fmt.Sprintf("kill -INT %d (the instance at %s; SIGKILL after 30s)", a.r.PID, a.r.Address)}, calls...)
	}
	return actions.Plan{Summary: "stop and remove " + a.r.name() + " (restored from " + a.r.From + ")", Calls: calls, Destroy: 1,
		Text: "The live cluster " + a.c.cfg.Name + " is not touched; the restored instance's data is deleted.", Resources: []string{a.r.name()}}, nil
}

func (a *removeRestored) run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	run, err := a.running()
	if err != nil {
		return err
	}
	if run {
		fmt.Fprintf(out, "kill -INT %d (%s)\n", a.r.PID, a.r.Address)
		if err := syscall.Kill(a.r.PID, syscall.SIGINT); err != nil {
			return fmt.Errorf("stop pid %d: %w", a.r.PID, err)
		}
		if !waitExit(ctx, a.r.PID, 30*time.Second) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(out, "pid %d still runs after 30s: SIGKILL to its process group\n", a.r.PID)
			_ = syscall.Kill(-a.r.PID, syscall.SIGKILL)
			if !waitExit(ctx, a.r.PID, 10*time.Second) {
				return fmt.Errorf("pid %d does not exit", a.r.PID)
			}
		}
	}
	fmt.Fprintf(out, "rm -r %s\n", a.r.Dir)
	return os.RemoveAll(a.r.Dir)
}

func (a *removeRestored) verify(ctx context.Context) (bool, string, error) {
	if _, err := os.Stat(a.r.Dir); err == nil {
		return false, a.r.Dir + " still exists", nil
	}
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := a.d.Describe(dctx, a.r.Address); err == nil {
		return false, "something still answers at " + a.r.Address, nil
	}
	return true, fmt.Sprintf("%s stopped (%s no longer answers) and %s removed", a.r.name(), a.r.Address, a.r.Dir), nil
}

// waitExit waits until pid no longer exists (true) or wait passes.
func waitExit(ctx context.Context, pid int, wait time.Duration) bool {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if syscall.Kill(pid, 0) != nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
}
