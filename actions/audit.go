package actions

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"
)

// AuditEntry is one line of the audit log: one action attempt, including
// refusals, plans that were not confirmed, and cancellations.
type AuditEntry struct {
	Time       time.Time   `json:"time"`
	Who        string      `json:"who"`
	Env        string      `json:"env"`
	Action     string      `json:"action"`
	Runner     string      `json:"runner,omitempty"`
	Effect     string      `json:"effect,omitempty"`
	Target     string      `json:"target"`
	Plan       PlanSummary `json:"plan"`
	Result     string      `json:"result"` // planned, succeeded, failed, refused, cancelled
	Error      string      `json:"error,omitempty"`
	Verified   bool        `json:"verified"`
	Verify     string      `json:"verify,omitempty"`
	DurationMS int64       `json:"duration_ms"`
	AuditID    string      `json:"audit_id"`
}

// PlanSummary is the part of a Plan recorded in the audit log.
type PlanSummary struct {
	Summary   string   `json:"summary"`
	Add       int      `json:"add"`
	Change    int      `json:"change"`
	Destroy   int      `json:"destroy"`
	Replace   int      `json:"replace"`
	Resources []string `json:"resources,omitempty"`
}

// maxAuditResources bounds the resource list recorded per entry.
const maxAuditResources = 50

func summarize(p Plan) PlanSummary {
	s := PlanSummary{Summary: p.Summary, Add: p.Add, Change: p.Change, Destroy: p.Destroy, Replace: p.Replace}
	res := p.Resources
	if len(res) > maxAuditResources {
		res = append(append([]string(nil), res[:maxAuditResources]...), fmt.Sprintf("... and %d more", len(p.Resources)-maxAuditResources))
	}
	s.Resources = append([]string(nil), res...)
	return s
}

// AuditLog appends entries to a JSONL file. Each append is one write of
// one line to a file opened with O_APPEND, under an exclusive flock, then
// fsynced, so concurrent consoles never interleave lines. The file is
// created 0600 in a 0700 directory.
type AuditLog struct {
	path string
	mu   sync.Mutex
}

// OpenAuditLog prepares the audit log at path (creating its directory).
func OpenAuditLog(path string) (*AuditLog, error) {
	if path == "" {
		return nil, errors.New("audit log: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &AuditLog{path: path}, nil
}

// Path is the file the log appends to.
func (l *AuditLog) Path() string { return l.path }

// Append redacts secrets from e and appends it as one line.
func (l *AuditLog) Append(e AuditEntry) error {
	e = redactEntry(e)
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit log: encode: %w", err)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("audit log: lock: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // released on close anyway
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("audit log: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log: fsync: %w", err)
	}
	return nil
}

// ReadAudit reads the audit log at path and returns its last limit entries
// (all when limit <= 0), oldest first, and how many lines were malformed.
// A missing file is an empty log.
func ReadAudit(path string, limit int) ([]AuditEntry, int, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	return ParseAudit(f, limit)
}

// ParseAudit parses JSONL audit entries from r (see ReadAudit).
func ParseAudit(r io.Reader, limit int) ([]AuditEntry, int, error) {
	var out []AuditEntry
	bad := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var e AuditEntry
		if err := json.Unmarshal(line, &e); err != nil || e.AuditID == "" {
			bad++
			continue
		}
		out = append(out, e)
		if limit > 0 && len(out) > 2*limit+1024 {
			out = append([]AuditEntry(nil), out[len(out)-limit:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, bad, fmt.Errorf("audit log: read: %w", err)
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, bad, nil
}

var secretPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Authorization headers.
	{regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`), "${1} [REDACTED]"},
	// key=value / key: value where the key names a secret.
	{regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)[A-Za-z0-9_.-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)`), "${1}${2}[REDACTED]"},
	// URL userinfo: scheme://user:pass@host
	{regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@`), "${1}[REDACTED]@"},
	// AWS access key ids.
	{regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), "[REDACTED]"},
	// JWTs.
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`), "[REDACTED]"},
	// Well-known token prefixes (GitHub, Slack, GitLab).
	{regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,})`), "[REDACTED]"},
}

// Redact removes anything that looks like a secret from s: key=value pairs
// whose key names a password, token, secret or key; URL passwords; bearer
// tokens; AWS access key ids; JWTs and well-known token formats.
func Redact(s string) string {
	for _, p := range secretPatterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

func redactEntry(e AuditEntry) AuditEntry {
	e.Who = Redact(e.Who)
	e.Env = Redact(e.Env)
	e.Action = Redact(e.Action)
	e.Target = Redact(e.Target)
	e.Error = Redact(e.Error)
	e.Verify = Redact(e.Verify)
	e.Plan.Summary = Redact(e.Plan.Summary)
	res := make([]string, len(e.Plan.Resources))
	for i, r := range e.Plan.Resources {
		res[i] = Redact(r)
	}
	if len(res) > 0 {
		e.Plan.Resources = res
	}
	return e
}
