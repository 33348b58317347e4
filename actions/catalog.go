package actions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of Catalog.Find.
var (
	// ErrNotOffered is returned when no source offers the verb on the
	// object (or the object is unknown). It is a refusal (exit 3).
	ErrNotOffered = fmt.Errorf("%w: no such action", ErrRefused)
	// ErrAmbiguous is returned when several sources offer the verb on the
	// object (e.g. a workload of the same name in two clusters).
	ErrAmbiguous = errors.New("ambiguous")
)

// Explainer is implemented by offerers that can say why they offer
// nothing on a ref ("" when they have no reason to give): the object is
// not theirs, or its name is in several clusters (name one with
// --context). Catalog.Find puts their reasons in its refusal.
type Explainer interface {
	Explain(ref Ref) string
}

// Catalog is every source of actions of one console: the providers that
// are Offerers, the Terraform stacks and any extra Offerer. The TUI's action
// menu (Offer) and the command line's `action do` (Find) both ask it, so
// both see the same actions.
type Catalog []Offerer

// CatalogOf gathers the sources that implement Offerer (e.g. the providers
// of a store), in order, followed by the extra offerers (nil ones dropped).
func CatalogOf[T any](sources []T, extra ...Offerer) Catalog {
	var c Catalog
	for _, s := range sources {
		if o, ok := any(s).(Offerer); ok {
			c = append(c, o)
		}
	}
	for _, o := range extra {
		if o != nil {
			c = append(c, o)
		}
	}
	return c
}

// Offer returns every action the sources offer on the refs (e.g. a pod
// and its owner), source by source, in order.
func (c Catalog) Offer(refs ...Ref) []Action {
	var out []Action
	for _, o := range c {
		for _, r := range refs {
			out = append(out, o.Offer(r)...)
		}
	}
	return out
}

// Find returns the one action named verb that a source offers on ref. It
// fails with ErrAmbiguous when several sources offer it, and with
// ErrNotOffered (saying what the object does support) when none does.
func (c Catalog) Find(ref Ref, verb Verb) (Action, error) {
	var offered []string
	var found []Action
	for _, a := range c.Offer(ref) {
		offered = append(offered, string(a.Spec().Name))
		if a.Spec().Name == verb {
			found = append(found, a)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return nil, fmt.Errorf("%w: %s: %d sources offer %s on it", ErrAmbiguous, ref, len(found), verb)
	case len(c) == 0:
		return nil, fmt.Errorf("%w: no source of this environment can act on %s", ErrNotOffered, ref)
	case len(offered) == 0:
		var why []string
		for _, o := range c {
			if e, ok := o.(Explainer); ok {
				if r := e.Explain(ref); r != "" && !slices.Contains(why, r) {
					why = append(why, r)
				}
			}
		}
		if len(why) > 0 {
			return nil, fmt.Errorf("%w: %s", ErrNotOffered, strings.Join(why, "; "))
		}
		return nil, fmt.Errorf("%w: %s not found, or it exists in several clusters (name one with --context), or it supports no action", ErrNotOffered, ref)
	default:
		return nil, fmt.Errorf("%w: %s does not support %s (it supports: %s)", ErrNotOffered, ref, verb, strings.Join(offered, ", "))
	}
}
