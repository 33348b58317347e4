// Package errtext is the one place where errors from Go's libraries (a
// cancelled context, a refused dial, an unexpected EOF, a missing
// terminal) are put in words before they reach the user: what happened and
// what to do, with the original message kept after it for the record.
// The command line prints every error through Explain, the TUI every
// error it shows (ui/common.ErrText).
package errtext

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// rule recognises one kind of internal error and says it in words.
type rule struct {
	match func(err error, msg string) bool
	words string
}

// rules are tried in order; the first that matches explains the error.
var rules = []rule{
	{func(err error, msg string) bool {
		return strings.Contains(msg, "could not open TTY") || strings.Contains(msg, "open /dev/tty")
	}, "no terminal: the console's screen needs an interactive terminal (stdin and /dev/tty); run it in a terminal — over SSH use ssh -t — or use a subcommand such as console inventory"},
	{func(err error, msg string) bool {
		return errors.Is(err, exec.ErrNotFound) || strings.Contains(msg, "executable file not found")
	}, "a program the console runs is not installed (not on the PATH): install it (terraform for stacks, kubectl for Kubernetes actions) or add its directory to PATH"},
	{func(err error, _ string) bool { return errors.Is(err, context.DeadlineExceeded) },
		"timed out: the system did not answer in time; check that it is reachable, or allow more time (--timeout, --wait)"},
	{func(err error, msg string) bool {
		return errors.Is(err, context.Canceled) || strings.HasSuffix(msg, "context canceled")
	},
		"cancelled: the console was stopping or the request was abandoned; nothing more was done"},
	{func(err error, msg string) bool {
		return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused")
	}, "connection refused: nothing is listening at that address; check that the service runs and the address and port are right"},
	{func(err error, msg string) bool {
		var dns *net.DNSError
		return errors.As(err, &dns) || strings.Contains(msg, "no such host") || strings.Contains(msg, "produced zero addresses")
	}, "unknown host: the name does not resolve; check the address (and the DNS or VPN it needs)"},
	{func(err error, msg string) bool {
		return errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) || strings.Contains(msg, "no route to host") || strings.Contains(msg, "network is unreachable")
	}, "unreachable: no route to that address; check the network, VPN or bastion in between"},
	{func(err error, msg string) bool {
		return errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(msg, "i/o timeout")
	}, "timed out: the connection did not answer in time; check that the address is reachable (a firewall may drop the packets)"},
	{func(err error, msg string) bool {
		return errors.Is(err, syscall.ECONNRESET) || strings.Contains(msg, "connection reset by peer") || errors.Is(err, syscall.EPIPE) || strings.Contains(msg, "broken pipe")
	}, "connection dropped: the other side closed it; it may have restarted or be overloaded — try again"},
	{func(err error, msg string) bool {
		eof := errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.HasSuffix(msg, "EOF")
		return eof && (msg == "EOF" || onConnection(err, msg)) // a truncated file is bad input, not a connection
	}, "connection closed early (EOF): the other side went away mid-answer, or is not the service expected at that address"},
	{func(err error, msg string) bool {
		return strings.Contains(msg, "x509:") || strings.Contains(msg, "certificate signed by unknown authority")
	}, "TLS certificate not trusted: the server's certificate is not signed by a known authority or does not name that host; check the address or the CA configured"},
	{func(err error, msg string) bool { return errors.Is(err, os.ErrPermission) },
		"permission denied: the console's user may not read or write that file or directory; check its owner and mode"},
}

// onConnection reports whether err came from a network connection (a
// net.OpError in its chain, or a message naming a connection, a transport
// or a protocol over one).
func onConnection(err error, msg string) bool {
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	for _, w := range []string{"tcp ", "http", "rpc", "connection", "transport", "dial"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// Explain returns err's message in words: when a rule recognises a Go
// internal error, what happened and what to do, then the original message
// in brackets; otherwise the message as it is. nil gives "".
func Explain(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	for _, r := range rules {
		if r.match(err, msg) {
			return r.words + " [" + msg + "]"
		}
	}
	return msg
}
