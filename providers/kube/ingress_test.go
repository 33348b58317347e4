package kube

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/providers"
)

func TestConvertIngress(t *testing.T) {
	nginx := "nginx"
	created := metav1.NewTime(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	svc := func(name string, port int32, portName string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name,
			Port: networkingv1.ServiceBackendPort{Number: port, Name: portName}}}
	}
	rule := func(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
		return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
	}
	cases := []struct {
		name      string
		in        networkingv1.Ingress
		want      providers.Ingress
		wantHosts []string
	}{
		{"class, TLS, default backend, named and numbered ports",
			networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "front", CreationTimestamp: created},
				Spec: networkingv1.IngressSpec{IngressClassName: &nginx, TLS: []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}}},
					DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
					Rules: []networkingv1.IngressRule{rule("shop.example.com",
						networkingv1.HTTPIngressPath{Path: "/cart", Backend: svc("cart", 0, "http")},
						networkingv1.HTTPIngressPath{Path: "/pay", Backend: svc("pay", 8080, "")})}},
				Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.7"}, {Hostname: "lb.example.com"}}}}},
			providers.Ingress{Namespace: "shop", Name: "front", Class: "nginx", TLS: true, Created: created.Time,
				Address: []string{"203.0.113.7", "lb.example.com"},
				Paths: []providers.IngressPath{{Default: true, Service: "web", Port: "80"},
					{Host: "shop.example.com", Path: "/cart", Service: "cart", Port: "http"},
					{Host: "shop.example.com", Path: "/pay", Service: "pay", Port: "8080"}}},
			[]string{"shop.example.com"}},
		{"the legacy class annotation, a rule without host, a resource backend, a rule without http",
			networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "ops", Name: "static", Annotations: map[string]string{legacyIngressClass: "traefik"}},
				Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{
					rule("", networkingv1.HTTPIngressPath{Path: "/assets", Backend: networkingv1.IngressBackend{
						Resource: &corev1.TypedLocalObjectReference{Kind: "StorageBucket", Name: "assets"}}}),
					{Host: "nohttp.example.com"}}}},
			providers.Ingress{Namespace: "ops", Name: "static", Class: "traefik",
				Paths: []providers.IngressPath{{Path: "/assets", Resource: "StorageBucket/assets"}}},
			[]string{"*"}},
	}
	for _, c := range cases {
		got := convertIngress(&c.in)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
		if h := got.Hosts(); !reflect.DeepEqual(h, c.wantHosts) {
			t.Errorf("%s: hosts %v, want %v", c.name, h, c.wantHosts)
		}
	}
	if b := (providers.IngressPath{Service: "cart", Port: "http"}).Backend(); b != "cart:http" {
		t.Errorf("backend %q", b)
	}
}
