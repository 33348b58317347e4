// Package sim is the console's built-in demo estate: a providers.Provider
// (kind "sim", name "demo") that generates a realistic, deterministic estate
// from a seed — two regions, their zones, subnets, autoscaling groups,
// Kubernetes nodes and pods, load balancers, database clusters with roles,
// and traces — and keeps it alive: pods restart, a node goes NotReady and
// comes back, replica lag and traffic move. It also offers demo actions
// (restart, scale, drain, promote, ...) that change its state, so that the
// whole console can be tried without any real system.
//
// The sim is a provider like any other: the UI has no special case for it.
package sim

import (
	"context"
	"sync"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
)

// DefaultSeed is the seed of the demo estate when Options.Seed is zero, so
// that screens are reproducible.
const DefaultSeed = 42

// Source identity of the demo.
const (
	// ProviderName is the sim's source name.
	ProviderName = "demo"
	// ProviderKind is the sim's source family.
	ProviderKind = "sim"
)

// Options shape the demo estate.
type Options struct {
	// Seed drives every random choice; zero means DefaultSeed. The same seed
	// (and Start) gives the identical estate.
	Seed int64
	// Nodes is the number of Kubernetes worker nodes over both regions
	// (at least one per zone); zero picks 6 to 9 per region. Use 1,000 for
	// benchmarks.
	Nodes int
	// Pods is the total number of pods; zero derives it from the services'
	// replica counts (about 450). Use 50,000 for benchmarks.
	Pods int
	// Start is the estate's "now" at generation: every timestamp (pod ages,
	// backups, traces) is relative to it. Zero means time.Now().
	Start time.Time
	// Interval is the time between two live updates; zero means 1s.
	Interval time.Duration
	// StepDelay is the pause between the steps of a demo action; zero
	// means 300ms. Tests set it small.
	StepDelay time.Duration
}

// Sim is the demo estate. It is safe for concurrent use.
type Sim struct {
	opts Options

	mu sync.Mutex
	st *state

	traces    []*traces.Trace
	summaries []traces.TraceSummary

	wake chan struct{}

	// readers read its clusters as a kube source (kubereader.go).
	readers []providers.KubeReader
}

var (
	_ providers.Provider  = (*Sim)(nil)
	_ providers.Refresher = (*Sim)(nil)
)

// New generates the demo estate described by o.
func New(o Options) *Sim {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Start.IsZero() {
		o.Start = time.Now()
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.StepDelay <= 0 {
		o.StepDelay = 300 * time.Millisecond
	}
	if o.Nodes < 0 {
		o.Nodes = 0
	}
	if o.Pods < 0 {
		o.Pods = 0
	}
	s := &Sim{opts: o, wake: make(chan struct{}, 1)}
	s.st = generate(o)
	s.readers = newKubeReaders(s, s.st)
	s.traces = buildTraces(s.st, o)
	s.summaries = summarize(s.traces)
	return s
}

// Name returns "demo".
func (s *Sim) Name() string { return ProviderName }

// Kind returns "sim".
func (s *Sim) Kind() string { return ProviderKind }

// Options returns the options the estate was generated with (defaults
// filled in).
func (s *Sim) Options() Options { return s.opts }

// Run sends the current estate at once, then a changed view every
// Options.Interval (and right after a demo action changes the state) until
// ctx is done. Every update is a fresh Inventory.
func (s *Sim) Run(ctx context.Context, out chan<- providers.Update) error {
	if !providers.Send(ctx, out, providers.Update{Source: ProviderName, Inventory: s.Snapshot()}) {
		return nil
	}
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.Step()
		case <-s.wake:
		}
		if !providers.Send(ctx, out, providers.Update{Source: ProviderName, Inventory: s.Snapshot()}) {
			return nil
		}
	}
}

// Refresh asks Run to send the current view now.
func (s *Sim) Refresh() { s.notify() }

func (s *Sim) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Step advances the simulation by one tick (what Run does every
// Interval): restarts, readiness, lag, target health and traffic move,
// driven by the seeded random source.
func (s *Sim) Step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.step()
}

// Snapshot returns a fresh copy of the current estate; the caller owns it.
func (s *Sim) Snapshot() *providers.Inventory {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.st.snapshot()
	inv.Traces = append([]traces.TraceSummary(nil), s.summaries...)
	return inv
}

// Traces returns the demo's traces. They are shared: do not modify them.
func (s *Sim) Traces() []*traces.Trace {
	return append([]*traces.Trace(nil), s.traces...)
}
