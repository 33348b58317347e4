package terraform

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/config"
)

func TestStacksOffer(t *testing.T) {
	ss := Stacks{
		{Name: "workers", Dir: "/x", Targets: map[string]string{"asg/web": "module.workers.aws_autoscaling_group.this"}},
		{Name: "db", Dir: "/y", Targets: map[string]string{"node/ip-10-0-1-5": "aws_instance.n", "instance/i-0abc": "aws_instance.i",
			"database/orders": "aws_rds_cluster.orders"}},
	}
	tests := []struct {
		ref  actions.Ref
		want string
	}{
		{actions.Ref{Kind: "stack", Name: "workers"}, "plan,apply,teardown,recreate"},
		{actions.Ref{Kind: "stack", Name: "nope"}, ""},
		{actions.Ref{Kind: "asg", Name: "web"}, "rebuild"},
		{actions.Ref{Kind: "asg", Name: "other"}, ""},
		{actions.Ref{Kind: "resource", Name: "module.workers.aws_autoscaling_group.this"}, "rebuild"},
		{actions.Ref{Kind: "pod", Name: "web"}, ""},
		{actions.Ref{Kind: "resource", Namespace: "db", Name: "terraform_data.a"}, "rebuild"},
		{actions.Ref{Kind: "resource", Namespace: "nope", Name: "terraform_data.a"}, ""},
		{actions.Ref{Kind: "resource", Name: "terraform_data.a"}, ""},
		{actions.Ref{Kind: "lock", Namespace: "workers", Name: "1234-abcd"}, "unlock"},
		{actions.Ref{Kind: "lock", Namespace: "workers", Name: ""}, ""},
		{actions.Ref{Kind: "lock", Name: "1234-abcd"}, ""},
		{actions.Ref{Kind: "node", Name: "ip-10-0-1-5"}, "rebuild"},
		{actions.Ref{Kind: "instance", Name: "i-0abc"}, "rebuild"},
		{actions.Ref{Kind: "database", Name: "orders"}, "rebuild"},
	}
	for _, tt := range tests {
		var names []string
		for _, a := range ss.Offer(tt.ref) {
			names = append(names, string(a.Spec().Name))
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("Offer(%v) = %q, want %q", tt.ref, got, tt.want)
		}
	}
	a := ss.Offer(actions.Ref{Kind: "asg", Name: "web"})[0].(*Action)
	if a.address != "module.workers.aws_autoscaling_group.this" || a.Spec().Target.Name != "web" || a.Spec().Effect != actions.Destructive {
		t.Errorf("rebuild action %+v spec %+v", a, a.Spec())
	}
	d := ss.Offer(actions.Ref{Kind: "database", Name: "orders"})[0].(*Action)
	if d.address != "aws_rds_cluster.orders" || d.Stack().Name != "db" ||
		!strings.Contains(d.Spec().Description, "rebuild via terraform (stack db, aws_rds_cluster.orders)") {
		t.Errorf("database rebuild %+v spec %+v", d, d.Spec())
	}
	r := ss.Offer(actions.Ref{Kind: "resource", Namespace: "db", Name: "terraform_data.a"})[0].(*Action)
	if r.address != "terraform_data.a" || r.Spec().Target != (actions.Ref{Kind: "resource", Namespace: "db", Name: "terraform_data.a"}) {
		t.Errorf("resource rebuild %+v spec %+v", r, r.Spec())
	}
	u := ss.Offer(actions.Ref{Kind: "lock", Namespace: "workers", Name: "1234-abcd"})[0].(*Action)
	if u.Kind() != KindUnlock || u.lockID != "1234-abcd" || u.Stack().Name != "workers" {
		t.Errorf("unlock %+v", u)
	}
	if got := ss.TargetKeys(); strings.Join(got, ",") != "asg/web,database/orders,instance/i-0abc,node/ip-10-0-1-5" {
		t.Errorf("TargetKeys = %v", got)
	}
}

func TestFromEnvironmentResolvesRelativeDirs(t *testing.T) {
	env := config.Environment{Terraform: []config.Stack{
		{Name: "a", Dir: "infra/a", VarFiles: []string{"a.tfvars"}},
		{Name: "b", Dir: "/abs/b", Timeout: config.Duration(time.Minute)},
	}}
	ss := FromEnvironment(env, "/etc/console")
	if len(ss) != 2 || ss[0].Dir != "/etc/console/infra/a" || ss[0].VarFiles[0] != "/etc/console/a.tfvars" ||
		ss[0].Timeout != DefaultTimeout || ss[1].Dir != "/abs/b" || ss[1].Timeout != time.Minute {
		t.Errorf("stacks %+v %+v", ss[0], ss[1])
	}
	if ss.Find("b") != ss[1] || ss.Find("c") != nil {
		t.Error("Find")
	}
}
