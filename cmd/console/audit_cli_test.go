package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
)

// TestAuditCLIReadsPastBadLinesAndEscapesJSON: `console audit` goes on
// past lines it cannot parse (and says how many), and its --json output
// carries no raw DEL, C1 or bidi control.
func TestAuditCLIReadsPastBadLinesAndEscapesJSON(t *testing.T) {
	dir := isolate(t)
	path := filepath.Join(dir, "state", "console", "audit.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	hostile := "evil\u202egnp.exe \u009b31m \x7f"
	lines := []string{
		`{"audit_id":"a1","result":"refused","action":"drain","error":` + mustJSON(t, hostile) + `}`,
		`{not json`,
		`{"audit_id":"x","error":"` + strings.Repeat("A", 5<<20) + `"}`,
		`{"audit_id":"b2","result":"started","action":"apply"}`,
		`{"audit_id":"b2","result":"cancelled","action":"apply"}`,
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "audit", "--json")
	if code != 0 || !strings.Contains(errOut, "skipped 2 malformed lines") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, r := range out {
		if r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) {
			t.Errorf("raw %U in the JSON output", r)
		}
	}
	var es []actions.AuditEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[1].Error != hostile || es[0].Result != "cancelled" { // newest first
		t.Errorf("entries %+v", es)
	}
	code, out, _ = cli(t, "audit")
	if code != 0 || strings.ContainsRune(out, '\u202e') || !strings.Contains(out, "cancelled") {
		t.Errorf("text output (exit %d): %q", code, out)
	}
}

func mustJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAuditCLINamesTheApprover: an action a second person approved
// (console serve) shows, in `console audit` and `console audit show ID`, who
// asked and who approved it.
func TestAuditCLINamesTheApprover(t *testing.T) {
	dir := isolate(t)
	path := filepath.Join(dir, "state", "console", "audit.jsonl")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"audit_id":"c3","result":"awaiting approval","action":"delete","target":"pod/shop/web-1","who":"alice (key SHA256:a)"}`,
		`{"audit_id":"c3","result":"approved","action":"delete","target":"pod/shop/web-1","who":"carol (key SHA256:c)","requested_by":"alice (key SHA256:a)"}`,
		`{"audit_id":"c3","result":"succeeded","action":"delete","target":"pod/shop/web-1","who":"alice (key SHA256:a)","approved_by":"carol (key SHA256:c)"}`,
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"audit"}, {"audit", "show", "c3"}} {
		code, out, errOut := cli(t, args...)
		if code != 0 || !strings.Contains(out, "alice (key SHA256:a), approved by carol (key SHA256:c)") ||
			len(args) > 1 && !strings.Contains(out, "carol (key SHA256:c), requested by alice (key SHA256:a)") {
			t.Errorf("console %s (exit %d, stderr %q):\n%s", strings.Join(args, " "), code, errOut, out)
		}
	}
}
