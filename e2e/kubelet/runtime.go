package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
	utilexec "k8s.io/utils/exec"
)

// runtime runs the pods of every node of this kubelet as local processes.
// A container is its command (command + args) started in its working
// directory with its environment, in a process group of its own; its
// stdout and stderr go to one log file per run, in the CRI log format
// ("<RFC3339Nano> stdout F <line>"), so logs, previous logs, timestamps,
// since and tail are answered from the files.
type runtime struct {
	dir        string
	addr       string
	backoff    time.Duration
	maxBackoff time.Duration

	mu      sync.Mutex
	pods    map[string]*podRun // namespace/name
	notify  map[string]func(*corev1.Pod)
	stopped bool
}

func newRuntime(dir, addr string, backoff, maxBackoff time.Duration) (*runtime, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &runtime{dir: dir, addr: addr, backoff: backoff, maxBackoff: maxBackoff,
		pods: map[string]*podRun{}, notify: map[string]func(*corev1.Pod){}}, nil
}

// podRun is one pod: its spec as created and its containers.
type podRun struct {
	pod        *corev1.Pod
	dir        string
	started    metav1.Time
	containers []*ctrRun
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	deleted    bool
	// pushing serialises this pod's status pushes, each computed while
	// held, so the last one sent is the newest (see notifyLocked).
	pushing sync.Mutex
}

// ctrRun is one container of a pod and its runs. Run i logs to <dir>/<i>.log.
type ctrRun struct {
	spec corev1.Container
	dir  string
	env  []string

	// guarded by runtime.mu
	restarts   int32
	state      corev1.ContainerState
	last       corev1.ContainerState
	current    int // run shown as the current one (-1: none yet)
	lastTerm   int // run in last (terminated) state (-1: none)
	running    bool
	ready      bool          // the readiness probe's verdict on the current run (see probe.go)
	runDone    chan struct{} // closed when the current run ends
	proc       *os.Process
	terminated bool // no more runs
}

func key(ns, name string) string { return ns + "/" + name }

// provider returns the virtual-kubelet provider of one node.
func (rt *runtime) provider(node string) nodeutil.Provider { return &nodeProvider{rt: rt, node: node} }

// nodeProvider is the provider of one node; every node shares the runtime.
type nodeProvider struct {
	rt   *runtime
	node string
}

func (p *nodeProvider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	return p.rt.create(pod.DeepCopy())
}

// UpdatePod accepts the update: a pod's containers are immutable, and
// what may change (labels, annotations, the deletion grace) is not used.
func (p *nodeProvider) UpdatePod(ctx context.Context, pod *corev1.Pod) error { return nil }

func (p *nodeProvider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	return p.rt.delete(pod)
}

func (p *nodeProvider) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	rt := p.rt
	rt.mu.Lock()
	defer rt.mu.Unlock()
	pr, ok := rt.pods[key(namespace, name)]
	if !ok {
		return nil, errdefs.NotFoundf("pod %s/%s is not known", namespace, name)
	}
	return rt.podLocked(pr), nil
}

func (p *nodeProvider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

func (p *nodeProvider) GetPods(ctx context.Context) ([]*corev1.Pod, error) {
	rt := p.rt
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []*corev1.Pod
	for _, pr := range rt.pods {
		if pr.pod.Spec.NodeName == p.node {
			out = append(out, rt.podLocked(pr))
		}
	}
	return out, nil
}

// NotifyPods registers the node's status callback (the provider is async:
// every container state change is pushed at once).
func (p *nodeProvider) NotifyPods(ctx context.Context, f func(*corev1.Pod)) {
	p.rt.mu.Lock()
	p.rt.notify[p.node] = f
	p.rt.mu.Unlock()
}

func (p *nodeProvider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	return p.rt.logs(ctx, namespace, podName, containerName, opts)
}

func (p *nodeProvider) RunInContainer(ctx context.Context, namespace, podName, containerName string, cmd []string, attach api.AttachIO) error {
	return p.rt.exec(ctx, namespace, podName, containerName, cmd, attach)
}

func (p *nodeProvider) AttachToContainer(ctx context.Context, namespace, podName, containerName string, attach api.AttachIO) error {
	return p.rt.attach(ctx, namespace, podName, containerName, attach)
}

func (p *nodeProvider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return nil, errdefs.NotFound("the lab kubelet keeps no stats")
}

func (p *nodeProvider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, errdefs.NotFound("the lab kubelet keeps no metrics")
}

func (p *nodeProvider) PortForward(ctx context.Context, namespace, pod string, port int32, stream io.ReadWriteCloser) error {
	return p.rt.portForward(ctx, namespace, pod, port, stream)
}

func (rt *runtime) allPods(context.Context) ([]*corev1.Pod, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]*corev1.Pod, 0, len(rt.pods))
	for _, pr := range rt.pods {
		out = append(out, rt.podLocked(pr))
	}
	return out, nil
}

// create starts a pod's containers.
func (rt *runtime) create(pod *corev1.Pod) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.stopped {
		return errors.New("kubelet is stopping")
	}
	k := key(pod.Namespace, pod.Name)
	if old, ok := rt.pods[k]; ok && old.pod.UID == pod.UID {
		return nil
	}
	dir := filepath.Join(rt.dir, "pods", pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
	ctx, cancel := context.WithCancel(context.Background())
	pr := &podRun{pod: pod, dir: dir, started: metav1.Now(), cancel: cancel}
	for _, c := range pod.Spec.Containers {
		cdir := filepath.Join(dir, c.Name)
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			cancel()
			return fmt.Errorf("create %s: %w", cdir, err)
		}
		cr := &ctrRun{spec: c, dir: cdir, env: containerEnv(pod, c), current: -1, lastTerm: -1,
			state: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
		pr.containers = append(pr.containers, cr)
	}
	rt.pods[k] = pr
	for _, cr := range pr.containers {
		pr.wg.Add(1)
		go func() {
			defer pr.wg.Done()
			rt.loop(ctx, pr, cr)
		}()
	}
	return nil
}

// containerEnv is the host's PATH and HOME, the pod's identity as a
// container sees it, then the container's own variables (values already
// resolved by virtual-kubelet's pod controller).
func containerEnv(pod *corev1.Pod, c corev1.Container) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "HOSTNAME=" + pod.Name,
		"TERM=xterm", "POD_NAME=" + pod.Name, "POD_NAMESPACE=" + pod.Namespace, "NODE_NAME=" + pod.Spec.NodeName}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

// workDir is where the container's command (and exec) runs.
func (cr *ctrRun) workDir() string {
	if cr.spec.WorkingDir != "" {
		return cr.spec.WorkingDir
	}
	return cr.dir
}

func (cr *ctrRun) logPath(run int) string { return filepath.Join(cr.dir, fmt.Sprintf("%d.log", run)) }

func (cr *ctrRun) containerID(pr *podRun, run int) string {
	return fmt.Sprintf("lab://%s-%s-%d", pr.pod.UID, cr.spec.Name, run)
}

// loop runs a container and restarts it by the pod's restart policy, with
// a doubling back-off while it keeps crashing (CrashLoopBackOff).
func (rt *runtime) loop(ctx context.Context, pr *podRun, cr *ctrRun) {
	delay := rt.backoff
	for run := 0; ; run++ {
		started := time.Now()
		code, reason, msg := rt.runOnce(ctx, pr, cr, run)
		if ctx.Err() != nil {
			return
		}
		policy := pr.pod.Spec.RestartPolicy
		restart := policy == corev1.RestartPolicyAlways || policy == "" || (policy == corev1.RestartPolicyOnFailure && code != 0)
		term := &corev1.ContainerStateTerminated{ExitCode: int32(code), Reason: reason, Message: msg,
			StartedAt: metav1.NewTime(started), FinishedAt: metav1.Now(), ContainerID: cr.containerID(pr, run)}
		rt.mu.Lock()
		if !restart {
			cr.last = cr.state
			if cr.last.Running == nil {
				cr.last = corev1.ContainerState{}
			}
			cr.state = corev1.ContainerState{Terminated: term}
			cr.terminated = true
		} else {
			cr.last = corev1.ContainerState{Terminated: term}
			cr.lastTerm = run
			cr.restarts++
			cr.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, cr.spec.Name, pr.pod.Name, pr.pod.Namespace, pr.pod.UID)}}
		}
		rt.notifyLocked(pr)
		rt.mu.Unlock()
		if !restart {
			return
		}
		// A container that ran long enough starts again with the first back-off.
		if time.Since(started) > 2*rt.maxBackoff {
			delay = rt.backoff
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, rt.maxBackoff)
	}
}

// runOnce starts run number run of the container and waits for it to
// end; it returns the exit code and the terminated reason.
func (rt *runtime) runOnce(ctx context.Context, pr *podRun, cr *ctrRun, run int) (int, string, string) {
	argv := append(append([]string{}, cr.spec.Command...), cr.spec.Args...)
	logf, err := os.OpenFile(cr.logPath(run), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return 128, "StartError", err.Error()
	}
	defer logf.Close()
	w := &criWriter{f: logf}
	done := make(chan struct{})
	fail := func(msg string) (int, string, string) {
		w.line("stderr", []byte(msg), false)
		rt.mu.Lock()
		cr.current = run
		cr.runDone = done
		close(done)
		rt.mu.Unlock()
		return 128, "StartError", msg
	}
	if len(argv) == 0 {
		return fail("the lab kubelet runs a container's command as a local process, and this container has no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = cr.workDir()
	cmd.Env = cr.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err.Error())
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fail(err.Error())
	}
	if err := cmd.Start(); err != nil {
		return fail(err.Error())
	}
	rt.mu.Lock()
	cr.current = run
	cr.running = true
	cr.ready = cr.spec.ReadinessProbe == nil
	cr.runDone = done
	cr.proc = cmd.Process
	cr.state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
	rt.notifyLocked(pr)
	rt.mu.Unlock()
	if cr.spec.ReadinessProbe != nil {
		go rt.probeReadiness(ctx, pr, cr, run, done)
	}

	var copying sync.WaitGroup
	for stream, r := range map[string]io.Reader{"stdout": stdout, "stderr": stderr} {
		copying.Add(1)
		go func() {
			defer copying.Done()
			w.copyLines(stream, r)
		}()
	}
	stopKill := context.AfterFunc(ctx, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	copying.Wait()
	err = cmd.Wait()
	stopKill()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what the process left in its group
	rt.mu.Lock()
	cr.running = false
	cr.ready = false
	cr.proc = nil
	close(done)
	rt.mu.Unlock()
	code, reason := 0, "Completed"
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code, reason = ee.ExitCode(), "Error"
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		code, reason = 128, "Error"
	}
	return code, reason, ""
}

// criWriter writes lines in the CRI log format; stdout and stderr share
// the file.
type criWriter struct {
	mu sync.Mutex
	f  *os.File
}

func (w *criWriter) line(stream string, b []byte, partial bool) {
	tag := "F"
	if partial {
		tag = "P"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = fmt.Fprintf(w.f, "%s %s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), stream, tag, b)
}

func (w *criWriter) copyLines(stream string, r io.Reader) {
	br := bufio.NewReaderSize(r, 64*1024)
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			full := b[len(b)-1] == '\n'
			w.line(stream, bytes.TrimSuffix(b, []byte("\n")), !full && err == bufio.ErrBufferFull)
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// notifyLocked pushes the pod's status to its node's pod controller.
// The push runs apart (the callback may block), and virtual-kubelet keeps
// the last status it receives: a snapshot taken here and sent from its own
// goroutine could overtake a newer one and leave the pod shown in an old
// state (a container "ContainerCreating" that runs). So each push takes the
// pod's push lock, then reads the status as it is at that moment and sends
// it while still holding the lock: whichever push goes last sends a status
// read after the last change.
func (rt *runtime) notifyLocked(pr *podRun) {
	if rt.notify[pr.pod.Spec.NodeName] == nil {
		return
	}
	go func() {
		pr.pushing.Lock()
		defer pr.pushing.Unlock()
		rt.mu.Lock()
		f := rt.notify[pr.pod.Spec.NodeName]
		pod := rt.podLocked(pr)
		rt.mu.Unlock()
		f(pod)
	}()
}

// podLocked returns the pod with its current status.
func (rt *runtime) podLocked(pr *podRun) *corev1.Pod {
	pod := pr.pod.DeepCopy()
	st := corev1.PodStatus{HostIP: rt.addr, PodIP: rt.addr, StartTime: &pr.started, QOSClass: corev1.PodQOSBestEffort,
		HostIPs: []corev1.HostIP{{IP: rt.addr}}, PodIPs: []corev1.PodIP{{IP: rt.addr}}}
	ready, running, waiting, failed, total := 0, 0, 0, 0, len(pr.containers)
	for _, cr := range pr.containers {
		cs := corev1.ContainerStatus{Name: cr.spec.Name, Image: cr.spec.Image, ImageID: "lab://" + cr.spec.Image,
			RestartCount: cr.restarts, State: cr.state, LastTerminationState: cr.last}
		switch {
		case cr.state.Running != nil:
			running++
			if cr.ready {
				ready++
				cs.Ready = true
			}
			cs.ContainerID = cr.containerID(pr, cr.current)
		case cr.state.Terminated != nil:
			cs.ContainerID = cr.state.Terminated.ContainerID
			if cr.state.Terminated.ExitCode != 0 {
				failed++
			}
		default:
			waiting++
		}
		started := cr.state.Running != nil
		cs.Started = &started
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	switch {
	case pr.deleted && running == 0:
		st.Phase = corev1.PodSucceeded
		if failed > 0 {
			st.Phase = corev1.PodFailed
		}
	case running > 0 || (waiting > 0 && anyStarted(pr)):
		st.Phase = corev1.PodRunning
	case waiting > 0:
		st.Phase = corev1.PodPending
	case failed > 0:
		st.Phase = corev1.PodFailed
	default:
		st.Phase = corev1.PodSucceeded
	}
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		return corev1.PodCondition{Type: t, Status: s, LastTransitionTime: pr.started}
	}
	allReady := ready == total && total > 0
	st.Conditions = []corev1.PodCondition{cond(corev1.PodScheduled, true), cond(corev1.PodInitialized, true),
		cond(corev1.ContainersReady, allReady), cond(corev1.PodReady, allReady)}
	pod.Status = st
	return pod
}

func anyStarted(pr *podRun) bool {
	for _, cr := range pr.containers {
		if cr.current >= 0 {
			return true
		}
	}
	return false
}

// delete stops a pod's containers (SIGTERM, then SIGKILL after the grace
// period, at most 10 s) and reports it terminated.
func (rt *runtime) delete(pod *corev1.Pod) error {
	rt.mu.Lock()
	pr, ok := rt.pods[key(pod.Namespace, pod.Name)]
	if !ok {
		rt.mu.Unlock()
		// Unknown: report it terminated so the controller can finish.
		if f := rt.notify[pod.Spec.NodeName]; f != nil {
			p := pod.DeepCopy()
			p.Status.Phase = corev1.PodSucceeded
			go f(p)
		}
		return nil
	}
	grace := 10 * time.Second
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		grace = min(grace, time.Duration(*g)*time.Second)
	}
	pr.deleted = true
	var procs []*os.Process
	for _, cr := range pr.containers {
		if cr.proc != nil {
			procs = append(procs, cr.proc)
		}
	}
	rt.mu.Unlock()
	go func() {
		for _, p := range procs {
			_ = syscall.Kill(-p.Pid, syscall.SIGTERM)
		}
		waited := make(chan struct{})
		go func() { pr.wg.Wait(); close(waited) }()
		// The loops restart nothing once the pod's context is cancelled;
		// the grace period lets the processes end on their own first.
		select {
		case <-waited:
		case <-time.After(grace):
		}
		pr.cancel()
		pr.wg.Wait()
		rt.mu.Lock()
		for _, cr := range pr.containers {
			if cr.state.Terminated == nil {
				cr.state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 143, Reason: "Error",
					FinishedAt: metav1.Now(), ContainerID: cr.containerID(pr, max(cr.current, 0))}}
			}
		}
		rt.notifyLocked(pr)
		if cur, ok := rt.pods[key(pod.Namespace, pod.Name)]; ok && cur == pr {
			delete(rt.pods, key(pod.Namespace, pod.Name))
		}
		rt.mu.Unlock()
		_ = os.RemoveAll(pr.dir)
	}()
	return nil
}

// shutdown kills every container (the kubelet is stopping).
func (rt *runtime) shutdown() {
	rt.mu.Lock()
	rt.stopped = true
	prs := make([]*podRun, 0, len(rt.pods))
	for _, pr := range rt.pods {
		prs = append(prs, pr)
	}
	rt.mu.Unlock()
	for _, pr := range prs {
		pr.cancel()
	}
	for _, pr := range prs {
		pr.wg.Wait()
	}
}

// container finds a running pod's container ("" = the only one).
func (rt *runtime) container(namespace, pod, container string) (*podRun, *ctrRun, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	pr, ok := rt.pods[key(namespace, pod)]
	if !ok {
		return nil, nil, errdefs.NotFoundf("pod %s/%s is not running on this kubelet", namespace, pod)
	}
	for _, cr := range pr.containers {
		if cr.spec.Name == container || (container == "" && len(pr.containers) == 1) {
			return pr, cr, nil
		}
	}
	return nil, nil, errdefs.NotFoundf("container %q is not in pod %s/%s", container, namespace, pod)
}

// exec runs a command in the container's working directory with its
// environment; with a TTY it runs on a pseudo-terminal that follows the
// client's size.
func (rt *runtime) exec(ctx context.Context, namespace, podName, containerName string, argv []string, attach api.AttachIO) error {
	_, cr, err := rt.container(namespace, podName, containerName)
	if err != nil {
		return err
	}
	if len(argv) == 0 {
		return errdefs.InvalidInput("no command to run")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = cr.workDir()
	cmd.Env = cr.env
	cmd.WaitDelay = 2 * time.Second
	if attach.TTY() {
		f, err := pty.Start(cmd)
		if err != nil {
			return exitError(err)
		}
		defer f.Close()
		go func() {
			for size := range attach.Resize() {
				_ = pty.Setsize(f, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
		if in := attach.Stdin(); in != nil {
			go func() { _, _ = io.Copy(f, in) }()
		}
		if out := attach.Stdout(); out != nil {
			go func() { _, _ = io.Copy(out, f) }()
		}
		err = cmd.Wait()
		return exitError(err)
	}
	cmd.Stdin = attach.Stdin()
	if out := attach.Stdout(); out != nil {
		cmd.Stdout = out
	}
	if e := attach.Stderr(); e != nil {
		cmd.Stderr = e
	}
	return exitError(cmd.Run())
}

// exitError turns a process's exit into the error the streaming server
// reports as "command terminated with exit code N".
func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return utilexec.CodeExitError{Err: err, Code: ee.ExitCode()}
	}
	if err != nil {
		return utilexec.CodeExitError{Err: err, Code: 126}
	}
	return nil
}

// attach streams the container's output from now on (the lab's containers
// have no stdin).
func (rt *runtime) attach(ctx context.Context, namespace, podName, containerName string, attach api.AttachIO) error {
	rc, err := rt.openLog(ctx, namespace, podName, containerName, api.ContainerLogOpts{Follow: true}, true)
	if err != nil {
		return err
	}
	defer rc.Close()
	if out := attach.Stdout(); out != nil {
		_, err = io.Copy(out, rc)
	}
	return err
}

// portForward connects the stream to 127.0.0.1:port, where the
// container's process listens.
func (rt *runtime) portForward(ctx context.Context, namespace, podName string, port int32, stream io.ReadWriteCloser) error {
	rt.mu.Lock()
	_, ok := rt.pods[key(namespace, podName)]
	rt.mu.Unlock()
	if !ok {
		return errdefs.NotFoundf("pod %s/%s is not running on this kubelet", namespace, podName)
	}
	defer stream.Close()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(rt.addr, fmt.Sprint(port)))
	if err != nil {
		return fmt.Errorf("pod %s/%s port %d: %w", namespace, podName, port, err)
	}
	defer conn.Close()
	errc := make(chan error, 2)
	go func() {
		_, err := io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		errc <- err
	}()
	go func() { _, err := io.Copy(stream, conn); errc <- err }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		err = <-errc
	}
	return err
}
