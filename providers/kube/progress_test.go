package kube_test

import (
	"context"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestFirstListShownPageByPage: against a real API server, the pods of
// the first list are sent page by page, each view marked partial with how
// many have come of how many the server says there are, then the complete
// view (no progress) with every pod; the LIST requests are the pages of
// the one list (nothing is listed twice).
func TestFirstListShownPageByPage(t *testing.T) {
	const pods = 300
	k := lab.Kube(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := k.Client()
	if err := ensureNS(ctx, c, "ns-00"); err != nil {
		t.Fatal(err)
	}
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		seedErr error
	)
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				p := bigPod(i, 6)
				if _, err := c.CoreV1().Pods("ns-00").Create(ctx, p, metav1.CreateOptions{}); err != nil {
					errOnce.Do(func() { seedErr = err })
				}
			}
		})
	}
	for i := range pods {
		work <- i
	}
	close(work)
	wg.Wait()
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	_, before := listCount(ctx, c)

	// One pod per page: the list takes many round trips, so views are
	// sent while it arrives.
	p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, PageSize: 1, EmitInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ch := runProvider(t, p)
	var partial []providers.Progress
	u := waitUpdate(t, ch, 2*time.Minute, "every pod, complete", func(u providers.Update) bool {
		if u.Inventory == nil {
			return false
		}
		if u.Progress != nil {
			partial = append(partial, *u.Progress)
			if len(u.Inventory.Pods) > pods {
				t.Errorf("a partial view with %d pods, more than the %d there are", len(u.Inventory.Pods), pods)
			}
			return false
		}
		return true
	})
	if len(u.Inventory.Pods) != pods {
		t.Errorf("the complete view has %d pods, want %d", len(u.Inventory.Pods), pods)
	}
	var midway bool
	for _, pr := range partial {
		if pr.What == "pods" && pr.Done > 0 && pr.Done < pods && pr.Total == pods {
			midway = true
		}
	}
	if !midway {
		t.Errorf("no partial view with part of the pods and their total (%d): %+v", pods, partial)
	}
	_, after := listCount(ctx, c)
	// one request per page (one pod each): the pages shown are the list's own
	if got := after["pods"] - before["pods"]; got < pods || got > pods+1 {
		t.Errorf("%d LIST requests of pods for a first list of %d one-pod pages", got, pods)
	}
}
