package actions

import (
	"path/filepath"
	"testing"
)

// BenchmarkAuditAppend measures one audit line: redact, encode, open
// O_APPEND, flock, write, fsync.
func BenchmarkAuditAppend(b *testing.B) {
	l, err := OpenAuditLog(filepath.Join(b.TempDir(), "audit.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	e := AuditEntry{Who: "alice", Env: "prod", Action: "rebuild", Target: "asg/workers/web", Result: "succeeded", AuditID: "0123456789abcdef",
		Plan: PlanSummary{Summary: "0 to add, 0 to change, 0 to destroy, 1 to replace", Replace: 1, Resources: []string{"module.workers.aws_autoscaling_group.this"}}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Append(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRedact measures redaction of a typical error line.
func BenchmarkRedact(b *testing.B) {
	s := "terraform apply: Error: connecting to postgres://admin:hunter2@db:5432 failed (password=hunter2 token: abc.def) with Bearer abcdefghijklmnop"
	for i := 0; i < b.N; i++ {
		_ = Redact(s)
	}
}
