package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/describe"
)

// describeServed runs kubectl's describer of kind gk, made as the real
// reader makes it (describe.DescriberFor over a client config), against
// objs served from memory. Used for the kinds whose describer takes a
// label selector (StatefulSet, DaemonSet), which describe's typed-object
// entry point cannot be given.
func describeServed(gk schema.GroupKind, ns, name string, objs ...runtime.Object) (string, error) {
	d, ok := describe.DescriberFor(gk, &rest.Config{Host: "http://demo.invalid", Transport: objectTransport(objs)})
	if !ok {
		return "", fmt.Errorf("no describer of %s", gk)
	}
	return d.Describe(ns, name, describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
}

// objectTransport answers a client's reads from the objects it holds: a
// GET by namespace and name, a LIST by namespace and label selector.
// Field selectors are not applied (hold only what a LIST must return);
// anything else is refused.
type objectTransport []runtime.Object

func (t objectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if req.Method != http.MethodGet {
		return status(req, apierrors.NewMethodNotSupported(schema.GroupResource{}, req.Method))
	}
	gvr, ns, name, ok := parseAPIPath(req.URL.Path)
	if !ok {
		return status(req, apierrors.NewNotFound(schema.GroupResource{Resource: req.URL.Path}, ""))
	}
	sel, err := labels.Parse(req.URL.Query().Get("labelSelector"))
	if err != nil {
		return status(req, apierrors.NewBadRequest(err.Error()))
	}
	items := []runtime.Object{}
	for _, o := range t {
		gvk, err := kindOf(o)
		if err != nil {
			return nil, err
		}
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		m, err := meta.Accessor(o)
		if err != nil {
			return nil, err
		}
		if plural != gvr || (ns != "" && m.GetNamespace() != ns) {
			continue
		}
		if name != "" {
			if m.GetName() == name {
				o = o.DeepCopyObject()
				o.GetObjectKind().SetGroupVersionKind(gvk)
				return respond(req, http.StatusOK, o)
			}
			continue
		}
		if sel.Matches(labels.Set(m.GetLabels())) {
			items = append(items, o)
		}
	}
	if name != "" {
		return status(req, apierrors.NewNotFound(gvr.GroupResource(), name))
	}
	listKind := ""
	for gvk := range scheme.Scheme.AllKnownTypes() {
		if plural, _ := meta.UnsafeGuessKindToResource(gvk); plural == gvr && !strings.HasSuffix(gvk.Kind, "List") {
			listKind = gvk.Kind + "List"
		}
	}
	return respond(req, http.StatusOK, map[string]any{"apiVersion": gvr.GroupVersion().String(), "kind": listKind,
		"metadata": map[string]any{}, "items": items})
}

// parseAPIPath splits /api/v1/[namespaces/NS/]RESOURCE[/NAME] and
// /apis/GROUP/VERSION/[namespaces/NS/]RESOURCE[/NAME].
func parseAPIPath(path string) (gvr schema.GroupVersionResource, ns, name string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		gvr.Version, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		gvr.Group, gvr.Version, parts = parts[1], parts[2], parts[3:]
	default:
		return gvr, "", "", false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		ns, parts = parts[1], parts[2:]
	}
	switch len(parts) {
	case 1:
		gvr.Resource = parts[0]
	case 2:
		gvr.Resource, name = parts[0], parts[1]
	default:
		return gvr, "", "", false
	}
	return gvr, ns, name, true
}

func kindOf(o runtime.Object) (schema.GroupVersionKind, error) {
	kinds, _, err := scheme.Scheme.ObjectKinds(o)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return kinds[0], nil
}

func status(req *http.Request, err *apierrors.StatusError) (*http.Response, error) {
	st := err.Status()
	st.APIVersion, st.Kind = "v1", "Status"
	return respond(req, int(st.Code), &st)
}

func respond(req *http.Request, code int, v any) (*http.Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Request: req, ContentLength: int64(len(b)),
		Header: http.Header{"Content-Type": []string{"application/json"}}, Body: io.NopCloser(bytes.NewReader(b))}, nil
}
