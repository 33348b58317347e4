package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// complete runs `console __complete args...` (what the shell scripts run)
// and returns the completions.
func complete(t *testing.T, args ...string) []string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"__complete"}, args...), strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("__complete %v: exit %d: %s", args, code, errb.String())
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if strings.HasPrefix(line, ":") || line == "" {
			break // the directive ends the list
		}
		name, _, _ := strings.Cut(line, "\t")
		got = append(got, name)
	}
	return got
}

func demoInventory(t *testing.T) *providers.Inventory {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"--demo", "inventory", "--json"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("inventory: exit %d: %s", code, errb.String())
	}
	var inv providers.Inventory
	if err := json.Unmarshal(out.Bytes(), &inv); err != nil {
		t.Fatal(err)
	}
	return &inv
}

func TestCompletionFromConfig(t *testing.T) {
	dir := isolate(t)
	cfg := filepath.Join(dir, "console.yaml")
	conf := "default_env: dev\nenvironments:\n  dev:\n    demo: true\n    terraform:\n      - name: network\n        dir: stacks/network\n      - name: nodes\n        dir: stacks/nodes\n  prod:\n    demo: true\n    regions: [eu-west-1]\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(dir, "kubeconfig")
	kconf := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: lab-east\n  context: {cluster: c, user: u}\n- name: lab-west\n  context: {cluster: c, user: u}\ncurrent-context: lab-east\n"
	if err := os.WriteFile(kc, []byte(kconf), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--config", cfg, "--env", ""}, []string{"dev", "prod"}},
		{[]string{"--config", cfg, "--env", "p"}, []string{"prod"}},
		{[]string{"--config", cfg, "--env", "nosuch", "inventory", "--env", ""}, []string{"dev", "prod"}},
		{[]string{"--kubeconfig", kc, "--context", ""}, []string{"lab-east", "lab-west"}},
		{[]string{"--kubeconfig", kc, "--context", "lab-w"}, []string{"lab-west"}},
		{[]string{"--config", cfg, "action", "plan", "--stack", ""}, []string{"network", "nodes"}},
		{[]string{"--config", cfg, "action", "apply", "--stack", "ne"}, []string{"network"}},
		{[]string{"--config", cfg, "--env", "prod", "--regions", ""}, []string{"eu-west-1", "us-east-1"}},
	}
	for _, tc := range tests {
		if got := complete(t, tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestCompletionFromDemo(t *testing.T) {
	isolate(t)
	inv := demoInventory(t)

	var nodes []string
	for _, n := range inv.Nodes {
		nodes = append(nodes, "node/"+n.Name)
	}
	slices.Sort(nodes)
	if got := complete(t, "--demo", "action", "drain", ""); !slices.Equal(got, slices.Compact(nodes)) {
		t.Errorf("drain: %d names, want the %d nodes", len(got), len(nodes))
	}

	// restart takes workloads: every one offered is a demo workload of
	// the namespace asked for.
	workloads := map[string]string{}
	for _, w := range inv.Workloads {
		workloads[strings.ToLower(w.Kind)+"/"+w.Name] = w.Namespace
	}
	got := complete(t, "--demo", "action", "restart", "-n", "payments", "")
	if len(got) == 0 {
		t.Fatal("restart -n payments: no completions")
	}
	for _, g := range got {
		if workloads[g] != "payments" {
			t.Errorf("restart -n payments offers %q (namespace %q)", g, workloads[g])
		}
	}
	if ns := complete(t, "--demo", "action", "restart", "-n", "pay"); !slices.Equal(ns, []string{"payments"}) {
		t.Errorf("-n pay: %q", ns)
	}

	// do promote: replicas (and databases, which fail over to one), never
	// a primary.
	replicas := map[string]bool{}
	for _, d := range inv.Databases {
		replicas["database/"+d.Name] = true
		for _, m := range d.Members {
			if m.Role == providers.RoleReplica {
				replicas["member/"+m.Name] = true
			}
		}
	}
	got = complete(t, "--demo", "action", "do", "promote", "")
	if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, "member/") }) {
		t.Fatalf("do promote: no member in %q", got)
	}
	for _, g := range got {
		if !replicas[g] {
			t.Errorf("do promote offers %q, neither a replica nor a database", g)
		}
	}
	verbs := complete(t, "--demo", "action", "do", "")
	for _, v := range []actions.Verb{actions.VerbPromote, actions.VerbBackup, actions.VerbSetDesiredCapacity, actions.VerbDelete} {
		if !slices.Contains(verbs, string(v)) {
			t.Errorf("do: verbs %q lack %q", verbs, v)
		}
	}
	dbs := complete(t, "--demo", "action", "do", "promote", "-n", "")
	for _, d := range inv.Databases {
		if !slices.Contains(dbs, d.Name) {
			t.Errorf("do -n: %q lacks database %q", dbs, d.Name)
		}
	}

	services := complete(t, "--demo", "trace", "find", "--service", "")
	seen := map[string]bool{}
	for _, tr := range inv.Traces {
		seen[tr.Service] = true
	}
	for s := range seen {
		if !slices.Contains(services, s) {
			t.Errorf("trace find --service: %q lacks %q", services, s)
		}
	}
}
