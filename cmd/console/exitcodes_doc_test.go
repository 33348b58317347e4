package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExitCodesDocumented: docs/exit-codes.md lists exactly the exit-code
// constants, and what it says of an action without --yes is what the
// binary does: a destructive one prints its plan and exits 0, having
// changed nothing.
func TestExitCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/exit-codes.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`(?m)^\| (\d+) \| ([^|]+) \|`).FindAllStringSubmatch(string(doc), -1)
	var documented []int
	for _, r := range rows {
		n, _ := strconv.Atoi(r[1])
		documented = append(documented, n)
	}
	consts := []int{exitOK, exitFailed, exitUsage, exitRefused, exitCancelled}
	if len(documented) != len(consts) {
		t.Fatalf("docs/exit-codes.md lists codes %v, the binary has %v", documented, consts)
	}
	for i, c := range consts {
		if documented[i] != c {
			t.Errorf("docs/exit-codes.md row %d is code %d, the constant is %d", i, documented[i], c)
		}
	}
	if strings.Contains(string(doc), "unconfirmed destructive action") {
		t.Error("docs/exit-codes.md still calls an unconfirmed destructive action a refusal")
	}

	isolate(t)
	code, out, errOut := cli(t, "--demo", "action", "do", "promote", "database/payments-aurora")
	if code != exitOK || !strings.Contains(out, "planned") || !strings.Contains(errOut, "not confirmed: nothing changed") {
		t.Errorf("a destructive action without --yes: exit %d, stdout %q, stderr %q; docs/exit-codes.md says 0 and planned", code, out, errOut)
	}
}

// TestDemoNeedsTheContext: the demo runs the same workloads in both
// clusters; a command that names one without --context is refused saying
// which clusters have it and how to name one, and works with --context.
func TestDemoNeedsTheContext(t *testing.T) {
	isolate(t)
	code, _, errOut := cli(t, "--demo", "action", "restart", "deployment/checkout", "-n", "shop")
	if code != exitRefused || !strings.Contains(errOut, "exists in demo-use1 and demo-euw1") || !strings.Contains(errOut, "--context") {
		t.Errorf("without --context: exit %d, %q", code, errOut)
	}
	if code, _, errOut = cli(t, "--demo", "--context", "demo-use1", "action", "restart", "deployment/checkout", "-n", "shop"); code != exitOK {
		t.Errorf("with --context demo-use1: exit %d, %q", code, errOut)
	}
}
