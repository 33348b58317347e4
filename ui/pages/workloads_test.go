package pages

import (
	"testing"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
)

func TestWorkloadHealth(t *testing.T) {
	cases := []struct {
		name           string
		desired, ready int
		want           int
	}{
		{"all ready", 3, 3, providers.HealthOK},
		{"scaled to zero", 0, 0, providers.HealthOK},
		{"some ready", 3, 2, providers.HealthWarn},
		{"none ready", 3, 0, providers.HealthBad},
	}
	for _, c := range cases {
		if got := workloadHealth(&providers.Workload{Desired: c.desired, Ready: c.ready}); got != c.want {
			t.Errorf("%s: health %d, want %d", c.name, got, c.want)
		}
	}
}

// TestPodsOfFilter: the filter keeps a workload's pods and no other's,
// whatever their names (a longer workload name, another namespace, another
// cluster, the same name as another kind).
func TestPodsOfFilter(t *testing.T) {
	inv := &providers.Inventory{Pods: []providers.Pod{
		{Namespace: "shop", Name: "web-7d9f-abcde", Cluster: "prod", Owner: "Deployment/web", Phase: "Running", Node: "n1"},
		{Namespace: "shop", Name: "web-7d9f-fghij", Cluster: "prod", Owner: "Deployment/web", Phase: "Pending"},
		{Namespace: "shop", Name: "web-api-5c-xyz", Cluster: "prod", Owner: "Deployment/web-api", Phase: "Running"},
		{Namespace: "shop2", Name: "web-7d9f-klmno", Cluster: "prod", Owner: "Deployment/web", Phase: "Running"},
		{Namespace: "shop", Name: "web-7d9f-pqrst", Cluster: "staging", Owner: "Deployment/web", Phase: "Running"},
		{Namespace: "shop", Name: "web-0", Cluster: "prod", Owner: "StatefulSet/web", Phase: "Running"},
		{Namespace: "shop", Name: "lonely", Cluster: "prod", Phase: "Running"},
	}}
	d := buildPods(&Input{Inv: inv})
	cases := []struct {
		cluster, ns, kind, name string
		want                    []int
	}{
		{"prod", "shop", "Deployment", "web", []int{0, 1}},
		{"prod", "shop", "Deployment", "web-api", []int{2}},
		{"prod", "shop2", "Deployment", "web", []int{3}},
		{"staging", "shop", "Deployment", "web", []int{4}},
		{"prod", "shop", "StatefulSet", "web", []int{5}},
		{"prod", "shop", "DaemonSet", "web", nil},
	}
	for _, c := range cases {
		f := common.ParseFilter(PodsOfFilter(c.cluster, c.ns, c.kind, c.name))
		if f.Err != "" {
			t.Fatalf("%v: %s", c, f.Err)
		}
		got := f.Apply(d.texts, nil)
		if len(got) != len(c.want) {
			t.Errorf("%s/%s %s/%s keeps %v, want %v", c.cluster, c.ns, c.kind, c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s/%s %s/%s keeps %v, want %v", c.cluster, c.ns, c.kind, c.name, got, c.want)
				break
			}
		}
	}
}

// TestWorkloadsOf: each workload of the kind gets the pods it owns in its
// cluster and namespace; other kinds are left out.
func TestWorkloadsOf(t *testing.T) {
	inv := &providers.Inventory{
		Workloads: []providers.Workload{
			{Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "prod"},
			{Kind: "StatefulSet", Namespace: "shop", Name: "web", Cluster: "prod"},
			{Kind: "Deployment", Namespace: "shop", Name: "web", Cluster: "staging"},
		},
		Pods: []providers.Pod{
			{Namespace: "shop", Name: "a", Cluster: "prod", Owner: "Deployment/web", Restarts: 2},
			{Namespace: "shop", Name: "b", Cluster: "staging", Owner: "Deployment/web", Restarts: 1},
			{Namespace: "shop", Name: "c", Cluster: "prod", Owner: "StatefulSet/web"},
			{Namespace: "shop", Name: "d", Cluster: "prod", Owner: "Deployment/web", Restarts: 3},
		},
	}
	ws := workloadsOf(inv, "Deployment")
	if len(ws) != 2 {
		t.Fatalf("%d deployments, want 2", len(ws))
	}
	for _, c := range []struct {
		i        int
		pods     string
		restarts int
	}{{0, "ad", 5}, {1, "b", 1}} {
		var names string
		for _, p := range ws[c.i].pods {
			names += p.Name
		}
		if names != c.pods || ws[c.i].restarts() != c.restarts {
			t.Errorf("deployment %d: pods %q restarts %d, want %q %d", c.i, names, ws[c.i].restarts(), c.pods, c.restarts)
		}
	}
}
