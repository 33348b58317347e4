package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"
)

// fakeAttachment is an attached action: it reads a line from its terminal
// and writes it back with the terminal's size, as a shell would.
type fakeAttachment struct {
	in          io.Reader
	out         io.Writer
	controlling bool
	size        string
	started     chan struct{}
	release     chan struct{} // closed: Run reads and answers
}

func (a *fakeAttachment) SetStdin(r io.Reader)           { a.in = r }
func (a *fakeAttachment) SetStdout(w io.Writer)          { a.out = w }
func (a *fakeAttachment) SetStderr(io.Writer)            {}
func (a *fakeAttachment) SetControllingTerminal(on bool) { a.controlling = on }
func (a *fakeAttachment) Run() error {
	f, ok := a.in.(*os.File)
	if !ok {
		return errors.New("the terminal is not a file")
	}
	close(a.started)
	<-a.release
	rows, cols, err := pty.Getsize(f)
	if err != nil {
		return err
	}
	a.size = fmt.Sprintf("%d %d", rows, cols)
	line := make([]byte, 64)
	n, err := a.in.Read(line)
	if err != nil {
		return err
	}
	_, err = io.WriteString(a.out, "got "+string(line[:n])+" at "+a.size+"\n")
	return err
}

// TestSessionTermShell: the console reads the session's input until a
// shell takes the terminal; the shell runs on a pty of the session's
// (resized) size in raw mode, as its controlling terminal, gets what is
// typed and its output reaches the session; after it the console reads
// again, learns the size it missed, and a command that is not an
// attachment is refused.
func TestSessionTermShell(t *testing.T) {
	src, typing := io.Pipe()
	out := &lockedBuffer{}
	done := make(chan struct{})
	defer close(done)
	hung := false
	st := newSessionTerm(src, out, 80, 24, done, func() { hung = true })
	sizes := make(chan tea.Msg, 1)
	st.send = func(m tea.Msg) { sizes <- m }
	console := st.consoleInput()

	// the console has the keyboard
	go func() { _, _ = typing.Write([]byte("j")) }()
	buf := make([]byte, 16)
	if n, err := console.Read(buf); err != nil || string(buf[:n]) != "j" {
		t.Fatalf("console read %q, %v", buf[:n], err)
	}

	// a console read in progress when the shell takes the terminal
	// returns with nothing (bubbletea cancelled it)
	woken := make(chan int, 1)
	go func() {
		n, _ := console.Read(buf)
		woken <- n
	}()
	a := &fakeAttachment{started: make(chan struct{}), release: make(chan struct{})}
	ran := make(chan error, 1)
	cmd := st.command(a)
	go func() { ran <- cmd.Run() }()
	<-a.started
	if n := <-woken; n != 0 {
		t.Fatalf("the console's read took %d bytes from the shell", n)
	}
	if !st.resize(100, 30) {
		t.Fatal("resize with a shell open did not reach its pty")
	}
	close(a.release)
	if _, err := typing.Write([]byte("ls")); err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatalf("the shell: %v", err)
	}
	if !a.controlling || a.size != "30 100" {
		t.Errorf("controlling %v, pty size %q, want true and 30 100", a.controlling, a.size)
	}
	if got := out.String(); got != "got ls at 30 100\n" {
		t.Errorf("the session got %q", got)
	}
	if m := <-sizes; m != (tea.WindowSizeMsg{Width: 100, Height: 30}) {
		t.Errorf("the console learned %v", m)
	}
	if hung {
		t.Error("hangup called with the session still there")
	}

	// the console has the keyboard again
	go func() { _, _ = typing.Write([]byte("k")) }()
	if n, err := console.Read(buf); err != nil || string(buf[:n]) != "k" {
		t.Fatalf("console read after the shell %q, %v", buf[:n], err)
	}
	if st.resize(90, 20) {
		t.Error("resize without a shell said a shell had it")
	}
	if err := st.command(&osExecLike{}).Run(); err == nil || !strings.Contains(err.Error(), "cannot hand the SSH session's terminal") {
		t.Errorf("a foreign command: %v", err)
	}

	// the session's input ending is the console's EOF
	typing.Close()
	if _, err := console.Read(buf); !errors.Is(err, io.EOF) {
		t.Errorf("console read at the session's end: %v", err)
	}
}

// osExecLike is a tea.ExecCommand that cannot take a controlling terminal.
type osExecLike struct{}

func (osExecLike) Run() error          { return nil }
func (osExecLike) SetStdin(io.Reader)  {}
func (osExecLike) SetStdout(io.Writer) {}
func (osExecLike) SetStderr(io.Writer) {}
