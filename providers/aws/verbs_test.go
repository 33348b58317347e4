package aws

import (
	"context"
	"slices"
	"testing"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/sim"
)

// verbSet is the sorted, de-duplicated verbs of the actions.
func verbSet(as []actions.Action) []actions.Verb {
	var out []actions.Verb
	for _, a := range as {
		out = append(out, a.Spec().Name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestSameVerbsAsTheDemo: what a user learns on the demo works on AWS. The
// demo's autoscaling group, Aurora cluster and Aurora reader answer the
// same verbs as AWS's for objects in the same state (a group with room to
// grow and shrink, a cluster with a reader and an available snapshot).
// The one demo verb AWS does not offer, rebuild, comes on the real estate
// from a Terraform stack's targets (docs/actions.md).
func TestSameVerbsAsTheDemo(t *testing.T) {
	const region = "us-east-1"
	three, zero := 3, 0
	p, err := New(context.Background(), Options{Regions: []string{region}})
	if err != nil {
		t.Fatal(err)
	}
	p.last = &providers.Inventory{
		AutoscalingGroups: []providers.AutoscalingGroup{{Name: "workers", Region: region, Desired: 3, Min: 1, Max: 6},
			{Name: "dev", Region: region, Desired: 3, Min: 1, Max: 6, ScheduledActions: []providers.ScheduledAction{
				{Name: "up", Recurrence: "0 7 * * MON-FRI", Desired: &three}, {Name: "down", Recurrence: "0 20 * * FRI", Desired: &zero, Min: &zero}}}},
		Databases: []providers.Database{{Name: "payments", Engine: "aurora-postgresql", Region: region, Status: "available",
			Members: []providers.Member{{Name: "payments-1", Role: providers.RolePrimary}, {Name: "payments-2", Role: providers.RoleReplica}},
			Backups: []providers.Backup{{ID: "payments-snap", Status: "available"}}}},
	}
	p.good = map[string]*regionView{region: {region: region, clusters: map[string]bool{"payments": true}}}

	demo := sim.New(sim.Options{Seed: sim.DefaultSeed})
	inv := providers.Merge(demo.Snapshot())
	var demoReplica string
	for _, d := range inv.Databases {
		for _, m := range d.Members {
			if d.Name == "payments-aurora" && m.Role == providers.RoleReplica && demoReplica == "" {
				demoReplica = m.Name
			}
		}
	}
	terraformOnly := []actions.Verb{actions.VerbRebuild}

	tests := []struct {
		kind       actions.Kind
		demo, real actions.Ref
	}{
		{actions.KindASG, actions.Ref{Kind: actions.KindASG, Region: "eu-west-1", Name: "demo-euw1-workers"},
			actions.Ref{Kind: actions.KindASG, Name: "workers"}},
		{actions.KindASG + " with a schedule", actions.Ref{Kind: actions.KindASG, Region: "us-east-1", Name: "demo-use1-workers"},
			actions.Ref{Kind: actions.KindASG, Name: "dev"}},
		{actions.KindDatabase, actions.Ref{Kind: actions.KindDatabase, Name: "payments-aurora"},
			actions.Ref{Kind: actions.KindDatabase, Name: "payments"}},
		{actions.KindMember, actions.Ref{Kind: actions.KindMember, Namespace: "payments-aurora", Name: demoReplica},
			actions.Ref{Kind: actions.KindMember, Namespace: "payments", Name: "payments-2"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			demoVerbs := slices.DeleteFunc(verbSet(demo.Offer(tt.demo)), func(v actions.Verb) bool { return slices.Contains(terraformOnly, v) })
			realVerbs := verbSet(p.Offer(tt.real))
			if len(realVerbs) == 0 || !slices.Equal(demoVerbs, realVerbs) {
				t.Errorf("%s: demo offers %v, AWS %v", tt.kind, demoVerbs, realVerbs)
			}
		})
	}
}
