package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/ui"
	"github.com/opsconsole/console/ui/pages"
)

// defaultServeListen is where console serve listens by default.
const defaultServeListen = ":2222"

// sessionCloseWait bounds how long a dropped session's runs get to stop.
const sessionCloseWait = 90 * time.Second

func newServeCmd(a *app) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the console over SSH to a team: one shared set of sources and one executor, a session per user with their role",
		Long: "serve runs an SSH server (configured under serve: in the config file, see docs/serve.md): each user connects\n" +
			"with `ssh -p 2222 HOST` and gets the console sized to their terminal, with their own view, filter and cursor, over\n" +
			"one shared set of sources (one informer set per kube context, one poller per AWS region) and one executor. The\n" +
			"SSH key decides the user, the user's role (viewer, operator, admin) what they may run; the audit names them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			srv, err := newServer(cmd.Context(), s, listen)
			if err != nil {
				return err
			}
			return srv.run(cmd.Context(), a)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on (default: serve.listen in the config, else "+defaultServeListen+")")
	return cmd
}

// server is console serve: the shared sources and executor of one
// environment, the users' keys and roles, and the SSH server.
type server struct {
	s      config.Settings
	users  map[string]string // key fingerprint (SHA256:…) → user
	listen string
	pem    []byte

	opts ui.Options // shared: store, executor, traces, stacks
	exec *actions.Executor
	// hub mirrors presenters' views to their followers (:present, :follow).
	hub *ui.PresenceHub

	mu       sync.Mutex
	sessions map[string]*actions.Session // by session id
	// ready, when set, receives the address listened on once the shared
	// sources run (tests).
	ready chan<- net.Addr
}

// newServer checks the serve configuration, loads the keys and the host
// key (generated when missing); the sources start with run.
func newServer(_ context.Context, s config.Settings, listen string) (*server, error) {
	c := s.File.Serve
	if listen == "" {
		listen = c.Listen
	}
	if listen == "" {
		listen = defaultServeListen
	}
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return nil, usageErrorf("serve listen %q: %v", listen, err)
	}
	if c.AuthorizedKeys == "" {
		return nil, fmt.Errorf("%w: serve.authorized_keys is not set: console serve lets in only the keys it names", config.ErrBadConfig)
	}
	users, err := loadAuthorizedKeys(resolvePath(s, c.AuthorizedKeys))
	if err != nil {
		return nil, fmt.Errorf("%w: serve.authorized_keys: %w", config.ErrBadConfig, err)
	}
	hostKey := resolvePath(s, c.HostKey)
	if c.HostKey == "" {
		hostKey = filepath.Join(filepath.Dir(s.AuditLog), "ssh_host_ed25519")
	}
	pemBytes, err := ensureHostKey(hostKey)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", hostKey, err)
	}
	return &server{s: s, users: users, listen: listen, pem: pemBytes, sessions: map[string]*actions.Session{}, hub: ui.NewPresenceHub()}, nil
}

// resolvePath expands ~ and resolves p against the config file's directory.
func resolvePath(s config.Settings, p string) string {
	if p == "" {
		return ""
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) && s.Path != "" {
		p = filepath.Join(filepath.Dir(s.Path), p)
	}
	return p
}

// ensureHostKey reads the host key at path, generating an ed25519 key
// (0600, its directory 0700) when the file does not exist.
func ensureHostKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if _, perr := gossh.ParsePrivateKey(b); perr != nil {
			return nil, perr
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, "console serve host key")
	if err != nil {
		return nil, err
	}
	b = pem.EncodeToMemory(block)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}

// loadAuthorizedKeys reads an authorized_keys file (each key's comment
// names its user) or a directory of them (each file, NAME or NAME.pub,
// holds the keys of user NAME) and returns fingerprint → user.
func loadAuthorizedKeys(path string) (map[string]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	users := map[string]string{}
	add := func(file, user string) error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			key, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				return fmt.Errorf("%s:%d: %w", file, n, err)
			}
			who := user
			if who == "" {
				who = strings.TrimSpace(comment)
			}
			if who == "" {
				return fmt.Errorf("%s:%d: the key has no comment to name its user", file, n)
			}
			fp := gossh.FingerprintSHA256(key)
			if other, ok := users[fp]; ok && other != who {
				return fmt.Errorf("%s:%d: key %s is both %s's and %s's", file, n, fp, other, who)
			}
			users[fp] = who
		}
		return sc.Err()
	}
	if !fi.IsDir() {
		err = add(path, "")
	} else {
		var es []os.DirEntry
		es, err = os.ReadDir(path)
		for _, e := range es {
			if err != nil {
				break
			}
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			err = add(filepath.Join(path, e.Name()), strings.TrimSuffix(e.Name(), ".pub"))
		}
	}
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s names no key", path)
	}
	return users, nil
}

// role is user's role in the environment served: its own entry, else
// "*", else viewer.
func (v *server) role(user string) actions.Role {
	roles := v.s.File.Serve.Users[user]
	name, ok := roles[v.s.Env.Name]
	if !ok {
		name = roles["*"]
	}
	r, err := actions.ParseRole(name)
	if err != nil {
		return actions.RoleViewer // Parse checked the names: only a missing role lands here
	}
	return r
}

// run starts the shared sources and executor and serves until ctx is
// done; then every session ends and every run is cancelled through
// Executor.Shutdown.
func (v *server) run(ctx context.Context, a *app) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := startStore(ctx, v.s)
	if err != nil {
		return err
	}
	approvals, err := v.s.File.Serve.Approvals()
	if err != nil {
		return err
	}
	exec, err := newExecutorWith(v.s, approvals)
	if err != nil {
		return err
	}
	src, err := tuiTraceSource(ctx, v.s, st)
	if err != nil {
		return err
	}
	v.exec = exec
	v.opts = ui.Options{Store: st, Settings: v.s, TraceSource: src, Stacks: tuiStacks(v.s), Builds: pages.NewBuildCache()}
	wait := shutdownOnDone(ctx, exec)

	srv, err := wish.NewServer(
		wish.WithAddress(v.listen),
		wish.WithHostKeyPEM(v.pem),
		wish.WithPublicKeyAuth(func(_ ssh.Context, key ssh.PublicKey) bool {
			_, ok := v.users[gossh.FingerprintSHA256(key)]
			return ok
		}),
		wish.WithMiddleware(v.middleware),
	)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	ln, err := net.Listen("tcp", v.listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(a.stderr, "console: serving environment %s on %s to %d key(s); ssh -p PORT HOST\n", sanitize.Line(v.s.Env.Name), ln.Addr(), len(v.users))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if v.ready != nil {
		v.ready <- ln.Addr()
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(sctx) // the sessions end with their connections
	scancel()
	if ce := wait(); ce != nil {
		if ce.n > 0 {
			return ce
		}
		return nil
	}
	if err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// middleware runs one console per SSH session: the user its key names,
// their role, their own view, sized to their terminal; when the session
// ends (quit, or the connection dropped) its runs are cancelled and
// audited as a SIGHUP would.
func (v *server) middleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer next(sess)
		ptyReq, winch, ok := sess.Pty()
		if !ok {
			wish.Fatalln(sess, "console serve needs a terminal: ssh -t")
			return
		}
		fp := gossh.FingerprintSHA256(sess.PublicKey())
		user := v.users[fp]
		role := v.role(user)
		es := v.exec.Session(actions.Principal{Who: user + " (key " + fp + ")", User: user, Role: role})
		id := es.Principal().Session
		v.mu.Lock()
		v.sessions[id] = es
		v.mu.Unlock()
		defer func() {
			v.mu.Lock()
			delete(v.sessions, id)
			v.mu.Unlock()
		}()

		ctx := sess.Context()
		hupReason := "the SSH session of " + user + " ended (SIGHUP)"
		// the session's terminal: the console's, or a shell's opened from
		// it (s), relayed through a pty of its own; the connection dropping
		// during a shell ends it like a SIGHUP
		tctx, tcancel := context.WithCancel(ctx)
		defer tcancel()
		term := newSessionTerm(sess, sess, ptyReq.Window.Width, ptyReq.Window.Height, tctx.Done(), func() {
			cctx, cancel := context.WithTimeout(context.Background(), sessionCloseWait)
			defer cancel()
			_, _ = es.Close(cctx, hupReason)
		})
		es.SetTerminal(true)
		o := v.opts
		o.Executor = es
		o.User = user + " (" + role.String() + ")"
		o.Presence = v.hub.Session(user)
		o.ProgramOptions = append(bm.MakeOptions(sess), tea.WithInput(term.consoleInput()))
		o.ExecTerminal = func(c tea.ExecCommand, fn tea.ExecCallback) tea.Cmd { return tea.Exec(term.command(c), fn) }
		stopResize := make(chan struct{})
		o.Program = func(p *tea.Program) {
			term.send = p.Send
			go func() {
				for {
					select {
					case <-stopResize:
						return
					case w, ok := <-winch:
						if !ok {
							return
						}
						// a shell open has the window (the console learns
						// the size when it ends: its loop waits meanwhile)
						if !term.resize(w.Width, w.Height) {
							p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
						}
					}
				}
			}()
		}
		err := ui.Run(ctx, o)
		close(stopResize)
		reason := user + " quit"
		if ctx.Err() != nil {
			reason = hupReason
		}
		cctx, cancel := context.WithTimeout(context.Background(), sessionCloseWait)
		defer cancel()
		n, cerr := es.Close(cctx, reason)
		if err != nil || cerr != nil || n > 0 {
			fmt.Fprintf(os.Stderr, "console serve: session %s (%s): %s; cancelled %d action(s)%s\n", id, sanitize.Line(user), reason, n, errText(errors.Join(err, cerr)))
		}
	}
}

// errText is "; err" or "".
func errText(err error) string {
	if err == nil {
		return ""
	}
	return "; " + sanitize.Line(err.Error())
}

// sessionCount is the number of sessions connected.
func (v *server) sessionCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.sessions)
}
