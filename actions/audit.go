package actions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	// RequestedBy is, on an approval or a rejection, who asked for the
	// action (console serve's second-person confirmation).
	RequestedBy string `json:"requested_by,omitempty"`
	// ApprovedBy is, on the lines of an action a second person approved,
	// who approved it.
	ApprovedBy string `json:"approved_by,omitempty"`
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

// OpenAuditLog prepares the audit log at path: its directory is created
// 0700, and an existing directory or file open to others (group or world
// bits) is tightened to 0700/0600. It fails when path cannot be made
// private; an unwritable log is reported by Check (actions are then
// refused), not here, so that the console still opens to look.
func OpenAuditLog(path string) (*AuditLog, error) {
	if path == "" {
		return nil, errors.New("audit log: empty path")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &AuditLog{path: path}, nil //nolint:nilerr // reported by Check
	}
	if err := tighten(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := tighten(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &AuditLog{path: path}, nil
}

// tighten removes the group and other permission bits of path (a
// directory or a regular file the user owns).
func tighten(path string, want os.FileMode) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		if fi, err = os.Stat(path); err != nil {
			return err
		}
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, fi.Mode().Perm()&want); err != nil {
		return fmt.Errorf("%s is open to others (%s) and cannot be made private: %w", path, fi.Mode().Perm(), err)
	}
	return nil
}

// Check reports whether an entry could be appended now: the file opens
// for appending (created 0600 if missing), is a regular file, and can be
// locked. The executor refuses every action while it fails.
func (l *AuditLog) Check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.open()
	if err != nil {
		return err
	}
	return f.Close()
}

// open opens the log for appending under an exclusive flock (released by
// Close), tightening a file that is open to others.
func (l *AuditLog) open() (*os.File, error) {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, fmt.Errorf("audit log: %w", err)
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, fmt.Errorf("audit log: %s is not a regular file", l.path)
	case fi.Mode().Perm()&0o077 != 0:
		if err := f.Chmod(fi.Mode().Perm() & 0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit log: %s is open to others (%s) and cannot be made private: %w", l.path, fi.Mode().Perm(), err)
		}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit log: lock: %w", err)
	}
	return f, nil
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
	f, err := l.open()
	if err != nil {
		return err
	}
	defer f.Close() // releases the flock
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("audit log: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log: fsync: %w", err)
	}
	return f.Close()
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

// maxAuditLine bounds one audit line; a longer line is skipped as malformed.
const maxAuditLine = 4 * 1024 * 1024

// inProgress reports whether an audit line's result is a run's record
// before its outcome ("started", "left running").
func inProgress(result string) bool {
	return result == StatusStarted || result == StatusLeftRunning
}

// ParseAudit parses JSONL audit entries from r (see ReadAudit). A run's
// "started" record (and its "left running" one) is replaced by the next
// record of the same audit id when that follows, so there is one entry per attempt; a "started" entry left alone
// is an attempt whose console died mid-run. A line that is not an entry
// (bad JSON, no audit id, longer than 4 MiB) is counted in bad and skipped:
// reading goes on past it.
func ParseAudit(r io.Reader, limit int) ([]AuditEntry, int, error) {
	var out []AuditEntry
	started := map[string]int{} // audit id → index in out of its "started" entry
	gone := map[int]bool{}      // indexes superseded by an outcome
	// compact drops the superseded entries and, with keep > 0, all but the
	// last keep entries, then re-indexes the "started" ones.
	compact := func(keep int) {
		kept := out[:0]
		for i, e := range out {
			if !gone[i] {
				kept = append(kept, e)
			}
		}
		if keep > 0 && len(kept) > keep {
			kept = append([]AuditEntry(nil), kept[len(kept)-keep:]...)
		}
		out, gone = kept, map[int]bool{}
		clear(started)
		for i, e := range out {
			if inProgress(e.Result) {
				started[e.AuditID] = i
			}
		}
	}
	bad := 0
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		line, tooLong, err := readLine(br, maxAuditLine)
		if len(line) > 0 || tooLong {
			var e AuditEntry
			switch {
			case tooLong:
				bad++
			case json.Unmarshal(line, &e) != nil || e.AuditID == "":
				bad++
			default:
				if i, ok := started[e.AuditID]; ok {
					gone[i] = true
					delete(started, e.AuditID)
				}
				if inProgress(e.Result) {
					started[e.AuditID] = len(out)
				}
				out = append(out, e)
				if limit > 0 && len(out) > 2*limit+1024 {
					// Keep a margin of older entries: a later outcome
					// may still supersede one of them.
					compact(limit + 1024)
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad, fmt.Errorf("audit log: read: %w", err)
		}
	}
	compact(0)
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, bad, nil
}

// readLine returns the next line without its newline; a line longer than
// max is read through and reported as tooLong (not returned).
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > max {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !tooLong {
			line = bytes.TrimRight(line, "\r\n")
		}
		return line, tooLong, err
	}
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
