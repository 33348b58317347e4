package sim

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
)

// The demo's pods write logs, read through the same client calls as a
// real cluster's (GET pods/NAME and pods/NAME/log, with kubectl logs'
// options), so the logs view, its merge of a workload's pods, previous
// runs and the span → logs jump run the code they run against a cluster.
// The lines are made up but stable: the same read returns the same lines.
// Each container writes a request line every one to four seconds of the
// demo's clock; a span of a demo trace that ran in the pod writes a line
// carrying its trace_id at its start; a crash-looping container crashes
// every five minutes (the kubelet's longest back-off) with a fatal line,
// and -p reads the run before.

// crashEvery is the period of a crash-looping demo container's runs.
const crashEvery = 5 * time.Minute

// maxLogHistory bounds the lines of one run a read returns (before
// tailLines).
const maxLogHistory = 500

// Client returns a client of the demo cluster that answers a pod's GET
// and its logs (the logs view's reads, see kubelogs.go); anything else is
// not found.
func (r *kubeReader) Client() kubernetes.Interface {
	c, err := kubernetes.NewForConfig(&rest.Config{Host: "http://demo.invalid", Transport: logTransport{r: r}})
	if err != nil { // a fixed host and transport: cannot fail
		panic(err)
	}
	return c
}

// logTransport serves the reads of Client.
type logTransport struct{ r *kubeReader }

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	// api v1 namespaces NS pods NAME [log]
	if req.Method != http.MethodGet || len(parts) < 6 || parts[0] != "api" || parts[2] != "namespaces" || parts[4] != "pods" || len(parts) > 7 ||
		(len(parts) == 7 && parts[6] != "log") {
		return status(req, apierrors.NewNotFound(schema.GroupResource{Resource: req.URL.Path}, ""))
	}
	ns, name := parts[3], parts[5]
	e := t.r.estate(true)
	var pod *providers.Pod
	for i := range e.inv.Pods {
		if p := &e.inv.Pods[i]; p.Cluster == e.cluster && p.Namespace == ns && p.Name == name {
			pod = p
		}
	}
	if pod == nil {
		return status(req, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name))
	}
	if len(parts) == 6 {
		return respond(req, http.StatusOK, e.pod(pod))
	}
	q := req.URL.Query()
	ctr := q.Get("container")
	if ctr == "" && len(pod.Images) == 1 {
		ctr = pod.Images[0].Container
	}
	ci := slices.IndexFunc(pod.Images, func(im providers.ContainerImage) bool { return im.Container == ctr })
	if ci < 0 {
		return status(req, apierrors.NewBadRequest(fmt.Sprintf("container %q is not valid for pod %s", ctr, name)))
	}
	runs := containerRuns(pod, ci, e.start, e.now)
	run := runs.current
	if q.Get("previous") == "true" {
		if runs.previous == nil {
			return status(req, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", ctr, name)))
		}
		run = *runs.previous
	}
	lines := t.r.runLines(e, pod, ci, run, time.Time{}, e.now)
	if s := q.Get("sinceTime"); s != "" {
		since, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return status(req, apierrors.NewBadRequest("sinceTime: "+err.Error()))
		}
		lines = slices.DeleteFunc(lines, func(l logLine) bool { return l.t.Before(since) })
	} else if s := q.Get("sinceSeconds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return status(req, apierrors.NewBadRequest("sinceSeconds: "+err.Error()))
		}
		since := e.now.Add(-time.Duration(n) * time.Second)
		lines = slices.DeleteFunc(lines, func(l logLine) bool { return l.t.Before(since) })
	}
	if s := q.Get("tailLines"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(lines) {
			lines = lines[len(lines)-n:]
		}
	}
	stamps := q.Get("timestamps") == "true"
	var b bytes.Buffer
	for _, l := range lines {
		writeLine(&b, l, stamps)
	}
	if q.Get("follow") != "true" || run.end != nil || q.Get("previous") == "true" {
		return textResponse(req, io.NopCloser(&b)), nil
	}
	// Following a running container: the history, then each new line
	// as the demo's clock passes it, until the reader goes.
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		if _, err := pw.Write(b.Bytes()); err != nil {
			return
		}
		last := e.now
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-req.Context().Done():
				return
			case <-tick.C:
			}
			now := t.r.now()
			var nb bytes.Buffer
			for _, l := range t.r.runLines(e, pod, ci, run, last, now) {
				writeLine(&nb, l, stamps)
			}
			last = now
			if _, err := pw.Write(nb.Bytes()); err != nil {
				return
			}
		}
	}()
	return textResponse(req, pr), nil
}

func textResponse(req *http.Request, body io.ReadCloser) *http.Response {
	return &http.Response{StatusCode: http.StatusOK, Status: http.StatusText(http.StatusOK), Request: req, ContentLength: -1,
		Header: http.Header{"Content-Type": []string{"text/plain"}}, Body: body}
}

func writeLine(b *bytes.Buffer, l logLine, stamps bool) {
	if stamps {
		b.WriteString(l.t.UTC().Format(time.RFC3339Nano))
		b.WriteByte(' ')
	}
	b.WriteString(l.text)
	b.WriteByte('\n')
}

// now is the demo's clock.
func (r *kubeReader) now() time.Time {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.s.st.now()
}

// logRun is one run of a container: from start to end (nil: running),
// ending with exit code exit.
type logRun struct {
	start time.Time
	end   *time.Time
	exit  int32
}

// runs are a container's current run and the one before (nil: none).
type runs struct {
	current  logRun
	previous *logRun
}

// crashLooping says whether the pod's first container crashes in a loop.
func crashLooping(p *providers.Pod) bool { return p.Reason == "CrashLoopBackOff" }

// containerRuns places the runs of container ci of p: a crash-looping
// container's last two runs end at the last five-minute marks; a
// restarted container's current run began halfway between the pod's
// creation and the demo's start (the run before ended then, killed); a
// container never restarted runs since the pod started.
func containerRuns(p *providers.Pod, ci int, start, now time.Time) runs {
	restarted := ci == 0 && p.Restarts > 0
	switch {
	case restarted && crashLooping(p):
		end := now.Truncate(crashEvery)
		prevEnd := end.Add(-crashEvery)
		length := 40 * time.Second
		return runs{current: logRun{start: end.Add(-length), end: &end, exit: 1},
			previous: &logRun{start: prevEnd.Add(-length), end: &prevEnd, exit: 1}}
	case restarted:
		began := p.Created.Add(max(start.Sub(p.Created), 0) / 2)
		return runs{current: logRun{start: began}, previous: &logRun{start: p.Created, end: &began, exit: 137}}
	}
	return runs{current: logRun{start: p.Created}}
}

// lastTermination is the container's last state as the kubelet reports
// it (nil: it never terminated).
func lastTermination(p *providers.Pod, ci int, start, now time.Time) *corev1.ContainerStateTerminated {
	rs := containerRuns(p, ci, start, now)
	r := rs.previous
	if rs.current.end != nil {
		r = &rs.current
	}
	if r == nil {
		return nil
	}
	return &corev1.ContainerStateTerminated{ExitCode: r.exit, Reason: "Error",
		StartedAt: metav1.NewTime(r.start), FinishedAt: metav1.NewTime(*r.end)}
}

type logLine struct {
	t    time.Time
	text string
}

// runLines are the lines container ci of p wrote in run after from (zero:
// from the start) and by now: the last maxLogHistory request lines, the
// trace lines, the crash line.
func (r *kubeReader) runLines(e *estate, p *providers.Pod, ci int, run logRun, from, now time.Time) []logLine {
	h := fnv.New64a()
	h.Write([]byte(e.cluster + "/" + p.Namespace + "/" + p.Name + "/" + p.Images[ci].Container))
	seed := h.Sum64()
	period := time.Duration(1+seed%4) * time.Second
	until := now
	if run.end != nil && run.end.Before(until) {
		until = *run.end
	}
	if until.Before(run.start) {
		return nil
	}
	n := int64(until.Sub(run.start) / period)
	first := max(n-maxLogHistory+1, 0)
	if from.After(run.start) {
		first = max(first, int64(from.Sub(run.start)/period)+1)
	}
	var out []logLine
	for k := first; k <= n; k++ {
		t := run.start.Add(time.Duration(k) * period)
		if k == 0 {
			out = append(out, logLine{t, fmt.Sprintf(`level=info msg="starting" pod=%s container=%s`, p.Name, p.Images[ci].Container)})
			continue
		}
		out = append(out, logLine{t, requestLine(seed, uint64(k))})
	}
	if ci == 0 {
		for _, tr := range r.s.traces {
			for _, sp := range tr.Spans {
				if sp.Start.Before(run.start) || !sp.Start.After(from) || sp.Start.After(until) || sp.Kind != "server" || !ranIn(sp.Resource, e.cluster, p) {
					continue
				}
				out = append(out, logLine{sp.Start, spanLine(tr.TraceID, sp.SpanID, sp.Operation, sp.Duration, sp.Error, sp.StatusMessage)})
			}
		}
	}
	if run.end != nil && !run.end.After(now) && run.end.After(from) {
		if run.exit == 1 {
			out = append(out, logLine{*run.end, `level=fatal msg="cannot start" err="dial tcp 10.0.12.7:6379: connect: connection refused"`})
		} else {
			out = append(out, logLine{*run.end, `level=info msg="shutting down" signal=SIGTERM`})
		}
	}
	slices.SortStableFunc(out, func(a, b logLine) int { return a.t.Compare(b.t) })
	return out
}

// ranIn says whether a span's resource attributes name pod p of cluster
// (OpenTelemetry's k8s.cluster.name, k8s.namespace.name, k8s.pod.name).
func ranIn(res []traces.KeyValue, cluster string, p *providers.Pod) bool {
	matched := 0
	for _, kv := range res {
		want := ""
		switch kv.Key {
		case "k8s.cluster.name":
			want = cluster
		case "k8s.namespace.name":
			want = p.Namespace
		case "k8s.pod.name":
			want = p.Name
		default:
			continue
		}
		if kv.Value != want {
			return false
		}
		matched++
	}
	return matched == 3
}

var routes = []string{"/api/orders", "/api/cart", "/healthz", "/api/items", "/api/session", "/metrics"}

// requestLine is request line k of a container (seed): a route, a status
// (a 5xx now and then), a duration.
func requestLine(seed, k uint64) string {
	x := seed + k*0x9e3779b97f4a7c15 // splitmix64's step and finaliser
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	route := routes[x%uint64(len(routes))]
	status, level := 200, "info"
	switch {
	case x%97 == 0:
		status, level = 503, "error"
	case x%23 == 0:
		status, level = 404, "warn"
	}
	return fmt.Sprintf(`level=%s msg="request" method=GET route=%s status=%d duration_ms=%d`, level, route, status, 2+x%180)
}

// spanLine is what a service logs for a request a trace's server span
// handled.
func spanLine(traceID, spanID, op string, d time.Duration, failed bool, msg string) string {
	if failed {
		return fmt.Sprintf(`level=error msg=%q trace_id=%s span_id=%s duration_ms=%d error=%q`, op, traceID, spanID, d.Milliseconds(), cmp.Or(msg, "error"))
	}
	return fmt.Sprintf(`level=info msg=%q trace_id=%s span_id=%s duration_ms=%d status=ok`, op, traceID, spanID, d.Milliseconds())
}
