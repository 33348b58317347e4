package proc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// PrivateDir returns the console's own directory for files that may hold
// secret values (saved Terraform plans carry variable values in clear):
// $XDG_RUNTIME_DIR/console (a per-user tmpfs, emptied at logout) or else
// os.UserCacheDir()/console/run, created 0700. An existing directory is
// used only when it is a directory owned by the user; wider permissions
// are tightened to 0700.
func PrivateDir() (string, error) {
	dir := ""
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		dir = filepath.Join(rt, "console")
	} else {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("private directory: %w", err)
		}
		dir = filepath.Join(cache, "console", "run")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("private directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("private directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("private directory: %s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("private directory: %s belongs to uid %d, not to this user", dir, st.Uid)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return "", fmt.Errorf("private directory: %s is %s and cannot be made 0700: %w", dir, fi.Mode().Perm(), err)
		}
	}
	return dir, nil
}

// PrivateFile creates an empty 0600 file in PrivateDir, named
// console-PID-*suffix, and returns its path and a cleanup that removes it.
// Files left by a console that was killed outright (its PID is gone) are
// removed first.
func PrivateFile(suffix string) (string, func(), error) {
	dir, err := PrivateDir()
	if err != nil {
		return "", func() {}, err
	}
	removeStale(dir)
	f, err := os.CreateTemp(dir, "console-"+strconv.Itoa(os.Getpid())+"-*"+suffix)
	if err != nil {
		return "", func() {}, fmt.Errorf("private file: %w", err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", func() {}, fmt.Errorf("private file: %w", err)
	}
	return name, func() { os.Remove(name) }, nil
}

// removeStale removes the files of consoles that no longer run.
func removeStale(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), "console-")
		if !ok {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
