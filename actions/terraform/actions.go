package terraform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/opsconsole/console/actions"
)

// Kinds of Terraform action (the shared verbs).
const (
	KindPlan     = actions.VerbPlan
	KindApply    = actions.VerbApply
	KindRebuild  = actions.VerbRebuild
	KindTeardown = actions.VerbTeardown
	KindRecreate = actions.VerbRecreate
	KindUnlock   = actions.VerbUnlock
)

// Action is one Terraform action on a stack. It implements actions.Action
// and actions.Locker (all actions on one state are one target).
type Action struct {
	kind    actions.Verb
	name    actions.Verb // the verb when it is not kind (bring-up is an apply)
	stack   *Stack
	address string // rebuild
	ref     actions.Ref
	lockID  string // unlock

	mu       sync.Mutex
	planPath string
	cleanup  func()
	effect   actions.Effect
	before   []Resource
	plan     actions.Plan
}

// Plan returns the safe "plan" action: init, plan, show what would change.
func (s *Stack) Plan() *Action { return s.newAction(KindPlan, "", "") }

// Apply returns the "apply" action: plan saved, then that plan applied.
func (s *Stack) Apply() *Action { return s.newAction(KindApply, "", "") }

// Rebuild returns the action replacing one resource (target: a Targets key
// or a resource address): plan -replace saved, then that plan applied.
func (s *Stack) Rebuild(target string) *Action { return s.newAction(KindRebuild, target, "") }

// Teardown returns the action destroying every resource of the stack.
func (s *Stack) Teardown() *Action { return s.newAction(KindTeardown, "", "") }

// Recreate returns the action destroying the stack, then applying it again.
func (s *Stack) Recreate() *Action { return s.newAction(KindRecreate, "", "") }

// Unlock returns the explicit force-unlock of the lock with this ID.
func (s *Stack) Unlock(lockID string) *Action { return s.newAction(KindUnlock, "", lockID) }

func (s *Stack) newAction(kind actions.Verb, target, lockID string) *Action {
	a := &Action{kind: kind, stack: s, lockID: lockID, ref: actions.Ref{Kind: actions.KindStack, Name: s.Name}}
	switch kind {
	case KindPlan:
		a.effect = actions.Safe
	case KindApply:
		a.effect = actions.Mutating
	default:
		a.effect = actions.Destructive
	}
	if kind == KindRebuild {
		a.address, a.ref = s.Address(target)
	}
	return a
}

// Discard removes the saved plan when the action will not run.
func (a *Action) Discard() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cleanup != nil {
		a.cleanup()
	}
	a.planPath, a.cleanup = "", nil
}

// Stack is the stack acted on.
func (a *Action) Stack() *Stack { return a.stack }

// Kind is plan, apply, rebuild, teardown, recreate or unlock.
func (a *Action) Kind() actions.Verb { return a.kind }

// LockKey makes every action on one state a single target.
func (a *Action) LockKey() string { return a.stack.lockKey() }

// Spec describes the action. An apply whose plan destroys or replaces
// anything becomes destructive after Preview.
func (a *Action) Spec() actions.Spec {
	a.mu.Lock()
	effect := a.effect
	a.mu.Unlock()
	desc := ""
	dir := a.stack.Dir
	switch a.kind {
	case KindPlan:
		desc = "terraform plan in " + dir
	case KindApply:
		desc = "terraform plan -out=PLAN, then terraform apply PLAN in " + dir
	case KindRebuild:
		desc = fmt.Sprintf("rebuild via terraform (stack %s, %s): terraform plan -replace=%s -out=PLAN, then terraform apply PLAN in %s",
			a.stack.Name, a.address, a.address, dir)
	case KindTeardown:
		desc = "terraform plan -destroy -out=PLAN, then terraform apply PLAN (destroys every resource) in " + dir
	case KindRecreate:
		desc = "terraform destroy (saved plan), then terraform apply (new plan) in " + dir
	case KindUnlock:
		desc = fmt.Sprintf("terraform force-unlock %s in %s", a.lockID, dir)
	}
	name := a.kind
	if a.name != "" {
		name, desc = a.name, "bring the stack up now: "+desc
	}
	return actions.Spec{Name: name, Target: a.ref, Runner: "terraform", Effect: effect,
		Timeout: a.stack.timeout(), Description: desc}
}

// Check verifies the stack's directory; rebuild also needs its address in
// the state, unlock needs the lock ID.
func (a *Action) Check(ctx context.Context) error {
	if err := a.stack.Check(); err != nil {
		return err
	}
	switch a.kind {
	case KindUnlock:
		if strings.TrimSpace(a.lockID) == "" {
			return errors.New("unlock needs the lock ID (terraform prints it with the lock error)")
		}
	case KindRebuild:
		if a.address == "" {
			return errors.New("rebuild needs a resource address")
		}
	}
	return nil
}

// Preview runs init and the plan, saved to a plan file that Run applies.
func (a *Action) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	out = nonNil(out)
	if err := a.stack.Init(ctx, out); err != nil {
		return actions.Plan{}, err
	}
	if a.kind == KindUnlock {
		return a.previewUnlock()
	}
	before, err := a.stack.Resources(ctx)
	if err != nil {
		return actions.Plan{}, err
	}
	if a.kind == KindRebuild && !hasAddress(before, a.address) {
		return actions.Plan{}, fmt.Errorf("%w: %s is not in the state of stack %s", actions.ErrRefused, a.address, a.stack.Name)
	}
	var opts []string
	switch a.kind {
	case KindRebuild:
		opts = append(opts, "-replace="+a.address)
	case KindTeardown, KindRecreate:
		opts = append(opts, "-destroy")
	}
	flags := ""
	if len(opts) > 0 {
		flags = " " + strings.Join(opts, " ")
	}
	plan, path, cleanup, err := a.stack.plan(ctx, out, opts...)
	if err != nil {
		return actions.Plan{}, err
	}
	switch a.kind {
	case KindPlan:
		plan.Calls = []string{"terraform init -input=false", "terraform plan" + flags}
	case KindRecreate:
		plan.Calls = []string{"terraform init -input=false", "terraform plan -destroy -out=PLAN", "terraform apply PLAN",
			"terraform plan -out=PLAN2", "terraform apply PLAN2"}
		plan.Summary = fmt.Sprintf("%d to destroy, then apply the configuration again", plan.Destroy)
		plan.Text += "\nthen: terraform plan + apply re-creates the stack from its configuration\n"
		plan.NoChanges = false
	default:
		plan.Calls = []string{"terraform init -input=false", "terraform plan" + flags + " -out=PLAN", "terraform apply PLAN"}
	}
	if a.kind == KindRebuild && (plan.Replace != 1 || !slices.Contains(plan.Resources, a.address)) {
		// -replace of a module or a resource with dependents may touch more;
		// the plan shows it, the user confirms it.
		plan.Text += fmt.Sprintf("\nnote: the plan replaces %d resource(s), not only %s\n", plan.Replace, a.address)
	}
	a.mu.Lock()
	if a.cleanup != nil {
		a.cleanup()
	}
	a.planPath, a.cleanup, a.before, a.plan = path, cleanup, before, plan
	if a.kind == KindApply && (plan.Destroy > 0 || plan.Replace > 0) {
		a.effect = actions.Destructive
	}
	a.mu.Unlock()
	if a.kind == KindPlan {
		cleanup()
	}
	return plan, nil
}

func hasAddress(rs []Resource, addr string) bool {
	for _, r := range rs {
		if r.Address == addr || strings.HasPrefix(r.Address, addr+".") || strings.HasPrefix(r.Address, addr+"[") {
			return true
		}
	}
	return false
}

// plan runs `terraform plan -out` and parses the saved plan.
func (s *Stack) plan(ctx context.Context, out io.Writer, opts ...string) (actions.Plan, string, func(), error) {
	path, cleanup, err := planFile()
	if err != nil {
		return actions.Plan{}, "", nil, err
	}
	args := []string{"plan", "-no-color", "-input=false"}
	args = append(args, opts...)
	args = append(args, "-out="+path)
	for _, v := range s.VarFiles {
		args = append(args, "-var-file="+v)
	}
	fmt.Fprintf(out, "$ terraform %s\n", strings.Join(args, " "))
	if err := s.run(ctx, out, args...); err != nil {
		cleanup()
		return actions.Plan{}, "", nil, err
	}
	tf, err := s.tf(io.Discard)
	if err != nil {
		cleanup()
		return actions.Plan{}, "", nil, err
	}
	p, err := tf.ShowPlanFile(ctx, path)
	if err != nil {
		cleanup()
		return actions.Plan{}, "", nil, classify(fmt.Errorf("terraform show -json plan: %w", err))
	}
	s.secrets.add(sensitiveValues(p))
	return ParsePlan(p), path, cleanup, nil
}

// ParsePlan turns a JSON plan into counts, the changed addresses and a
// readable preview (+ add, ~ change, - destroy, -/+ replace).
func ParsePlan(p *tfjson.Plan) actions.Plan {
	var plan actions.Plan
	var lines []string
	if p != nil {
		for _, rc := range p.ResourceChanges {
			if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode {
				continue
			}
			acts := rc.Change.Actions
			sym := ""
			switch {
			case acts.Replace():
				plan.Replace++
				sym = "-/+"
			case acts.Create():
				plan.Add++
				sym = "+"
			case acts.Update():
				plan.Change++
				sym = "~"
			case acts.Delete():
				plan.Destroy++
				sym = "-"
			default:
				continue
			}
			plan.Resources = append(plan.Resources, rc.Address)
			lines = append(lines, fmt.Sprintf("%3s %s", sym, rc.Address))
		}
	}
	sort.Strings(plan.Resources)
	sort.SliceStable(lines, func(i, j int) bool { return strings.TrimLeft(lines[i], "+-~/ ") < strings.TrimLeft(lines[j], "+-~/ ") })
	if plan.Resources == nil {
		plan.Resources = []string{}
	}
	plan.NoChanges = len(plan.Resources) == 0
	if plan.NoChanges {
		plan.Summary = "no changes"
	} else {
		plan.Summary = fmt.Sprintf("%d to add, %d to change, %d to destroy, %d to replace", plan.Add, plan.Change, plan.Destroy, plan.Replace)
	}
	plan.Text = strings.Join(lines, "\n")
	if plan.Text != "" {
		plan.Text += "\n"
	}
	plan.Text += "Plan: " + plan.Summary + "\n"
	return plan
}

func (a *Action) previewUnlock() (actions.Plan, error) {
	p := actions.Plan{
		Summary:   fmt.Sprintf("force-unlock state lock %s", a.lockID),
		Calls:     []string{"terraform force-unlock -force " + a.lockID},
		Resources: []string{},
	}
	if a.stack.Backend() == "local" {
		// The local backend's lock is an fcntl lock of a live process:
		// force-unlock cannot release it, and a dead run's lock is gone
		// with it (its leftover lock info file is ignored by terraform).
		if l := a.stack.LocalLock(); l != nil {
			return p, fmt.Errorf("%w: the local state is locked by a running terraform (%s); stop that process, force-unlock cannot release a local lock", actions.ErrRefused, l)
		}
		return p, fmt.Errorf("%w: the local state is not locked: nothing to unlock", actions.ErrRefused)
	}
	p.Text = fmt.Sprintf("Releases the %s backend's state lock %s.\nOnly do this when the run holding it is dead: a live run may corrupt the state.\n",
		a.stack.Backend(), a.lockID)
	return p, nil
}

// Run applies the saved plan (or, for recreate, destroys then applies).
func (a *Action) Run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	out = nonNil(out)
	switch a.kind {
	case KindPlan:
		fmt.Fprintln(out, "plan only: nothing to apply")
		return nil
	case KindUnlock:
		fmt.Fprintf(out, "$ terraform force-unlock -force %s\n", a.lockID)
		return a.stack.run(ctx, out, "force-unlock", "-force", a.lockID)
	}
	a.mu.Lock()
	path, cleanup := a.planPath, a.cleanup
	a.planPath, a.cleanup = "", nil
	a.mu.Unlock()
	if path == "" {
		return errors.New("no saved plan: preview first")
	}
	defer cleanup()
	if a.kind != KindRecreate {
		return a.applyPlan(ctx, out, path)
	}
	start := time.Now()
	stop := ticker(out, start)
	defer stop()
	fmt.Fprintln(out, "recreate: destroying")
	if err := a.applyPlan(ctx, out, path); err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	fmt.Fprintf(out, "recreate: destroyed in %s; applying\n", elapsed(start))
	plan, path2, cleanup2, err := a.stack.plan(ctx, out)
	if err != nil {
		return fmt.Errorf("plan after destroy: %w", err)
	}
	defer cleanup2()
	fmt.Fprintf(out, "recreate: plan %s\n", plan.Summary)
	if err := a.applyPlan(ctx, out, path2); err != nil {
		return fmt.Errorf("apply after destroy: %w", err)
	}
	fmt.Fprintf(out, "recreate: done in %s\n", elapsed(start))
	return nil
}

func (a *Action) applyPlan(ctx context.Context, out io.Writer, path string) error {
	fmt.Fprintf(out, "$ terraform apply %s\n", path)
	return a.stack.run(ctx, out, "apply", "-no-color", "-input=false", path)
}

// ticker prints the elapsed time every 10 seconds until stopped; stop
// returns once the ticker has stopped writing.
func ticker(out io.Writer, start time.Time) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(out, "recreate: elapsed %s\n", elapsed(start))
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func elapsed(start time.Time) string {
	return time.Since(start).Round(time.Second).String()
}

// Verify re-reads the state: rebuild → the address has a new id;
// teardown → no resources left; recreate → the same addresses with new
// ids; apply → a fresh plan has no changes; unlock → no lock left.
func (a *Action) Verify(ctx context.Context) (bool, string, error) {
	a.mu.Lock()
	before := a.before
	a.mu.Unlock()
	switch a.kind {
	case KindPlan:
		return true, "plan only", nil
	case KindUnlock:
		// A plan takes and releases the lock: it works once the lock is gone.
		_, _, cleanup, err := a.stack.plan(ctx, io.Discard, "-refresh=false")
		var locked *LockedError
		switch {
		case errors.As(err, &locked):
			return false, "still locked: " + locked.Lock.String(), nil
		case err != nil:
			return false, "", err
		}
		cleanup()
		return true, "lock " + a.lockID + " released: the state can be locked again", nil
	case KindApply:
		plan, _, cleanup, err := a.stack.plan(ctx, io.Discard)
		if err != nil {
			return false, "", err
		}
		cleanup()
		if !plan.NoChanges {
			return false, "a fresh plan still has changes", nil
		}
		return true, "applied: a fresh plan has no changes", nil
	}
	after, err := a.stack.Resources(ctx)
	if err != nil {
		return false, "", err
	}
	ids := map[string]string{}
	for _, r := range after {
		ids[r.Address] = r.ID
	}
	switch a.kind {
	case KindTeardown:
		if len(after) == 0 {
			return true, fmt.Sprintf("destroyed: %d resources gone, state empty", len(before)), nil
		}
		return false, fmt.Sprintf("%d resources still in the state", len(after)), nil
	case KindRebuild:
		var changed, same []string
		for _, r := range before {
			if !(r.Address == a.address || strings.HasPrefix(r.Address, a.address+".") || strings.HasPrefix(r.Address, a.address+"[")) {
				continue
			}
			nid, ok := ids[r.Address]
			switch {
			case !ok:
				return false, r.Address + " is gone from the state", nil
			case r.ID == "" || nid != r.ID:
				changed = append(changed, r.Address)
			default:
				same = append(same, r.Address)
			}
		}
		if len(same) > 0 || len(changed) == 0 {
			return false, fmt.Sprintf("not replaced (same id): %s", strings.Join(same, ", ")), nil
		}
		return true, fmt.Sprintf("replaced %s (new id %s)", strings.Join(changed, ", "), ids[changed[0]]), nil
	case KindRecreate:
		var missing []string
		sameID := 0
		for _, r := range before {
			nid, ok := ids[r.Address]
			if !ok {
				missing = append(missing, r.Address)
			} else if r.ID != "" && nid == r.ID {
				sameID++
			}
		}
		if len(missing) > 0 {
			return false, "missing after recreate: " + strings.Join(missing, ", "), nil
		}
		if sameID > 0 {
			return false, fmt.Sprintf("%d resources kept their old id", sameID), nil
		}
		return true, fmt.Sprintf("recreated: %d resources, all with new ids", len(after)), nil
	}
	return true, "", nil
}
