package actions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// outputDir is the directory, next to the audit log, that keeps each run's
// output in full: OUTPUT_DIR/AUDIT_ID.log, 0600 in a 0700 directory, every
// line redacted with the audit's rules (Redact).
const outputDir = "output"

// OutputPath is where the output of the run audited as id is kept, next to
// the audit log at auditPath. It fails for an id that is not an audit id
// (hex digits), so that a typed id never names another file.
func OutputPath(auditPath, id string) (string, error) {
	if id == "" || len(id) > 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not an audit id (hex digits)", id)
	}
	return filepath.Join(filepath.Dir(auditPath), outputDir, id+".log"), nil
}

// ReadOutput returns the kept output of the run audited as id (redacted,
// one line per line of output); os.ErrNotExist when none was kept (the
// attempt did not run, or ran before output was kept).
func ReadOutput(auditPath, id string) ([]byte, error) {
	path, err := OutputPath(auditPath, id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("output of %s: %w", id, err)
	}
	return b, nil
}

// openOutput creates the file that keeps a run's output (nil, with the
// reason, when it cannot: the run still goes on, its output is then kept
// only in memory).
func openOutput(auditPath, id string) (*os.File, error) {
	path, err := OutputPath(auditPath, id)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("run output: %w", err)
	}
	if err := tighten(dir, 0o700); err != nil {
		return nil, fmt.Errorf("run output: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("run output: %w", err)
	}
	return f, nil
}

// errNoOutput is reported when a run's output could not be kept.
var errNoOutput = errors.New("output not kept")
