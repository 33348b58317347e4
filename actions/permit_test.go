package actions

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// permitAction is a fakeAction that says whether the user may run it and
// counts its previews.
type permitAction struct {
	*fakeAction
	allowed bool
	reason  string

	pmu      sync.Mutex
	previews int
}

func (p *permitAction) Allowed() (bool, string) { return p.allowed, p.reason }

func (p *permitAction) Preview(ctx context.Context, out io.Writer) (Plan, error) {
	p.pmu.Lock()
	p.previews++
	p.pmu.Unlock()
	return p.fakeAction.Preview(ctx, out)
}

var _ Permitter = (*permitAction)(nil)

func TestPermitter(t *testing.T) {
	tests := []struct {
		name        string
		allowed     bool
		reason      string
		interactive bool
		wantStatus  string
		wantInError string
	}{
		{name: "denied execute", reason: "not permitted by RBAC: may not patch deployments", wantStatus: StatusRefused, wantInError: "may not patch deployments"},
		{name: "denied prepare", reason: "not permitted by RBAC: may not patch deployments", interactive: true, wantStatus: StatusRefused, wantInError: "may not patch deployments"},
		{name: "denied without a reason", wantStatus: StatusRefused, wantInError: "not permitted"},
		{name: "permitted execute", allowed: true, wantStatus: StatusSucceeded},
		{name: "permitted prepare", allowed: true, interactive: true, wantStatus: StatusSucceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, path := newTestExecutor(t, Options{Env: "prod", Identity: "alice"})
			a := &permitAction{fakeAction: newFake(Mutating, "web"), allowed: tt.allowed, reason: tt.reason}
			var status, errText string
			if tt.interactive {
				p, err := e.Prepare(context.Background(), a, time.Time{})
				switch {
				case err != nil:
					if !errors.Is(err, ErrRefused) {
						t.Fatalf("prepare error %v is not a refusal", err)
					}
					status, errText = StatusRefused, err.Error()
				default:
					r, err := e.Start(p, "y")
					if err != nil {
						t.Fatal(err)
					}
					<-r.Done()
					status, errText = r.Result().Status, r.Result().Error
				}
			} else {
				res := e.Execute(context.Background(), a, true, io.Discard)
				status, errText = res.Status, res.Error
			}
			if status != tt.wantStatus {
				t.Fatalf("status %q (error %q), want %q", status, errText, tt.wantStatus)
			}
			if tt.wantInError != "" && !strings.Contains(errText, tt.wantInError) {
				t.Errorf("error %q does not say %q", errText, tt.wantInError)
			}
			checks, runs := a.counts()
			a.pmu.Lock()
			previews := a.previews
			a.pmu.Unlock()
			if !tt.allowed && (checks != 0 || previews != 0 || runs != 0) {
				t.Errorf("a denied action ran Check %d, Preview %d, Run %d times; want none", checks, previews, runs)
			}
			if tt.allowed && (checks == 0 || previews != 1 || runs != 1) {
				t.Errorf("a permitted action ran Check %d, Preview %d, Run %d times", checks, previews, runs)
			}
			es := readAudit(t, path)
			if len(es) != 1 || es[0].Result != tt.wantStatus || es[0].Target != "deployment/shop/web" {
				t.Fatalf("audit %+v, want one %s line", es, tt.wantStatus)
			}
			if !tt.allowed && !strings.Contains(es[0].Error, tt.wantInError) {
				t.Errorf("audited refusal %q lacks the reason", es[0].Error)
			}
		})
	}
}
