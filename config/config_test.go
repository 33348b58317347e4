package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const sample = `
default_env: prod
environments:
  prod:
    readonly: true
    regions: [us-east-1, eu-west-1]
    aws: {profile: ops, refresh: 45s}
    kube:
      - {context: prod-us, region: us-east-1}
      - {context: prod-eu, region: eu-west-1}
    jaeger: jaeger.internal:16685
    terraform:
      - name: workers
        dir: ./infra/workers
        targets: {asg/workers-us: module.workers.aws_autoscaling_group.this}
  dev:
    regions: [eu-west-1]
`

func TestLoad(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	path := writeFile(t, sample)
	tests := []struct {
		name     string
		flags    Flags
		env      string
		demo     bool
		readonly bool
		regions  string
		contexts int
	}{
		{"default env", Flags{Config: path}, "prod", false, true, "us-east-1,eu-west-1", 2},
		{"env flag", Flags{Config: path, Env: "dev"}, "dev", false, false, "eu-west-1", 0},
		{"readonly flag", Flags{Config: path, Env: "dev", ReadOnly: true}, "dev", false, true, "eu-west-1", 0},
		{"regions flag overrides", Flags{Config: path, Regions: []string{"ap-south-1"}}, "prod", false, true, "ap-south-1", 2},
		{"context flags override", Flags{Config: path, Contexts: []string{"a", "b", "c"}}, "prod", false, true, "us-east-1,eu-west-1", 3},
		{"demo forced", Flags{Config: path, Demo: true}, "prod", true, true, "us-east-1,eu-west-1", 2},
		{"no file no flags is demo", Flags{}, "demo", true, false, "", 0},
		{"no file with kubeconfig is real", Flags{Kubeconfig: "/tmp/k"}, "default", false, false, "", 1},
		{"no file with jaeger is real", Flags{Jaeger: "127.0.0.1:16685"}, "default", false, false, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load(tc.flags)
			if err != nil {
				t.Fatal(err)
			}
			if s.Env.Name != tc.env || s.Demo != tc.demo || s.Env.ReadOnly != tc.readonly ||
				strings.Join(s.Env.Regions, ",") != tc.regions || len(s.Env.Kube) != tc.contexts {
				t.Fatalf("got env=%s demo=%v ro=%v regions=%v kube=%d", s.Env.Name, s.Demo, s.Env.ReadOnly, s.Env.Regions, len(s.Env.Kube))
			}
		})
	}
	s, _ := Load(Flags{Config: path})
	if got := s.Env.AWS.Refresh.Or(30 * time.Second); got != 45*time.Second {
		t.Fatalf("refresh = %v", got)
	}
	if s.Env.Terraform[0].Targets["asg/workers-us"] != "module.workers.aws_autoscaling_group.this" {
		t.Fatalf("terraform targets = %v", s.Env.Terraform[0].Targets)
	}
}

func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"unknown key", "environments:\n  x:\n    regoins: [a]\n", "regoins"},
		{"bad yaml", "environments: [\n", "bad configuration"},
		{"bad duration", "environments:\n  x:\n    aws: {refresh: soon}\n", "bad duration"},
		{"stack without dir", "environments:\n  x:\n    terraform: [{name: a}]\n", "needs name and dir"},
		{"default env missing", "default_env: nope\nenvironments:\n  x: {}\n", "not an environment"},
		{"empty schedule", "environments:\n  x:\n    terraform: [{name: a, dir: d, schedule: {time_zone: UTC}}]\n", "schedule needs teardown or recreate"},
		{"bad schedule cron", "environments:\n  x:\n    terraform: [{name: a, dir: d, schedule: {teardown: \"0 20 * FRI\"}}]\n", "teardown: cron \"0 20 * FRI\": want 5 fields"},
		{"bad schedule field", "environments:\n  x:\n    terraform: [{name: a, dir: d, schedule: {recreate: \"0 25 * * MON\"}}]\n", "recreate: cron \"0 25 * * MON\": hour: 25 is outside 0-23"},
		{"bad schedule zone", "environments:\n  x:\n    terraform: [{name: a, dir: d, schedule: {teardown: \"0 20 * * FRI\", time_zone: Mars/Olympus}}]\n", "time zone \"Mars/Olympus\""},
		{"unknown schedule key", "environments:\n  x:\n    terraform: [{name: a, dir: d, schedule: {teardown: \"0 20 * * FRI\", timezone: UTC}}]\n", "timezone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(Flags{Config: writeFile(t, tc.body)})
			if err == nil || !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadConfig containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
	if _, err := Load(Flags{Config: "/nonexistent/console.yaml"}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(Flags{Config: writeFile(t, sample), Env: "staging"}); err == nil || !strings.Contains(err.Error(), "have: dev, prod") {
		t.Fatalf("unknown env: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("environments: {a: {kube: [{}]}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error: %q", err)
		}
	})
}

func TestBadFilesRefused(t *testing.T) {
	huge := strings.Repeat("A", 1<<20)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"readonly without value", "environments:\n  prod:\n    readonly:\n    regions: [eu-west-1]\n", "readonly has no value"},
		{"readonly null", "environments:\n  prod:\n    readonly: null\n", "readonly has no value"},
		{"readonly tilde", "environments:\n  prod:\n    readonly: ~\n", "readonly has no value"},
		{"readonly alias of null", "x: &n null\nenvironments:\n  prod:\n    readonly: *n\n", "readonly has no value"},
		// Found by FuzzParse: an alias to its own ancestor overflowed the stack.
		{"alias to an ancestor", "&n\nenvironments:\n  prod:\n    readonly: *n\n", "cannot unmarshal"},
		{"second document", "environments:\n  prod:\n    readonly: true\n---\nenvironments:\n  prod:\n    readonly: false\n", "more than one YAML document"},
		{"huge value", "environments:\n  prod:\n    readonly: " + huge + "\n", "cannot unmarshal"},
		{"huge env name", "default_env: " + huge + "\nenvironments:\n  dev: {}\n", "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Flags{Config: writeFile(t, tt.body)})
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want ErrBadConfig containing %q", err, tt.want)
			}
			if len(err.Error()) > 1200 {
				t.Errorf("error is %d bytes long: values are not capped", len(err.Error()))
			}
		})
	}
	// readonly: false is explicit and fine.
	s, err := Load(Flags{Config: writeFile(t, "environments:\n  dev:\n    readonly: false\n    regions: [eu-west-1]\n")})
	if err != nil || s.Env.ReadOnly {
		t.Errorf("readonly: false → %v, %v", s.Env.ReadOnly, err)
	}
}

func TestNonRegularConfigRefused(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "config.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{fifo, t.TempDir(), "/dev/zero"} {
		// A FIFO with no writer must not hang; /dev/zero must not be read forever.
		if _, err := Load(Flags{Config: path}); !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Load(%s) = %v, want a not-a-regular-file error", path, err)
		}
	}
}

func TestRelativeAuditLogFollowsTheConfigFile(t *testing.T) {
	path := writeFile(t, "audit_log: logs/audit.jsonl\nenvironments:\n  dev:\n    regions: [eu-west-1]\n")
	s, err := Load(Flags{Config: path})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "logs", "audit.jsonl"); s.AuditLog != want {
		t.Errorf("audit log %q, want %q", s.AuditLog, want)
	}
}

func TestStackSchedule(t *testing.T) {
	body := "environments:\n  dev:\n    terraform:\n      - name: dev\n        dir: ./infra\n        schedule: {teardown: \"0 20 * * FRI\", recreate: \"0 7 * * MON\", time_zone: Europe/Berlin}\n"
	s, err := Load(Flags{Config: writeFile(t, body)})
	if err != nil {
		t.Fatal(err)
	}
	sc := s.Env.Terraform[0].Schedule
	if sc == nil || sc.Teardown != "0 20 * * FRI" || sc.Recreate != "0 7 * * MON" || sc.TimeZone != "Europe/Berlin" {
		t.Errorf("schedule %+v", sc)
	}
}

// TestServeApprovalExpiry: serve.approval_expiry is a positive duration
// (default 10m) or off; anything else is a clear error.
func TestServeApprovalExpiry(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		bad   bool
	}{
		{"", DefaultApprovalExpiry, false},
		{"approval_expiry: 5m", 5 * time.Minute, false},
		{"approval_expiry: off", 0, false},
		{"approval_expiry: 0s", 0, true},
		{"approval_expiry: soon", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			f, err := Parse([]byte("environments:\n  prod: {}\nserve:\n  " + tc.value + "\n"))
			if tc.bad {
				if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), "approval_expiry") {
					t.Fatalf("Parse = %v, want the bad approval_expiry", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := f.Serve.Approvals(); got != tc.want || err != nil {
				t.Fatalf("Approvals = %v, %v, want %v", got, err, tc.want)
			}
		})
	}
}
