package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunStreamsLinesAndReportsExit(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		wantOut  []string
		wantCode int
		wantErr  string
	}{
		{name: "ok", script: "echo one; echo two >&2; printf three", wantOut: []string{"one", "two", "three"}},
		{name: "fails", script: "echo before; echo boom >&2; exit 7", wantOut: []string{"before", "boom"}, wantCode: 7, wantErr: "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncBuf
			err := Run(context.Background(), Cmd{Argv: []string{"sh", "-c", tt.script}, Out: &out})
			got := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			for _, w := range tt.wantOut {
				found := false
				for _, g := range got {
					found = found || g == w
				}
				if !found {
					t.Errorf("output %q lacks line %q", out.String(), w)
				}
			}
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("want *ExitError, got %v", err)
			}
			if ee.Code != tt.wantCode || !strings.Contains(ee.Error(), tt.wantErr) {
				t.Errorf("got code %d error %q, want %d containing %q", ee.Code, ee.Error(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestOutputSeparatesStdout(t *testing.T) {
	var log syncBuf
	b, err := Output(context.Background(), Cmd{Argv: []string{"sh", "-c", `echo '{"a":1}'; echo progress >&2`}, Out: &log})
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(b)) != `{"a":1}` {
		t.Errorf("stdout = %q", b)
	}
	if strings.TrimSpace(log.String()) != "progress" {
		t.Errorf("log = %q", log.String())
	}
}

func TestEmptyCommand(t *testing.T) {
	if err := Run(context.Background(), Cmd{}); err == nil {
		t.Fatal("want an error for an empty argv")
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	lab.WaitFor(t, fmt.Sprintf("process %d to end", pid), 20*time.Second, func() (bool, string) {
		return !alive(pid), "still running"
	})
}

func TestCancelStopsTheWholeGroup(t *testing.T) {
	tests := []struct {
		name   string
		script string
	}{
		// The child exits on SIGINT; its background grandchild must go too.
		{name: "graceful", script: `sleep 300 & echo $! > "$PIDFILE"; echo started; wait`},
		// The child ignores SIGINT: SIGKILL after the grace period.
		{name: "stubborn", script: `trap '' INT; sleep 300 & echo $! > "$PIDFILE"; echo started; while :; do sleep 1; done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := &syncBuf{}
			errc := make(chan error, 1)
			go func() {
				errc <- Run(ctx, Cmd{Argv: []string{"sh", "-c", tt.script}, Env: []string{"PIDFILE=" + pidfile}, Out: out, Grace: 300 * time.Millisecond})
			}()
			lab.WaitFor(t, "the child to start", lab.Wait, func() (bool, string) {
				return strings.Contains(out.String(), "started"), out.String()
			})
			b, err := os.ReadFile(pidfile)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			cancel()
			select {
			case err := <-errc:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("want context.Canceled, got %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			waitGone(t, pid)
			if err := syscall.Kill(pid, 0); err == nil && alive(pid) {
				t.Errorf("grandchild %d survived", pid)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"kubectl", "get", "pod"}, "kubectl get pod"},
		{[]string{"echo", "a b", ""}, "echo 'a b' ''"},
		{[]string{"x", "it's"}, `x 'it'\''s'`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
