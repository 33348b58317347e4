package ui

import (
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/traceview"
)

// TestSpanPod: a span's pod is looked for in the context k8s.cluster.name
// names when one of the pod's contexts has that name, else in the only
// context that has the pod; with the same pod in two contexts and no
// telling attribute it names none (the logs view then says so, rather
// than read the wrong cluster's pod).
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
		holders         int // contexts holding the pod (the message names them when ambiguous)
	}{
		{"attribute names a context holding it", traceview.LogsMsg{Pod: "web-1", Namespace: "shop", Cluster: "us"}, "shop", "us", 2},
		{"attribute names no context: ambiguous", traceview.LogsMsg{Pod: "web-1", Namespace: "shop", Cluster: "prod-east"}, "shop", "", 2},
		{"no attribute, pod in two contexts", traceview.LogsMsg{Pod: "web-1", Namespace: "shop"}, "shop", "", 2},
		{"namespace decides the context", traceview.LogsMsg{Pod: "ledger-0", Namespace: "pay"}, "pay", "us", 1},
		{"attribute names a context without the pod", traceview.LogsMsg{Pod: "ledger-0", Namespace: "pay", Cluster: "eu"}, "pay", "us", 1},
		{"no namespace: the first pod's", traceview.LogsMsg{Pod: "ledger-0", Cluster: "us"}, "pay", "us", 1},
		{"pod not shown", traceview.LogsMsg{Pod: "gone", Namespace: "shop"}, "shop", "", 0},
		{"pod not shown, no namespace", traceview.LogsMsg{Pod: "gone"}, "", "", 0},
	}
	for _, c := range cases {
		ns, ctx, holders := spanPod(pods, c.msg)
		if ns != c.wantNS || ctx != c.wantCtx || len(holders) != c.holders {
			t.Errorf("%s: got %q in %q (held in %v), want %q in %q (%d contexts)", c.name, ns, ctx, holders, c.wantNS, c.wantCtx, c.holders)
		}
	}
}
