package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/pages"
)

// TestWorkloadViews: :deploy, :sts and :ds (and their aliases) open the
// workload views; the detail lists the workload's pods; enter on one with
// pods opens the Pods view filtered to exactly its pods (of its cluster),
// the cursor on the unhealthy one; esc clears the filter, then goes back.
func TestWorkloadViews(t *testing.T) {
	cases := []struct {
		name, open, filter string
		detail             []string
		// pods: the pods enter shows ("" enter opens the detail: no pods)
		pods       []string
		cursor     string
		notVisible []string
	}{
		{"a deployment with a crash-looping pod", ":deploy", "/checkout", []string{"! 3/4", "checkout-010", "CrashLoopBackOff", "registry.example/shop/checkout:1.4.0", "12 restarts"},
			[]string{"checkout-000", "checkout-001", "checkout-010", "checkout-011"}, "pod/prod-us-east-1/shop/checkout-010", []string{"checkout-100", "cart-000", "web-000"}},
		{"a deployment by its alias", ":deployments", "/web", []string{"✓ 4/4", "web-000"},
			[]string{"web-000", "web-001", "web-010", "web-011"}, "pod/prod-us-east-1/shop/web-000", []string{"web-100", "checkout-000"}},
		{"a statefulset without pods in the snapshot", ":sts", "/sessions", []string{"2/2", "redis:7.2"}, nil, "", nil},
		{"a daemonset by its alias", ":daemonsets", "/node-exporter", []string{"prom/node-exporter:v1.8.2"}, nil, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) { d.demo = false })
			typeText(m, c.open)
			press(m, "enter")
			view := m.active
			typeText(m, c.filter)
			press(m, "enter", "d")
			s := screen(m)
			for _, w := range c.detail {
				if !strings.Contains(s, w) {
					t.Errorf("the detail should show %q:\n%s", w, s)
				}
			}
			press(m, "esc", "enter")
			if c.pods == nil {
				if m.active != view {
					t.Fatalf("enter on a workload without pods should stay on %s, on %s", view, m.active)
				}
				return
			}
			if sel, _ := m.page().Selected(); m.active != "pods" || sel.Key != c.cursor {
				t.Fatalf("enter went to %s %q, want pods %q", m.active, sel.Key, c.cursor)
			}
			if got := m.page().Status(); !strings.HasSuffix(got, "/"+strconv.Itoa(len(c.pods))) {
				t.Errorf("the pods view should show %d pods, says %q:\n%s", len(c.pods), got, screen(m))
			}
			s = screen(m)
			for _, p := range c.pods {
				if !strings.Contains(s, p) {
					t.Errorf("the pods view should show %s:\n%s", p, s)
				}
			}
			for _, p := range c.notVisible {
				if strings.Contains(s, p) {
					t.Errorf("the pods view should not show %s:\n%s", p, s)
				}
			}
			press(m, "esc")
			if m.active != "pods" || m.filterText() != "" {
				t.Errorf("esc should clear the filter first: on %s, filter %q", m.active, m.filterText())
			}
			press(m, "esc")
			if m.active != view {
				t.Errorf("esc should go back to %s, on %s", view, m.active)
			}
		})
	}
}

// TestIngressView: :ing lists the Ingresses read from the source with
// their paths; the detail shows every path → backend; enter opens the
// first backend Service in the Services view; esc comes back.
func TestIngressView(t *testing.T) {
	cases := []struct {
		name, open, filter string
		detail             []string
		// svc is the row enter reaches in the Services view
		svc string
	}{
		{"with a default backend", ":ing", "/storefront", []string{"default → web:80", "shop.example.com/cart → cart:http", "shop.example.com/checkout → checkout:80", "80, 443", "nginx", "203.0.113.20"}, "service/prod-us-east-1/shop/web"},
		{"by its alias, no class", ":ingresses", "/admin", []string{"/ → admin:8080", "<none>"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) {
				d.demo = false
				d.kube = func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: "prod-us-east-1"}} }
			})
			typeText(m, c.open)
			press(m, "enter")
			if m.active != "ing" {
				t.Fatalf("%s opened %s", c.open, m.active)
			}
			typeText(m, c.filter)
			press(m, "enter")
			sel, _ := m.page().Selected()
			var s strings.Builder
			for _, f := range sel.Detail.Fields {
				s.WriteString(f.Key + ": " + f.Value + "\n")
			}
			for _, w := range c.detail {
				if !strings.Contains(s.String(), w) {
					t.Errorf("the detail should show %q:\n%s", w, s.String())
				}
			}
			press(m, "enter")
			if c.svc == "" { // admin's service is not in the snapshot: looked for a while, then said
				if m.active != "svc" || !strings.Contains(screen(m), "looking for service prod-us-east-1/shop/admin in the Svc view") {
					t.Errorf("enter on an ingress whose service is not shown yet should look for it:\n%s", screen(m))
				}
				for range jumpPatience {
					m.Update(tickMsg(frozen))
				}
				if !strings.Contains(screen(m), "not in the Svc view: service prod-us-east-1/shop/admin") {
					t.Errorf("enter on an ingress whose service is unknown should say so:\n%s", screen(m))
				}
				return
			}
			if sel, _ := m.page().Selected(); m.active != "svc" || sel.Key != c.svc {
				t.Fatalf("enter went to %s %q, want svc %q", m.active, sel.Key, c.svc)
			}
			press(m, "esc")
			if m.active != "ing" {
				t.Errorf("esc should go back to ing, on %s", m.active)
			}
		})
	}
}

// TestJobsView: :cj lists CronJobs and Jobs; enter on a CronJob shows its
// Jobs only (this view filtered); enter on a Job opens the Pods view
// filtered to its pods; esc clears the filter, then goes back.
func TestJobsView(t *testing.T) {
	m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) {
		d.demo = false
		d.kube = func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: "prod"}} }
	})
	typeText(m, ":cj")
	press(m, "enter")
	s := screen(m)
	if m.active != "jobs" || !strings.Contains(s, "0 2 * * *") || !strings.Contains(s, "✗ 0/1") || !strings.Contains(s, "✓ 1/3") || !strings.Contains(s, "✓ 1/1") {
		t.Fatalf(":cj should list the cronjobs and jobs (on %s):\n%s", m.active, s)
	}
	press(m, "enter") // the cursor on the CronJob: its jobs
	s = screen(m)
	if m.active != "jobs" || !strings.Contains(s, "nightly-report-2912") || !strings.Contains(s, "nightly-report-2911") || strings.Contains(s, "migrate-v42") ||
		!strings.Contains(s, "the jobs of cronjob shop/nightly-report") {
		t.Fatalf("enter on the cronjob should show its jobs only:\n%s", s)
	}
	if sel, _ := m.page().Selected(); sel.Key != "job/shop/nightly-report-2912" {
		t.Fatalf("the cursor should be on the first of its jobs, on %q", sel.Key)
	}
	press(m, "enter")
	if want := pages.PodsOfFilter("prod", "shop", "Job", "nightly-report-2912"); m.active != "pods" || m.filterText() != want {
		t.Fatalf("enter on a job should open the pods filtered by %q: on %s, filter %q", want, m.active, m.filterText())
	}
	press(m, "esc", "esc")
	if m.active != "jobs" {
		t.Errorf("esc twice should go back to jobs, on %s", m.active)
	}
}

// TestConfigMapsView: :cm lists the ConfigMaps with their keys, size and
// users; the detail shows sizes and values sanitised; enter opens the
// Pods view with exactly the pods that use it; a ConfigMap nobody uses
// has nowhere to go (enter shows its detail).
func TestConfigMapsView(t *testing.T) {
	cases := []struct {
		name, open, filter string
		row, detail        []string
		// pods are the pods enter shows ("" none: no jump)
		pods []string
	}{
		{"used by two pods", ":cm", "app-config", []string{"app.yaml,greeting,logo.png", "2.3KiB", "checkout-000 +1"},
			[]string{"app.yaml: 2.0KiB  log:   level: debug", "greeting: 5B  hello", "logo.png: 300B binary", "used_by: 2 pods", "-: checkout-000", "-: web-001"},
			[]string{"checkout-000", "web-001"}},
		{"by its alias, used by none", ":configmaps", "unused", []string{"shop", "1B"}, []string{"k: 1B  v", "used_by: 0 pods"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) {
				d.demo = false
				d.kube = func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: "prod-us-east-1"}} }
			})
			typeText(m, c.open)
			press(m, "enter")
			if m.active != "cm" {
				t.Fatalf("%s opened %s", c.open, m.active)
			}
			typeText(m, "/"+c.filter)
			press(m, "enter")
			s := screen(m)
			for _, w := range c.row {
				if !strings.Contains(s, w) {
					t.Errorf("the row should show %q:\n%s", w, s)
				}
			}
			sel, _ := m.page().Selected()
			var d strings.Builder
			for _, f := range sel.Detail.Fields {
				d.WriteString(f.Key + ": " + f.Value + "\n")
			}
			for _, w := range c.detail {
				if !strings.Contains(d.String(), w) {
					t.Errorf("the detail should show %q:\n%s", w, d.String())
				}
			}
			if strings.ContainsAny(d.String(), "\x1b\x07") {
				t.Errorf("the detail should not carry a control character:\n%q", d.String())
			}
			press(m, "enter")
			if c.pods == nil {
				if m.active != "cm" {
					t.Errorf("enter on an unused configmap should stay on cm, on %s", m.active)
				}
				return
			}
			if m.active != "pods" {
				t.Fatalf("enter should open the pods, on %s", m.active)
			}
			s = screen(m)
			for _, p := range c.pods {
				if !strings.Contains(s, p) {
					t.Errorf("the pods view should show %s:\n%s", p, s)
				}
			}
			for _, p := range []string{"web-000", "checkout-001", "cart-000"} {
				if strings.Contains(s, p) {
					t.Errorf("the pods view should not show %s (it does not use the configmap):\n%s", p, s)
				}
			}
			press(m, "esc", "esc")
			if m.active != "cm" {
				t.Errorf("esc twice should go back to cm, on %s", m.active)
			}
		})
	}
}

// TestIngressJumpKeepsItsContext: enter on an Ingress of one context
// reaches its Service in that context, not the same-named Service of
// another (the fixture has shop/web in both).
func TestIngressJumpKeepsItsContext(t *testing.T) {
	for _, cluster := range []string{"prod-us-east-1", "prod-eu-west-1"} {
		t.Run(cluster, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) {
				d.demo = false
				d.kube = func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: cluster}} }
			})
			typeText(m, ":ing")
			press(m, "enter")
			typeText(m, "/storefront")
			press(m, "enter", "enter")
			sel, _ := m.page().Selected()
			if m.active != "svc" || sel.Kube == nil || sel.Kube.Name != "web" || sel.Kube.Cluster != cluster {
				t.Errorf("enter went to %s %+v, want service shop/web of %s\n%s", m.active, sel.Kube, cluster, screen(m))
			}
		})
	}
}

// TestJumpWaitsForItsTarget: a jump whose target the page does not show
// yet (the Ingress's Service, created a moment ago) lands on it when a
// later snapshot brings it; a key typed while it waits ends the wait.
func TestJumpWaitsForItsTarget(t *testing.T) {
	for _, moved := range []bool{false, true} {
		t.Run(fmt.Sprintf("key typed while waiting %t", moved), func(t *testing.T) {
			snap := fixtureSnapshot()
			m := newTestModel(t, snap, nil, 160, 48, func(d *deps) {
				d.demo = false
				d.kube = func() []providers.KubeReader { return []providers.KubeReader{&fakeKube{cluster: "prod-us-east-1"}} }
			})
			typeText(m, ":ing")
			press(m, "enter")
			typeText(m, "/admin")
			press(m, "enter", "enter")
			if m.active != "svc" || !strings.Contains(screen(m), "looking for service prod-us-east-1/shop/admin") {
				t.Fatalf("the jump should wait for shop/admin:\n%s", screen(m))
			}
			if moved {
				press(m, "j")
			}
			next := *snap
			inv := *snap.Inv
			admin := inv.Services[1]
			admin.Cluster, admin.Namespace, admin.Name = "prod-us-east-1", "shop", "admin"
			inv.Services = append(slices.Clone(inv.Services), admin)
			next.Inv, next.Version = &inv, snap.Version+1
			_, cmd := m.Update(snapshotMsg{&next})
			drain(m, cmd)
			sel, _ := m.page().Selected()
			onAdmin := sel.Kube != nil && sel.Kube.Name == "admin"
			if onAdmin == moved {
				t.Errorf("on admin: %t after the snapshot bringing it (key typed meanwhile: %t)\n%s", onAdmin, moved, screen(m))
			}
			if !moved && !strings.Contains(screen(m), "service shop/admin behind ingress") {
				t.Errorf("the jump's note is not said:\n%s", screen(m))
			}
		})
	}
}
