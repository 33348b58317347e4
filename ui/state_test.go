package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
)

// TestFavouriteNamespacesPersisted: :ns saves the favourite namespaces of
// the context shown in the state file (0600); a console started again
// reads them and 1 goes to the namespace; another context has its own
// list, saved beside the first.
func TestFavouriteNamespacesPersisted(t *testing.T) {
	snap, s := demoSnapshot(t, sim.Options{})
	pod := snap.Inv.Pods[0]
	path := filepath.Join(t.TempDir(), "state", "state.json")
	open := func() *Model {
		readers := []providers.KubeReader{&fakeKube{cluster: pod.Cluster}}
		st, err := readState(path)
		if err != nil {
			t.Fatal(err)
		}
		return newTestModel(t, snap, s, 200, 30, func(d *deps) {
			d.kube = func() []providers.KubeReader { return readers }
			d.kubeContexts = func() ([]string, error) { return []string{pod.Cluster, "lab2"}, nil }
			d.addKube = func(name string) error {
				readers = append(readers, &fakeKube{cluster: name})
				return nil
			}
			d.statePath, d.state = path, st
		})
	}

	m := open()
	press(m, "1")
	if !strings.Contains(screen(m), "no favourite namespace 1") {
		t.Fatalf("1 with no favourite yet:\n%s", screen(m))
	}
	for _, ns := range []string{"other", pod.Namespace} {
		typeText(m, ":ns "+ns)
		press(m, "enter")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("state file not written: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}

	m = open()
	if m.kscope.Namespace != "" {
		t.Errorf("a new console starts on every namespace, got %q", m.kscope.Namespace)
	}
	press(m, "2")
	if m.kscope.Namespace != "other" {
		t.Errorf("2 after a restart: namespace %q, want other", m.kscope.Namespace)
	}
	press(m, "1")
	if m.kscope.Namespace != pod.Namespace {
		t.Errorf("1 after a restart: namespace %q, want %s", m.kscope.Namespace, pod.Namespace)
	}

	// another context: its own favourites, saved beside the first's
	typeText(m, ":ctx lab2")
	press(m, "enter")
	press(m, "1")
	if !strings.Contains(screen(m), "no favourite namespace 1") {
		t.Errorf("lab2 has no favourite yet:\n%s", screen(m))
	}
	typeText(m, ":ns kube-system")
	press(m, "enter")
	st, err := readState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.FavouriteNamespaces["lab2"]; !slices.Equal(got, []string{"kube-system"}) {
		t.Errorf("lab2's favourites saved %v", got)
	}
	if got := st.FavouriteNamespaces[pod.Cluster]; !slices.Equal(got, []string{pod.Namespace, "other"}) {
		t.Errorf("%s's favourites saved %v", pod.Cluster, got)
	}
}

// TestReadStateBad: a missing file is an empty state; a file that is
// not JSON is an error said at start; entries that cannot be namespaces
// are dropped and a list is cut at nine.
func TestReadStateBad(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		wantErr       bool
		want          map[string][]string
	}{
		{"missing", "", false, map[string][]string{}},
		{"not json", "favourites: [a]", true, map[string][]string{}},
		{"empty and long names dropped", `{"favourite_namespaces": {"lab": ["", "a", "` + strings.Repeat("x", 300) + `"]}}`, false, map[string][]string{"lab": {"a"}}},
		{"cut at nine", `{"favourite_namespaces": {"lab": ["1","2","3","4","5","6","7","8","9","10"]}}`, false, map[string][]string{"lab": {"1", "2", "3", "4", "5", "6", "7", "8", "9"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			st, err := readState(path)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if len(st.FavouriteNamespaces) != len(tt.want) {
				t.Fatalf("got %v, want %v", st.FavouriteNamespaces, tt.want)
			}
			for k, v := range tt.want {
				if !slices.Equal(st.FavouriteNamespaces[k], v) {
					t.Errorf("%s: got %v, want %v", k, st.FavouriteNamespaces[k], v)
				}
			}
		})
	}
	m := newTestModel(t, nil, nil, 120, 30, func(d *deps) {
		_, d.stateErr = readState(filepath.Join(dir, "not-json.json"))
	})
	if !strings.Contains(screen(m), "favourite namespaces not read") {
		t.Errorf("an unreadable state file should be said at start:\n%s", screen(m))
	}
}
