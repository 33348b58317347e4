package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/opsconsole/console/actions"
)

// SkipsFile is the name of the console's record of skipped stack
// occurrences, beside the audit log.
const SkipsFile = "schedule-skips.json"

// SkipRecord is one skipped occurrence of a stack's scheduled event,
// recorded by the skip-teardown action.
type SkipRecord struct {
	Env      string    `json:"env"`
	Stack    string    `json:"stack"`
	Event    string    `json:"event"`
	At       time.Time `json:"at"`
	Recorded time.Time `json:"recorded"`
	AuditID  string    `json:"audit_id,omitempty"`
}

// SkipsPath is the skips file beside an audit log.
func SkipsPath(auditLog string) string { return filepath.Join(filepath.Dir(auditLog), SkipsFile) }

// ReadSkips reads the skips file (none when it does not exist).
func ReadSkips(path string) ([]SkipRecord, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read skips: %w", err)
	}
	var out []SkipRecord
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("read skips %s: %w", path, err)
	}
	return out, nil
}

// SkipsOf returns the skips of one stack of one environment.
func SkipsOf(records []SkipRecord, env, stack string) []Skip {
	var out []Skip
	for _, r := range records {
		if r.Env == env && r.Stack == stack {
			out = append(out, Skip{Event: r.Event, At: r.At})
		}
	}
	return out
}

// AddSkip records a skip, dropping the records more than a week past (the
// file is rewritten whole: a temporary file renamed over it, mode 0600).
func AddSkip(path string, r SkipRecord, now time.Time) error {
	records, err := ReadSkips(path)
	if err != nil {
		return err
	}
	records = slices.DeleteFunc(records, func(x SkipRecord) bool { return x.At.Before(now.Add(-7 * 24 * time.Hour)) })
	records = append(records, r)
	data, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		return fmt.Errorf("write skips: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write skips: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".skips-*")
	if err != nil {
		return fmt.Errorf("write skips: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write skips: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write skips: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write skips: %w", err)
	}
	return nil
}

// LastRecreate finds, in audit entries (of env; "" any), the last succeeded run that built a
// stack's infrastructure anew (recreate, or bring-up: an apply of a torn
// down stack) and measures it against RecreateTarget. nil when none.
func LastRecreate(entries []actions.AuditEntry, env, stack string) *Recreate {
	target := string(actions.KindStack) + "/" + stack
	var best *actions.AuditEntry
	for i := range entries {
		e := &entries[i]
		if e.Target != target || (env != "" && e.Env != env) || e.Result != string(actions.StatusSucceeded) ||
			(e.Action != string(actions.VerbRecreate) && e.Action != string(actions.VerbBringUp)) {
			continue
		}
		if best == nil || e.Time.After(best.Time) {
			best = e
		}
	}
	if best == nil {
		return nil
	}
	d := time.Duration(best.DurationMS) * time.Millisecond
	return &Recreate{AuditID: best.AuditID, Action: best.Action, Started: best.Time.Add(-d), Duration: d,
		Seconds: d.Seconds(), Target: RecreateTarget.Seconds(), Within: d <= RecreateTarget}
}
