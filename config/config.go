// Package config loads the console's YAML configuration file and merges it
// with command-line flags into the settings of one environment.
// Every key is documented in docs/configuration.md.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers/schedule"
)

// File is the whole configuration file.
type File struct {
	// DefaultEnv is the environment opened when --env is not given.
	DefaultEnv string `yaml:"default_env"`
	// AuditLog overrides the audit log path.
	AuditLog string `yaml:"audit_log"`
	// Environments by name.
	Environments map[string]Environment `yaml:"environments"`
	// Serve configures `console serve` (docs/serve.md).
	Serve Serve `yaml:"serve"`
}

// Serve configures `console serve`, the console shared over SSH.
type Serve struct {
	// Listen is the address to listen on (default ":2222").
	Listen string `yaml:"listen"`
	// HostKey is the server's private key (default ssh_host_ed25519
	// beside the audit log); an ed25519 key is generated, 0600, when the
	// file is missing.
	HostKey string `yaml:"host_key"`
	// AuthorizedKeys is an authorized_keys file whose keys' comments name
	// their users, or a directory with one file per user (NAME or
	// NAME.pub) holding that user's keys.
	AuthorizedKeys string `yaml:"authorized_keys"`
	// Users maps a user to their role per environment (viewer, operator,
	// admin; "*" for every other environment). A user with no role in
	// the environment served is a viewer.
	Users map[string]map[string]string `yaml:"users"`
	// ApprovalExpiry is how long an operator's destructive action waits
	// for a second person's approval (another operator or an admin) before
	// it expires: a duration ("10m", the default), or "off" (destructive
	// actions then need an admin).
	ApprovalExpiry string `yaml:"approval_expiry"`
}

// DefaultApprovalExpiry is Serve.ApprovalExpiry's default.
const DefaultApprovalExpiry = 10 * time.Minute

// Approvals is ApprovalExpiry as a duration: zero when "off".
func (s Serve) Approvals() (time.Duration, error) {
	switch s.ApprovalExpiry {
	case "":
		return DefaultApprovalExpiry, nil
	case "off":
		return 0, nil
	}
	d, err := time.ParseDuration(s.ApprovalExpiry)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: serve.approval_expiry %s is not a positive duration (e.g. 10m) or off", ErrBadConfig, quote(s.ApprovalExpiry))
	}
	return d, nil
}

// ServeRoles are the roles of Serve.Users.
var ServeRoles = []string{"viewer", "operator", "admin"}

// Environment is one estate (prod, staging, dev...).
type Environment struct {
	// Name is filled from the map key.
	Name string `yaml:"-"`
	// ReadOnly refuses every mutating action.
	ReadOnly bool `yaml:"readonly"`
	// Demo opens the built-in demo estate for this environment.
	Demo bool `yaml:"demo"`
	// Regions lists the AWS regions to show.
	Regions []string `yaml:"regions"`
	// AWS settings.
	AWS AWS `yaml:"aws"`
	// Kube lists Kubernetes clusters (contexts), e.g. one per region.
	Kube []KubeCluster `yaml:"kube"`
	// Jaeger is the Jaeger query gRPC address (host:port).
	Jaeger string `yaml:"jaeger"`
	// Terraform stacks of this environment.
	Terraform []Stack `yaml:"terraform"`
	// Databases to watch directly (Redis, PostgreSQL).
	Databases []Database `yaml:"databases"`
}

// AWS holds the AWS settings of an environment. Credentials come from the
// standard AWS configuration (profiles, SSO, env vars).
type AWS struct {
	// Profile is the shared-config profile (else AWS_PROFILE / default).
	Profile string `yaml:"profile"`
	// EndpointURL points the SDK at a compatible endpoint (else AWS_ENDPOINT_URL).
	EndpointURL string `yaml:"endpoint_url"`
	// Refresh is the polling interval (default 30s).
	Refresh Duration `yaml:"refresh"`
}

// KubeCluster is one Kubernetes context.
type KubeCluster struct {
	// Kubeconfig path (else KUBECONFIG / ~/.kube/config).
	Kubeconfig string `yaml:"kubeconfig"`
	// Context name in the kubeconfig (else its current context).
	Context string `yaml:"context"`
	// Region is used for nodes that carry no region label.
	Region string `yaml:"region"`
	// Namespaces are watched besides the context's namespace when the user
	// may neither list pods cluster-wide nor list namespaces.
	Namespaces []string `yaml:"namespaces"`
}

// Stack is one Terraform working directory.
type Stack struct {
	Name      string   `yaml:"name"`
	Dir       string   `yaml:"dir"`
	Workspace string   `yaml:"workspace"`
	VarFiles  []string `yaml:"var_files"`
	// Targets maps topology objects ("asg/NAME", "node/NAME", "instance/ID",
	// "database/NAME") to resource addresses in this stack.
	Targets map[string]string `yaml:"targets"`
	// Timeout bounds one apply/destroy (default 30m).
	Timeout Duration `yaml:"timeout"`
	// Schedule is when the stack is torn down and recreated (nil: none).
	Schedule *StackSchedule `yaml:"schedule"`
}

// StackSchedule is a stack's schedule (docs/schedule.md): 5-field Unix cron
// recurrences in a time zone (default UTC). The console shows it and acts on
// it through the executor; it does not run it by itself.
type StackSchedule struct {
	Teardown string `yaml:"teardown"`
	Recreate string `yaml:"recreate"`
	TimeZone string `yaml:"time_zone"`
}

// Database is one database cluster watched directly.
type Database struct {
	Name   string `yaml:"name"`
	Engine string `yaml:"engine"` // redis, postgres, mongodb (docs/databases.md)
	// Members are host:port addresses (Redis nodes, PostgreSQL servers).
	Members []string `yaml:"members"`
	// Sentinels are Redis Sentinel addresses.
	Sentinels []string `yaml:"sentinels"`
	// Master is the Sentinel master name.
	Master string `yaml:"master"`
	// DSN is a PostgreSQL connection string template; the host and port of
	// each member replace {host} and {port}.
	DSN string `yaml:"dsn"`
	// MaxLag is the most a replica may lag to be promoted (default 10s;
	// docs/databases.md).
	MaxLag Duration `yaml:"max_lag"`
}

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q: %w", n.Line, n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Or returns d, or def when d is zero.
func (d Duration) Or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// Flags are the global command-line flags that override the file.
type Flags struct {
	Config     string
	Env        string
	Demo       bool
	ReadOnly   bool
	Kubeconfig string
	Contexts   []string
	Regions    []string
	Jaeger     string
}

// NamesSource reports whether a flag names a real source.
func (f Flags) NamesSource() bool {
	return f.Kubeconfig != "" || len(f.Contexts) > 0 || len(f.Regions) > 0 || f.Jaeger != ""
}

// Settings are the resolved settings the console runs with.
type Settings struct {
	// File is the loaded file (empty when none).
	File File
	// Path is the file that was loaded, "" when none.
	Path string
	// Env is the selected environment with flags applied.
	Env Environment
	// Demo is true when the built-in demo estate opens.
	Demo bool
	// AuditLog is the audit log path.
	AuditLog string
}

// ErrBadConfig marks configuration errors (exit code 2).
var ErrBadConfig = errors.New("bad configuration")

// DefaultPath is $XDG_CONFIG_HOME/console/config.yaml (or ~/.config/...).
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "console", "config.yaml")
}

// DefaultAuditLog is $XDG_STATE_HOME/console/audit.jsonl (or ~/.local/state/...).
func DefaultAuditLog() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "console", "audit.jsonl")
}

// MaxFileSize bounds a configuration file.
const MaxFileSize = 4 << 20

// maxQuoted bounds a value quoted in an error message.
const maxQuoted = 80

// Parse parses a configuration file's bytes. Unknown keys are errors; so
// are a second YAML document and a safety setting without a value
// (`readonly:` must say true or false: it never defaults open).
func Parse(data []byte) (File, error) {
	var f File
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("%w: %s", ErrBadConfig, oneLine(err.Error()))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("%w: the file holds more than one YAML document (a second one after ---, line %d): put everything in one", ErrBadConfig, extra.Line)
	}
	if err := checkSafety(&root); err != nil {
		return File{}, err
	}
	if !root.IsZero() {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return File{}, fmt.Errorf("%w: %s", ErrBadConfig, oneLine(err.Error()))
		}
	}
	for name, e := range f.Environments {
		e.Name = name
		for i, s := range e.Terraform {
			if s.Name == "" || s.Dir == "" {
				return File{}, fmt.Errorf("%w: environment %s: terraform stack %d needs name and dir", ErrBadConfig, quote(name), i+1)
			}
			if sc := s.Schedule; sc != nil {
				if sc.Teardown == "" && sc.Recreate == "" {
					return File{}, fmt.Errorf("%w: environment %s: terraform stack %s: schedule needs teardown or recreate", ErrBadConfig, quote(name), quote(s.Name))
				}
				if _, err := schedule.StackEvents(sc.Teardown, sc.Recreate, sc.TimeZone); err != nil {
					return File{}, fmt.Errorf("%w: environment %s: terraform stack %s: schedule: %s", ErrBadConfig, quote(name), quote(s.Name), oneLine(err.Error()))
				}
			}
		}
		for i, k := range e.Kube {
			if k.Context == "" && k.Kubeconfig == "" {
				return File{}, fmt.Errorf("%w: environment %s: kube entry %d needs context or kubeconfig", ErrBadConfig, quote(name), i+1)
			}
		}
		f.Environments[name] = e
	}
	if _, err := f.Serve.Approvals(); err != nil {
		return File{}, err
	}
	for user, roles := range f.Serve.Users {
		if user == "" {
			return File{}, fmt.Errorf("%w: serve.users: a user without a name", ErrBadConfig)
		}
		for env, role := range roles {
			if _, ok := f.Environments[env]; !ok && env != "*" {
				return File{}, fmt.Errorf("%w: serve.users.%s: %s is not an environment (or \"*\")", ErrBadConfig, quote(user), quote(env))
			}
			if !slices.Contains(ServeRoles, role) {
				return File{}, fmt.Errorf("%w: serve.users.%s.%s: role %s is not one of %s", ErrBadConfig, quote(user), quote(env), quote(role), strings.Join(ServeRoles, ", "))
			}
		}
	}
	if f.DefaultEnv != "" {
		if _, ok := f.Environments[f.DefaultEnv]; !ok {
			return File{}, fmt.Errorf("%w: default_env %s is not an environment", ErrBadConfig, quote(f.DefaultEnv))
		}
	}
	return f, nil
}

// Load reads the file (flags.Config, else the default path if it exists)
// and resolves the settings. With no file and no flag naming a source, or
// with --demo, the demo opens.
func Load(fl Flags) (Settings, error) {
	s := Settings{AuditLog: DefaultAuditLog()}
	path := fl.Config
	if path == "" {
		if p := DefaultPath(); p != "" {
			if _, err := os.Stat(p); err == nil {
				path = p
			}
		}
	}
	if path != "" {
		data, err := readFile(path)
		if err != nil {
			return s, err
		}
		f, err := Parse(data)
		if err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		s.File, s.Path = f, path
		if f.AuditLog != "" {
			// Relative to the config file, like the stacks' directories.
			s.AuditLog = expandHome(f.AuditLog)
			if !filepath.IsAbs(s.AuditLog) {
				s.AuditLog = filepath.Join(filepath.Dir(path), s.AuditLog)
			}
		}
	}
	name := fl.Env
	if name == "" {
		name = s.File.DefaultEnv
	}
	if name == "" && len(s.File.Environments) > 0 {
		names := s.EnvNames()
		name = names[0]
	}
	if name != "" && len(s.File.Environments) > 0 {
		e, ok := s.File.Environments[name]
		if !ok {
			return s, fmt.Errorf("%w: no environment %s (have: %s)", ErrBadConfig, quote(name), sanitize.Truncate(strings.Join(s.EnvNames(), ", "), 4*maxQuoted))
		}
		s.Env = e
	} else if name != "" {
		s.Env.Name = name
	}
	if s.Env.Name == "" {
		s.Env.Name = "default"
	}
	// Flags override the file.
	if fl.ReadOnly {
		s.Env.ReadOnly = true
	}
	if len(fl.Regions) > 0 {
		s.Env.Regions = fl.Regions
	}
	if fl.Jaeger != "" {
		s.Env.Jaeger = fl.Jaeger
	}
	if fl.Kubeconfig != "" || len(fl.Contexts) > 0 {
		var ks []KubeCluster
		if len(fl.Contexts) == 0 {
			ks = append(ks, KubeCluster{Kubeconfig: fl.Kubeconfig})
		}
		for _, c := range fl.Contexts {
			ks = append(ks, KubeCluster{Kubeconfig: fl.Kubeconfig, Context: c})
		}
		s.Env.Kube = ks
	}
	for i := range s.Env.Kube {
		s.Env.Kube[i].Kubeconfig = expandHome(s.Env.Kube[i].Kubeconfig)
	}
	hasSource := len(s.Env.Kube) > 0 || len(s.Env.Regions) > 0 || s.Env.Jaeger != "" || len(s.Env.Terraform) > 0 || len(s.Env.Databases) > 0
	s.Demo = fl.Demo || s.Env.Demo || (!hasSource && !fl.NamesSource())
	if fl.Demo && s.Env.Name == "default" {
		s.Env.Name = "demo"
	}
	if s.Demo && s.Path == "" && fl.Env == "" {
		s.Env.Name = "demo"
	}
	return s, nil
}

// EnvNames lists the environments of the file, sorted.
func (s Settings) EnvNames() []string {
	var names []string
	for n := range s.File.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// oneLine puts a parser's message on one line, with every quoted value
// in it capped (a 50 MB value must not be echoed into an error).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return capQuoted(s)
}

// quotedRun is a value the YAML parser quotes in its messages.
var quotedRun = regexp.MustCompile("`[^`]*`|\"[^\"]*\"")

func capQuoted(s string) string {
	s = quotedRun.ReplaceAllStringFunc(s, func(q string) string {
		if len(q) <= maxQuoted+2 {
			return q
		}
		return sanitize.Truncate(q[:len(q)-1], maxQuoted) + q[len(q)-1:]
	})
	return sanitize.Truncate(s, 8*maxQuoted)
}

// quote renders a value of the file for an error: quoted, at most 80
// bytes (then "…").
func quote(s string) string {
	return strconv.Quote(sanitize.Truncate(s, maxQuoted))
}

// readFile reads the configuration file: a regular file of at most
// MaxFileSize. A FIFO, device or directory is refused (opened without
// blocking, so a FIFO with no writer cannot hang the console).
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (%s)", ErrBadConfig, path, fi.Mode().Type())
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than a configuration file may be (%d)", ErrBadConfig, path, fi.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadConfig, path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s grew past %d bytes while read", ErrBadConfig, path, MaxFileSize)
	}
	return data, nil
}

// safetyKeys are the settings that must never default open: present
// without a value they are an error, not false.
var safetyKeys = []string{"readonly"}

// checkSafety walks the document for a safety key with no value (null).
func checkSafety(n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkSafety(c); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			val := v // an alias's value, for the null check only
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				val = v.Alias
			}
			if slices.Contains(safetyKeys, k.Value) && val.Kind == yaml.ScalarNode && val.ShortTag() == "!!null" {
				return fmt.Errorf("%w: line %d: %s has no value: say true or false (a safety setting never defaults to false)", ErrBadConfig, k.Line, k.Value)
			}
			// Not into an alias's target: it is checked where it is defined,
			// and an alias may point at its own ancestor (a cycle).
			if err := checkSafety(v); err != nil {
				return err
			}
		}
	case yaml.AliasNode:
		// An alias's target is checked where it is defined.
	}
	return nil
}
