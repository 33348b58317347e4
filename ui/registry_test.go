package ui

import (
	"testing"

	"github.com/opsconsole/console/ui/pages"
)

// TestRegistry checks the page registry the shell is built from: each
// view's page answers to the registry's name, every palette word (names
// and aliases) is taken once, and the tabs follow the registry's order.
func TestRegistry(t *testing.T) {
	m := goldenModel(t)
	views := pages.Views()
	if len(m.pages) != len(views) {
		t.Fatalf("%d pages for %d views", len(m.pages), len(views))
	}
	words := map[string]string{}
	for i, v := range views {
		if got := m.pages[i].Name(); got != v.Name {
			t.Errorf("tab %d: page %q, registry %q", i, got, v.Name)
		}
		if v.Help == "" {
			t.Errorf("view %s has no help line", v.Name)
		}
		for _, w := range append([]string{v.Name}, v.Aliases...) {
			if other, dup := words[w]; dup {
				t.Errorf("palette word %q names both %s and %s", w, other, v.Name)
			}
			words[w] = v.Name
			if c, err := m.palette.Parse(w); err != nil || c.Name != v.Name {
				t.Errorf(":%s = %+v, %v; want view %s", w, c, err, v.Name)
			}
		}
	}
}
