package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
)

// snapshotEnv writes a demo config whose audit log holds two attempts
// (one from yesterday, one older than the summary's 24 hours) and returns
// the config's path.
func snapshotEnv(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	audit := filepath.Join(dir, "audit.jsonl")
	l, err := actions.OpenAuditLog(audit)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, e := range []actions.AuditEntry{
		{Time: now.Add(-30 * time.Hour), Who: "old-timer", Env: "demo", Action: "restart", Target: "pod/shop/old", Result: "succeeded", AuditID: "a0"},
		{Time: now.Add(-2 * time.Hour), Who: "alice", Env: "demo", Action: "restart", Target: "deployment/shop/web", Result: "succeeded", AuditID: "a1"},
	} {
		if err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "config.yaml")
	body := "default_env: demo\naudit_log: " + audit + "\nenvironments:\n  demo:\n    demo: true\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// xmlWellFormed parses doc as XML to its end.
func xmlWellFormed(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestSnapshotFormats renders each view the issue names in each format on
// the demo, through the command line.
func TestSnapshotFormats(t *testing.T) {
	conf := snapshotEnv(t)
	views := map[string]string{ // view → a line of its that must show
		"summary":   "Databases (● primary, ○ replicas, last backup)",
		"topology":  "eu-west-1",
		"databases": "orders-mongo",
		"problems":  "CrashLoopBackOff",
		"actions":   "deployment/shop/web",
	}
	for view, want := range views {
		for _, format := range []string{"text", "ansi", "html", "svg"} {
			t.Run(view+"_"+format, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "snap")
				var stdout, stderr bytes.Buffer
				code := run([]string{"--config", conf, "snapshot", "--view", view, "--format", format, "--output", out}, strings.NewReader(""), &stdout, &stderr)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				doc := string(b)
				if !strings.Contains(doc, strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(want)) && !strings.Contains(doc, want) {
					t.Errorf("%s snapshot lacks %q:\n%s", view, want, doc)
				}
				switch format {
				case "text":
					if strings.ContainsRune(doc, 0x1b) {
						t.Errorf("text snapshot has escape codes: %q", doc)
					}
				case "ansi":
					if !strings.Contains(doc, "\x1b[") {
						t.Errorf("ansi snapshot has no styles")
					}
				case "html", "svg":
					if err := xmlWellFormed(doc); err != nil {
						t.Errorf("%s snapshot not well-formed: %v", format, err)
					}
				}
			})
		}
	}
}

// TestSnapshotSummaryAudit: the summary lists the actions of the last 24
// hours from the audit log, not older ones.
func TestSnapshotSummaryAudit(t *testing.T) {
	conf := snapshotEnv(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--config", conf, "snapshot", "--format", "text", "--width", "160"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"Actions, last 24h (1)", "alice restart deployment/shop/web ✓ succeeded", "Regions, AZs, ASGs", "Problems now (3)", "no fluent-bit pod"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "old-timer") {
		t.Errorf("summary lists an attempt older than 24h:\n%s", out)
	}
}

// TestSnapshotUsage: a bad view, format or height is one line on stderr
// and exit code 2.
func TestSnapshotUsage(t *testing.T) {
	conf := snapshotEnv(t)
	for _, args := range [][]string{
		{"snapshot", "--view", "nope"},
		{"snapshot", "--format", "png"},
		{"snapshot", "--height", "-1"},
		{"snapshot", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"--config", conf}, args...), strings.NewReader(""), &stdout, &stderr)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
		if msg := strings.TrimSpace(stderr.String()); msg == "" || strings.Contains(msg, "\n") {
			t.Errorf("%v: stderr is not one line: %q", args, stderr.String())
		}
	}
}

// BenchmarkSnapshotDemo is `console snapshot --demo` (summary, html)
// end to end: settings, the demo's store, the first snapshot, the page
// built and rendered, the HTML conversion (docs/performance.md).
func BenchmarkSnapshotDemo(b *testing.B) {
	conf := snapshotEnv(b)
	for _, view := range []string{"summary", "topology"} {
		b.Run(view, func(b *testing.B) {
			for b.Loop() {
				var stdout, stderr bytes.Buffer
				if code := run([]string{"--config", conf, "snapshot", "--view", view, "--format", "html"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
			}
		})
	}
}
