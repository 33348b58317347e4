package db

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Restored is an instance the console started from a backup, alongside
// the live cluster.
type Restored struct {
	// Address is where it accepts connections (127.0.0.1:PORT).
	Address string `json:"address"`
	// Dir holds its data and its log (server.log).
	Dir string `json:"dir"`
	// PID is its process id; it runs in a session of its own and outlives
	// the console.
	PID int `json:"pid"`
}

// serverSpec describes how to start one local server.
type serverSpec struct {
	bin  string
	args func(port int) []string
	dir  string
	// cred runs the server as another user (PostgreSQL refuses root).
	cred *syscall.Credential
	// ready reports whether the server at addr accepts connections.
	ready func(ctx context.Context, addr string) error
}

// startServer starts a server on a free port of 127.0.0.1 in a session of
// its own (so it outlives the console), its output in dir/server.log, and
// waits until it is ready. A port taken between choosing and binding is
// retried on another port.
func startServer(ctx context.Context, s serverSpec) (Restored, error) {
	var lastErr error
	for range 3 {
		r, retry, err := startOnce(ctx, s)
		if err == nil || !retry {
			return r, err
		}
		lastErr = err
	}
	return Restored{}, lastErr
}

func startOnce(ctx context.Context, s serverSpec) (Restored, bool, error) {
	port, err := freePort()
	if err != nil {
		return Restored{}, false, err
	}
	logPath := filepath.Join(s.dir, "server.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return Restored{}, false, fmt.Errorf("server log: %w", err)
	}
	defer logf.Close()
	if s.cred != nil {
		_ = logf.Chown(int(s.cred.Uid), int(s.cred.Gid))
	}
	cmd := exec.Command(s.bin, s.args(port)...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		return Restored{}, false, fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r := Restored{Address: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: s.dir, PID: cmd.Process.Pid}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-exited // stopped before its files are removed
			return Restored{}, false, fmt.Errorf("%s on %s not ready: %w (log %s)", filepath.Base(s.bin), r.Address, ctx.Err(), logPath)
		case <-exited:
			tail := logTail(logPath, 5)
			return Restored{}, strings.Contains(tail, "in use"), fmt.Errorf("%s exited at start: %s (log %s)", filepath.Base(s.bin), tail, logPath)
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.ready(rctx, r.Address)
		cancel()
		if err == nil {
			return r, false, nil
		}
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// logTail returns the last n lines of a log file, on one line.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(bytes.TrimSpace(data)), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return oneLine(strings.Join(lines, " | "))
}

// findProgram finds a program on PATH or in one of dirs.
func findProgram(name string, dirs ...string) (string, error) {
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not installed on this machine: %w", name, err)
	}
	return p, nil
}

// runAs returns the credential to run a server that refuses root as: nil
// when the console does not run as root, else the given user's.
func runAs(name string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root needs the %s user: %w", name, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chownTree gives a directory tree to cred's user (nil: nothing to do).
func chownTree(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	})
}

// copyFile copies src to dst (created with mode 0600).
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// startDetached starts argv in dir, in a session of its own (it outlives
// the console), as cred's user (nil: the console's), its output appended
// to logPath, and returns its pid without waiting for it.
func startDetached(argv []string, dir, logPath string, cred *syscall.Credential) (int, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("server log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() { _ = cmd.Wait() }()
	return cmd.Process.Pid, nil
}
