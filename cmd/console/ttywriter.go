package main

import (
	"io"
	"os"
	"sync/atomic"

	"golang.org/x/term"
)

// ttyWriter is a stream of the console's that stops writing to a terminal
// once the terminal hung up (SIGHUP): the pty may be gone or no longer
// read, and a write to it could fail or block while the console still has
// runs to stop and audit lines to write. Writes to files and pipes go on.
type ttyWriter struct {
	w      io.Writer
	hungUp *atomic.Bool
}

// newTTYWriter wraps w when it is a terminal; other writers are returned as is.
func newTTYWriter(w io.Writer, hungUp *atomic.Bool) io.Writer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return w
	}
	return &ttyWriter{w: w, hungUp: hungUp}
}

// Write drops p (reporting it written) after a hang-up.
func (t *ttyWriter) Write(p []byte) (int, error) {
	if t.hungUp.Load() {
		return len(p), nil
	}
	return t.w.Write(p)
}
