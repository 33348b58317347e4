package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube/podlogs"
)

// readLogs reads a pod's logs through podlogs.Stream, the logs view's
// reader, over the demo cluster's client.
func readLogs(t *testing.T, c kubernetes.Interface, req podlogs.Request) []podlogs.Line {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var got []podlogs.Line
	err := podlogs.Stream(ctx, c, req, func(ls []podlogs.Line) { got = append(got, ls...) })
	if err != nil && ctx.Err() == nil && (len(got) == 0 || got[0].Err == nil) {
		t.Fatalf("stream: %v", err) // a failure not reported as a line
	}
	return got
}

func texts(ls []podlogs.Line) string {
	var b strings.Builder
	for _, l := range ls {
		if l.Err != nil {
			b.WriteString("ERR " + l.Err.Error() + "\n")
			continue
		}
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}

// TestDemoLogs: the demo's pods are read as a cluster's through
// podlogs.Stream: a crash-looping container's current and previous runs
// each end with its fatal line, and its last state says so; a container
// never restarted has no previous run (the API's own refusal); a pod that
// served a demo trace's request logs its trace id at the span's start,
// and a pod that served none logs no trace id; a read is the same twice.
func TestDemoLogs(t *testing.T) {
	s, r, inv := demoReader(t)
	c := r.(interface{ Client() kubernetes.Interface }).Client()
	crash := firstPod(inv, r.Context(), func(p *providers.Pod) bool { return p.Reason == "CrashLoopBackOff" })
	if crash == nil {
		t.Fatal("the demo has no crash-looping pod")
	}
	target := podlogs.Target{Namespace: crash.Namespace, Pod: crash.Name}
	for _, prev := range []bool{false, true} {
		got := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{target}, Previous: prev, Tail: -1})
		if len(got) < 3 || !strings.Contains(got[len(got)-1].Text, "level=fatal") || !strings.Contains(got[0].Text, `msg="starting"`) {
			t.Errorf("crash-looping pod, previous=%v: want a run from its start line to its fatal line, got\n%s", prev, texts(got))
		}
	}
	again := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{target}, Tail: -1})
	if first := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{target}, Tail: -1}); texts(first) != texts(again) {
		t.Error("two reads of the same run differ")
	}
	tail := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{target}, Tail: 2})
	if len(tail) != 2 || !strings.Contains(tail[1].Text, "level=fatal") {
		t.Errorf("tail 2: got\n%s", texts(tail))
	}

	e := r.(*kubeReader).estate(true)
	pod := e.pod(crash)
	last := pod.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if last == nil || last.ExitCode != 1 || last.Reason != "Error" {
		t.Errorf("crash-looping container's last state: %+v, want terminated with exit code 1", last)
	}

	fresh := firstPod(inv, r.Context(), func(p *providers.Pod) bool { return p.Restarts == 0 && p.Phase == "Running" })
	got := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{{Namespace: fresh.Namespace, Pod: fresh.Name}}, Previous: true, Tail: -1})
	if len(got) != 1 || got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "previous terminated container") {
		t.Errorf("previous of a container never restarted: got\n%s", texts(got))
	}
	if l := e.pod(fresh).Status.ContainerStatuses[0].LastTerminationState.Terminated; l != nil {
		t.Errorf("a container never restarted has a last state: %+v", l)
	}

	// a server span that ran in a running pod of this cluster
	var span *struct{ trace, id, pod, ns string }
	for _, tr := range s.Traces() {
		for _, sp := range tr.Spans {
			if sp.Kind != "server" {
				continue
			}
			for i := range inv.Pods {
				p := &inv.Pods[i]
				if p.Cluster == r.Context() && p.Reason == "" && p.Restarts == 0 && ranIn(sp.Resource, r.Context(), p) {
					span = &struct{ trace, id, pod, ns string }{tr.TraceID, sp.SpanID, p.Name, p.Namespace}
				}
			}
		}
	}
	if span == nil {
		t.Fatal("no demo span ran in a running pod of the first cluster")
	}
	got = readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{{Namespace: span.ns, Pod: span.pod}}, Tail: -1})
	if !strings.Contains(texts(got), "trace_id="+span.trace+" span_id="+span.id) {
		t.Errorf("pod %s served span %s of trace %s but its logs do not say so:\n%s", span.pod, span.id, span.trace, texts(got))
	}
	quiet := firstPod(inv, r.Context(), func(p *providers.Pod) bool {
		for _, tr := range s.Traces() {
			for _, sp := range tr.Spans {
				if ranIn(sp.Resource, r.Context(), p) {
					return false
				}
			}
		}
		return p.Phase == "Running"
	})
	if got := texts(readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{{Namespace: quiet.Namespace, Pod: quiet.Name}}, Tail: -1})); strings.Contains(got, "trace_id=") {
		t.Errorf("pod %s served no demo trace but logs a trace id:\n%s", quiet.Name, got)
	}
	if got := readLogs(t, c, podlogs.Request{Targets: []podlogs.Target{{Namespace: "nowhere", Pod: "nobody"}}, Tail: -1}); len(got) != 1 || got[0].Err == nil {
		t.Errorf("a pod the demo does not have: got\n%s", texts(got))
	}
}

// TestDemoLogsFollow: following a running demo container brings the
// lines its clock passes, after the history, once each.
func TestDemoLogsFollow(t *testing.T) {
	s, r, inv := demoReader(t)
	c := r.(interface{ Client() kubernetes.Interface }).Client()
	p := firstPod(inv, r.Context(), func(p *providers.Pod) bool { return p.Restarts == 0 && p.Phase == "Running" })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	lines := make(chan podlogs.Line, 4096)
	go func() {
		_ = podlogs.Stream(ctx, c, podlogs.Request{Targets: []podlogs.Target{{Namespace: p.Namespace, Pod: p.Name}}, Follow: true, Tail: 5},
			func(ls []podlogs.Line) {
				for _, l := range ls {
					lines <- l
				}
			})
	}()
	seen := map[string]bool{}
	var last time.Time
	deadline := time.After(time.Minute)
	for n := 0; n < 5+3; n++ {
		if n >= 5 {
			for range 5 {
				s.Step() // the demo's clock moves on; the stream's next look brings what it passed
			}
		}
		select {
		case l := <-lines:
			if l.Err != nil {
				t.Fatalf("follow: %v", l.Err)
			}
			key := l.Time.String() + l.Text
			if seen[key] || l.Time.Before(last) {
				t.Fatalf("line %q at %s repeated or out of order", l.Text, l.Time)
			}
			seen[key], last = true, l.Time
		case <-deadline:
			t.Fatalf("following: %d lines in a minute, want the 5 of the tail and new ones", n)
		}
	}
}
