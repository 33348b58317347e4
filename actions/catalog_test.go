package actions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// offererFunc is an Offerer from a function.
type offererFunc func(Ref) []Action

func (f offererFunc) Offer(r Ref) []Action { return f(r) }

// offering offers the given verbs on deployment/shop/NAME.
func offering(name string, verbs ...Verb) Offerer {
	return offererFunc(func(r Ref) []Action {
		if r.Kind != KindDeployment || r.Name != name {
			return nil
		}
		var out []Action
		for _, v := range verbs {
			a := newFake(Mutating, name)
			a.spec.Name = v
			out = append(out, a)
		}
		return out
	})
}

// explaining is an offerer that offers nothing and says why.
type explaining string

func (explaining) Offer(Ref) []Action   { return nil }
func (e explaining) Explain(Ref) string { return string(e) }

func TestCatalogFind(t *testing.T) {
	web := Ref{Kind: KindDeployment, Namespace: "shop", Name: "web"}
	tests := []struct {
		name    string
		catalog Catalog
		ref     Ref
		verb    Verb
		wantErr error
		wantMsg string
	}{
		{name: "found", catalog: Catalog{offering("web", VerbRestart, VerbScale), offering("db", VerbRestart)}, ref: web, verb: VerbScale},
		{name: "ambiguous", catalog: Catalog{offering("web", VerbRestart), offering("web", VerbRestart)}, ref: web, verb: VerbRestart,
			wantErr: ErrAmbiguous, wantMsg: "2 sources offer restart"},
		{name: "other verb", catalog: Catalog{offering("web", VerbRestart, VerbScale)}, ref: web, verb: VerbDrain,
			wantErr: ErrNotOffered, wantMsg: "does not support drain (it supports: restart, scale)"},
		{name: "unknown object", catalog: Catalog{offering("db", VerbRestart)}, ref: web, verb: VerbRestart,
			wantErr: ErrNotOffered, wantMsg: "not found"},
		{name: "the sources say why", catalog: Catalog{offering("db", VerbRestart), explaining("web is ambiguous: it exists in a and b; name the cluster")}, ref: web, verb: VerbRestart,
			wantErr: ErrNotOffered, wantMsg: "web is ambiguous: it exists in a and b; name the cluster"},
		{name: "no source", ref: web, verb: VerbRestart, wantErr: ErrNotOffered, wantMsg: "no source of this environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.catalog.Find(tt.ref, tt.verb)
			if tt.wantErr == nil {
				if err != nil || a == nil || a.Spec().Name != tt.verb {
					t.Fatalf("Find = %v, %v; want the %s action", a, err, tt.verb)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Find error = %v, want %v saying %q", err, tt.wantErr, tt.wantMsg)
			}
			if errors.Is(tt.wantErr, ErrNotOffered) && !errors.Is(err, ErrRefused) {
				t.Errorf("not offered must be a refusal: %v", err)
			}
		})
	}
}

func TestCatalogOf(t *testing.T) {
	sources := []any{"not an offerer", offering("web", VerbRestart), 42}
	c := CatalogOf(sources, nil, offering("web", VerbScale))
	if len(c) != 2 {
		t.Fatalf("CatalogOf kept %d sources, want 2", len(c))
	}
	var got []Verb
	for _, a := range c.Offer(Ref{Kind: KindDeployment, Name: "web"}, Ref{Kind: KindPod, Name: "web-1"}) {
		got = append(got, a.Spec().Name)
	}
	if len(got) != 2 || got[0] != VerbRestart || got[1] != VerbScale {
		t.Errorf("Offer = %v, want [restart scale] in source order", got)
	}
}

func TestAvailability(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		readOnly bool
		action   Action
		wantOK   bool
		wantWhy  string
	}{
		{name: "mutating", action: newFake(Mutating, "web"), wantOK: true},
		{name: "read-only refuses mutating", readOnly: true, action: newFake(Mutating, "web"), wantWhy: "read-only: environment prod is read-only"},
		{name: "read-only allows safe", readOnly: true, action: newFake(Safe, "web"), wantOK: true},
		{name: "permission denied", action: &permitAction{fakeAction: newFake(Mutating, "web"), reason: "may not patch deployments"}, wantWhy: "may not patch deployments"},
		{name: "permission without reason", action: &permitAction{fakeAction: newFake(Mutating, "web")}, wantWhy: "not permitted"},
		{name: "permitted", action: &permitAction{fakeAction: newFake(Mutating, "web"), allowed: true}, wantOK: true},
		{name: "busy target", action: newFake(Mutating, "busy"), wantWhy: "restart is already running on deployment/shop/busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestExecutor(t, Options{Env: "prod", ReadOnly: tt.readOnly})
			if tt.name == "busy target" {
				b := newFake(Mutating, "busy")
				b.block, b.started = true, make(chan struct{})
				p, err := e.Prepare(ctx, b, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				r, err := e.Start(p, "y")
				if err != nil {
					t.Fatal(err)
				}
				<-b.started
				defer func() { r.Cancel(); <-r.Done() }()
			}
			ok, why := e.Availability(tt.action)
			if ok != tt.wantOK || !strings.Contains(why, tt.wantWhy) || (ok && why != "") {
				t.Fatalf("Availability = %v %q, want %v %q", ok, why, tt.wantOK, tt.wantWhy)
			}
			if ok {
				return
			}
			// Prepare refuses with the same reason, before any preview.
			_, err := e.Prepare(ctx, tt.action, time.Time{})
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), why) {
				t.Errorf("Prepare = %v, want a refusal saying %q", err, why)
			}
		})
	}
}
