package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

var quietKlog sync.Once

// kubeSwitching returns what the TUI's :ctx needs: the contexts of the
// kubeconfig of the environment's first kube entry, and a constructor of
// a provider for one more of them (nil, nil without a kube entry).
func kubeSwitching(s config.Settings) (func() ([]string, error), func(string) (providers.Provider, error)) {
	if len(s.Env.Kube) == 0 || s.Demo {
		return nil, nil
	}
	first := s.Env.Kube[0]
	list := func() ([]string, error) { return kube.Contexts(first.Kubeconfig) }
	add := func(name string) (providers.Provider, error) {
		p, err := kube.New(kube.Options{Kubeconfig: first.Kubeconfig, Context: name, Region: first.Region,
			FirstLists: startLoadGC})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	return list, add
}

// newKubeProviders builds one Kubernetes provider per kube entry of the
// environment (config `kube:` or --kubeconfig/--context). Each loads its
// kubeconfig with the standard rules (explicit path, else KUBECONFIG, else
// ~/.kube/config) and the entry's context (else the current context).
func newKubeProviders(_ context.Context, s config.Settings) ([]providers.Provider, error) {
	if len(s.Env.Kube) == 0 || s.Demo {
		return nil, nil
	}
	// client-go logs connection errors through klog to stderr, which would
	// draw over the TUI: the provider reports them as source errors instead.
	// Once per process: client-go's goroutines read the logger.
	quietKlog.Do(func() { klog.SetLogger(logr.Discard()) })
	var out []providers.Provider
	seen := map[string]bool{}
	// The contexts' first lists are staggered: the first entry's at once,
	// the others a few at a time in their order (kube.ListGate).
	gate := kube.NewListGate(kube.DefaultFirstLists)
	for i, k := range s.Env.Kube {
		p, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: k.Context, Region: k.Region, Namespaces: k.Namespaces,
			ListGate: gate, ListRank: i, FirstLists: startLoadGC})
		if err != nil {
			return nil, fmt.Errorf("%w: %v", config.ErrBadConfig, err)
		}
		if seen[p.Name()] {
			return nil, fmt.Errorf("%w: kube context %q is listed twice", config.ErrBadConfig, p.Context())
		}
		seen[p.Name()] = true
		out = append(out, p)
	}
	return out, nil
}
