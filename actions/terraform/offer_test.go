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
		{Name: "db", Dir: "/y"},
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
	}
	for _, tt := range tests {
		var names []string
		for _, a := range ss.Offer(tt.ref) {
			names = append(names, a.Spec().Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("Offer(%v) = %q, want %q", tt.ref, got, tt.want)
		}
	}
	a := ss.Offer(actions.Ref{Kind: "asg", Name: "web"})[0].(*Action)
	if a.address != "module.workers.aws_autoscaling_group.this" || a.Spec().Target.Name != "web" || a.Spec().Effect != actions.Destructive {
		t.Errorf("rebuild action %+v spec %+v", a, a.Spec())
	}
	if got := ss.TargetKeys(); len(got) != 1 || got[0] != "asg/web" {
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
