package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIDemoKubeEndToEnd runs the real binary on the demo at 80x24, as a
// new user first meets it: d on the crash-looping pod shows kubectl's
// describe of it (its state and the back-off event, found with the
// viewer's search), y its YAML, l its logs ending with the crash line and
// p the previous run's; :events lists the warnings; :cj lists
// the demo's CronJobs, and suspending one goes through the executor
// (preview, confirmation, audit) and shows in its describe.
func TestTUIDemoKubeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	lab.RequireProgram(t, "tmux")
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--demo", "--view", "pods")
	s.waitAll("the pods", "DEMO", "[Pods]")
	// The demo's crash-looping pod (recommendations' first: it runs a
	// moment between back-offs), named from its row, then filtered to.
	s.keys("/recommendations-", "Enter")
	scr := s.waitUntil("the crash-looping pod", func(scr string) bool { return lineWith(scr, "recommendations-", "CrashLoop") != "" })
	pod := strings.Fields(strings.TrimPrefix(lineWith(scr, "recommendations-", "CrashLoop"), "▸"))[1]
	s.keys("/", "C-u", pod, "Enter")
	s.waitUntil("the crash-looping pod selected", func(scr string) bool { return strings.Contains(selectedLine(scr), pod) })
	s.keys("d")
	s.waitAll("kubectl's describe of the pod", "describe pod ml/"+pod, "Controlled By:  ReplicaSet/", "Containers:")
	s.keys("/back-off", "Enter")
	s.waitAll("the back-off event found by the search (marked ▸)", "▸  Warning  BackOff", "Back-off restarting")
	s.keys("Escape")
	s.waitUntil("the viewer closed", func(scr string) bool {
		return strings.Contains(scr, "[Pods]") && !strings.Contains(scr, "describe pod ")
	})
	s.keys("y")
	s.waitAll("the pod's YAML", "yaml pod ", "apiVersion: v1", "kind: Pod")
	s.keys("Escape")
	s.waitUntil("the viewer closed", func(scr string) bool { return strings.Contains(scr, "[Pods]") && !strings.Contains(scr, "yaml pod ") })

	// l: its logs, read through the same client calls as a cluster's,
	// end with the crash line; p: the run before ended the same way.
	s.keys("l")
	s.waitAll("the pod's logs, the crash line last", "Logs pod ml/"+pod, `level=fatal msg="cannot start"`)
	s.keys("p")
	s.waitAll("the previous container's logs, from the top", "previous container", `msg="starting"`)
	s.keys("G")
	s.waitAll("the previous run's last line", "previous container", `level=fatal msg="cannot start"`)
	s.keys("Escape")
	s.waitUntil("the logs closed", func(scr string) bool { return strings.Contains(scr, "[Pods]") && !strings.Contains(scr, "Logs pod ") })

	// L on a span of the demo's failing checkout: the logs of the pod that
	// served it (its k8s.* resource attributes), the trace's line marked;
	// esc goes back to the trace, and again to the list.
	s.keys(":traces", "Enter")
	s.waitAll("the demo's traces", "[Traces]", "GET /checkout")
	s.keys("/GET /checkout", "Enter")
	scr = s.waitUntil("the failing checkout listed", func(scr string) bool { return lineWith(scr, "GET /checkout", "✗") != "" })
	failing := strings.Fields(strings.TrimPrefix(lineWith(scr, "GET /checkout", "✗"), "▸"))[0]
	s.keys("/", "C-u", failing, "Enter")
	s.waitUntil("the failing trace selected", func(scr string) bool { return strings.Contains(selectedLine(scr), failing) })
	s.keys("Enter")
	s.waitAll("the trace's report", "trace "+failing, "error origin:")
	s.keys("n") // the first span in error: the root, served by a frontend pod
	s.waitAll("the first error selected", "error 1 of")
	s.keys("L")
	s.waitUntil("the root span's pod's lines, the trace's marked", func(scr string) bool {
		return strings.Contains(scr, "Logs pod shop/frontend-") && strings.Contains(lineWith(scr, "trace_id="+failing), "▌")
	})
	s.backFromSpanLogs(failing)

	s.keys(":events", "Enter")
	s.waitAll("the demo's events", "[Events]", "! Warning", "BackOff")

	s.keys(":cj", "Enter")
	s.waitAll("the demo's cronjobs", "[Jobs]", "nightly-report", "cert-renew")
	s.keys("/nightly", "Enter")
	s.waitUntil("nightly-report selected", func(scr string) bool { return strings.Contains(selectedLine(scr), "nightly-report") })
	s.pickAction("suspend")
	s.waitAll("the suspend's preview", "press y to confirm")
	s.keys("y")
	s.waitAll("the suspend done", "suspend on cronjob/shop/nightly-report: succeeded")
	// (the run's output is shown in the Actions view) back to the
	// CronJob: its describe says it is suspended
	s.keys(":cj", "Enter")
	s.waitUntil("nightly-report selected", func(scr string) bool {
		return strings.Contains(scr, "[Jobs]") && strings.Contains(selectedLine(scr), "nightly-report")
	})
	s.keys("d")
	s.waitAll("the cronjob described suspended", "describe cronjobs.batch shop/nightly-report", "Suspend:                       True")
	waitAudit(t, filepath.Join(filepath.Dir(bin), "state", "console", "audit.jsonl"), func(es []actions.AuditEntry) bool {
		return slices.ContainsFunc(es, func(e actions.AuditEntry) bool {
			return e.Action == "suspend" && e.Result == actions.StatusSucceeded && e.Target == "cronjob/shop/nightly-report"
		})
	})
	s.keys("Escape")
	s.waitUntil("the viewer closed", func(scr string) bool { return !strings.Contains(scr, "describe cronjobs.batch") })
	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}
