package ui

import (
	"slices"
	"testing"

	"github.com/opsconsole/console/providers"
)

// TestNarrowKube: a context and a namespace keep only their own
// namespaced objects of every kind, nodes of the context, cluster-scoped
// events of the context; "" keeps every one.
func TestNarrowKube(t *testing.T) {
	inv := &providers.Inventory{
		Nodes: []providers.Node{{Cluster: "a", Name: "n1"}, {Cluster: "b", Name: "n2"}},
		Pods:  []providers.Pod{{Cluster: "a", Namespace: "shop", Name: "p1"}, {Cluster: "a", Namespace: "ops", Name: "p2"}, {Cluster: "b", Namespace: "shop", Name: "p3"}},
		Workloads: []providers.Workload{{Cluster: "a", Namespace: "shop", Name: "w1"}, {Cluster: "b", Namespace: "shop", Name: "w2"},
			{Cluster: "a", Namespace: "ops", Name: "w3"}},
		Services:     []providers.Service{{Cluster: "a", Namespace: "shop", Name: "s1"}, {Cluster: "a", Namespace: "ops", Name: "s2"}, {Cluster: "b", Namespace: "shop", Name: "s3"}},
		VolumeClaims: []providers.VolumeClaim{{Cluster: "a", Namespace: "shop", Name: "c1"}, {Cluster: "b", Namespace: "shop", Name: "c2"}, {Cluster: "a", Namespace: "ops", Name: "c3"}},
		Events: []providers.Event{{Cluster: "a", Namespace: "shop", Reason: "e1"}, {Cluster: "a", Reason: "e2"}, {Cluster: "b", Reason: "e3"},
			{Cluster: "a", Namespace: "ops", Reason: "e4"}},
		Alarms: []providers.Alarm{{Name: "kept"}},
	}
	names := func(out *providers.Inventory) map[string][]string {
		m := map[string][]string{}
		for _, x := range out.Nodes {
			m["nodes"] = append(m["nodes"], x.Name)
		}
		for _, x := range out.Pods {
			m["pods"] = append(m["pods"], x.Name)
		}
		for _, x := range out.Workloads {
			m["workloads"] = append(m["workloads"], x.Name)
		}
		for _, x := range out.Services {
			m["services"] = append(m["services"], x.Name)
		}
		for _, x := range out.VolumeClaims {
			m["claims"] = append(m["claims"], x.Name)
		}
		for _, x := range out.Events {
			m["events"] = append(m["events"], x.Reason)
		}
		for _, x := range out.Alarms {
			m["alarms"] = append(m["alarms"], x.Name)
		}
		return m
	}
	for _, tc := range []struct {
		cluster, ns string
		want        map[string][]string
	}{
		{"", "", names(inv)},
		{"a", "shop", map[string][]string{"nodes": {"n1"}, "pods": {"p1"}, "workloads": {"w1"}, "services": {"s1"},
			"claims": {"c1"}, "events": {"e1", "e2"}, "alarms": {"kept"}}},
		{"", "shop", map[string][]string{"nodes": {"n1", "n2"}, "pods": {"p1", "p3"}, "workloads": {"w1", "w2"},
			"services": {"s1", "s3"}, "claims": {"c1", "c2"}, "events": {"e1", "e2", "e3"}, "alarms": {"kept"}}},
		{"b", "", map[string][]string{"nodes": {"n2"}, "pods": {"p3"}, "workloads": {"w2"}, "services": {"s3"},
			"claims": {"c2"}, "events": {"e3"}, "alarms": {"kept"}}},
	} {
		got := names(narrowKube(inv, tc.cluster, tc.ns))
		for kind, want := range tc.want {
			if !slices.Equal(got[kind], want) {
				t.Errorf("ctx %q ns %q: %s %v, want %v", tc.cluster, tc.ns, kind, got[kind], want)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("ctx %q ns %q: kinds %v, want %v", tc.cluster, tc.ns, got, tc.want)
		}
	}
}
