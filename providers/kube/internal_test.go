package kube

import (
	"context"
	"errors"
	"io"
	"maps"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/opsconsole/console/actions"
)

func TestPagedListWatch(t *testing.T) {
	var got []metav1.ListOptions
	remaining := int64(3)
	inner := &cache.ListWatch{ListWithContextFunc: func(_ context.Context, o metav1.ListOptions) (runtime.Object, error) {
		got = append(got, o)
		return &corev1.PodList{
			ListMeta: metav1.ListMeta{ResourceVersion: "7", Continue: "next", RemainingItemCount: &remaining},
			Items:    []corev1.Pod{*pod("shop", "a", "n1", nil), *pod("shop", "b", "n2", nil)},
		}, nil
	}}
	var shown [][]any
	lw := &pagedListWatch{lw: inner, pageSize: 500, tf: podTransform("lab"), page: func(items []any) { shown = append(shown, items) }}
	tests := []struct {
		in       metav1.ListOptions
		wantRV   string
		wantDone int64
	}{
		{metav1.ListOptions{ResourceVersion: "0"}, "", 2},                             // first list: consistent, paginated
		{metav1.ListOptions{ResourceVersion: "", Continue: "tok", Limit: 500}, "", 4}, // next page
		{metav1.ListOptions{ResourceVersion: "1234"}, "1234", 2},                      // re-list after a disconnect: counted again
	}
	for _, tt := range tests {
		obj, err := lw.ListWithContext(t.Context(), tt.in)
		if err != nil {
			t.Fatal(err)
		}
		o := got[len(got)-1]
		if o.Limit != 500 || o.ResourceVersion != tt.wantRV || o.Continue != tt.in.Continue {
			t.Errorf("list %+v sent as %+v", tt.in, o)
		}
		l, ok := obj.(*metainternalversion.List)
		if !ok {
			t.Fatalf("page is a %T", obj)
		}
		if l.ResourceVersion != "7" || l.Continue != "next" || l.RemainingItemCount == nil || *l.RemainingItemCount != 3 {
			t.Errorf("page's list metadata lost: %+v", l.ListMeta)
		}
		if len(l.Items) != 2 {
			t.Fatalf("page has %d items, want 2", len(l.Items))
		}
		for i, it := range l.Items {
			po, ok := it.(*podObj)
			if !ok {
				t.Fatalf("item %d not converted: %T", i, it)
			}
			if want := convertPod(pod("shop", po.Name, po.rec.pod.Node, nil), "lab"); !reflect.DeepEqual(po.rec, want) {
				t.Errorf("item %d = %+v, want %+v", i, po.rec, want)
			}
		}
		if last := shown[len(shown)-1]; len(last) != 2 || last[0] != l.Items[0] {
			t.Errorf("page shown %v, want the converted items", last)
		}
		if d, tot := lw.done.Load(), lw.total.Load(); d != tt.wantDone || tot != tt.wantDone+3 {
			t.Errorf("progress %d/%d, want %d/%d", d, tot, tt.wantDone, tt.wantDone+3)
		}
	}
	lw.settled.Store(true)
	if _, err := lw.ListWithContext(t.Context(), metav1.ListOptions{ResourceVersion: "1234"}); err != nil || len(shown) != len(tests) {
		t.Errorf("a page after the informer settled was shown (err %v)", err)
	}
	if !lw.IsWatchListSemanticsUnSupported() {
		t.Error("paginated list watcher claims WatchList support")
	}
}

type nopAction struct{}

func (nopAction) Spec() actions.Spec          { return actions.Spec{Name: "cordon", Runner: "kubectl"} }
func (nopAction) Check(context.Context) error { return nil }
func (nopAction) Preview(context.Context, io.Writer) (actions.Plan, error) {
	return actions.Plan{}, nil
}
func (nopAction) Run(context.Context, actions.Plan, io.Writer) error { return errors.New("ran") }
func (nopAction) Verify(context.Context) (bool, string, error)       { return true, "", nil }

func TestDeniedRefuses(t *testing.T) {
	var a actions.Action = &Denied{Action: nopAction{}, Reason: "may not patch nodes"}
	pm, ok := a.(Permitter)
	if !ok {
		t.Fatal("Denied is not a Permitter")
	}
	if allowed, why := pm.Allowed(); allowed || !strings.Contains(why, "not permitted by RBAC: may not patch nodes") {
		t.Errorf("Allowed() = %v, %q", allowed, why)
	}
	ctx := t.Context()
	_, perr := a.Preview(ctx, io.Discard)
	for name, err := range map[string]error{"check": a.Check(ctx), "preview": perr, "run": a.Run(ctx, actions.Plan{}, io.Discard)} {
		if !errors.Is(err, actions.ErrRefused) || !strings.Contains(err.Error(), "not permitted by RBAC") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if a.Spec().Name != "cordon" {
		t.Errorf("spec lost: %+v", a.Spec())
	}
}

// TestViewStageConfirmSettle: objects of a first list are shown as their
// page arrives; the informer's handler confirms them; what it never
// confirmed (a page of a list that failed and was listed again, the
// object deleted meanwhile) goes when the informer has synced; another
// informer's staged objects stay until it settles.
func TestViewStageConfirmSettle(t *testing.T) {
	v := newView("lab", "")
	conv := podTransform("lab")
	obj := func(ns, name string) any {
		o, _ := conv(pod(ns, name, "n1", nil))
		return o
	}
	names := func() []string {
		var out []string
		for _, p := range v.inventory().Pods {
			out = append(out, p.Namespace+"/"+p.Name)
		}
		return out
	}
	v.stage(0, []any{obj("shop", "a"), obj("shop", "b")})
	v.stage(1, []any{obj("team", "c")})
	select {
	case <-v.kick:
	default:
		t.Error("the first page staged should wake the emit loop")
	}
	if got := names(); strings.Join(got, ",") != "shop/a,shop/b,team/c" {
		t.Fatalf("staged pods shown: %v", got)
	}
	v.confirm(0, obj("shop", "a"))
	v.forget(0, cache.DeletedFinalStateUnknown{Key: "shop/x", Obj: obj("shop", "x")}) // a tombstone of an object never staged
	v.settle(0)
	if got := names(); strings.Join(got, ",") != "shop/a,team/c" {
		t.Errorf("after informer 0 settled: %v, want shop/a (confirmed) and team/c (informer 1 not settled)", got)
	}
	v.settle(1)
	if got := names(); strings.Join(got, ",") != "shop/a" {
		t.Errorf("after informer 1 settled: %v", got)
	}
	if staged, n := v.hasStaged(); !staged || n != 3 {
		t.Errorf("hasStaged after 3 objects were staged: %v, %d", staged, n)
	}
}

// TestParseSummary: claims' usage from a stats summary in the kubelet's
// format; volumes without a claim or without used bytes are skipped; a
// claim reference without a namespace is in the pod's.
func TestParseSummary(t *testing.T) {
	raw := []byte(`{"pods": [
	  {"podRef": {"name": "a", "namespace": "ns1"}, "volume": [
	    {"name": "d", "usedBytes": 1073741824, "capacityBytes": 4294967296, "pvcRef": {"name": "data-a", "namespace": "ns1"}},
	    {"name": "e", "capacityBytes": 4294967296, "pvcRef": {"name": "no-usage", "namespace": "ns1"}},
	    {"name": "tmp", "usedBytes": 4096}]},
	  {"podRef": {"name": "b", "namespace": "ns2"}, "volume": [
	    {"name": "d", "usedBytes": 536870912, "pvcRef": {"name": "data-b"}}]}]}`)
	got, err := parseSummary(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[nsName]volumeUsage{{"ns1", "data-a"}: {1, 4}, {"ns2", "data-b"}: {0.5, 0}}
	if !maps.Equal(got, want) {
		t.Errorf("usage %v, want %v", got, want)
	}
	if _, err := parseSummary([]byte("<html>")); err == nil {
		t.Error("a body that is not a summary parsed")
	}
}

// TestProxyError: what the node proxy answered is added once.
func TestProxyError(t *testing.T) {
	base := errors.New("the server rejected our request for an unknown reason")
	for _, c := range []struct {
		body, want string
	}{
		{`{"kind":"Status","message":"address not allowed","code":400}`, base.Error() + ": address not allowed"},
		{"the lab kubelet keeps no stats\nmore", base.Error() + ": the lab kubelet keeps no stats"},
		{"", base.Error()},
	} {
		if got := proxyError(base, []byte(c.body)).Error(); got != c.want {
			t.Errorf("body %q: %q, want %q", c.body, got, c.want)
		}
	}
}
