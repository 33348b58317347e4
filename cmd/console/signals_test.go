package main

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestTrapSignalsChildsInterrupt: while a child holds the console's
// terminal (a shell), a SIGINT is the child's ctrl+c and leaves the
// console's context alone; a SIGTERM still ends it. Without a child, the
// SIGINT ends it.
func TestTrapSignalsChildsInterrupt(t *testing.T) {
	cause := func(ctx context.Context) *signalError {
		t.Helper()
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
			t.Fatal("no signal ended the context")
		}
		var se *signalError
		if !errors.As(context.Cause(ctx), &se) {
			t.Fatalf("cause %v, want a signal", context.Cause(ctx))
		}
		return se
	}
	kill := func(sig syscall.Signal) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		child bool
		send  []syscall.Signal
		want  syscall.Signal
	}{
		// SIGINT is sent first and is the lower signal number: the
		// runtime hands it over first, so the SIGTERM ending the context
		// shows it was passed over.
		{"a shell holds the terminal", true, []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, syscall.SIGTERM},
		{"no shell", false, []syscall.Signal{syscall.SIGINT}, syscall.SIGINT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var child atomic.Bool
			child.Store(tc.child)
			ctx, stop := trapSignals(context.Background(), new(atomic.Bool), child.Load)
			defer stop()
			for _, s := range tc.send {
				kill(s)
			}
			if got := cause(ctx); got.sig != tc.want {
				t.Errorf("ended by %v, want %v", got.sig, tc.want)
			}
		})
	}
}
