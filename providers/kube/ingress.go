package kube

import (
	"context"
	"fmt"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/opsconsole/console/providers"
)

// MaxIngresses bounds an Ingresses list.
const MaxIngresses = 5000

// legacyIngressClass is the annotation that named an Ingress's class
// before spec.ingressClassName (still honoured by kubectl's printer).
const legacyIngressClass = "kubernetes.io/ingress.class"

// Ingresses implements providers.IngressReader: the Ingresses of
// namespace ("" all), read on demand in pages (no informer), at most
// MaxIngresses.
func (p *Provider) Ingresses(ctx context.Context, namespace string) ([]providers.Ingress, error) {
	var out []providers.Ingress
	err := readPages(ctx, p.user.NetworkingV1().Ingresses(namespace).List, func(l *networkingv1.IngressList) bool {
		for i := range l.Items {
			out = append(out, convertIngress(&l.Items[i]))
		}
		return len(out) < MaxIngresses
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list ingresses: %w", p.Name(), err)
	}
	return out, nil
}

// convertIngress keeps what the Ingresses view shows: class, address,
// TLS, and every path with its backend, the default backend first.
func convertIngress(in *networkingv1.Ingress) providers.Ingress {
	out := providers.Ingress{Namespace: in.Namespace, Name: in.Name, TLS: len(in.Spec.TLS) > 0, Created: in.CreationTimestamp.Time}
	if c := in.Spec.IngressClassName; c != nil {
		out.Class = *c
	} else {
		out.Class = in.Annotations[legacyIngressClass]
	}
	for _, lb := range in.Status.LoadBalancer.Ingress {
		if lb.IP != "" {
			out.Address = append(out.Address, lb.IP)
		} else if lb.Hostname != "" {
			out.Address = append(out.Address, lb.Hostname)
		}
	}
	if b := in.Spec.DefaultBackend; b != nil {
		path := ingressBackend(b)
		path.Default = true
		out.Paths = append(out.Paths, path)
	}
	for _, r := range in.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, hp := range r.HTTP.Paths {
			path := ingressBackend(&hp.Backend)
			path.Host, path.Path = r.Host, hp.Path
			out.Paths = append(out.Paths, path)
		}
	}
	return out
}

func ingressBackend(b *networkingv1.IngressBackend) providers.IngressPath {
	switch {
	case b.Service != nil:
		port := b.Service.Port.Name
		if port == "" {
			port = strconv.Itoa(int(b.Service.Port.Number))
		}
		return providers.IngressPath{Service: b.Service.Name, Port: port}
	case b.Resource != nil:
		return providers.IngressPath{Resource: b.Resource.Kind + "/" + b.Resource.Name}
	}
	return providers.IngressPath{}
}
