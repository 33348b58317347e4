package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// jaegerTraceSource is the Jaeger client when an address is set.
func jaegerTraceSource(_ context.Context, s config.Settings) (traces.Source, error) {
	if s.Env.Jaeger == "" {
		return nil, nil
	}
	return jaeger.Dial(s.Env.Jaeger)
}

// jaegerProviders returns the Jaeger trace lister when an address is set.
func jaegerProviders(_ context.Context, s config.Settings) ([]providers.Provider, error) {
	if s.Env.Jaeger == "" {
		return nil, nil
	}
	c, err := jaeger.Dial(s.Env.Jaeger)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", config.ErrBadConfig, err)
	}
	return []providers.Provider{newTraceLister(c, "jaeger:"+s.Env.Jaeger)}, nil
}

// traceLister is a provider (kind "jaeger") that lists recent traces of
// every service into Inventory.Traces every Interval.
type traceLister struct {
	src  traces.Source
	name string
	// Interval between listings (default 30s), Lookback and PerService
	// bound each listing.
	Interval   time.Duration
	Lookback   time.Duration
	PerService int
	// Max caps the listed traces (newest first).
	Max  int
	wake chan struct{}
}

func newTraceLister(src traces.Source, name string) *traceLister {
	return &traceLister{src: src, name: name, Interval: 30 * time.Second, Lookback: time.Hour, PerService: 20, Max: 500, wake: make(chan struct{}, 1)}
}

// Name implements providers.Provider.
func (l *traceLister) Name() string { return l.name }

// Kind implements providers.Provider.
func (l *traceLister) Kind() string { return "jaeger" }

// TraceSource lets the UI open the traces it lists.
func (l *traceLister) TraceSource() traces.Source { return l.src }

// Refresh implements providers.Refresher.
func (l *traceLister) Refresh() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run implements providers.Provider.
func (l *traceLister) Run(ctx context.Context, out chan<- providers.Update) error {
	if c, ok := l.src.(interface{ Close() error }); ok {
		defer c.Close()
	}
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		sums, hidden, err := l.list(ctx)
		if ctx.Err() != nil {
			return nil
		}
		u := providers.Update{Source: l.name}
		if err != nil {
			u.Err = err
		} else {
			u.Inventory = &providers.Inventory{Traces: sums, Hidden: hidden}
		}
		if !providers.Send(ctx, out, u) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-l.wake:
		}
	}
}

// jaegerSelf are the service names Jaeger traces itself under.
var jaegerSelf = []string{"jaeger", "jaeger-query", "jaeger-collector", "jaeger-all-in-one"}

// list fetches the summaries of the recent traces of every service (never
// their spans: traces.FindSummaries), newest first. Each
// service is searched on its own (at most 4 at once, each within
// Interval): a service whose search fails or times out (one huge trace)
// is left out and named in the inventory's Hidden list with the reason;
// the listing fails only when every service does.
func (l *traceLister) list(ctx context.Context) ([]traces.TraceSummary, []providers.Hidden, error) {
	sctx, cancel := context.WithTimeout(ctx, l.Interval)
	svcs, err := l.src.Services(sctx)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	// Jaeger's own traces (its query service answering the console) are
	// not the estate's requests.
	svcs = slices.DeleteFunc(slices.Clone(svcs), func(s string) bool { return slices.Contains(jaegerSelf, s) })
	found := make([][]traces.TraceSummary, len(svcs))
	errs := make([]error, len(svcs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, s := range svcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			qctx, cancel := context.WithTimeout(ctx, l.Interval)
			defer cancel()
			found[i], errs[i] = traces.FindSummaries(qctx, l.src, traces.Query{Service: s, Lookback: l.Lookback, Limit: l.PerService})
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	sums := []traces.TraceSummary{}
	var hidden []providers.Hidden
	for i, ts := range found {
		if errs[i] != nil {
			hidden = append(hidden, providers.Hidden{Source: l.name, What: "traces of service " + svcs[i], Reason: errs[i].Error()})
			continue
		}
		for _, t := range ts {
			if !seen[t.TraceID] {
				seen[t.TraceID] = true
				sums = append(sums, t)
			}
		}
	}
	if len(svcs) > 0 && len(hidden) == len(svcs) {
		return nil, nil, fmt.Errorf("every service's search failed: %w", errs[0])
	}
	slices.SortStableFunc(sums, func(x, y traces.TraceSummary) int { return y.Start.Compare(x.Start) })
	if len(sums) > l.Max {
		sums = sums[:l.Max]
	}
	return sums, hidden, nil
}
