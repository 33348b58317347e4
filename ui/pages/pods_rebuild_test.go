package pages

import (
	"slices"
	"testing"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/components/table"
)

// TestRebuildPodsReusesUnchangedRows: a build given the one before takes
// the cells of each pod shown the same at the same place (the same
// strings, not a copy) and builds the others anew; either way the rows
// and filter texts are those a build from nothing makes.
func TestRebuildPodsReusesUnchangedRows(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	pods := []providers.Pod{
		{Namespace: "shop", Name: "web-1", Cluster: "prod", Phase: "Running", Ready: true, Node: "n1", Owner: "Deployment/web", Created: now.Add(-3 * time.Hour)},
		{Namespace: "shop", Name: "web-2", Cluster: "prod", Phase: "Running", Ready: true, Node: "n2", Owner: "Deployment/web", Created: now.Add(-3 * time.Hour)},
		{Namespace: "shop", Name: "db-0", Cluster: "prod", Phase: "Running", Ready: true, Node: "n3", Owner: "StatefulSet/db", Created: now.Add(-50 * time.Second)},
	}
	prev := buildPods(&Input{Inv: &providers.Inventory{Pods: pods}, Now: now})
	tests := []struct {
		name   string
		change func(ps []providers.Pod) []providers.Pod
		now    time.Time
		reused []bool // per row of the new build
	}{
		{"nothing changed", func(ps []providers.Pod) []providers.Pod { return ps }, now, []bool{true, true, true}},
		{"a restart", func(ps []providers.Pod) []providers.Pod { ps[1].Restarts = 1; return ps }, now, []bool{true, false, true}},
		{"not ready any more", func(ps []providers.Pod) []providers.Pod { ps[0].Ready = false; return ps }, now, []bool{false, true, true}},
		{"another cluster, the same name", func(ps []providers.Pod) []providers.Pod { ps[2].Cluster = "staging"; return ps }, now, []bool{true, true, false}},
		{"a pod inserted first", func(ps []providers.Pod) []providers.Pod {
			return append([]providers.Pod{{Namespace: "shop", Name: "new", Phase: "Pending", Created: now}}, ps...)
		}, now, []bool{false, false, false, false}},
		{"a minute later (the young pod's age moves)", func(ps []providers.Pod) []providers.Pod { return ps }, now.Add(time.Minute), []bool{true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &Input{Inv: &providers.Inventory{Pods: tc.change(slices.Clone(pods))}, Now: tc.now}
			got, want := rebuildPods(in, prev), buildPods(in)
			if !slices.EqualFunc(got.rows, want.rows, sameRow) || !slices.Equal(got.texts, want.texts) {
				t.Fatalf("rows %v texts %q, a build from nothing: %v %q", got.rows, got.texts, want.rows, want.texts)
			}
			for i, r := range got.rows {
				shared := i < len(prev.rows) && &r.Cells[0] == &prev.rows[i].Cells[0]
				if shared != tc.reused[i] {
					t.Errorf("row %d (%s): reused %v, want %v", i, r.Key, shared, tc.reused[i])
				}
			}
		})
	}
}

func sameRow(a, b table.Row) bool {
	return a.Key == b.Key && a.Health == b.Health && slices.Equal(a.Cells, b.Cells)
}
