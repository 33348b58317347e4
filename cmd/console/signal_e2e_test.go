package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// slowProvisioned is a stack whose apply blocks in a local-exec
// provisioner (sh -c "sleep N") while terraform holds the state lock, with
// a sensitive variable whose value lands in the saved plan.
func slowProvisioned(marker int) string {
	return fmt.Sprintf(`variable "db_password" {
  type      = string
  sensitive = true
  default   = "Sup3rS3cret-pw"
}

resource "terraform_data" "fast" { input = "fast" }

resource "terraform_data" "slow" {
  input = sha256(var.db_password)
  provisioner "local-exec" { command = "echo provisioning; sleep %d" }
}
`, marker)
}

// procsMatching lists live (non-zombie) processes whose command line
// contains s or whose working directory is dir.
func procsMatching(s, dir string) []string {
	var out []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		line := strings.ReplaceAll(string(cmd), "\x00", " ")
		if strings.Contains(line, s) || cwd == dir {
			out = append(out, e.Name()+" "+line)
		}
	}
	return out
}

// noneLeft checks that no process whose command line holds s or whose
// working directory is dir is left. A process the console killed as it
// exited may take a moment to die on a loaded machine (it is not "left"):
// the check allows it 10 seconds; a process really left behind (a sleep of
// hours) is still there then.
func noneLeft(t *testing.T, when, s, dir string) {
	t.Helper()
	lab.WaitFor(t, "no process left "+when, 10*time.Second, func() (bool, string) {
		left := procsMatching(s, dir)
		return len(left) == 0, strings.Join(left, "\n")
	})
}

// TestSignalsCancelRealApply runs the real binary's `action apply --yes`
// on a terraform stack blocked in a slow provisioner, sends it SIGHUP (the
// SSH session dropping), SIGTERM or SIGINT, and checks what is left: no
// process (terraform, sh, sleep), no lock, no saved plan, a consistent
// state (the half-provisioned resource tainted or absent), exactly one
// outcome per attempt in the audit, "cancelled" with the signal.
func TestSignalsCancelRealApply(t *testing.T) {
	lab.RequireProgram(t, "terraform")
	work := t.TempDir()
	bin, err := buildConsole(work)
	if err != nil {
		t.Fatal(err)
	}
	for i, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			stack := filepath.Join(dir, "stack")
			marker := 31700 + i + os.Getpid()%1000*10
			if err := lab.WriteFiles(stack, map[string]string{"main.tf": slowProvisioned(marker)}); err != nil {
				t.Fatal(err)
			}
			audit := filepath.Join(dir, "audit", "audit.jsonl")
			cfg := filepath.Join(dir, "console.yaml")
			conf := fmt.Sprintf("default_env: lab\naudit_log: %s\nenvironments:\n  lab:\n    terraform:\n      - name: lab\n        dir: stack\n", audit)
			if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			runDir := filepath.Join(dir, "run")
			cmd := exec.Command(bin, "--config", cfg, "action", "apply", "--stack", "lab", "--yes", "--json")
			cmd.Env = append(os.Environ(), append(lab.TerraformEnv(), "XDG_RUNTIME_DIR="+runDir, "XDG_STATE_HOME="+filepath.Join(dir, "state"))...)
			var stdout, stderr lockedBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			sleep := fmt.Sprintf("sleep %d", marker)
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			lab.WaitFor(t, "the provisioner", 3*time.Minute, func() (bool, string) {
				select {
				case err := <-exited:
					t.Fatalf("console exited (%v) before the provisioner ran:\n%s", err, stderr.String())
				default:
				}
				return strings.Contains(stderr.String(), "provisioning") && len(procsMatching(sleep, "\x00")) > 0, stderr.String()
			})
			plans, _ := filepath.Glob(filepath.Join(runDir, "console", "*.tfplan"))
			if len(plans) != 1 {
				t.Errorf("saved plans in the private directory while applying: %v", plans)
			}
			if fi, err := os.Stat(filepath.Join(runDir, "console")); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("private directory: %v, %v", fi, err)
			}

			signalCancels(t, cmd, exited, sig, &stderr)

			// No process left: terraform, its provider, sh, sleep.
			noneLeft(t, "after "+sig.String(), sleep, stack)
			// No saved plan (it holds the variables' values).
			if plans, _ := filepath.Glob(filepath.Join(runDir, "console", "*")); len(plans) != 0 {
				t.Errorf("files left in the private directory: %v", plans)
			}
			if tmp, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("console-%d-*", cmd.Process.Pid))); len(tmp) != 0 {
				t.Errorf("plan files in %s: %v", os.TempDir(), tmp)
			}
			// No lock, and the state is consistent: a plan runs, the fast
			// resource is recorded and the slow one is tainted or absent.
			if out, err := lab.TerraformRun(t.Context(), stack, "plan", "-input=false", "-no-color", "-lock-timeout=0s", "-var", "db_password=Sup3rS3cret-pw"); err != nil {
				t.Errorf("plan after %s (lock left?): %v\n%s", sig, err, out)
			}
			show, err := lab.TerraformRun(t.Context(), stack, "show", "-json")
			if err != nil {
				t.Fatal(err)
			}
			var state struct {
				Values struct {
					RootModule struct {
						Resources []struct {
							Address string `json:"address"`
							Tainted bool   `json:"tainted"`
						} `json:"resources"`
					} `json:"root_module"`
				} `json:"values"`
			}
			brace := strings.IndexByte(show, '{')
			if brace < 0 {
				t.Fatalf("terraform show -json printed no JSON:\n%s", show)
			}
			if err := json.Unmarshal([]byte(show[brace:]), &state); err != nil {
				t.Fatalf("terraform show -json: %v\n%s", err, show)
			}
			for _, r := range state.Values.RootModule.Resources {
				t.Logf("state after %s: %s tainted=%v", sig, r.Address, r.Tainted)
				if r.Address == "terraform_data.slow" && !r.Tainted {
					t.Errorf("the half-provisioned resource is recorded untainted after %s", sig)
				}
			}

			// Exactly one outcome per attempt, cancelled with the signal,
			// after a "started" record written before the apply.
			raw := auditCancelledOnce(t, audit, sig)
			if strings.Contains(raw, "Sup3rS3cret-pw") {
				t.Error("the sensitive variable's value reached the audit log")
			}
			var res actionJSON
			if err := json.Unmarshal([]byte(stdout.String()), &res); err != nil || res.Status != actions.StatusCancelled {
				t.Errorf("result on stdout: %v %s", err, stdout.String())
			}
		})
	}
}

// signalCancels sends sig to the running console and checks it exits
// with the cancelled status within two minutes.
func signalCancels(t *testing.T, cmd *exec.Cmd, exited <-chan error, sig syscall.Signal, stderr *lockedBuffer) {
	t.Helper()
	sent := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var werr error
	select {
	case werr = <-exited:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("console still running 2 minutes after %s:\n%s", sig, stderr.String())
	}
	t.Logf("%s: console exited %v after %s", sig, werr, time.Since(sent).Round(time.Millisecond))
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || ee.ExitCode() != exitCancelled {
		t.Errorf("exit %v, want status %d; stderr:\n%s", werr, exitCancelled, stderr.String())
	}
}

// auditCancelledOnce checks the audit log holds one attempt, cancelled
// naming sig, written as a "started" line then its outcome; it returns
// the raw log.
func auditCancelledOnce(t *testing.T, audit string, sig syscall.Signal) string {
	t.Helper()
	es, bad, err := actions.ReadAudit(audit, 0)
	if err != nil || bad != 0 {
		t.Fatalf("audit: %v (%d bad lines)", err, bad)
	}
	if len(es) != 1 || es[0].Result != actions.StatusCancelled || !strings.Contains(es[0].Error, sigName(sig)) {
		t.Errorf("audit entries %+v, want one cancelled naming %s", es, sigName(sig))
	}
	raw, _ := os.ReadFile(audit)
	if n := strings.Count(string(raw), "\n"); n != 2 || !strings.Contains(string(raw), `"result":"started"`) {
		t.Errorf("raw audit (want started + cancelled):\n%s", raw)
	}
	return string(raw)
}

func sigName(s syscall.Signal) string {
	switch s {
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGTERM:
		return "SIGTERM"
	default:
		return "SIGINT"
	}
}

// TestTUISessionDropCancelsApply runs the TUI in tmux, starts an apply
// of a stack blocked in a slow provisioner from the Stacks view, then
// kills the tmux session (the SSH drop: the pty goes away and the console
// gets SIGHUP). The console must cancel the run through the executor and
// leave no process, lock or plan file, and one cancelled audit outcome.
func TestTUISessionDropCancelsApply(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "terraform")
	lab.RequireProgram(t, "tmux")
	work := t.TempDir()
	bin, err := buildConsole(work)
	if err != nil {
		t.Fatal(err)
	}
	marker := 32700 + os.Getpid()%1000
	stack := filepath.Join(work, "stack")
	if err := lab.WriteFiles(stack, map[string]string{"main.tf": slowProvisioned(marker)}); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(work, "audit.jsonl")
	cfg := filepath.Join(work, "console.yaml")
	// demo: the environment needs a source besides its stack.
	conf := fmt.Sprintf("default_env: lab\naudit_log: %s\nenvironments:\n  lab:\n    demo: true\n    terraform:\n      - name: lab\n        dir: stack\n", audit)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(work, "run")
	s, _ := startInTmux(t, bin, 160, 48, append(lab.TerraformEnv(), "XDG_RUNTIME_DIR="+runDir), "--config", cfg)
	s.waitAll("the console", "Topology")
	s.run("send-keys", "-t", "console", ":stacks", "Enter")
	s.waitAll("the stack's summary", "WORKSPACE", "unknown")
	s.run("send-keys", "-t", "console", "a")
	s.waitAll("the offers", "Actions for stack/lab", "apply")
	s.run("send-keys", "-t", "console", "Down", "Enter")
	s.waitAll("the plan and the prompt", "press y to confirm")
	s.run("send-keys", "-t", "console", "y")
	sleep := fmt.Sprintf("sleep %d", marker)
	lab.WaitFor(t, "the provisioner", 3*time.Minute, func() (bool, string) {
		return len(procsMatching(sleep, "\x00")) > 0, "screen:\n" + s.capture()
	})
	consoles := procsMatching(bin+" --config", "\x00")
	if len(consoles) == 0 {
		t.Fatal("the console process is not found")
	}

	s.run("kill-session", "-t", "console") // the SSH session drops
	lab.WaitFor(t, "the console's exit after the session closed", 2*time.Minute, func() (bool, string) {
		left := procsMatching(bin+" --config", "\x00")
		return len(left) == 0, strings.Join(left, "\n")
	})
	noneLeft(t, "after the session closed", sleep, stack)
	if files, _ := filepath.Glob(filepath.Join(runDir, "console", "*")); len(files) != 0 {
		t.Errorf("files left in the private directory: %v", files)
	}
	if out, err := lab.TerraformRun(t.Context(), stack, "plan", "-input=false", "-no-color", "-lock-timeout=0s"); err != nil {
		t.Errorf("plan after the drop (lock left?): %v\n%s", err, out)
	}
	es, bad, err := actions.ReadAudit(audit, 0)
	if err != nil || bad != 0 {
		t.Fatalf("audit: %v (%d bad lines)", err, bad)
	}
	if len(es) != 1 || es[0].Action != "apply" || es[0].Result != actions.StatusCancelled || !strings.Contains(es[0].Error, "SIGHUP") {
		t.Errorf("audit entries %+v, want one apply cancelled by SIGHUP", es)
	}
}

// TestSIGKILLedConsoleLeavesNoProcess: a console killed outright cannot
// cancel its run; the guard of the child's process group does (SIGINT,
// grace, SIGKILL of the group). No process is left, the state is not
// locked, the attempt's "started" line is its record, and the next
// console removes the dead one's saved plan.
func TestSIGKILLedConsoleLeavesNoProcess(t *testing.T) {
	lab.RequireProgram(t, "terraform")
	work := t.TempDir()
	bin, err := buildConsole(work)
	if err != nil {
		t.Fatal(err)
	}
	marker := 33700 + os.Getpid()%1000
	stack := filepath.Join(work, "stack")
	if err := lab.WriteFiles(stack, map[string]string{"main.tf": slowProvisioned(marker)}); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(work, "audit.jsonl")
	runDir := filepath.Join(work, "run")
	env := append(os.Environ(), append(lab.TerraformEnv(), "XDG_RUNTIME_DIR="+runDir, "XDG_STATE_HOME="+filepath.Join(work, "state"))...)
	cfg := filepath.Join(work, "console.yaml")
	conf := fmt.Sprintf("default_env: lab\naudit_log: %s\nenvironments:\n  lab:\n    terraform:\n      - name: lab\n        dir: stack\n", audit)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg, "action", "apply", "--stack", "lab", "--yes")
	cmd.Env = env
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sleep := fmt.Sprintf("sleep %d", marker)
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lab.WaitFor(t, "the provisioner", 3*time.Minute, func() (bool, string) {
		return len(procsMatching(sleep, "\x00")) > 0, stderr.String()
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	lab.WaitFor(t, "no process left after the console was SIGKILLed", time.Minute, func() (bool, string) {
		left := procsMatching(sleep, stack)
		return len(left) == 0, strings.Join(left, "\n")
	})
	if out, err := lab.TerraformRun(t.Context(), stack, "plan", "-input=false", "-no-color", "-lock-timeout=0s"); err != nil {
		t.Errorf("plan after SIGKILL (lock left?): %v\n%s", err, out)
	}
	es, _, err := actions.ReadAudit(audit, 0)
	if err != nil || len(es) != 1 || es[0].Result != actions.StatusStarted {
		t.Errorf("audit %+v (%v), want the lone started record", es, err)
	}
	// The next console that saves a plan removes the dead one's.
	if files, _ := filepath.Glob(filepath.Join(runDir, "console", "*.tfplan")); len(files) != 1 {
		t.Fatalf("saved plans after SIGKILL: %v, want the dead console's one", files)
	}
	next := exec.Command(bin, "--config", cfg, "action", "plan", "--stack", "lab")
	next.Env = env
	if out, err := next.CombinedOutput(); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if files, _ := filepath.Glob(filepath.Join(runDir, "console", "*")); len(files) != 0 {
		t.Errorf("the dead console's plan was not removed: %v", files)
	}
}

// TestTUIRestoresTheTerminalOnSIGHUP: SIGHUP sent by hand while the
// terminal is still there: the TUI quits like q, so the alternate screen,
// mouse reporting and the hidden cursor are all undone.
func TestTUIRestoresTheTerminalOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s, wait := startConsole(t, "--demo")
	s.waitAll("the demo", "Topology")
	modes := func() string {
		return strings.TrimSpace(s.run("display-message", "-p", "-t", "console", "#{alternate_on} #{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag} #{cursor_flag}"))
	}
	if got := modes(); !strings.HasPrefix(got, "1 ") {
		t.Fatalf("the TUI is not on the alternate screen: %q", got)
	}
	consoles := procsMatching("--demo", "\x00")
	var pid int
	for _, p := range consoles {
		if f := strings.Fields(p); len(f) > 1 && strings.HasSuffix(f[1], "/console") {
			pid, _ = strconv.Atoi(f[0])
		}
	}
	if pid == 0 {
		t.Fatalf("console process not found in %v", consoles)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if got := wait(); got != "EXIT=0" {
		t.Errorf("exit %q, want EXIT=0 (nothing was running)", got)
	}
	if got := modes(); got != "0 000 1" {
		t.Errorf("terminal modes after SIGHUP %q, want \"0 000 1\" (main screen, no mouse reporting, cursor shown)", got)
	}
}
