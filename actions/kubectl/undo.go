package kubectl

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
	"github.com/opsconsole/console/internal/sanitize"
)

// VerbUndo is `kubectl rollout undo --to-revision=N`.
const VerbUndo = actions.VerbUndo

// Revision is one revision of a workload's pod template: a Deployment's
// ReplicaSet (annotation deployment.kubernetes.io/revision) or a
// StatefulSet's or DaemonSet's ControllerRevision (.revision), as
// `kubectl rollout history` lists them.
type Revision struct {
	// Number is the revision number --to-revision takes.
	Number int64
	// Created is when the revision was made (its object's creation time).
	Created time.Time
	// ChangeCause is its kubernetes.io/change-cause annotation, if any.
	ChangeCause string
	// Images are its containers' images, in order.
	Images []string
	// Template is its pod template as YAML, normalised as History.Current
	// is (no pod-template-hash / controller-revision-hash label), so that
	// two templates compare by text.
	Template string
}

// History is a workload's revisions and its current pod template.
type History struct {
	// Current is the workload's spec.template, normalised as Revision.Template.
	Current string
	// Revisions, in any order.
	Revisions []Revision
}

// HistoryFunc reads a workload's history (the source reads it with its
// own client, with the user's rights).
type HistoryFunc func(ctx context.Context) (History, error)

// current is the number of the newest revision whose template is the
// workload's current one (0 when none is).
func (h History) current() int64 {
	var n int64
	for _, r := range h.Revisions {
		if r.Template == h.Current && r.Number > n {
			n = r.Number
		}
	}
	return n
}

func (h History) find(n int64) (Revision, bool) {
	for _, r := range h.Revisions {
		if r.Number == n {
			return r, true
		}
	}
	return Revision{}, false
}

// UndoAction is `kubectl rollout undo KIND/NAME --to-revision=N` on a
// deployment, statefulset or daemonset. Its "revision" parameter
// (actions.Parameterized: the TUI's form, the CLI's --revision) chooses
// among the workload's revisions; the preview is the unified diff of the
// pod template from the current revision to the chosen one, then the
// server dry run; verify checks that the template is the chosen one and
// that the rollout completed (kubectl rollout status's rules).
type UndoAction struct {
	k    *Action // the target, its kubectl flags, get and the rollout wait
	read HistoryFunc
	// now is the clock of the choices' ages.
	now func() time.Time

	mu     sync.Mutex
	hist   History
	to     int64
	chosen string // the chosen revision's template, read by Check
}

// Undo is the rollout undo of workload t whose history, as offered, is h;
// read reads it again (Check, Verify). The revision defaults to the newest
// one before the current template that differs from it.
func Undo(t Target, h History, read HistoryFunc) *UndoAction {
	u := &UndoAction{k: &Action{verb: VerbUndo, t: t}, read: read, now: time.Now, hist: h}
	u.to = h.Default()
	return u
}

// Has reports whether revision n is in the history.
func (h History) Has(n int64) bool {
	_, ok := h.find(n)
	return ok
}

// Default is the revision an undo goes back to unless told: the newest
// one older than the current one whose template differs from the current
// template (0 when there is none).
func (h History) Default() int64 {
	cur := h.current()
	var best int64
	for _, r := range h.Revisions {
		if r.Template != h.Current && (cur == 0 || r.Number < cur) && r.Number > best {
			best = r.Number
		}
	}
	if best == 0 { // none older: any other one, the newest
		for _, r := range h.Revisions {
			if r.Template != h.Current && r.Number > best {
				best = r.Number
			}
		}
	}
	return best
}

// WaitRollout sets how long verification waits for the rollout (default
// DefaultRolloutWait) and returns u.
func (u *UndoAction) WaitRollout(d time.Duration) *UndoAction {
	u.k.rolloutWait = d
	return u
}

// Target returns the target.
func (u *UndoAction) Target() Target { return u.k.t }

// Revision is the revision chosen (0: none to go back to).
func (u *UndoAction) Revision() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.to
}

// Argv is the command; with dryRun, the server-side dry run.
func (u *UndoAction) Argv(dryRun bool) []string {
	argv := append(u.k.base(), "rollout", "undo", string(u.k.t.Kind)+"/"+u.k.t.Name,
		"--to-revision="+strconv.FormatInt(u.Revision(), 10))
	if dryRun {
		argv = append(argv, "--dry-run=server")
	}
	return argv
}

// Spec describes the action: mutating (the previous template can be
// restored the same way).
func (u *UndoAction) Spec() actions.Spec {
	return actions.Spec{Name: VerbUndo, Target: actions.Ref{Kind: u.k.t.Kind, Cluster: u.k.t.Context, Namespace: u.k.t.Namespace, Name: u.k.t.Name},
		Runner: "kubectl", Effect: actions.Mutating, Timeout: 5 * time.Minute,
		Description: proc.Quote(withoutKubeconfig(u.Argv(false)))}
}

// Params implements actions.Parameterized: "revision", a choice among the
// revisions, newest first, each labelled with its images, age and change
// cause; the current one is listed but cannot be chosen.
func (u *UndoAction) Params() []actions.Param {
	u.mu.Lock()
	defer u.mu.Unlock()
	revs := slices.Clone(u.hist.Revisions)
	slices.SortFunc(revs, func(a, b Revision) int { return int(b.Number - a.Number) })
	cur := u.hist.current()
	p := actions.Param{Name: "revision", Title: "Revision", Kind: actions.ParamChoice, Value: strconv.FormatInt(u.to, 10),
		Help: "the pod template to roll back to (the preview shows the diff)"}
	if cur > 0 {
		p.Current = strconv.FormatInt(cur, 10)
	}
	now := u.now()
	for _, r := range revs {
		label := []string{strings.Join(r.Images, ", ")}
		if !r.Created.IsZero() {
			label = append(label, age(now.Sub(r.Created))+" old")
		}
		if r.ChangeCause != "" {
			label = append(label, r.ChangeCause)
		}
		c := actions.Choice{Value: strconv.FormatInt(r.Number, 10), Label: sanitize.Line(strings.Join(label, " · "))}
		if r.Template == u.hist.Current {
			c.Unavailable = "the current pod template"
		}
		p.Choices = append(p.Choices, c)
	}
	return []actions.Param{p}
}

// SetParam implements actions.Parameterized.
func (u *UndoAction) SetParam(name, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if name != "revision" || err != nil {
		return fmt.Errorf("undo takes no %s %q", name, v)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.hist.find(n); !ok {
		return fmt.Errorf("%w: revision: %s/%s has no revision %d", actions.ErrBadParam, u.k.t.Kind, u.k.t.Name, n)
	}
	u.to = n
	return nil
}

// age is d in the largest whole unit (s, m, h, d), as kubectl prints ages.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// Check verifies kubectl is present, the kind rolls out, and re-reads the
// history: the chosen revision still exists and differs from the current
// template.
func (u *UndoAction) Check(ctx context.Context) error {
	t := u.k.t
	bin := t.Binary
	if bin == "" {
		bin = "kubectl"
	}
	if _, err := exec.LookPath(bin); err != nil {
		return fmt.Errorf("kubectl binary: %w", err)
	}
	if !isWorkload(t.Kind) {
		return fmt.Errorf("cannot undo a %s (deployment, statefulset or daemonset)", t.Kind)
	}
	st, err := u.k.get(ctx)
	if err != nil {
		return err
	}
	h, err := u.read(ctx)
	if err != nil {
		return fmt.Errorf("revision history of %s/%s: %w", t.Kind, u.k.displayName(), err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.hist = h
	if u.to == 0 {
		return fmt.Errorf("%s/%s has no earlier revision to roll back to", t.Kind, u.k.displayName())
	}
	r, ok := h.find(u.to)
	if !ok {
		return fmt.Errorf("%s/%s has no revision %d (any more)", t.Kind, u.k.displayName(), u.to)
	}
	if r.Template == h.Current {
		return fmt.Errorf("revision %d is the current pod template of %s/%s: nothing to undo", u.to, t.Kind, u.k.displayName())
	}
	u.chosen = r.Template
	u.k.mu.Lock()
	u.k.before = st
	u.k.mu.Unlock()
	return nil
}

// Diff is the unified diff of the pod template from the current one to
// revision n's, each line made terminal-safe ("" when n is unknown or the
// same).
func (h History) Diff(n int64) string {
	r, ok := h.find(n)
	if !ok {
		return ""
	}
	from := "current pod template"
	if cur := h.current(); cur > 0 {
		from = fmt.Sprintf("revision %d (current)", cur)
	}
	d := udiff.Unified(from, fmt.Sprintf("revision %d", n), h.Current, r.Template)
	lines := strings.Split(strings.TrimRight(d, "\n"), "\n")
	for i, l := range lines {
		lines[i] = sanitize.Output(l)
	}
	return strings.Join(lines, "\n")
}

// Preview shows the pod template's diff to the chosen revision, then runs
// the undo with --dry-run=server.
func (u *UndoAction) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	u.mu.Lock()
	h, to := u.hist, u.to
	u.mu.Unlock()
	diff := h.Diff(to)
	dry, err := dryRun(ctx, u.Argv(true), out)
	if err != nil {
		return actions.Plan{}, err
	}
	obj := string(u.k.t.Kind) + "/" + u.k.displayName()
	r, _ := h.find(to)
	summary := fmt.Sprintf("roll back %s %s to revision %d", u.k.t.Kind, u.k.displayName(), to)
	if cur, ok := h.find(h.current()); ok && !slices.Equal(cur.Images, r.Images) {
		summary += fmt.Sprintf(" (image %s; now %s)", strings.Join(r.Images, ", "), strings.Join(cur.Images, ", "))
	}
	text := "pod template, current → revision " + strconv.FormatInt(to, 10) + ":\n" + diff + "\n" + dry
	return actions.Plan{
		Summary:   summary + " (server dry run)",
		Text:      text + "\n",
		Calls:     []string{proc.Quote(u.Argv(false))},
		Resources: []string{obj},
		Change:    1,
	}, nil
}

// Run runs the undo, streaming kubectl's output.
func (u *UndoAction) Run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	argv := u.Argv(false)
	fmt.Fprintf(out, "$ %s\n", proc.Quote(argv))
	return proc.Run(ctx, proc.Cmd{Argv: argv, Out: out, Grace: 10 * time.Second})
}

// Verify re-reads the workload: its pod template is the chosen
// revision's, and its rollout completed (waited for as a restart's is).
func (u *UndoAction) Verify(ctx context.Context) (bool, string, error) {
	u.mu.Lock()
	chosen, to := u.chosen, u.to
	u.mu.Unlock()
	h, err := u.read(ctx)
	if err != nil {
		return false, "", err
	}
	obj := string(u.k.t.Kind) + "/" + u.k.t.Name
	if h.Current != chosen {
		return false, fmt.Sprintf("the pod template of %s is not revision %d's", obj, to), nil
	}
	st, err := u.k.get(ctx)
	if err != nil {
		return false, "", err
	}
	return u.k.waitRollout(ctx, st, fmt.Sprintf("%s rolled back to revision %d's pod template", obj, to), "")
}
