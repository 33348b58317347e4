package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{fmt.Errorf("apply: %w", actions.ErrRefused), exitRefused},
		{usageErrorf("no stack %q", "x"), exitUsage},
		{fmt.Errorf("x: %w", config.ErrBadConfig), exitUsage},
		{fmt.Errorf("terraform apply failed"), exitFailed},
	}
	for _, tc := range tests {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	got := sanitize.Line("pod \x1b[2Jevil\x1b]0;title\x07\nnext\tline\u009b")
	if strings.ContainsAny(got, "\x1b\x07\n\t\u009b") {
		t.Fatalf("control characters survived: %q", got)
	}
	if !strings.Contains(got, "evil") || !strings.Contains(got, "next line") {
		t.Fatalf("text lost: %q", got)
	}
}

func TestRunUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--bogus"}, exitUsage},
		{[]string{"nosuchcommand"}, exitUsage},
		{[]string{"version", "extra"}, exitUsage},
		{[]string{"--config", "/nonexistent/c.yaml", "inventory"}, exitUsage},
		{[]string{"version"}, exitOK},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		code := run(tc.args, strings.NewReader(""), &out, &errb)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.want, errb.String())
		}
		if code != exitOK && strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("%v: stderr is not one line: %q", tc.args, errb.String())
		}
	}
}
