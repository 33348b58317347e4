package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"

	"github.com/opsconsole/console/providers"
)

// MaxConfigMaps bounds a ConfigMaps list.
const MaxConfigMaps = 5000

// ConfigMaps implements providers.ConfigMapReader: the ConfigMaps of
// namespace ("" all), read on demand in pages (no informer), at most
// MaxConfigMaps, each with the pods that use it.
//
// USED BY comes from the pod informer's records, which keep each pod's
// ConfigMap references (interned, a handle each): no pod is read for the
// view once the informers have their first lists. Before that, the pods
// of the namespace are listed (paged, only their references kept).
func (p *Provider) ConfigMaps(ctx context.Context, namespace string) ([]providers.ConfigMap, error) {
	var out []providers.ConfigMap
	err := readPages(ctx, p.user.CoreV1().ConfigMaps(namespace).List, func(l *corev1.ConfigMapList) bool {
		for i := range l.Items {
			out = append(out, convertConfigMap(&l.Items[i]))
		}
		return len(out) < MaxConfigMaps
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list configmaps: %w", p.Name(), err)
	}
	users, ok := p.informedConfigMapUsers(namespace)
	if !ok {
		users = map[cmRef][]string{}
		err = readPages(ctx, p.user.CoreV1().Pods(namespace).List, func(l *corev1.PodList) bool {
			addConfigMapUsers(users, l.Items)
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("%s: list pods (configmaps' users): %w", p.Name(), err)
		}
	}
	setUsedBy(out, users)
	return out, nil
}

// informedConfigMapUsers are the users of each ConfigMap of namespace
// ("" all) from the pod informer's records; false while the informers
// have not all their first lists.
func (p *Provider) informedConfigMapUsers(namespace string) (map[cmRef][]string, bool) {
	v := p.currentView()
	if v == nil {
		return nil, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.complete {
		return nil, false
	}
	users := map[cmRef][]string{}
	for i := range v.pods {
		r := &v.pods[i]
		if namespace != "" && r.pod.Namespace != namespace {
			continue
		}
		for _, h := range r.configMaps {
			k := cmRef{r.pod.Namespace, h.Value()}
			users[k] = append(users[k], r.pod.Name)
		}
	}
	return users, true
}

// cmRef names a ConfigMap: its namespace and name.
type cmRef struct{ namespace, name string }

// addConfigMapUsers adds each pod to the users of the ConfigMaps it
// references (once per pod).
func addConfigMapUsers(users map[cmRef][]string, pods []corev1.Pod) {
	for i := range pods {
		for _, name := range podConfigMaps(&pods[i]) {
			r := cmRef{pods[i].Namespace, name}
			users[r] = append(users[r], pods[i].Name)
		}
	}
}

// setUsedBy fills each ConfigMap's UsedBy from users, sorted.
func setUsedBy(cms []providers.ConfigMap, users map[cmRef][]string) {
	for i := range cms {
		u := users[cmRef{cms[i].Namespace, cms[i].Name}]
		slices.Sort(u)
		cms[i].UsedBy = u
	}
}

// podConfigMaps are the names of the ConfigMaps (of its namespace) pod p
// references, sorted and each once: volumes (configMap and projected
// configMap sources), and in every container (init and ephemeral too)
// envFrom configMapRef and env valueFrom configMapKeyRef. Secrets are not
// ConfigMaps, whatever their names.
func podConfigMaps(p *corev1.Pod) []string {
	var names []string
	for _, v := range p.Spec.Volumes {
		if v.ConfigMap != nil {
			names = append(names, v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil {
					names = append(names, s.ConfigMap.Name)
				}
			}
		}
	}
	env := func(from []corev1.EnvFromSource, vars []corev1.EnvVar) {
		for _, f := range from {
			if f.ConfigMapRef != nil {
				names = append(names, f.ConfigMapRef.Name)
			}
		}
		for _, e := range vars {
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
				names = append(names, e.ValueFrom.ConfigMapKeyRef.Name)
			}
		}
	}
	for _, c := range p.Spec.InitContainers {
		env(c.EnvFrom, c.Env)
	}
	for _, c := range p.Spec.Containers {
		env(c.EnvFrom, c.Env)
	}
	for _, c := range p.Spec.EphemeralContainers {
		env(c.EnvFrom, c.Env)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// convertConfigMap keeps its keys, their sizes and the start of each
// data value (providers.MaxConfigMapValue bytes).
func convertConfigMap(c *corev1.ConfigMap) providers.ConfigMap {
	out := providers.ConfigMap{Namespace: c.Namespace, Name: c.Name, Created: c.CreationTimestamp.Time,
		Immutable: c.Immutable != nil && *c.Immutable}
	for k, v := range c.Data {
		out.Keys = append(out.Keys, providers.ConfigMapKey{Name: k, Size: len(v), Value: valueStart(v)})
	}
	slices.SortFunc(out.Keys, func(a, b providers.ConfigMapKey) int { return strings.Compare(a.Name, b.Name) })
	n := len(out.Keys)
	for k, v := range c.BinaryData {
		out.Keys = append(out.Keys, providers.ConfigMapKey{Name: k, Size: len(v), Binary: true})
	}
	slices.SortFunc(out.Keys[n:], func(a, b providers.ConfigMapKey) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// valueStart is v cut to providers.MaxConfigMapValue bytes on a rune
// boundary.
func valueStart(v string) string {
	cut := providers.MaxConfigMapValue
	if len(v) <= cut {
		return v
	}
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut]
}
