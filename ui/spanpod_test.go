package ui

import (
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/traceview"
)

// TestSpanPod: a span's pod is looked for in the context k8s.cluster.name
// names when one of the pod's contexts has that name, else in the only
// context that has the pod; with the same pod in two contexts and no
// telling attribute it names none (the logs view then asks, rather than
// read the wrong cluster's pod).
func TestSpanPod(t *testing.T) {
	pods := []providers.Pod{
		{Cluster: "eu", Namespace: "shop", Name: "web-1"},
		{Cluster: "us", Namespace: "shop", Name: "web-1"},
		{Cluster: "us", Namespace: "pay", Name: "ledger-0"},
		{Cluster: "eu", Namespace: "other", Name: "ledger-0"},
	}
	cases := []struct {
		name            string
		msg             traceview.LogsMsg
		wantNS, wantCtx string
	}{
		{"attribute names a context holding it", traceview.LogsMsg{Pod: "web-1", Namespace: "shop", Cluster: "us"}, "shop", "us"},
		{"attribute names no context: ambiguous", traceview.LogsMsg{Pod: "web-1", Namespace: "shop", Cluster: "prod-east"}, "shop", ""},
		{"no attribute, pod in two contexts", traceview.LogsMsg{Pod: "web-1", Namespace: "shop"}, "shop", ""},
		{"namespace decides the context", traceview.LogsMsg{Pod: "ledger-0", Namespace: "pay"}, "pay", "us"},
		{"attribute names a context without the pod", traceview.LogsMsg{Pod: "ledger-0", Namespace: "pay", Cluster: "eu"}, "pay", "us"},
		{"no namespace: the first pod's", traceview.LogsMsg{Pod: "ledger-0", Cluster: "us"}, "pay", "us"},
		{"pod not shown", traceview.LogsMsg{Pod: "gone", Namespace: "shop"}, "shop", ""},
		{"pod not shown, no namespace", traceview.LogsMsg{Pod: "gone"}, "", ""},
	}
	for _, c := range cases {
		ns, ctx := spanPod(pods, c.msg)
		if ns != c.wantNS || ctx != c.wantCtx {
			t.Errorf("%s: got %q in %q, want %q in %q", c.name, ns, ctx, c.wantNS, c.wantCtx)
		}
	}
}
