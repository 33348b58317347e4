package ui

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/ui/pages"
)

// The big estate of the performance targets: 1,000 nodes, 50,000 pods.
var (
	bigOnce sync.Once
	bigSnap *providers.Snapshot
	bigSim  *sim.Sim
)

func bigEstate(b *testing.B) (*providers.Snapshot, *sim.Sim) {
	b.Helper()
	bigOnce.Do(func() { bigSnap, bigSim = demoSnapshot(b, sim.Options{Nodes: 1000, Pods: 50000}) })
	if n := len(bigSnap.Inv.Pods); n < 50000 {
		b.Fatalf("big estate has %d pods", n)
	}
	return bigSnap, bigSim
}

// bigModel returns a model at 250x70 showing view, its data built.
func bigModel(b *testing.B, view string) *Model {
	snap, s := bigEstate(b)
	m := newTestModel(b, snap, s, 250, 70, func(d *deps) { d.exec = sampleRuns() })
	if view != "topology" {
		drain(m, m.switchTo(view))
	}
	if !m.ready || !m.pageReady(view) {
		b.Fatalf("%s not built", view)
	}
	return m
}

// BenchmarkFrame is the cost of rendering one frame of each view on the
// big estate (target < 10 ms).
func BenchmarkFrame(b *testing.B) {
	for _, view := range viewNames() {
		b.Run(view, func(b *testing.B) {
			m := bigModel(b, view)
			b.ResetTimer()
			for b.Loop() {
				_ = m.View()
			}
		})
	}
}

// BenchmarkKeyMove is a cursor move (j) to the next frame (target < 16 ms).
func BenchmarkKeyMove(b *testing.B) {
	for _, view := range []string{"topology", "pods", "nodes"} {
		b.Run(view, func(b *testing.B) {
			m := bigModel(b, view)
			j := keyMsg("j")
			b.ResetTimer()
			for b.Loop() {
				m.Update(j)
				_ = m.View()
			}
		})
	}
}

// BenchmarkFilterKeystroke is one keystroke in the filter to the next
// frame (target < 16 ms): alternately typing the last letter of the
// pattern (narrowing the previous result) and deleting it (a full pass
// over every row).
func BenchmarkFilterKeystroke(b *testing.B) {
	for _, view := range []string{"pods", "topology"} {
		b.Run(view, func(b *testing.B) {
			m := bigModel(b, view)
			m.Update(keyMsg("/"))
			for _, r := range "shop/chec" {
				m.Update(keyMsg(string(r)))
			}
			k, bs := keyMsg("k"), keyMsg("backspace")
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					m.Update(k)
				} else {
					m.Update(bs)
				}
				i++
				_ = m.View()
			}
		})
	}
}

// BenchmarkBuild is the off-UI-goroutine preparation of a view's rows
// when a snapshot arrives (not on the key path).
func BenchmarkBuild(b *testing.B) {
	for _, view := range []string{"topology", "pods", "nodes"} {
		b.Run(view, func(b *testing.B) {
			m := bigModel(b, view)
			snap, _ := bigEstate(b)
			p := m.byName[view].(pages.Builder)
			b.ResetTimer()
			for b.Loop() {
				p.Apply(p.Build(&pages.Input{Inv: snap.Inv, Now: frozen}))
			}
		})
	}
}

// BenchmarkHeapAfterLoad reports the live heap after loading the big
// estate and building every view (target < 200 MB).
func BenchmarkHeapAfterLoad(b *testing.B) {
	for b.Loop() {
		s := sim.New(sim.Options{Seed: 42, Nodes: 1000, Pods: 50000, Start: frozen})
		inv := providers.Merge(s.Snapshot())
		inv.Sources = []providers.SourceStatus{{Name: "demo", Status: providers.StatusOK, UpdatedAt: frozen}}
		snap := &providers.Snapshot{Version: 1, At: frozen, Inv: inv}
		m := newTestModel(b, snap, s, 250, 70)
		for _, v := range viewNames() {
			drain(m, m.switchTo(v))
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		runtime.KeepAlive(m)
		runtime.KeepAlive(s)
	}
}

// BenchmarkStartToFirstFrame is the demo's start: the sim generated, the
// store started, the first snapshot received, the topology built and the
// first frame rendered (target < 150 ms), as runTUI does it.
func BenchmarkStartToFirstFrame(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		st := providers.NewStore(sim.New(sim.Options{Seed: sim.DefaultSeed}))
		st.Start(ctx)
		m := newModel(deps{ctx: ctx, snapshots: st.Subscribe(), initial: st.Snapshot(), demo: true, env: "demo", now: time.Now})
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		// run commands concurrently, as bubbletea does
		msgs := make(chan tea.Msg, 16)
		var run func(c tea.Cmd)
		run = func(c tea.Cmd) {
			if c == nil {
				return
			}
			go func() {
				msg := c()
				if batch, ok := msg.(tea.BatchMsg); ok {
					for _, c := range batch {
						run(c)
					}
					return
				}
				select {
				case msgs <- msg:
				case <-ctx.Done():
				}
			}()
		}
		run(m.Init())
		for !m.ready {
			switch msg := (<-msgs).(type) {
			case snapshotMsg, builtMsg:
				_, next := m.Update(msg)
				run(next)
			}
		}
		if len(m.View().Content) == 0 {
			b.Fatal("empty frame")
		}
		cancel()
	}
}

// BenchmarkServeSessions is console serve's 20 sessions on the big
// estate, each a model on pods (its own 120x40 terminal) over one
// snapshot: the heap of 20 sessions against one (with the shared build
// cache, and each building its own rows as before), and a key (j) to the
// next frame in every session in turn (target < 16 ms per session).
func BenchmarkServeSessions(b *testing.B) {
	snap, s := bigEstate(b)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	for _, shared := range []bool{true, false} {
		name := "private"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			var cache *pages.BuildCache
			if shared {
				cache = pages.NewBuildCache()
			}
			open := func() *Model {
				return newTestModel(b, snap, s, 120, 40, func(d *deps) { d.builds = cache; d.startView = "pods" })
			}
			base := heap()
			ms := []*Model{open()}
			one := heap() - base
			for len(ms) < 20 {
				ms = append(ms, open())
			}
			all := heap() - base
			j := keyMsg("j")
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				m := ms[i%len(ms)]
				m.Update(j)
				_ = m.View()
			}
			b.StopTimer()
			b.ReportMetric(float64(one)/(1<<20), "MiB-1-session")
			b.ReportMetric(float64(all)/(1<<20), "MiB-20-sessions")
			b.ReportMetric(float64(all)/float64(one), "x-one")
			runtime.KeepAlive(ms)
		})
	}
}
