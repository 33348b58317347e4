// Package kubectl implements the Kubernetes actions (rollout restart,
// scale, cordon, uncordon, drain, delete of any object, rollout undo,
// CronJob suspend/resume) with the real kubectl
// binary: the preview is the same command with --dry-run=server, the
// check reads the target with `kubectl get`, and verify re-reads it.
package kubectl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
)

// Verbs kubectl runs (the shared actions verbs).
const (
	VerbRestart   = actions.VerbRestart
	VerbScale     = actions.VerbScale
	VerbCordon    = actions.VerbCordon
	VerbUncordon  = actions.VerbUncordon
	VerbDrain     = actions.VerbDrain
	VerbDeletePod = actions.VerbDelete
	VerbDelete    = actions.VerbDelete
	VerbSuspend   = actions.VerbSuspend
	VerbResume    = actions.VerbResume
)

// DefaultDrainTimeout is passed to `kubectl drain --timeout`.
const DefaultDrainTimeout = 5 * time.Minute

// restartedAtAnnotation is what `kubectl rollout restart` sets on the pod template.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// Target is the object acted on and how to reach its cluster.
type Target struct {
	// Kubeconfig is the kubeconfig path ("" = kubectl's default).
	Kubeconfig string
	// Context is the kubeconfig context ("" = its current context).
	Context string
	// Namespace of the object (ignored for nodes).
	Namespace string
	// Kind is deployment, statefulset, daemonset, cronjob, node or pod,
	// or for any other kind its resource as kubectl takes it,
	// plural[.group] ("services", "crontabs.stable.example.com").
	Kind actions.Kind
	// ClusterScoped marks an object without a namespace (a node is always
	// one; set it for other cluster-scoped kinds).
	ClusterScoped bool
	// Name of the object.
	Name string
	// Binary is the kubectl executable (default "kubectl" on PATH).
	Binary string
}

// Action is one kubectl action. Build it with Restart, Scale, Cordon,
// Uncordon, Drain or DeletePod.
type Action struct {
	verb     actions.Verb
	t        Target
	replicas int
	current  int           // scale: the desired replicas when offered (-1 unknown)
	timeout  time.Duration // drain
	// rolloutWait bounds a restart's wait for its rollout (WaitRollout).
	rolloutWait time.Duration

	// dependents are what the garbage collector deletes after a deleted
	// object (its pods), as the source saw them: the preview's cascade note.
	dependents []string

	mu     sync.Mutex
	before objectState
}

// Restart is `kubectl rollout restart KIND/NAME` (deployment, statefulset, daemonset).
func Restart(t Target) *Action { return &Action{verb: VerbRestart, t: t} }

// Scale is `kubectl scale KIND/NAME --replicas=N`. Scaling to zero is destructive.
func Scale(t Target, replicas int) *Action {
	return &Action{verb: VerbScale, t: t, replicas: replicas, current: -1}
}

// ScaleFrom is Scale of a workload whose desired replicas are now current:
// its "replicas" parameter (actions.Parameterized) shows it.
func ScaleFrom(t Target, current, replicas int) *Action {
	a := Scale(t, replicas)
	a.current = current
	return a
}

// Params implements actions.Parameterized: a scale takes "replicas"
// (0 or more; to 0 is destructive); the other verbs take none.
func (a *Action) Params() []actions.Param {
	if a.verb != VerbScale {
		return nil
	}
	p := actions.CountParam("replicas", "Replicas", a.current, a.replicas, 0, -1)
	if a.current < 0 {
		p.Current, p.Help = "", "0 or more (0 stops every pod: destructive)"
	} else {
		p.Help += " (0 stops every pod: destructive)"
	}
	return []actions.Param{p}
}

// SetParam implements actions.Parameterized.
func (a *Action) SetParam(name, v string) error {
	n, err := strconv.Atoi(v)
	if a.verb != VerbScale || name != "replicas" || err != nil {
		return fmt.Errorf("%s takes no %s %q", a.verb, name, v)
	}
	a.replicas = n
	return nil
}

// Cordon is `kubectl cordon NODE`.
func Cordon(t Target) *Action { t.Kind = actions.KindNode; return &Action{verb: VerbCordon, t: t} }

// Uncordon is `kubectl uncordon NODE`.
func Uncordon(t Target) *Action { t.Kind = actions.KindNode; return &Action{verb: VerbUncordon, t: t} }

// Drain is `kubectl drain NODE --ignore-daemonsets --delete-emptydir-data --timeout=T`.
func Drain(t Target, timeout time.Duration) *Action {
	t.Kind = actions.KindNode
	if timeout <= 0 {
		timeout = DefaultDrainTimeout
	}
	return &Action{verb: VerbDrain, t: t, timeout: timeout}
}

// DeletePod is `kubectl delete pod NAME -n NS --wait=false`.
func DeletePod(t Target) *Action { t.Kind = actions.KindPod; return &Action{verb: VerbDeletePod, t: t} }

// Delete is `kubectl delete KIND NAME --wait=false` for an object of any
// kind (t.Kind, a custom resource's plural.group included): destructive.
// dependents are the objects the garbage collector then deletes, as the
// caller knows them (a workload's pods), named in the preview.
func Delete(t Target, dependents ...string) *Action {
	return &Action{verb: VerbDelete, t: t, dependents: dependents}
}

// Suspend is `kubectl patch cronjob NAME --type=merge -p {"spec":{"suspend":true}}`:
// the CronJob starts no new job (running ones go on).
func Suspend(t Target) *Action { t.Kind = actions.KindCronJob; return &Action{verb: VerbSuspend, t: t} }

// Resume is Suspend's reverse: `{"spec":{"suspend":false}}`.
func Resume(t Target) *Action { t.Kind = actions.KindCronJob; return &Action{verb: VerbResume, t: t} }

// Target returns the target.
func (a *Action) Target() Target { return a.t }

// Verb names the action.
func (a *Action) Verb() actions.Verb { return a.verb }

func (a *Action) namespaced() bool { return a.t.Kind != actions.KindNode && !a.t.ClusterScoped }

// isWorkload reports whether kind rolls out pods (deployment, statefulset, daemonset).
func isWorkload(kind actions.Kind) bool {
	return kind == actions.KindDeployment || kind == actions.KindStatefulSet || kind == actions.KindDaemonSet
}

// base is kubectl plus the connection flags.
func (a *Action) base() []string {
	bin := a.t.Binary
	if bin == "" {
		bin = "kubectl"
	}
	argv := []string{bin}
	if a.t.Kubeconfig != "" {
		argv = append(argv, "--kubeconfig", a.t.Kubeconfig)
	}
	if a.t.Context != "" {
		argv = append(argv, "--context", a.t.Context)
	}
	if a.namespaced() && a.t.Namespace != "" {
		argv = append(argv, "--namespace", a.t.Namespace)
	}
	return argv
}

// Argv is the command the action runs; with dryRun, the server-side dry run.
func (a *Action) Argv(dryRun bool) []string {
	argv := a.base()
	obj := string(a.t.Kind) + "/" + a.t.Name
	switch a.verb {
	case VerbRestart:
		if dryRun {
			// `rollout restart` has no --dry-run: preview the patch it makes.
			patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`,
				restartedAtAnnotation, time.Now().Format(time.RFC3339))
			argv = append(argv, "patch", obj, "--type=merge", "-p", patch)
			break
		}
		argv = append(argv, "rollout", "restart", obj)
	case VerbScale:
		argv = append(argv, "scale", obj, "--replicas="+strconv.Itoa(a.replicas))
	case VerbCordon:
		argv = append(argv, "cordon", a.t.Name)
	case VerbUncordon:
		argv = append(argv, "uncordon", a.t.Name)
	case VerbDrain:
		argv = append(argv, "drain", a.t.Name, "--ignore-daemonsets", "--delete-emptydir-data",
			"--timeout="+a.timeout.String())
	case VerbDelete:
		argv = append(argv, "delete", string(a.t.Kind), a.t.Name, "--wait=false")
	case VerbSuspend, VerbResume:
		argv = append(argv, "patch", obj, "--type=merge", "-p",
			fmt.Sprintf(`{"spec":{"suspend":%t}}`, a.verb == VerbSuspend))
	}
	if dryRun {
		argv = append(argv, "--dry-run=server")
	}
	return argv
}

// Spec describes the action.
func (a *Action) Spec() actions.Spec {
	effect := actions.Mutating
	switch {
	case a.verb == VerbDrain, a.verb == VerbDelete:
		effect = actions.Destructive
	case a.verb == VerbScale && a.replicas == 0:
		effect = actions.Destructive
	}
	timeout := 5 * time.Minute
	if a.verb == VerbDrain {
		timeout = a.timeout + time.Minute
	}
	ref := actions.Ref{Kind: a.t.Kind, Cluster: a.t.Context, Name: a.t.Name}
	if a.namespaced() {
		ref.Namespace = a.t.Namespace
	}
	return actions.Spec{Name: a.verb, Target: ref, Runner: "kubectl", Effect: effect, Timeout: timeout,
		Description: proc.Quote(withoutKubeconfig(a.Argv(false)))}
}

// withoutKubeconfig drops the --kubeconfig flag and its path from argv: the
// description stays short enough to read in a menu (what differs between
// two offers, e.g. --replicas, stays visible); the plan's calls keep the
// full command.
func withoutKubeconfig(argv []string) []string {
	out := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		if argv[i] == "--kubeconfig" && i+1 < len(argv) {
			i++
			continue
		}
		out = append(out, argv[i])
	}
	return out
}

// objectState is what Check reads and Verify compares.
type objectState struct {
	UID           string
	Generation    int64
	RestartedAt   string
	Replicas      *int64
	Unschedulable bool
	Deleting      bool
	// Suspend is a CronJob's spec.suspend.
	Suspend bool
	// Workload is the rollout's spec and status (deployment, statefulset, daemonset).
	Workload workloadStatus
}

type object struct {
	Metadata struct {
		UID               string  `json:"uid"`
		Generation        int64   `json:"generation"`
		DeletionTimestamp *string `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec struct {
		Replicas       *int64                `json:"replicas"`
		Unschedulable  bool                  `json:"unschedulable"`
		Suspend        *bool                 `json:"suspend"`
		Strategy       struct{ Type string } `json:"strategy"`
		UpdateStrategy struct {
			Type          string `json:"type"`
			RollingUpdate *struct {
				Partition *int64 `json:"partition"`
			} `json:"rollingUpdate"`
		} `json:"updateStrategy"`
		Template struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"template"`
	} `json:"spec"`
	Status json.RawMessage `json:"status"`
}

// ErrNotFound is returned by Check when the target does not exist.
var ErrNotFound = errors.New("not found")

// get reads the target with `kubectl get -o json`.
func (a *Action) get(ctx context.Context) (objectState, error) {
	argv := append(a.base(), "get", string(a.t.Kind), a.t.Name, "-o", "json")
	var stderr bytes.Buffer
	b, err := proc.Output(ctx, proc.Cmd{Argv: argv, Out: &stderr, Grace: 5 * time.Second})
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "NotFound") || strings.Contains(msg, "not found") {
			return objectState{}, fmt.Errorf("%s %s: %w", a.t.Kind, a.displayName(), ErrNotFound)
		}
		if msg != "" {
			return objectState{}, fmt.Errorf("kubectl get %s %s: %s", a.t.Kind, a.displayName(), lastLine(msg))
		}
		return objectState{}, fmt.Errorf("kubectl get %s %s: %w", a.t.Kind, a.displayName(), err)
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return objectState{}, fmt.Errorf("kubectl get %s %s: parse: %w", a.t.Kind, a.displayName(), err)
	}
	w := workloadStatus{Strategy: o.Spec.Strategy.Type, Replicas: o.Spec.Replicas}
	if o.Spec.UpdateStrategy.Type != "" {
		w.Strategy = o.Spec.UpdateStrategy.Type
	}
	if ru := o.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		w.Partition = ru.Partition
	}
	if len(o.Status) > 0 && isWorkload(a.t.Kind) {
		if err := json.Unmarshal(o.Status, &w.Status); err != nil {
			return objectState{}, fmt.Errorf("kubectl get %s %s: parse status: %w", a.t.Kind, a.displayName(), err)
		}
	}
	return objectState{
		Workload:      w,
		UID:           o.Metadata.UID,
		Generation:    o.Metadata.Generation,
		RestartedAt:   o.Spec.Template.Metadata.Annotations[restartedAtAnnotation],
		Replicas:      o.Spec.Replicas,
		Unschedulable: o.Spec.Unschedulable,
		Deleting:      o.Metadata.DeletionTimestamp != nil,
		Suspend:       o.Spec.Suspend != nil && *o.Spec.Suspend,
	}, nil
}

func (a *Action) displayName() string {
	if a.namespaced() && a.t.Namespace != "" {
		return a.t.Namespace + "/" + a.t.Name
	}
	return a.t.Name
}

// lastLine returns kubectl's error line, else the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "error:") || strings.HasPrefix(l, "Error from server") || strings.HasPrefix(l, "Error:") {
			return l
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// Check verifies kubectl is present, the verb fits the kind, and the
// target exists (and, for scale, that the count is sane).
func (a *Action) Check(ctx context.Context) error {
	bin := a.t.Binary
	if bin == "" {
		bin = "kubectl"
	}
	if _, err := exec.LookPath(bin); err != nil {
		return fmt.Errorf("kubectl binary: %w", err)
	}
	if a.t.Name == "" {
		return errors.New("no target name")
	}
	switch a.verb {
	case VerbRestart:
		if a.t.Kind != "deployment" && a.t.Kind != "statefulset" && a.t.Kind != "daemonset" {
			return fmt.Errorf("cannot restart a %s (deployment, statefulset or daemonset)", a.t.Kind)
		}
	case VerbSuspend, VerbResume:
		if a.t.Kind != actions.KindCronJob {
			return fmt.Errorf("cannot %s a %s (cronjob)", a.verb, a.t.Kind)
		}
	case VerbScale:
		if a.t.Kind != "deployment" && a.t.Kind != "statefulset" {
			return fmt.Errorf("cannot scale a %s (deployment or statefulset)", a.t.Kind)
		}
		if a.replicas < 0 {
			return fmt.Errorf("replicas must be >= 0, not %d", a.replicas)
		}
	}
	st, err := a.get(ctx)
	if err != nil {
		return err
	}
	switch {
	case a.verb == VerbDelete && st.Deleting:
		return fmt.Errorf("%s %s is already being deleted", a.t.Kind, a.displayName())
	case a.verb == VerbSuspend && st.Suspend:
		return fmt.Errorf("cronjob %s is already suspended", a.displayName())
	case a.verb == VerbResume && !st.Suspend:
		return fmt.Errorf("cronjob %s is not suspended", a.displayName())
	}
	a.mu.Lock()
	a.before = st
	a.mu.Unlock()
	return nil
}

// dryRun runs argv (a --dry-run=server command), its output also to out
// (when not nil), and returns the output trimmed. A forbidden answer is a
// refusal (actions.ErrRefused).
func dryRun(ctx context.Context, argv []string, out io.Writer) (string, error) {
	var buf bytes.Buffer
	w := io.Writer(&buf)
	if out != nil {
		w = io.MultiWriter(&buf, out)
	}
	if err := proc.Run(ctx, proc.Cmd{Argv: argv, Out: w, Grace: 5 * time.Second}); err != nil {
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			msg := lastLine(ee.Stderr)
			if strings.Contains(msg, "forbidden") || strings.Contains(msg, "Forbidden") {
				return "", fmt.Errorf("%w: no permission: %s", actions.ErrRefused, msg)
			}
			return "", fmt.Errorf("server dry run: %s", msg)
		}
		return "", fmt.Errorf("server dry run: %w", err)
	}
	return strings.TrimSpace(buf.String()), nil
}

// Preview runs the command with --dry-run=server.
func (a *Action) Preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	text, err := dryRun(ctx, a.Argv(true), out)
	if err != nil {
		return actions.Plan{}, err
	}
	summary := lastLine(text)
	if summary == "" {
		summary = string(a.verb) + " " + string(a.t.Kind) + "/" + a.t.Name
	}
	if a.verb == VerbDelete {
		text += "\n" + a.cascadeNote()
	}
	p := actions.Plan{
		Summary:   summary + " (server dry run)",
		Text:      text + "\n",
		Calls:     []string{proc.Quote(a.Argv(false))},
		Resources: []string{string(a.t.Kind) + "/" + a.displayName()},
	}
	switch a.verb {
	case VerbDelete, VerbDrain:
		p.Destroy = 1
	default:
		p.Change = 1
	}
	return p, nil
}

// cascadeNote says what deleting the object takes with it: kubectl's
// default cascade is background, so the garbage collector deletes what the
// object owns (ownerReferences) after it.
func (a *Action) cascadeNote() string {
	var owns string
	switch a.t.Kind {
	case actions.KindPod:
		return "cascade: a pod owns nothing; a controller that owns it (ReplicaSet, StatefulSet, Job) starts a replacement"
	case actions.KindDeployment:
		owns = "its ReplicaSets and their pods"
	case actions.KindStatefulSet, actions.KindDaemonSet:
		owns = "its pods and ControllerRevisions (a StatefulSet's PersistentVolumeClaims are kept)"
	case actions.KindCronJob:
		owns = "its Jobs and their pods"
	default:
		owns = "every object that names it as owner (ownerReferences)"
	}
	note := "cascade (background, kubectl's default): the garbage collector then deletes " + owns
	if n := len(a.dependents); n > 0 {
		shown := a.dependents[:min(n, 10)]
		note += fmt.Sprintf("\n%d pods now: %s", n, strings.Join(shown, ", "))
		if n > len(shown) {
			note += fmt.Sprintf(", … %d more", n-len(shown))
		}
	}
	return note
}

// Run runs the command, streaming kubectl's output.
func (a *Action) Run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	argv := a.Argv(false)
	fmt.Fprintf(out, "$ %s\n", proc.Quote(argv))
	if err := proc.Run(ctx, proc.Cmd{Argv: argv, Out: out, Grace: 10 * time.Second}); err != nil {
		return err
	}
	return nil
}

// Verify re-reads the target: restart → the restartedAt annotation
// changed and the rollout completed (kubectl rollout status's rules:
// the controller observed the new generation, every replica updated and
// available, no old replica left), waiting for it; scale → spec.replicas; cordon/drain → unschedulable (drain:
// and no evictable pod left); uncordon → schedulable; delete → gone,
// being deleted, or replaced by a new object of the same name (a
// StatefulSet's pod); suspend/resume → spec.suspend.
func (a *Action) Verify(ctx context.Context) (bool, string, error) {
	a.mu.Lock()
	before := a.before
	a.mu.Unlock()
	st, err := a.get(ctx)
	if a.verb == VerbDelete {
		obj := string(a.t.Kind) + " " + a.displayName()
		switch {
		case errors.Is(err, ErrNotFound):
			return true, obj + " deleted", nil
		case err != nil:
			return false, "", err
		case st.UID != before.UID:
			return true, obj + " replaced by a new " + string(a.t.Kind), nil
		case st.Deleting:
			return true, obj + " is being deleted (finalizers or a graceful stop pending)", nil
		}
		return false, obj + " still exists", nil
	}
	if err != nil {
		return false, "", err
	}
	switch a.verb {
	case VerbRestart:
		if st.RestartedAt == "" || st.RestartedAt == before.RestartedAt {
			return false, "restartedAt annotation unchanged", nil
		}
		return a.verifyRollout(ctx, st)
	case VerbScale:
		if st.Replicas != nil && *st.Replicas == int64(a.replicas) {
			return true, fmt.Sprintf("%s/%s scaled to %d", a.t.Kind, a.t.Name, a.replicas), nil
		}
		return false, fmt.Sprintf("spec.replicas is not %d", a.replicas), nil
	case VerbSuspend, VerbResume:
		if st.Suspend == (a.verb == VerbSuspend) {
			return true, fmt.Sprintf("cronjob %s: spec.suspend is %t", a.displayName(), st.Suspend), nil
		}
		return false, fmt.Sprintf("cronjob %s: spec.suspend is still %t", a.displayName(), st.Suspend), nil
	case VerbCordon:
		if st.Unschedulable {
			return true, "node " + a.t.Name + " is unschedulable", nil
		}
		return false, "node " + a.t.Name + " is still schedulable", nil
	case VerbUncordon:
		if !st.Unschedulable {
			return true, "node " + a.t.Name + " is schedulable", nil
		}
		return false, "node " + a.t.Name + " is still unschedulable", nil
	case VerbDrain:
		if !st.Unschedulable {
			return false, "node " + a.t.Name + " is still schedulable", nil
		}
		left, err := a.podsLeft(ctx)
		if err != nil {
			return false, "", err
		}
		if left > 0 {
			return false, fmt.Sprintf("node %s is cordoned but %d pods are still running on it", a.t.Name, left), nil
		}
		return true, "node " + a.t.Name + " is cordoned and drained", nil
	}
	return true, "", nil
}

// podsLeft counts pods on the node that drain should have evicted (not
// owned by a DaemonSet, not terminating, not finished).
func (a *Action) podsLeft(ctx context.Context) (int, error) {
	argv := append(a.base(), "get", "pods", "--all-namespaces", "--field-selector", "spec.nodeName="+a.t.Name, "-o", "json")
	var stderr bytes.Buffer
	b, err := proc.Output(ctx, proc.Cmd{Argv: argv, Out: &stderr, Grace: 5 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("kubectl get pods on %s: %s", a.t.Name, lastLine(stderr.String()))
	}
	var list struct {
		Items []struct {
			Metadata struct {
				DeletionTimestamp *string `json:"deletionTimestamp"`
				OwnerReferences   []struct {
					Kind string `json:"kind"`
				} `json:"ownerReferences"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
			Status struct {
				Phase string `json:"phase"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return 0, fmt.Errorf("parse pods: %w", err)
	}
	n := 0
	for _, p := range list.Items {
		if p.Metadata.DeletionTimestamp != nil || p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" {
			continue
		}
		if _, mirror := p.Metadata.Annotations["kubernetes.io/config.mirror"]; mirror {
			continue
		}
		ds := false
		for _, o := range p.Metadata.OwnerReferences {
			ds = ds || o.Kind == "DaemonSet"
		}
		if !ds {
			n++
		}
	}
	return n, nil
}

// ParseRef parses "kind/name" as given on the command line (deployment/web,
// deploy/web, sts/db, node/n1, pod/p, no/n1).
func ParseRef(s string) (kind actions.Kind, name string, err error) {
	k, n, ok := strings.Cut(s, "/")
	if !ok || k == "" || n == "" || strings.Contains(n, "/") {
		return "", "", fmt.Errorf("want KIND/NAME, got %q", s)
	}
	switch strings.ToLower(k) {
	case "deployment", "deployments", "deploy":
		kind = actions.KindDeployment
	case "statefulset", "statefulsets", "sts":
		kind = actions.KindStatefulSet
	case "daemonset", "daemonsets", "ds":
		kind = actions.KindDaemonSet
	case "node", "nodes", "no":
		kind = actions.KindNode
	case "pod", "pods", "po":
		kind = actions.KindPod
	default:
		return "", "", fmt.Errorf("unknown kind %q (deployment, statefulset, daemonset, node, pod)", k)
	}
	return kind, n, nil
}
