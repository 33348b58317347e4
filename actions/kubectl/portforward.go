package kubectl

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
)

// PortForwardTimeout bounds how long one forward runs before the executor
// stops it (it is stopped earlier by cancelling its run: x in the Actions
// view).
const PortForwardTimeout = 12 * time.Hour

// PortForwardAction is `kubectl port-forward pod/NAME LOCAL:PORT` (or
// svc/NAME: kubectl forwards to one running pod its selector chooses, the
// service's port mapped to that pod's target port), kept
// running until its run is cancelled: a forward is a run of the executor,
// listed with the others in the Actions view (with the local address in its
// output), stopped there with x, and audited (who, the pod, the ports) when
// it starts and when it stops.
type PortForwardAction struct {
	t     Target
	port  int
	local int
}

// PortForward forwards a free local port (LOCAL 0) to the pod's port.
func PortForward(t Target, port int) *PortForwardAction {
	t.Kind = actions.KindPod
	return &PortForwardAction{t: t, port: port}
}

// KindService is how a Service is named in a Ref: its resource, as the
// Kinds view and kubectl take it.
const KindService actions.Kind = "services"

// PortForwardService forwards a free local port to the service's port
// (kubectl picks one running pod behind it, as `kubectl port-forward svc/`
// does; the forward stays on that pod).
func PortForwardService(t Target, port int) *PortForwardAction {
	t.Kind = KindService
	return &PortForwardAction{t: t, port: port}
}

// object is kubectl's TYPE/NAME of the forward's target.
func (a *PortForwardAction) object() string {
	if a.t.Kind == KindService {
		return "svc/" + a.t.Name
	}
	return "pod/" + a.t.Name
}

// what names the target for people: "pod shop/web-1", "service shop/web".
func (a *PortForwardAction) what() string {
	if a.t.Kind == KindService {
		return "service " + a.t.Namespace + "/" + a.t.Name
	}
	return "pod " + a.t.Namespace + "/" + a.t.Name
}

// Argv is the kubectl command.
func (a *PortForwardAction) Argv() []string {
	base := (&Action{t: a.t}).base()
	local := ""
	if a.local > 0 {
		local = strconv.Itoa(a.local)
	}
	return append(base, "port-forward", "--address", "127.0.0.1", a.object(), fmt.Sprintf("%s:%d", local, a.port))
}

// Spec implements actions.Action: mutating (a forward opens a way into the
// pod), with a long timeout.
func (a *PortForwardAction) Spec() actions.Spec {
	return actions.Spec{Name: actions.VerbPortForward, Target: actions.Ref{Kind: a.t.Kind, Cluster: a.t.Context, Namespace: a.t.Namespace, Name: a.t.Name},
		Runner: "kubectl", Effect: actions.Mutating, Timeout: PortForwardTimeout, Description: proc.Quote(withoutKubeconfig(a.Argv()))}
}

// Params implements actions.Parameterized: the pod's port and the local port.
func (a *PortForwardAction) Params() []actions.Param {
	port := actions.CountParam("port", "Pod port", a.port, a.port, 1, 65535)
	port.Help = "the container's port (1 to 65535)"
	if a.t.Kind == KindService {
		port.Title, port.Help = "Service port", "the service's port (1 to 65535), mapped to its pods' target port"
	}
	local := actions.CountParam("local", "Local port", a.local, a.local, 0, 65535)
	local.Current, local.Help = "", "on 127.0.0.1; 0 picks a free one"
	return []actions.Param{port, local}
}

// SetParam implements actions.Parameterized.
func (a *PortForwardAction) SetParam(name, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("port-forward %s %q: not a number", name, v)
	}
	switch name {
	case "port":
		a.port = n
	case "local":
		a.local = n
	default:
		return fmt.Errorf("port-forward takes no %s", name)
	}
	return nil
}

// Check implements actions.Action: the pod (service) exists.
func (a *PortForwardAction) Check(ctx context.Context) error {
	if a.port < 1 || a.port > 65535 || a.local < 0 || a.local > 65535 {
		return fmt.Errorf("%w: port %d, local %d", actions.ErrRefused, a.port, a.local)
	}
	if _, err := (&Action{verb: VerbDeletePod, t: a.t}).get(ctx); err != nil {
		return err
	}
	return nil
}

// Preview implements actions.Action: what will listen where.
func (a *PortForwardAction) Preview(context.Context, io.Writer) (actions.Plan, error) {
	local := "a free port"
	if a.local > 0 {
		local = "port " + strconv.Itoa(a.local)
	}
	argv := a.Argv()
	return actions.Plan{
		Summary: fmt.Sprintf("forward 127.0.0.1 (%s) to %s port %d until stopped (x in the Actions or Forwards view)", local, a.what(), a.port),
		Text:    "$ " + proc.Quote(withoutKubeconfig(argv)) + "\n",
		Calls:   []string{proc.Quote(withoutKubeconfig(argv))},
	}, nil
}

// Run implements actions.Action: kubectl runs (printing "Forwarding from
// 127.0.0.1:LOCAL -> PORT") until the run is cancelled.
func (a *PortForwardAction) Run(ctx context.Context, _ actions.Plan, out io.Writer) error {
	argv := a.Argv()
	fmt.Fprintf(out, "$ %s\n", proc.Quote(withoutKubeconfig(argv)))
	return proc.Run(ctx, proc.Cmd{Argv: argv, Out: out, Grace: 5 * time.Second})
}

// Verify implements actions.Action: nothing to re-read once it ended.
func (a *PortForwardAction) Verify(context.Context) (bool, string, error) {
	return true, "the forward ended", nil
}
