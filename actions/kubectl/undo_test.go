package kubectl

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/e2e/lab"
)

func tmpl(image string) string {
	return "metadata:\n  labels:\n    app: web\nspec:\n  containers:\n  - image: " + image + "\n    name: web\n"
}

func testHistory() History {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return History{Current: tmpl("web:3"), Revisions: []Revision{
		{Number: 1, Created: t0, Images: []string{"web:1"}, Template: tmpl("web:1")},
		{Number: 3, Created: t0.Add(2 * time.Hour), Images: []string{"web:3"}, ChangeCause: "bump to 3", Template: tmpl("web:3")},
		{Number: 2, Created: t0.Add(time.Hour), Images: []string{"web:2"}, ChangeCause: "kubectl set image deployment/web web=web:2", Template: tmpl("web:2")},
	}}
}

func TestUndoArgvAndDefault(t *testing.T) {
	tests := []struct {
		name string
		kind actions.Kind
		dry  bool
		set  string
		want string
	}{
		{"deployment, default the previous revision", "deployment", false, "",
			"kubectl --kubeconfig /k/config --context lab --namespace shop rollout undo deployment/web --to-revision=2"},
		{"statefulset dry run to revision 1", "statefulset", true, "1",
			"kubectl --kubeconfig /k/config --context lab --namespace shop rollout undo statefulset/web --to-revision=1 --dry-run=server"},
		{"daemonset", "daemonset", false, "1",
			"kubectl --kubeconfig /k/config --context lab --namespace shop rollout undo daemonset/web --to-revision=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := Undo(Target{Kubeconfig: "/k/config", Context: "lab", Namespace: "shop", Kind: tt.kind, Name: "web"}, testHistory(), nil)
			if tt.set != "" {
				if err := actions.SetParam(u, "revision", tt.set); err != nil {
					t.Fatal(err)
				}
			}
			if got := strings.Join(u.Argv(tt.dry), " "); got != tt.want {
				t.Errorf("argv\n got %s\nwant %s", got, tt.want)
			}
			s := u.Spec()
			if s.Name != actions.VerbUndo || s.Effect != actions.Mutating || s.Target.Kind != tt.kind || strings.Contains(s.Description, "/k/config") {
				t.Errorf("spec %+v", s)
			}
		})
	}
}

func TestUndoParam(t *testing.T) {
	u := Undo(Target{Kind: "deployment", Namespace: "shop", Name: "web"}, testHistory(), nil)
	u.now = func() time.Time { return time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC) }
	ps := u.Params()
	if len(ps) != 1 {
		t.Fatalf("params %+v", ps)
	}
	p := ps[0]
	if p.Name != "revision" || p.Kind != actions.ParamChoice || p.Value != "2" || p.Current != "3" {
		t.Errorf("param %+v", p)
	}
	var got []string
	for _, c := range p.Choices {
		got = append(got, c.Value+" "+c.Label+" ["+c.Unavailable+"]")
	}
	want := []string{
		"3 web:3 · 1h old · bump to 3 [the current pod template]",
		"2 web:2 · 2h old · kubectl set image deployment/web web=web:2 []",
		"1 web:1 · 3h old []",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("choices\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tt := range []struct{ v, err string }{
		{"3", "cannot be chosen: the current pod template"},
		{"9", `no "9"; one of: 2, 1`},
		{"x", `no "x"`},
	} {
		err := actions.SetParam(u, "revision", tt.v)
		if !errors.Is(err, actions.ErrBadParam) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("revision %s: %v, want %q", tt.v, err, tt.err)
		}
	}
	if err := actions.SetParam(u, "replicas", "2"); !errors.Is(err, actions.ErrNoParam) {
		t.Errorf("replicas: %v", err)
	}
	if u.Revision() != 2 {
		t.Errorf("a refused value changed the revision to %d", u.Revision())
	}
}

func TestUndoDefaultWithoutEarlierRevision(t *testing.T) {
	tests := []struct {
		name string
		h    History
		want int64
	}{
		{"only the current one", History{Current: tmpl("a"), Revisions: []Revision{{Number: 1, Template: tmpl("a")}}}, 0},
		{"the current template re-made as the newest: the one before", History{Current: tmpl("a"),
			Revisions: []Revision{{Number: 4, Template: tmpl("a")}, {Number: 3, Template: tmpl("b")}, {Number: 2, Template: tmpl("c")}}}, 3},
		{"the current template not among the revisions: the newest", History{Current: tmpl("z"),
			Revisions: []Revision{{Number: 1, Template: tmpl("a")}, {Number: 2, Template: tmpl("b")}}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.Default(); got != tt.want {
				t.Errorf("default %d, want %d", got, tt.want)
			}
		})
	}
}

func TestUndoDiff(t *testing.T) {
	h := testHistory()
	h.Revisions[0].Template = tmpl("web:1\x1b[2J")
	d := h.Diff(1)
	for _, want := range []string{"--- revision 3 (current)", "+++ revision 1", "-  - image: web:3", "+  - image: web:1", "   containers:"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "\x1b") {
		t.Errorf("diff not sanitised: %q", d)
	}
	if h.Diff(3) != "" || h.Diff(7) != "" {
		t.Error("a diff to the current or an unknown revision")
	}
}

func TestUndoCheckRefuses(t *testing.T) {
	lab.RequireProgram(t, "kubectl")
	u := Undo(Target{Kind: "pod", Name: "web-1"}, testHistory(), func(context.Context) (History, error) { return testHistory(), nil })
	if err := u.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot undo a pod") {
		t.Errorf("undo of a pod: %v", err)
	}
}
