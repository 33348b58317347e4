package sim

import (
	"context"
	"testing"

	"github.com/opsconsole/console/providers"
)

// BenchmarkNewDefault is the generation of the default demo estate (what
// the console does before its first frame).
func BenchmarkNewDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(Options{Start: start})
	}
}

// BenchmarkFirstUpdate is generation plus the first update Run sends.
func BenchmarkFirstUpdate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s := New(Options{Start: start})
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan providers.Update, 1)
		go func() { _ = s.Run(ctx, out) }()
		<-out
		cancel()
	}
}

// BenchmarkNew50k generates 1,000 nodes and 50,000 pods.
func BenchmarkNew50k(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(Options{Start: start, Nodes: 1000, Pods: 50000})
	}
}

// BenchmarkSnapshot50k is the cost of one live update at that size.
func BenchmarkSnapshot50k(b *testing.B) {
	s := New(Options{Start: start, Nodes: 1000, Pods: 50000})
	b.ReportAllocs()
	for b.Loop() {
		s.Step()
		s.Snapshot()
	}
}

// BenchmarkSnapshotDefault is the cost of one live update of the default estate.
func BenchmarkSnapshotDefault(b *testing.B) {
	s := New(Options{Start: start})
	b.ReportAllocs()
	for b.Loop() {
		s.Step()
		s.Snapshot()
	}
}
