// Package lab starts real infrastructure components (etcd + kube-apiserver,
// moto_server, Jaeger, Redis with Sentinel, PostgreSQL with streaming
// replicas, Terraform working directories) on 127.0.0.1 with free ports, for
// integration tests and for the local end-to-end lab (`make lab`).
//
// Every component has two entry points: a test helper (Kube, Moto, Jaeger,
// Redis, Postgres) that stops the component at t.Cleanup and applies the
// Require rule, and a plain Start function (StartKube, StartMoto, ...) that
// returns an error and a Close method, used by e2e/cmd/lab.
//
// Every process runs in its own process group and is killed with its group
// when the component closes. Logs are kept in the component's directory and
// the tail of the log is part of the error when start-up fails.
package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartTimeout bounds how long one component may take to become ready.
// The machine running CI is small and shared, so it is generous.
var StartTimeout = 2 * time.Minute

// StartError reports a component that could not start, with the tail of
// its log.
type StartError struct {
	// Component is the component's name ("kube-apiserver", "moto", ...).
	Component string
	// Err is the cause.
	Err error
	// Log is the tail of the component's log ("" when it never ran).
	Log string
	// LogPath is where the whole log is kept.
	LogPath string
}

// Error returns the cause followed by the log tail.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Component, e.Err)
	if e.Log != "" {
		fmt.Fprintf(&b, "\n--- %s log (%s), last lines ---\n%s", e.Component, e.LogPath, e.Log)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *StartError) Unwrap() error { return e.Err }

// ErrMissing marks a component whose program is not installed or built.
var ErrMissing = errors.New("not installed")

// InCI reports whether the CI rule applies (CI=true): a component that
// cannot start fails the test instead of skipping it.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1" || v == "yes"
}

// Require applies the lab rule to a component's start-up error: nil does
// nothing; in CI (CI=true) the test fails with the error and the component's
// log; elsewhere it is skipped with a one-line reason.
func Require(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("lab: %s could not start (CI=true, so this fails): %v", what, err)
		return
	}
	t.Skipf("lab: %s unavailable: %s", what, firstLine(err.Error()))
}

// RequireProgram applies the lab rule to a program the test runs
// (terraform, kubectl, tmux): it returns the program's path, or fails the
// test in CI and skips it elsewhere when the program is not on the PATH.
func RequireProgram(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Require(t, name, fmt.Errorf("%s: %w (%w)", name, ErrMissing, err))
	}
	return path
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

var (
	rootOnce sync.Once
	rootDir  string
)

// RepoRoot returns the repository root: the nearest directory above the
// working directory (or above this source file) holding the console's
// go.mod. LAB_REPO_ROOT overrides it.
func RepoRoot() string {
	rootOnce.Do(func() {
		if v := os.Getenv("LAB_REPO_ROOT"); v != "" {
			rootDir = v
			return
		}
		var starts []string
		if wd, err := os.Getwd(); err == nil {
			starts = append(starts, wd)
		}
		if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
			starts = append(starts, filepath.Dir(file))
		}
		for _, s := range starts {
			if r := findRoot(s); r != "" {
				rootDir = r
				return
			}
		}
		rootDir, _ = os.Getwd()
	})
	return rootDir
}

func findRoot(dir string) string {
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/opsconsole/console\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Bin returns the path of a binary built by hack/setup.sh: .cache/bin/<name>
// under the repository root.
func Bin(name string) string {
	return filepath.Join(RepoRoot(), ".cache", "bin", name)
}

// builtBin returns Bin(name) when it exists, else an ErrMissing error.
func builtBin(name string) (string, error) {
	p := Bin(name)
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return "", fmt.Errorf("%s %w at %s: run hack/setup.sh", name, ErrMissing, p)
	}
	return p, nil
}

// lookPath finds a program on PATH or in the extra directories.
func lookPath(name string, extra ...string) (string, error) {
	for _, d := range extra {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s %w (run hack/setup.sh): %v", name, ErrMissing, err)
	}
	return p, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// It is chosen below the kernel's range of ephemeral ports when it can
// be: a port of that range (what listening on port 0 gives) can be taken
// before the caller binds it as the source port of any connection made on
// the machine, and a loaded CI machine makes many; a port below it only by
// another explicit bind.
func FreePort() (int, error) {
	ports, err := freePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// freePorts returns n distinct free ports (see FreePort).
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := listenOutsideEphemeral()
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// lowestPort is the first port FreePort chooses from (ports below it are
// the usual ones of well-known services).
const lowestPort = 10000

// listenOutsideEphemeral listens on 127.0.0.1 on a random free port below
// the ephemeral range (from /proc/sys/net/ipv4/ip_local_port_range); where
// that range is unknown or leaves too little room, on port 0.
func listenOutsideEphemeral() (net.Listener, error) {
	if top := ephemeralStart(); top-lowestPort >= 1000 {
		for range 50 {
			if l, err := net.Listen("tcp", hostPort(lowestPort+rand.IntN(top-lowestPort))); err == nil {
				return l, nil
			}
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// ephemeralStart returns the first port of the kernel's ephemeral range
// (0 when it cannot be read: not Linux).
func ephemeralStart() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 0
	}
	return n
}

func hostPort(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// process is one child process in its own process group, with its output
// in a log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // exit status, valid after done
}

// procSpec describes a process to start.
type procSpec struct {
	name    string
	path    string
	args    []string
	dir     string
	env     []string // added to os.Environ()
	logPath string
	cred    *syscall.Credential // run as another user (root only)
}

// startProcess starts the program with its own process group; the group
// is killed if this process dies (Pdeathsig) or when stop is called.
func startProcess(s procSpec) (*process, error) {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", s.name, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== %s %s %s\n", time.Now().Format(time.RFC3339), s.path, strings.Join(s.args, " "))
	cmd := exec.Command(s.path, s.args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.name, err)
	}
	p := &process{name: s.name, cmd: cmd, logPath: s.logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		// Kill whatever the leader left in its group right away, while the
		// group id cannot yet belong to anyone else.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		if p.err == nil {
			return true, errors.New("exited")
		}
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends sig to the process group, waits up to grace for the leader to
// exit, then kills the group. It is safe to call more than once.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	select {
	case <-p.done:
		return // already gone, and its group killed
	default:
	}
	_ = syscall.Kill(-pgid, sig)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// tail returns the last n bytes of a file (whole lines).
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(data) > n {
		data = data[len(data)-n:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return strings.TrimRight(string(data), "\n")
}

// startErr builds a StartError with the log tail of p (may be nil).
func startErr(component string, err error, logPath string) *StartError {
	return &StartError{Component: component, Err: err, Log: tail(logPath, 6000), LogPath: logPath}
}

// portInUse reports whether a log shows the program lost a port race.
func portInUse(logPath string) bool {
	t := strings.ToLower(tail(logPath, 20000))
	return strings.Contains(t, "address already in use") || strings.Contains(t, "could not bind") ||
		strings.Contains(t, "could not create listen socket")
}

// waitFor polls check every interval until it returns nil, the process
// exits, or ctx ends. The last check error is reported.
func waitFor(ctx context.Context, p *process, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	interval := 50 * time.Millisecond
	var last error
	for {
		if p != nil {
			if done, err := p.exited(); done {
				return fmt.Errorf("%s exited during start-up: %v", p.name, err)
			}
		}
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		last = check(cctx)
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last check: %v)", ctx.Err(), last)
		case <-time.After(interval):
		}
		if interval < 500*time.Millisecond {
			interval += interval / 2
		}
	}
}

// dialCheck succeeds once addr accepts TCP connections.
func dialCheck(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// run runs a short command and returns its combined output.
func run(ctx context.Context, cred *syscall.Credential, path string, args ...string) (string, error) {
	return runCmd(ctx, "", nil, cred, path, args...)
}

// runEnv runs a short command in dir with extra environment variables.
func runEnv(ctx context.Context, dir string, env []string, path string, args ...string) (string, error) {
	return runCmd(ctx, dir, env, nil, path, args...)
}

func runCmd(ctx context.Context, dir string, env []string, cred *syscall.Credential, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", filepath.Base(path), strings.Join(args, " "), err, strings.TrimSpace(lastLines(string(out), 20)))
	}
	return string(out), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// withPortRetry runs start up to 3 times while it fails because a port was
// taken between choosing it and binding it (other tests run in parallel).
func withPortRetry[T any](start func(attempt int) (T, error, bool)) (T, error) {
	var (
		v   T
		err error
	)
	for attempt := range 3 {
		var retry bool
		v, err, retry = start(attempt)
		if err == nil || !retry {
			return v, err
		}
	}
	return v, err
}

// testContext returns a context for start-up inside a test.
func testContext(t testing.TB) context.Context {
	ctx := context.Background()
	if tt, ok := t.(interface{ Context() context.Context }); ok {
		ctx = tt.Context()
	}
	return ctx
}
