package kube

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/providers"
)

// resource is one kind of object the provider watches.
type resource struct {
	group, name string // API group and plural resource name
	namespaced  bool
	// what names the resource in Hidden entries.
	what string
}

// watched lists the resources the provider watches, in start order.
var watched = []resource{
	{"", "nodes", false, "nodes"},
	{"", "pods", true, "pods"},
	{"apps", "deployments", true, "deployments"},
	{"apps", "statefulsets", true, "statefulsets"},
	{"apps", "daemonsets", true, "daemonsets"},
	{"apps", "replicasets", true, "replicasets"},
	{"", "events", true, "warning events"},
	{"", "persistentvolumeclaims", true, "persistent volume claims"},
	{"", "persistentvolumes", false, "persistent volumes"},
	{"", "services", true, "services"},
	{"discovery.k8s.io", "endpointslices", true, "endpoint slices"},
}

// scope is where a resource may be listed and watched.
type scope struct {
	clusterWide bool
	namespaces  []string // when not cluster-wide
}

// access is the result of the RBAC discovery.
type access struct {
	scopes map[string]scope // by resource name
	hidden []providers.Hidden
}

// reviewer asks the API server what the current user may do, caching
// answers for a while (SelfSubjectAccessReview).
type reviewer struct {
	cs  kubernetes.Interface
	ttl time.Duration

	mu    sync.Mutex
	cache map[authzv1.ResourceAttributes]review
}

type review struct {
	allowed bool
	reason  string
	at      time.Time
}

func newReviewer(cs kubernetes.Interface) *reviewer {
	return &reviewer{cs: cs, ttl: time.Minute, cache: map[authzv1.ResourceAttributes]review{}}
}

// can reports whether the user may perform the verb, and the server's
// reason when it may not.
func (r *reviewer) can(ctx context.Context, attr authzv1.ResourceAttributes) (bool, string, error) {
	r.mu.Lock()
	c, ok := r.cache[attr]
	r.mu.Unlock()
	if ok && time.Since(c.at) < r.ttl {
		return c.allowed, c.reason, nil
	}
	a := attr
	res, err := r.cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx,
		&authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &a}}, metav1.CreateOptions{})
	if err != nil {
		return false, "", fmt.Errorf("access review %s: %w", describeAttr(attr), err)
	}
	c = review{allowed: res.Status.Allowed && !res.Status.Denied, reason: res.Status.Reason, at: time.Now()}
	r.mu.Lock()
	r.cache[attr] = c
	r.mu.Unlock()
	return c.allowed, c.reason, nil
}

// canListWatch reports whether the user may both list and watch res in ns
// ("" = all namespaces).
func (r *reviewer) canListWatch(ctx context.Context, res resource, ns string) (bool, error) {
	for _, verb := range []string{"list", "watch"} {
		ok, _, err := r.can(ctx, authzv1.ResourceAttributes{Verb: verb, Group: res.group, Resource: res.name, Namespace: ns})
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func describeAttr(a authzv1.ResourceAttributes) string {
	s := a.Verb + " " + a.Resource
	if a.Subresource != "" {
		s += "/" + a.Subresource
	}
	if a.Group != "" {
		s += "." + a.Group
	}
	if a.Namespace != "" {
		s += " in " + a.Namespace
	}
	return s
}

// discover decides, for each watched resource, whether it can be watched
// cluster-wide or in which namespaces. Candidate namespaces are the
// context's namespace, the configured ones and, when the user may list
// namespaces, all of them.
func discover(ctx context.Context, cs kubernetes.Interface, rv *reviewer, source, ctxNamespace string, extra []string) (*access, error) {
	acc := &access{scopes: map[string]scope{}}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, res := range watched {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := rv.canListWatch(ctx, res, "")
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			acc.scopes[res.name] = scope{clusterWide: ok}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	var partial []resource
	for _, res := range watched {
		if !acc.scopes[res.name].clusterWide {
			if res.namespaced {
				partial = append(partial, res)
			} else {
				acc.hidden = append(acc.hidden, providers.Hidden{Source: source, What: res.what, Reason: "forbidden: may not list and watch " + res.name})
			}
		}
	}
	if len(partial) == 0 {
		return acc, nil
	}

	// Candidate namespaces.
	cand := map[string]bool{}
	if ctxNamespace != "" {
		cand[ctxNamespace] = true
	}
	for _, ns := range extra {
		if ns != "" {
			cand[ns] = true
		}
	}
	nsList, err := rv.canListWatch(ctx, resource{name: "namespaces"}, "")
	if err != nil {
		return nil, err
	}
	if nsList {
		list, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list namespaces: %w", err)
		}
		for _, n := range list.Items {
			cand[n.Name] = true
		}
	} else {
		acc.hidden = append(acc.hidden, providers.Hidden{Source: source, What: "namespaces",
			Reason: "forbidden: may not list namespaces; showing the context's namespace and the configured ones"})
	}
	names := make([]string, 0, len(cand))
	for ns := range cand {
		names = append(names, ns)
	}
	sort.Strings(names)

	// Check each (resource, namespace) with a few concurrent reviews.
	type job struct {
		res resource
		ns  string
	}
	jobs := make(chan job)
	allowed := map[string][]string{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				ok, err := rv.canListWatch(ctx, j.res, j.ns)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if ok {
					allowed[j.res.name] = append(allowed[j.res.name], j.ns)
				}
				mu.Unlock()
			}
		}()
	}
	for _, res := range partial {
		for _, ns := range names {
			jobs <- job{res, ns}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for _, res := range partial {
		nss := allowed[res.name]
		slices.Sort(nss)
		acc.scopes[res.name] = scope{namespaces: nss}
		if len(nss) == 0 {
			acc.hidden = append(acc.hidden, providers.Hidden{Source: source, What: res.what, Reason: "forbidden: may not list and watch " + res.name + " in any namespace"})
			continue
		}
		acc.hidden = append(acc.hidden, providers.Hidden{Source: source, What: res.what + " in other namespaces",
			Reason: "forbidden: may list and watch " + res.name + " only in " + strings.Join(nss, ", ")})
	}
	return acc, nil
}
