package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// shellDrainWait bounds how long a shell's last output is copied to the
// SSH session after kubectl exited (a process it left behind could hold
// the pty open).
const shellDrainWait = 5 * time.Second

// sessionTerm is one SSH session's terminal, shared by the session's
// console (bubbletea) and a shell opened from it (kubectl exec -it, on a
// pty allocated on the bastion): one reader of the session's input hands
// what the user types to whichever of the two has the terminal, window
// changes resize the shell's pty while it is open, and the SSH
// connection dropping while a shell runs ends it through hangup (the
// session's actions.Session.Close: cancelled and audited).
type sessionTerm struct {
	out    io.Writer       // the SSH session
	in     chan []byte     // what the user types (closed at the session's EOF)
	done   <-chan struct{} // the session ended
	hangup func()
	send   func(tea.Msg) // to the session's program (set once it exists)

	mu      sync.Mutex
	readErr error // why the session's input ended
	w, h    int
	ptm     *os.File // the open shell's pty (nil: none)
	resized bool     // the window changed while the shell was open
	// wake is closed while a shell has the terminal: the console's reader
	// stops reading (bubbletea has released the terminal) and takes
	// nothing the shell is typed.
	wake chan struct{}
}

// newSessionTerm starts reading src (the SSH session's input) for the
// session's console and shells; out is where both write, w x h the
// session's window. The reader ends when src does or done is closed.
func newSessionTerm(src io.Reader, out io.Writer, w, h int, done <-chan struct{}, hangup func()) *sessionTerm {
	t := &sessionTerm{out: out, in: make(chan []byte), done: done, hangup: hangup, w: w, h: h, wake: make(chan struct{}),
		send: func(tea.Msg) {}}
	go t.pump(src)
	return t
}

// pump reads the session's input and hands each read to the terminal's
// holder.
func (t *sessionTerm) pump(src io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			b := append([]byte(nil), buf[:n]...)
			select {
			case t.in <- b:
			case <-t.done:
				return
			}
		}
		if err != nil {
			t.mu.Lock()
			t.readErr = err
			t.mu.Unlock()
			close(t.in)
			return
		}
	}
}

// consoleInput is the console's (bubbletea's) input.
func (t *sessionTerm) consoleInput() io.Reader { return &consoleReader{t: t} }

// consoleReader reads the session's input for the console. While a shell
// has the terminal its reads return at once with nothing: bubbletea,
// which cancelled its reader before handing the terminal over, then
// stops reading instead of taking the shell's first keys.
type consoleReader struct {
	t    *sessionTerm
	rest []byte
}

// Read implements io.Reader.
func (r *consoleReader) Read(p []byte) (int, error) {
	if len(r.rest) > 0 {
		n := copy(p, r.rest)
		r.rest = r.rest[n:]
		return n, nil
	}
	r.t.mu.Lock()
	wake := r.t.wake
	r.t.mu.Unlock()
	select {
	case <-wake:
		return 0, nil
	case b, ok := <-r.t.in:
		if !ok {
			r.t.mu.Lock()
			defer r.t.mu.Unlock()
			return 0, r.t.readErr
		}
		n := copy(p, b)
		r.rest = b[n:]
		return n, nil
	case <-r.t.done:
		return 0, io.EOF
	}
}

// resize records the session's new window size and resizes the open
// shell's pty (kubectl gets SIGWINCH and passes it on). It reports whether
// a shell had the terminal (the console then learns the size when the
// shell ends).
func (t *sessionTerm) resize(w, h int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w, t.h = w, h
	if t.ptm == nil {
		return false
	}
	t.resized = true
	_ = setWinsize(t.ptm, w, h)
	return true
}

// setWinsize sets the size of the pty whose master is f. Through the
// file's raw connection, not pty.Setsize: that calls f.Fd(), which puts
// the master in blocking mode, and Close would then no longer end a read
// of it.
func setWinsize(f *os.File, w, h int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(w), Row: uint16(h)})
	}); err != nil {
		return err
	}
	return serr
}

// command wraps c (an actions.Attachment, which tea.Exec runs once the
// console released the terminal) to run on the SSH session through a pty
// of its own.
func (t *sessionTerm) command(c tea.ExecCommand) tea.ExecCommand {
	return &sessionCommand{t: t, c: c}
}

// sessionCommand is an attached action run on the SSH session's terminal.
type sessionCommand struct {
	t *sessionTerm
	c tea.ExecCommand
}

// SetStdin implements tea.ExecCommand: the session is the input, not the
// console's reader.
func (*sessionCommand) SetStdin(io.Reader) {}

// SetStdout implements tea.ExecCommand: the pty is the output.
func (*sessionCommand) SetStdout(io.Writer) {}

// SetStderr implements tea.ExecCommand: the pty is the error output, not
// the server's.
func (*sessionCommand) SetStderr(io.Writer) {}

// controller is an attached action that can take the terminal given as
// its controlling terminal (actions.Attachment).
type controller interface {
	SetControllingTerminal(bool)
}

// Run implements tea.ExecCommand: a pty of the session's size, in raw
// mode (the user's terminal does the line editing), becomes the action's
// terminal; the session's input goes to it and its output to the
// session until the action ends. The SSH connection dropping meanwhile
// calls hangup (the session's runs are cancelled: kubectl gets SIGTERM).
// Nothing of the traffic is kept.
func (s *sessionCommand) Run() error {
	t := s.t
	ctl, ok := s.c.(controller)
	if !ok {
		return fmt.Errorf("console serve cannot hand the SSH session's terminal to %T", s.c)
	}
	ptm, pts, err := pty.Open()
	if err != nil {
		return fmt.Errorf("a pty for the shell: %w", err)
	}
	t.mu.Lock()
	w, h := t.w, t.h
	t.mu.Unlock()
	if err := setWinsize(ptm, w, h); err != nil {
		ptm.Close()
		pts.Close()
		return fmt.Errorf("a pty for the shell: %w", err)
	}
	if _, err := term.MakeRaw(int(pts.Fd())); err != nil {
		ptm.Close()
		pts.Close()
		return fmt.Errorf("a pty for the shell: %w", err)
	}
	s.c.SetStdin(pts)
	s.c.SetStdout(pts)
	s.c.SetStderr(pts)
	ctl.SetControllingTerminal(true)

	t.mu.Lock()
	t.ptm, t.resized = ptm, false
	close(t.wake)
	t.mu.Unlock()

	stop := make(chan struct{})
	output := make(chan struct{})
	go func() { // the shell's output, until the pty has no process left
		defer close(output)
		_, _ = io.Copy(t.out, ptm)
	}()
	input := make(chan struct{})
	go func() { // what the user types, while the shell runs
		defer close(input)
		for {
			select {
			case b, ok := <-t.in:
				if !ok {
					return
				}
				if _, err := ptm.Write(b); err != nil {
					return
				}
			case <-stop:
				return
			case <-t.done:
				return
			}
		}
	}()
	hung := make(chan struct{})
	go func() { // the connection dropping ends the shell
		defer close(hung)
		select {
		case <-t.done:
			t.hangup()
		case <-stop:
		}
	}()

	err = s.c.Run()
	t.mu.Lock()
	t.ptm = nil // resize no longer touches it
	t.mu.Unlock()
	close(stop)
	pts.Close()
	select {
	case <-output:
	case <-time.After(shellDrainWait):
	}
	ptm.Close() // ends the copies if something still held the pty
	<-output
	<-input
	<-hung

	t.mu.Lock()
	t.wake = make(chan struct{})
	resized, w, h := t.resized, t.w, t.h
	t.mu.Unlock()
	if resized {
		// the console learns the size once it has the terminal again
		go t.send(tea.WindowSizeMsg{Width: w, Height: h})
	}
	return err
}
