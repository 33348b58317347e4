package main

import (
	"os"
	"testing"
)

// TestLoadGC: the target is lowered while any session's first lists
// arrive and comes back when the last ends (each end counted once); with
// GOGC set by the user it is left alone.
func TestLoadGC(t *testing.T) {
	t.Setenv("GOGC", "") // restored after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	target := 137
	g := &loadGC{set: func(p int) int {
		prev := target
		target = p
		return prev
	}}
	endA := g.start()
	if target != loadGCPercent {
		t.Fatalf("while a list arrives: GOGC %d, want %d", target, loadGCPercent)
	}
	endB := g.start()
	endA()
	endA() // counted once
	if target != loadGCPercent {
		t.Fatalf("with one list still arriving: GOGC %d, want %d", target, loadGCPercent)
	}
	endB()
	if target != 137 {
		t.Fatalf("after the last list: GOGC %d, want the process's 137", target)
	}

	t.Setenv("GOGC", "137")
	end := g.start()
	if target != 137 {
		t.Errorf("GOGC set by the user: changed to %d", target)
	}
	end()
}
