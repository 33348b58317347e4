package errtext

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestExplain(t *testing.T) {
	var truncated map[string]any
	truncErr := json.Unmarshal([]byte(`{"a":`), &truncated)
	cases := []struct {
		name string
		err  error
		want string // "" when the message must stay as it is
	}{
		{"no TTY (bubbletea)", errors.New("ui: bubbletea: error opening TTY: bubbletea: could not open TTY: open /dev/tty: no such device or address"), "no terminal: "},
		{"context canceled", fmt.Errorf("find traces: %w", context.Canceled), "cancelled: "},
		{"context canceled as text (gRPC status)", errors.New("rpc error: code = Canceled desc = context canceled"), "cancelled: "},
		{"deadline", fmt.Errorf("list pods: %w", context.DeadlineExceeded), "timed out: the system did not answer"},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, "connection refused: "},
		{"refused inside gRPC text", errors.New(`unreachable: connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`), "connection refused: "},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "nosuch.invalid", IsNotFound: true}, "unknown host: "},
		{"gRPC resolver", errors.New("find traces: unreachable: name resolver error: produced zero addresses"), "unknown host: "},
		{"no route", errors.New("dial tcp 10.9.9.9:443: connect: no route to host"), "unreachable: no route"},
		{"i/o timeout", errors.New("dial tcp 10.9.9.9:443: i/o timeout"), "timed out: the connection"},
		{"reset", errors.New("read tcp 10.0.0.1:5432: connection reset by peer"), "connection dropped: "},
		{"bare EOF", io.EOF, "connection closed early (EOF)"},
		{"EOF over HTTP", fmt.Errorf("Get \"https://api:6443/api\": %w", io.EOF), "connection closed early (EOF)"},
		{"x509", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), "TLS certificate not trusted"},
		{"terraform missing", fmt.Errorf("terraform init: %w", &exec.Error{Name: "terraform", Err: exec.ErrNotFound}), "a program the console runs is not installed"},
		{"permission", fmt.Errorf("open audit log: %w", os.ErrPermission), "permission denied: "},
		// silent: not Go internals of that kind, or said already in words
		{"a truncated file is bad input", fmt.Errorf("trace file: %w", truncErr), ""},
		{"a bad number in a file", fmt.Errorf("config: %w", &json.UnmarshalTypeError{Value: "string", Field: "replicas"}), ""},
		{"a short file read", fmt.Errorf("read trace file t.json: %w", io.ErrUnexpectedEOF), ""},
		{"a refusal in words", errors.New("refused: read-only: environment prod is read-only"), ""},
		{"an action's own failure", errors.New("restart deployment/web: 2 of 3 updated replicas are available"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Explain(c.err)
			if c.want == "" {
				if got != c.err.Error() {
					t.Errorf("Explain changed a message it should leave: %q", got)
				}
				return
			}
			if !strings.HasPrefix(got, c.want) || !strings.HasSuffix(got, "["+c.err.Error()+"]") {
				t.Errorf("Explain = %q, want it to start with %q and keep the original", got, c.want)
			}
		})
	}
	if Explain(nil) != "" {
		t.Error("Explain(nil) should be empty")
	}
}
