// Package terraform runs Terraform stacks through terraform-exec: state
// summaries (resources, last apply, drift) and the guarded actions plan,
// apply, rebuild (replace one resource), teardown (destroy), recreate
// (destroy then apply) and an explicit unlock of a held state lock.
//
// Every change is planned first into a saved plan file and that exact
// plan is applied, so what the user confirmed is what runs.
package terraform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
)

// DefaultTimeout bounds one apply/destroy when the stack sets none.
const DefaultTimeout = 30 * time.Minute

// DefaultGrace is how long terraform may take to stop after SIGINT before
// it is killed.
const DefaultGrace = 30 * time.Second

// Stack is one Terraform working directory with its workspace and var files.
type Stack struct {
	// Name identifies the stack (the config name, or the directory's base name).
	Name string
	// Dir is the working directory.
	Dir string
	// Workspace is selected before every command ("" = the current one).
	Workspace string
	// VarFiles are passed to every plan.
	VarFiles []string
	// Targets maps topology objects ("asg/NAME", "node/NAME") to resource addresses.
	Targets map[string]string
	// Timeout bounds one run (default DefaultTimeout).
	Timeout time.Duration
	// Grace is how long terraform may take to stop after SIGINT (default DefaultGrace).
	Grace time.Duration
	// Binary is the terraform executable (default: "terraform" on PATH).
	Binary string
	// Env is added to terraform's environment (KEY=VALUE); TF_* variables
	// that terraform-exec manages itself are rejected by it.
	Env map[string]string
	// Schedule is the stack's schedule (nil: none): it adds bring-up and
	// skip-teardown to the stack's actions.
	Schedule *Schedule

	// secrets are the sensitive variables' values seen in plans: masked in
	// every output line and error.
	secrets secrets
}

// FromConfig builds a Stack from its configuration entry. Relative
// directories and var files are resolved against base (the config file's
// directory; "" = the current directory).
func FromConfig(c config.Stack, base string) *Stack {
	s := &Stack{Name: c.Name, Dir: resolve(base, c.Dir), Workspace: c.Workspace, Targets: c.Targets,
		Timeout: c.Timeout.Or(DefaultTimeout)}
	// the config was checked when it was read: a bad schedule cannot reach here
	s.Schedule, _ = NewSchedule(c.Schedule, "", "")
	for _, v := range c.VarFiles {
		s.VarFiles = append(s.VarFiles, resolve(base, v))
	}
	return s
}

// FromDir builds a Stack for a bare directory.
func FromDir(dir string) *Stack {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return &Stack{Name: filepath.Base(abs), Dir: abs, Timeout: DefaultTimeout}
}

func resolve(base, p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) && base != "" {
		p = filepath.Join(base, p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Address resolves a rebuild target: a Targets key ("asg/workers") maps
// to its address; anything else is taken as a resource address. The Ref
// names what the user sees (and types to confirm).
func (s *Stack) Address(target string) (string, actions.Ref) {
	if addr, ok := s.Targets[target]; ok {
		kind, name, found := strings.Cut(target, "/")
		if found {
			return addr, actions.Ref{Kind: actions.Kind(kind), Namespace: s.Name, Name: name}
		}
	}
	return target, actions.Ref{Kind: actions.KindResource, Namespace: s.Name, Name: target}
}

// lockKey identifies the stack's state for the one-run-per-target guard.
func (s *Stack) lockKey() string {
	return "terraform:" + s.Dir + ":" + s.Workspace
}

func (s *Stack) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// run runs one long-running terraform command (plan, apply,
// force-unlock) with the proc runner: terraform-exec only interrupts the
// terraform process itself on cancel, which leaves local-exec children
// behind; proc interrupts the whole process group (like ctrl+c in a
// terminal), then kills it after the grace period.
func (s *Stack) run(ctx context.Context, out io.Writer, args ...string) error {
	bin := s.Binary
	if bin == "" {
		bin = "terraform"
	}
	env := []string{"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1"}
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	grace := s.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	err := proc.Run(ctx, proc.Cmd{Argv: append([]string{bin}, args...), Dir: s.Dir, Env: env, Out: s.secrets.writer(out), Grace: grace})
	if err != nil && ctx.Err() == nil {
		return s.secrets.maskErr(classify(fmt.Errorf("terraform %s: %w", args[0], err)))
	}
	return err
}

// tf returns a terraform-exec handle streaming output to out.
func (s *Stack) tf(out io.Writer) (*tfexec.Terraform, error) {
	bin := s.Binary
	if bin == "" {
		bin = "terraform"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("terraform binary: %w", err)
	}
	tf, err := tfexec.NewTerraform(s.Dir, path)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	if out == nil {
		out = io.Discard
	}
	tf.SetStdout(out)
	tf.SetStderr(out)
	grace := s.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	if err := tf.SetWaitDelay(grace); err != nil {
		return nil, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	if len(s.Env) > 0 {
		if err := tf.SetEnv(s.Env); err != nil {
			return nil, fmt.Errorf("stack %s: %w", s.Name, err)
		}
	}
	return tf, nil
}

// Check verifies the directory holds a Terraform configuration.
func (s *Stack) Check() error {
	fi, err := os.Stat(s.Dir)
	if err != nil {
		return fmt.Errorf("stack %s: %w", s.Name, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("stack %s: %s is not a directory", s.Name, s.Dir)
	}
	tfs, _ := filepath.Glob(filepath.Join(s.Dir, "*.tf"))
	jsons, _ := filepath.Glob(filepath.Join(s.Dir, "*.tf.json"))
	if len(tfs)+len(jsons) == 0 {
		return fmt.Errorf("stack %s: no *.tf files in %s", s.Name, s.Dir)
	}
	return nil
}

// Init runs `terraform init` (no upgrade) and selects the workspace,
// streaming terraform's log to out.
func (s *Stack) Init(ctx context.Context, out io.Writer) error {
	out = nonNil(out)
	fmt.Fprintf(out, "$ terraform init -input=false -no-color (in %s)\n", s.Dir)
	if err := s.run(ctx, out, "init", "-input=false", "-no-color"); err != nil {
		return err
	}
	if s.Workspace != "" {
		tf, err := s.tf(io.Discard)
		if err != nil {
			return err
		}
		cur, err := tf.WorkspaceShow(ctx)
		if err != nil {
			return fmt.Errorf("terraform workspace show: %w", err)
		}
		if cur != s.Workspace {
			fmt.Fprintf(out, "$ terraform workspace select %s\n", s.Workspace)
			if err := tf.WorkspaceSelect(ctx, s.Workspace); err != nil {
				return fmt.Errorf("terraform workspace select %s: %w", s.Workspace, err)
			}
		}
	}
	return nil
}

func nonNil(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Resource is one managed resource in the state.
type Resource struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	// ID is the resource's "id" attribute ("" when it has none).
	ID string `json:"id"`
	// Tainted marks a resource whose create failed part-way.
	Tainted bool `json:"tainted,omitempty"`
}

// Resources reads the managed resources of the state (`terraform show -json`).
func (s *Stack) Resources(ctx context.Context) ([]Resource, error) {
	tf, err := s.tf(io.Discard)
	if err != nil {
		return nil, err
	}
	st, err := tf.Show(ctx)
	if err != nil {
		return nil, classify(fmt.Errorf("terraform show: %w", err))
	}
	var out []Resource
	if st != nil && st.Values != nil {
		walkModule(st.Values.RootModule, &out)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

func walkModule(m *tfjson.StateModule, out *[]Resource) {
	if m == nil {
		return
	}
	for _, r := range m.Resources {
		if r == nil || r.Mode != tfjson.ManagedResourceMode {
			continue
		}
		id := ""
		if v, ok := r.AttributeValues["id"]; ok && v != nil {
			id = fmt.Sprint(v)
		}
		*out = append(*out, Resource{Address: r.Address, Type: r.Type, ID: id, Tainted: r.Tainted})
	}
	for _, c := range m.ChildModules {
		walkModule(c, out)
	}
}

// Summary is a stack's state summary for the TUI.
type Summary struct {
	Stack     string     `json:"stack"`
	Dir       string     `json:"dir"`
	Workspace string     `json:"workspace,omitempty"`
	Resources []Resource `json:"resources"`
	Serial    uint64     `json:"serial"`
	Lineage   string     `json:"lineage"`
	// TerraformVersion wrote the state.
	TerraformVersion string `json:"terraform_version,omitempty"`
	// LastApply is the local state file's modification time (zero when
	// the state is remote).
	LastApply time.Time `json:"last_apply,omitzero"`
	// Drift lists resources changed outside Terraform (from a refresh-only
	// plan; nil when not computed).
	Drift []string `json:"drift"`
	// DriftChecked is true when Drift was computed.
	DriftChecked bool `json:"drift_checked"`
	// Lock is the lock holder when the state is locked.
	Lock *LockInfo `json:"lock,omitempty"`
}

// Summarize reads the state (serial, lineage, resources, last apply). With
// drift it also runs a refresh-only plan to list drifted resources (this
// talks to the providers and takes the state lock briefly).
func (s *Stack) Summarize(ctx context.Context, drift bool, out io.Writer) (Summary, error) {
	sum := Summary{Stack: s.Name, Dir: s.Dir, Workspace: s.Workspace}
	if err := s.Init(ctx, out); err != nil {
		return sum, err
	}
	tf, err := s.tf(io.Discard)
	if err != nil {
		return sum, err
	}
	raw, err := tf.StatePull(ctx)
	if err != nil {
		return sum, classify(fmt.Errorf("terraform state pull: %w", err))
	}
	if strings.TrimSpace(raw) != "" {
		var meta struct {
			Serial           uint64 `json:"serial"`
			Lineage          string `json:"lineage"`
			TerraformVersion string `json:"terraform_version"`
		}
		if err := json.Unmarshal([]byte(raw), &meta); err != nil {
			return sum, fmt.Errorf("stack %s: parse state: %w", s.Name, err)
		}
		sum.Serial, sum.Lineage, sum.TerraformVersion = meta.Serial, meta.Lineage, meta.TerraformVersion
	}
	if fi, err := os.Stat(s.localStatePath()); err == nil {
		sum.LastApply = fi.ModTime()
	}
	sum.Lock = s.LocalLock()
	if sum.Resources, err = s.Resources(ctx); err != nil {
		return sum, err
	}
	if drift {
		d, err := s.Drift(ctx, out)
		if err != nil {
			return sum, err
		}
		sum.Drift, sum.DriftChecked = d, true
	}
	return sum, nil
}

// localStatePath is where the local backend keeps this workspace's state.
func (s *Stack) localStatePath() string {
	ws := s.Workspace
	if ws == "" {
		if b, err := os.ReadFile(filepath.Join(s.Dir, ".terraform", "environment")); err == nil {
			ws = strings.TrimSpace(string(b))
		}
	}
	if ws == "" || ws == "default" {
		return filepath.Join(s.Dir, "terraform.tfstate")
	}
	return filepath.Join(s.Dir, "terraform.tfstate.d", ws, "terraform.tfstate")
}

// Backend is the stack's backend type from the initialised working
// directory ("local" when none is configured).
func (s *Stack) Backend() string {
	b, err := os.ReadFile(filepath.Join(s.Dir, ".terraform", "terraform.tfstate"))
	if err != nil {
		return "local"
	}
	var cfg struct {
		Backend *struct {
			Type string `json:"type"`
		} `json:"backend"`
	}
	if json.Unmarshal(b, &cfg) != nil || cfg.Backend == nil || cfg.Backend.Type == "" {
		return "local"
	}
	return cfg.Backend.Type
}

// LocalLock reports the holder of a local-backend state lock, nil when
// the state is not locked (or the backend is not local). The local
// backend locks the state file with fcntl and writes the holder to
// .terraform.tfstate.lock.info; a crashed run leaves that file behind
// without the lock, so the lock itself is tested (F_GETLK).
func (s *Stack) LocalLock() *LockInfo {
	if s.Backend() != "local" {
		return nil
	}
	state := s.localStatePath()
	if !fcntlLocked(state) {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(state), ".terraform.tfstate.lock.info"))
	if err != nil {
		return &LockInfo{Path: state, Who: "unknown (no lock info)"}
	}
	var raw struct {
		ID        string `json:"ID"`
		Operation string `json:"Operation"`
		Who       string `json:"Who"`
		Version   string `json:"Version"`
		Created   string `json:"Created"`
		Path      string `json:"Path"`
	}
	if json.Unmarshal(b, &raw) != nil {
		return &LockInfo{Path: state, Who: "unknown (unreadable lock info)"}
	}
	return &LockInfo{ID: raw.ID, Operation: raw.Operation, Who: raw.Who, Version: raw.Version, Created: raw.Created, Path: raw.Path}
}

// fcntlLocked reports whether another process holds an fcntl lock on path.
// (This process never locks state files, so closing the descriptor
// releases nothing.)
func fcntlLocked(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != syscall.F_UNLCK
}

// Drift runs a refresh-only plan and lists the resources that changed
// outside Terraform.
func (s *Stack) Drift(ctx context.Context, out io.Writer) ([]string, error) {
	pf, cleanup, err := planFile()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	args := []string{"plan", "-refresh-only", "-no-color", "-input=false", "-out=" + pf}
	for _, v := range s.VarFiles {
		args = append(args, "-var-file="+v)
	}
	if err := s.run(ctx, out, args...); err != nil {
		return nil, err
	}
	tf, err := s.tf(io.Discard)
	if err != nil {
		return nil, err
	}
	p, err := tf.ShowPlanFile(ctx, pf)
	if err != nil {
		return nil, fmt.Errorf("terraform show plan: %w", err)
	}
	drift := []string{}
	for _, rc := range p.ResourceDrift {
		if rc != nil && rc.Change != nil && !rc.Change.Actions.NoOp() {
			drift = append(drift, rc.Address)
		}
	}
	sort.Strings(drift)
	return drift, nil
}

// planFile returns a fresh 0600 path for a saved plan, in the console's
// own 0700 directory (a saved plan holds the variables' values in clear),
// and its cleanup, which every path calls: run, decline, cancel, failure.
func planFile() (string, func(), error) {
	path, cleanup, err := proc.PrivateFile(".tfplan")
	if err != nil {
		return "", cleanup, fmt.Errorf("plan file: %w", err)
	}
	return path, cleanup, nil
}

// LockInfo describes who holds a state lock.
type LockInfo struct {
	ID        string `json:"id"`
	Path      string `json:"path,omitempty"`
	Operation string `json:"operation"`
	Who       string `json:"who"`
	Version   string `json:"version,omitempty"`
	Created   string `json:"created"`
}

// String renders the holder on one line.
func (l LockInfo) String() string {
	return fmt.Sprintf("lock %s held by %s (%s since %s)", l.ID, l.Who, l.Operation, l.Created)
}

// LockedError reports that the state is locked by someone else. It is a
// refusal (errors.Is(err, actions.ErrRefused)): nothing ran. The console
// never force-unlocks; the separate unlock action does, when confirmed.
type LockedError struct {
	Lock LockInfo
}

// Error names the holder and how to release it.
func (e *LockedError) Error() string {
	return fmt.Sprintf("state is locked: %s; wait for it to finish, or if it is dead release it with the unlock action (--lock-id %s)",
		e.Lock, e.Lock.ID)
}

// Is makes a LockedError a refusal.
func (e *LockedError) Is(target error) bool { return target == actions.ErrRefused }

var (
	lockField  = regexp.MustCompile(`(?m)^\s*(ID|Path|Operation|Who|Version|Created):[ \t]*(.*?)\s*$`)
	holderID   = regexp.MustCompile(`ID=([0-9A-Za-z-]+)`)
	errMessage = regexp.MustCompile(`(?s)Error message:\s*(.*?)\s*(?:Lock Info:|$)`)
)

// ParseLockError extracts the lock holder from terraform's "Error acquiring
// the state lock" output; ok is false when text is not a lock error.
//
// Most backends (local, s3, gcs, azurerm...) print the holder's lock info.
// The http backend prints the lock it tried to take and names the holder
// only by "ID=..." in the error message: then only that ID is reported.
func ParseLockError(text string) (LockInfo, bool) {
	i := strings.Index(text, "Error acquiring the state lock")
	if i < 0 {
		return LockInfo{}, false
	}
	text = text[i:]
	var l LockInfo
	if lockInfo := strings.Index(text, "Lock Info:"); lockInfo >= 0 {
		for _, m := range lockField.FindAllStringSubmatch(text[lockInfo:], -1) {
			switch m[1] {
			case "ID":
				if l.ID == "" {
					l.ID = m[2]
				}
			case "Path":
				l.Path = m[2]
			case "Operation":
				l.Operation = m[2]
			case "Who":
				l.Who = m[2]
			case "Version":
				l.Version = m[2]
			case "Created":
				l.Created = m[2]
			}
		}
	}
	if m := errMessage.FindStringSubmatch(text); m != nil {
		msg := strings.Join(strings.Fields(m[1]), " ")
		if h := holderID.FindStringSubmatch(msg); h != nil && h[1] != l.ID {
			l = LockInfo{ID: h[1], Who: "unknown (the backend names only the lock ID)", Operation: "unknown", Created: "unknown", Path: l.Path}
		}
	}
	return l, true
}

// classify turns terraform's lock error into a *LockedError and shortens
// other errors to their "Error:" lines (the full log was streamed).
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := err.Error()
	if l, ok := ParseLockError(msg); ok {
		return &LockedError{Lock: l}
	}
	short := errorLines(msg)
	if short == "" {
		// No diagnostic: the first line, not terraform's whole output.
		short, _, _ = strings.Cut(msg, "\n")
		short = sanitize.Truncate(strings.TrimSpace(short), maxErrorText)
	}
	return &Error{Msg: short, Err: err}
}

// maxErrorText bounds an error kept from terraform's output.
const maxErrorText = 300

// Error is a terraform failure shortened to its diagnostics.
type Error struct {
	Msg string
	Err error
}

// Error returns the diagnostics summary.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the full error.
func (e *Error) Unwrap() error { return e.Err }

// errorLines keeps each "Error: summary" line plus the last paragraph of
// its diagnostic (terraform puts the human message there).
func errorLines(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(strings.TrimLeft(lines[i], "│╷╵ "))
		if !strings.HasPrefix(l, "Error: ") {
			continue
		}
		var paras [][]string
		var cur []string
		j := i + 1
		for ; j < len(lines); j++ {
			d := strings.TrimSpace(strings.TrimLeft(lines[j], "│╷╵ "))
			if strings.HasPrefix(d, "Error: ") || strings.HasPrefix(d, "Warning: ") {
				break
			}
			if d == "" {
				if len(cur) > 0 {
					paras = append(paras, cur)
					cur = nil
				}
				continue
			}
			cur = append(cur, d)
		}
		if len(cur) > 0 {
			paras = append(paras, cur)
		}
		msg := l
		if n := len(paras); n > 0 && !strings.HasPrefix(paras[n-1][0], "on ") {
			msg += ": " + strings.Join(paras[n-1], " ")
		}
		out = append(out, msg)
		i = j - 1
	}
	return strings.Join(out, "; ")
}
