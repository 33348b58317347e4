package ui

import (
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
)

// TestServicesAndClaimsViews: :svc and :pvc open the views; the detail of
// a service lists the pods behind it and enter reaches the one not ready;
// enter on a claim reaches the pod mounting it; esc comes back.
func TestServicesAndClaimsViews(t *testing.T) {
	cases := []struct {
		name, open, filter string
		detail             []string
		ref                string // the kind of the selection's action ref (ctrl+d, and F on a service)
		page, key          string
	}{
		{"a service with a pod not ready", ":svc", "/checkout", []string{"3/4 ready", "checkout-010", "not ready 100.64.2.3 on node-us-east-1b-0", "80/TCP → 8080"},
			"services", "pods", "pod/prod-us-east-1/shop/checkout-010"},
		{"a claim over 80% used", ":pvc", "/data-checkout", []string{"17.2Gi 86%", "ebs.csi.aws.com", "checkout-010", "/var/lib/data", "ReadWriteOnce"},
			"persistentvolumeclaims", "pods", "pod/prod-us-east-1/shop/checkout-010"},
		{"a claim by its alias", ":persistentvolumeclaims", "/data-cart", []string{"12.5Gi 25%", "gp3"}, "persistentvolumeclaims", "pods", "pod/prod-us-east-1/shop/cart-000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, fixtureSnapshot(), nil, 160, 48, func(d *deps) { d.demo = false })
			typeText(m, c.open)
			press(m, "enter")
			view := m.active
			typeText(m, c.filter)
			press(m, "enter")
			if sel, _ := m.page().Selected(); len(sel.Refs) != 1 || string(sel.Refs[0].Kind) != c.ref {
				t.Errorf("the selection's action refs %+v, want one of kind %s", sel.Refs, c.ref)
			}
			if s := screen(m); !strings.Contains(s, "ctrl+d") || !strings.Contains(s, "y yaml") && !strings.Contains(s, "y YAML") {
				t.Errorf("the footer should offer ctrl+d and y:\n%s", s)
			}
			press(m, "d")
			s := screen(m)
			for _, w := range c.detail {
				if !strings.Contains(s, w) {
					t.Errorf("the detail should show %q:\n%s", w, s)
				}
			}
			press(m, "esc", "enter")
			if sel, _ := m.page().Selected(); m.active != c.page || sel.Key != c.key {
				t.Errorf("enter went to %s %q, want %s %q", m.active, sel.Key, c.page, c.key)
			}
			press(m, "esc")
			if m.active != view {
				t.Errorf("esc should go back to %s, on %s", view, m.active)
			}
		})
	}
}

// TestSameNameInTwoContexts: the fixture's Service shop/web is in two
// contexts, two rows; the cursor put on the second context's stays on it
// when the view is left and shown again, and when a new snapshot moves
// the rows (a third context's shop/web listed first): row keys carry the
// context.
func TestSameNameInTwoContexts(t *testing.T) {
	snap := fixtureSnapshot()
	m := newTestModel(t, snap, nil, 160, 40, func(d *deps) { d.demo = false })
	typeText(m, ":svc")
	press(m, "enter")
	typeText(m, "/shop/web")
	press(m, "enter")
	cluster := func() string {
		sel, _ := m.page().Selected()
		if sel.Kube == nil || sel.Kube.Name != "web" {
			return ""
		}
		return sel.Kube.Cluster
	}
	first := cluster()
	press(m, "j")
	second := cluster()
	if first == "" || second == "" || first == second {
		t.Fatalf("the two services' contexts: %q then %q, want two\n%s", first, second, screen(m))
	}
	typeText(m, ":pods")
	press(m, "enter")
	typeText(m, ":svc")
	press(m, "enter")
	if got := cluster(); got != second {
		t.Errorf("back on :svc the cursor is on context %q's service, want %q's (where it was)\n%s", got, second, screen(m))
	}
	next := *snap
	inv := *snap.Inv
	var third providers.Service
	for _, s := range inv.Services {
		if s.Namespace == "shop" && s.Name == "web" {
			third = s
		}
	}
	third.Cluster = "staging"
	inv.Services = append([]providers.Service{third}, inv.Services...)
	next.Inv, next.Version = &inv, snap.Version+1
	_, cmd := m.Update(snapshotMsg{&next})
	drain(m, cmd)
	if got := cluster(); got != second {
		t.Errorf("after the rows moved the cursor is on context %q's service, want %q's\n%s", got, second, screen(m))
	}
}
