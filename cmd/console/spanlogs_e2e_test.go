package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/e2e/workload"
	"github.com/opsconsole/console/traces/jaeger"
)

// TestTUISpanLogsEndToEnd runs the real binary in tmux against the lab's
// API server, kubelet and Jaeger: the repository's traced workload runs as
// a pod of the lab-kubelet (its spans name that pod in k8s.pod.name), sends
// a healthy order and a failing one and logs one line per order with its
// trace id. In the Traces view the failing trace opens on its error origin;
// L on that span opens the pod's logs around it, the failing trace's line
// marked ▌ and the healthy order's line not.
func TestTUISpanLogsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver, the kubelet and Jaeger, runs the binary")
	}
	k := lab.Kube(t)
	kl := k.Kubelet(t)
	j := lab.Jaeger(t)
	c := k.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	dir := t.TempDir()
	wl := filepath.Join(dir, "workload")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", wl, "../../e2e/workload/cmd/workload").CombinedOutput(); err != nil {
		t.Fatalf("go build workload: %v\n%s", err, out)
	}
	// A healthy order, then a failing one (one process: moments apart);
	// the pod then stays up, so its logs are the current container's.
	pods, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "orders", Nodes: kl.Nodes,
		Containers: []corev1.Container{{Name: "workload", Command: []string{"sh", "-c",
			`"$0" --otlp "$1" --fault none,error && exec sleep 3600`, wl, j.OTLPGRPC}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod := pods[0]

	// The two orders' trace ids, as the pod logged them.
	var okTrace, errTrace string
	lab.WaitFor(t, "the pod's two order lines", 2*lab.Wait, func() (bool, string) {
		b, err := c.CoreV1().Pods("shop").GetLogs(pod, &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil {
			return false, err.Error()
		}
		okTrace, errTrace = "", ""
		for _, l := range strings.Split(string(b), "\n") {
			id := logfmtValue(l, "trace_id")
			switch logfmtValue(l, "fault") {
			case "none":
				okTrace = id
			case "error":
				errTrace = id
			}
		}
		return len(okTrace) == 32 && len(errTrace) == 32, string(b)
	})
	jc, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		t.Fatalf("dial jaeger: %v", err)
	}
	defer jc.Close()
	wctx, wcancel := context.WithTimeout(ctx, 2*lab.Wait)
	defer wcancel()
	if _, err := workload.WaitStored(wctx, jc, errTrace, workload.Spans(workload.FaultError)); err != nil {
		t.Fatal(err)
	}

	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 120, 30, nil, "--kubeconfig", k.Kubeconfig, "--jaeger", j.QueryGRPC, "--view", "traces")
	short := errTrace[:16]
	s.waitScreen("the failing trace listed", "[Traces]", short)
	s.keys("/"+short, "Enter")
	s.waitUntil("the trace filtered", func(scr string) bool { return strings.HasPrefix(selectedLine(scr), "▸ "+short) })
	s.keys("Enter")
	scr := s.waitScreen("the trace view's report", "error origin:", "trace "+errTrace)
	if m := originRE.FindStringSubmatch(lineWith(scr, "error origin:")); m == nil || m[1] != "db" {
		t.Fatalf("the failing trace's error origin is not db's failing query:\n%s", scr)
	}

	// L on the selected span (the error origin): the pod's logs around it.
	s.keys("L")
	scr = s.waitUntil("the pod's lines of the failing trace, marked", func(scr string) bool {
		return strings.Contains(scr, "Logs pod shop/"+pod+" around span") && strings.Contains(lineWith(scr, "trace_id="+errTrace), "▌")
	})
	if l := lineWith(scr, "trace_id="+okTrace); l == "" || strings.Contains(l, "▌") {
		t.Errorf("the healthy order's line is missing or marked as the failing trace's (%q):\n%s", l, scr)
	}
	s.backFromSpanLogs(short)
	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}

// logfmtValue is the value of key=value in a logfmt line ("" if absent).
func logfmtValue(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// backFromSpanLogs presses esc in the logs opened from a span of trace id
// (a prefix of it), which goes back to the trace, and esc again, back to
// the Traces view with the trace selected. It waits for each step: an
// Escape followed at once by a key reads as alt+key.
func (s *tmuxSession) backFromSpanLogs(id string) {
	s.keys("Escape")
	s.waitUntil("the trace view again", func(scr string) bool {
		return !strings.Contains(scr, "Logs pod ") && strings.Contains(scr, "trace "+id) && strings.Contains(scr, "error origin:")
	})
	s.keys("Escape")
	s.waitUntil("the Traces view again", func(scr string) bool {
		return !strings.Contains(scr, "trace "+id) && strings.Contains(scr, "[Traces]") && strings.Contains(selectedLine(scr), id)
	})
}
