package main

import (
	"context"
	"fmt"
	"slices"
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
		sums, err := l.list(ctx)
		if ctx.Err() != nil {
			return nil
		}
		u := providers.Update{Source: l.name}
		if err != nil {
			u.Err = err
		} else {
			u.Inventory = &providers.Inventory{Traces: sums}
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

// list fetches the recent traces of every service, newest first.
func (l *traceLister) list(ctx context.Context) ([]traces.TraceSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, l.Interval)
	defer cancel()
	svcs, err := l.src.Services(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	sums := []traces.TraceSummary{}
	for _, s := range svcs {
		ts, err := l.src.Find(ctx, traces.Query{Service: s, Lookback: l.Lookback, Limit: l.PerService})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if !seen[t.TraceID] {
				seen[t.TraceID] = true
				sums = append(sums, traces.Summary(t))
			}
		}
	}
	slices.SortStableFunc(sums, func(x, y traces.TraceSummary) int { return y.Start.Compare(x.Start) })
	if len(sums) > l.Max {
		sums = sums[:l.Max]
	}
	return sums, nil
}
