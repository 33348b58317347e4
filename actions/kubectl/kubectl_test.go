package kubectl

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/proc"
)

func TestArgv(t *testing.T) {
	conn := Target{Kubeconfig: "/k/config", Context: "lab", Namespace: "shop"}
	with := func(kind actions.Kind, name string) Target { c := conn; c.Kind, c.Name = kind, name; return c }
	tests := []struct {
		name   string
		a      *Action
		dry    bool
		want   string
		effect actions.Effect
	}{
		{"restart", Restart(with("deployment", "web")), false,
			"kubectl --kubeconfig /k/config --context lab --namespace shop rollout restart deployment/web", actions.Mutating},
		{"scale", Scale(with("deployment", "web"), 3), false,
			"kubectl --kubeconfig /k/config --context lab --namespace shop scale deployment/web --replicas=3", actions.Mutating},
		{"scale to zero", Scale(with("deployment", "web"), 0), true,
			"kubectl --kubeconfig /k/config --context lab --namespace shop scale deployment/web --replicas=0 --dry-run=server", actions.Destructive},
		{"cordon (no namespace)", Cordon(with("node", "n1")), true,
			"kubectl --kubeconfig /k/config --context lab cordon n1 --dry-run=server", actions.Mutating},
		{"uncordon", Uncordon(with("node", "n1")), false,
			"kubectl --kubeconfig /k/config --context lab uncordon n1", actions.Mutating},
		{"drain", Drain(with("node", "n1"), 2*time.Minute), false,
			"kubectl --kubeconfig /k/config --context lab drain n1 --ignore-daemonsets --delete-emptydir-data --timeout=2m0s", actions.Destructive},
		{"drain dry", Drain(Target{Name: "n2"}, 0), true,
			"kubectl drain n2 --ignore-daemonsets --delete-emptydir-data --timeout=5m0s --dry-run=server", actions.Destructive},
		{"delete pod", DeletePod(with("pod", "web-1")), false,
			"kubectl --kubeconfig /k/config --context lab --namespace shop delete pod web-1 --wait=false", actions.Destructive},
		{"delete deployment", Delete(with("deployment", "web"), "web-1", "web-2"), true,
			"kubectl --kubeconfig /k/config --context lab --namespace shop delete deployment web --wait=false --dry-run=server", actions.Destructive},
		{"delete a custom resource", Delete(with("crontabs.stable.example.com", "nightly")), false,
			"kubectl --kubeconfig /k/config --context lab --namespace shop delete crontabs.stable.example.com nightly --wait=false", actions.Destructive},
		{"delete a cluster-scoped object (no namespace)", Delete(Target{Context: "lab", Namespace: "ignored", Kind: "clusterroles.rbac.authorization.k8s.io", Name: "viewer", ClusterScoped: true}), false,
			"kubectl --context lab delete clusterroles.rbac.authorization.k8s.io viewer --wait=false", actions.Destructive},
		{"suspend cronjob", Suspend(with("cronjob", "nightly")), false,
			`kubectl --kubeconfig /k/config --context lab --namespace shop patch cronjob/nightly --type=merge -p {"spec":{"suspend":true}}`, actions.Mutating},
		{"resume cronjob dry", Resume(with("cronjob", "nightly")), true,
			`kubectl --kubeconfig /k/config --context lab --namespace shop patch cronjob/nightly --type=merge -p {"spec":{"suspend":false}} --dry-run=server`, actions.Mutating},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.a.Argv(tt.dry), " "); got != tt.want {
				t.Errorf("argv\n got %s\nwant %s", got, tt.want)
			}
			s := tt.a.Spec()
			if s.Effect != tt.effect || s.Runner != "kubectl" || s.Target.Name == "" {
				t.Errorf("spec %+v", s)
			}
			if want := proc.Quote(strings.Fields(strings.Replace(tt.want, "--kubeconfig /k/config ", "", 1))); !tt.dry && s.Description != want {
				t.Errorf("description %q, want the command without the kubeconfig path: %q", s.Description, want)
			}
		})
	}
}

func TestRestartPreviewIsThePatchDryRun(t *testing.T) {
	argv := Restart(Target{Namespace: "shop", Kind: "statefulset", Name: "db"}).Argv(true)
	got := strings.Join(argv, " ")
	if !strings.HasPrefix(got, "kubectl --namespace shop patch statefulset/db --type=merge -p ") ||
		!strings.Contains(got, restartedAtAnnotation) || argv[len(argv)-1] != "--dry-run=server" {
		t.Errorf("restart preview argv %q", argv)
	}
}

func TestSpecRef(t *testing.T) {
	s := Restart(Target{Context: "eu", Namespace: "shop", Kind: "deployment", Name: "web"}).Spec()
	if s.Target != (actions.Ref{Kind: "deployment", Cluster: "eu", Namespace: "shop", Name: "web"}) {
		t.Errorf("ref %+v", s.Target)
	}
	n := Drain(Target{Context: "eu", Namespace: "ignored", Name: "n1"}, 0).Spec()
	if n.Target != (actions.Ref{Kind: "node", Cluster: "eu", Name: "n1"}) {
		t.Errorf("node ref %+v", n.Target)
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in, kind, name string
		bad            bool
	}{
		{in: "deployment/web", kind: "deployment", name: "web"},
		{in: "deploy/web", kind: "deployment", name: "web"},
		{in: "sts/db", kind: "statefulset", name: "db"},
		{in: "node/n1", kind: "node", name: "n1"},
		{in: "po/x", kind: "pod", name: "x"},
		{in: "web", bad: true},
		{in: "service/web", bad: true},
		{in: "deployment/", bad: true},
		{in: "deployment/a/b", bad: true},
	}
	for _, tt := range tests {
		k, n, err := ParseRef(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseRef(%q) accepted", tt.in)
			}
			continue
		}
		if err != nil || string(k) != tt.kind || n != tt.name {
			t.Errorf("ParseRef(%q) = %q %q %v", tt.in, k, n, err)
		}
	}
}
