package kube

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

// DefaultStatsInterval is how often the kubelets' stats summaries are read
// (Options.StatsInterval).
const DefaultStatsInterval = 30 * time.Second

// volumeUsage is what a kubelet reports of one claim's volume.
type volumeUsage struct {
	usedGiB, capacityGiB float64
}

// statsSummary is the part of the kubelet's stats summary
// (GET /api/v1/nodes/NODE/proxy/stats/summary, the kubelet's
// stats/v1alpha1 Summary) the console reads: each pod's volumes, with the
// claim a volume comes from, its used and capacity bytes.
type statsSummary struct {
	Pods []struct {
		PodRef struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"podRef"`
		Volume []struct {
			Name           string  `json:"name"`
			UsedBytes      *uint64 `json:"usedBytes"`
			CapacityBytes  *uint64 `json:"capacityBytes"`
			AvailableBytes *uint64 `json:"availableBytes"`
			PVCRef         *struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"pvcRef"`
		} `json:"volume"`
	} `json:"pods"`
}

// parseSummary returns the usage of every claim in a stats summary. A
// volume without a claim reference or without used bytes is skipped.
func parseSummary(raw []byte) (map[nsName]volumeUsage, error) {
	var s statsSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("stats summary: %w", err)
	}
	out := map[nsName]volumeUsage{}
	for _, p := range s.Pods {
		for _, v := range p.Volume {
			if v.PVCRef == nil || v.UsedBytes == nil {
				continue
			}
			u := volumeUsage{usedGiB: float64(*v.UsedBytes) / (1 << 30)}
			if v.CapacityBytes != nil {
				u.capacityGiB = float64(*v.CapacityBytes) / (1 << 30)
			}
			ns := v.PVCRef.Namespace
			if ns == "" {
				ns = p.PodRef.Namespace
			}
			out[nsName{ns, v.PVCRef.Name}] = u
		}
	}
	return out, nil
}

// pollStats reads the stats summary of every node that runs a pod
// mounting a claim, every StatsInterval, until ctx is done, and gives the
// view the claims' usage. Without the right to get nodes/proxy nothing is
// read and the usage is said hidden once; a kubelet that does not serve
// the summary is said once too (usage unknown, never a problem).
func (p *Provider) pollStats(ctx context.Context, v *view) {
	ok, _, err := p.reviewer.can(ctx, authzv1.ResourceAttributes{Verb: "get", Resource: "nodes", Subresource: "proxy"})
	if err != nil || !ok {
		reason := "forbidden: may not get nodes/proxy (the kubelets' stats summary)"
		if err != nil {
			reason = err.Error()
		}
		v.setStatsHidden(&providers.Hidden{Source: p.Name(), What: "volume usage", Reason: reason})
		return
	}
	t := time.NewTicker(p.opts.StatsInterval)
	defer t.Stop()
	for {
		usage, failed := p.readStats(ctx, v.claimNodes())
		if ctx.Err() != nil {
			return
		}
		var h *providers.Hidden
		if len(failed) > 0 {
			h = &providers.Hidden{Source: p.Name(), What: "volume usage on " + failed[0].node,
				Reason: fmt.Sprintf("the kubelet's stats summary could not be read (%d node(s)): %s", len(failed), clip(failed[0].err.Error(), 200))}
		}
		v.setUsage(usage, h)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// statsFailure is a node whose summary could not be read.
type statsFailure struct {
	node string
	err  error
}

// readStats reads the summaries of nodes, four at a time.
func (p *Provider) readStats(ctx context.Context, nodes []string) (map[nsName]volumeUsage, []statsFailure) {
	var (
		mu     sync.Mutex
		usage  = map[nsName]volumeUsage{}
		failed []statsFailure
		wg     sync.WaitGroup
		sem    = make(chan struct{}, 4)
	)
	for _, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			raw, err := p.user.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes", n, "proxy", "stats", "summary").Do(ctx).Raw()
			var u map[nsName]volumeUsage
			if err == nil {
				u, err = parseSummary(raw)
			} else {
				err = proxyError(err, raw)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, statsFailure{n, err})
				return
			}
			for k, x := range u {
				usage[k] = x
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(failed, func(a, b statsFailure) int { return cmp.Compare(a.node, b.node) })
	return usage, failed
}

// proxyError adds what the API server or the kubelet answered (a Status
// message, else the body's first line) to an error of the node proxy:
// client-go's own message for it is generic ("the server rejected our
// request for an unknown reason").
func proxyError(err error, body []byte) error {
	var st metav1.Status
	msg := ""
	if json.Unmarshal(body, &st) == nil && st.Message != "" {
		msg = st.Message
	} else if line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n"); line != "" {
		msg = line
	}
	if msg == "" || strings.Contains(err.Error(), msg) {
		return err
	}
	return fmt.Errorf("%w: %s", err, clip(msg, 200))
}
