package kube

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/kubectl/pkg/describe"
	"sigs.k8s.io/yaml"

	"github.com/opsconsole/console/providers"
)

// Bounds of the reads made on demand.
const (
	// readPageSize is the page size of the on-demand lists.
	readPageSize = 500
	// MaxTableRows bounds a server-side table (the rest is said truncated).
	MaxTableRows = 50000
	// MaxEvents bounds an events list.
	MaxEvents = 5000
)

// tableAccept asks the API server for its own table of a list, as
// `kubectl get` does (server-side printing), JSON when it cannot.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// inspector holds the clients of the on-demand reads, made on first use.
type inspector struct {
	once   sync.Once
	err    error
	disco  discovery.CachedDiscoveryInterface
	mapper *restmapper.DeferredDiscoveryRESTMapper
	expand meta.RESTMapper
	dyn    dynamic.Interface
}

var _ providers.KubeReader = (*Provider)(nil)

func (p *Provider) inspect() (*inspector, error) {
	in := &p.insp
	in.once.Do(func() {
		dc, err := discovery.NewDiscoveryClientForConfig(p.userCfg)
		if err != nil {
			in.err = fmt.Errorf("discovery client: %w", err)
			return
		}
		in.disco = memory.NewMemCacheClient(dc)
		in.mapper = restmapper.NewDeferredDiscoveryRESTMapper(in.disco)
		in.expand = restmapper.NewShortcutExpander(in.mapper, in.disco, func(string) {})
		if in.dyn, err = dynamic.NewForConfig(p.userCfg); err != nil {
			in.err = fmt.Errorf("dynamic client: %w", err)
		}
	})
	return in, in.err
}

// resolve maps what a user types (kind, plural, singular, short name,
// with an optional .group or .version.group) to the resource's mapping.
// A name discovery does not know re-reads discovery once (a CRD created
// since).
func (p *Provider) resolve(res string) (*meta.RESTMapping, error) {
	in, err := p.inspect()
	if err != nil {
		return nil, err
	}
	res = strings.ToLower(strings.TrimSpace(res))
	if res == "" {
		return nil, errors.New("no resource named")
	}
	m, err := mapping(in.expand, res)
	if err != nil && meta.IsNoMatchError(err) {
		in.mapper.Reset()
		m, err = mapping(in.expand, res)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: resource %q: %w", p.Name(), res, err)
	}
	return m, nil
}

func mapping(m meta.RESTMapper, res string) (*meta.RESTMapping, error) {
	full, gr := schema.ParseResourceArg(res)
	var gvr schema.GroupVersionResource
	var err error
	if full != nil {
		gvr, err = m.ResourceFor(*full)
	}
	if full == nil || err != nil {
		if gvr, err = m.ResourceFor(gr.WithVersion("")); err != nil {
			return nil, err
		}
	}
	gvk, err := m.KindFor(gvr)
	if err != nil {
		return nil, err
	}
	return m.RESTMapping(gvk.GroupKind(), gvk.Version)
}

func namespaceOf(m *meta.RESTMapping, ns string) string {
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		return ""
	}
	return ns
}

// Describe returns what `kubectl describe` prints for the object, events
// included (kubectl's own describers; the generic one for other kinds).
func (p *Provider) Describe(ctx context.Context, o providers.KubeObject) (string, error) {
	m, err := p.resolve(o.Resource)
	if err != nil {
		return "", err
	}
	d, ok := describe.DescriberFor(m.GroupVersionKind.GroupKind(), p.userCfg)
	if !ok {
		if d, ok = describe.GenericDescriberFor(m, p.userCfg); !ok {
			return "", fmt.Errorf("describe %s: no describer", m.Resource.Resource)
		}
	}
	// kubectl's describers take no context: their requests are bounded by
	// the user client's timeout; an abandoned describe is not waited for.
	type answer struct {
		s   string
		err error
	}
	done := make(chan answer, 1)
	go func() {
		s, err := d.Describe(namespaceOf(m, o.Namespace), o.Name, describe.DescriberSettings{ShowEvents: true, ChunkSize: readPageSize})
		done <- answer{s, err}
	}()
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("describe %s/%s: %w", m.Resource.Resource, o.Name, ctx.Err())
	case a := <-done:
		if a.err != nil {
			return "", fmt.Errorf("describe %s/%s: %w", m.Resource.Resource, o.Name, a.err)
		}
		return a.s, nil
	}
}

// YAML returns the object as YAML (a GET made now), its managedFields
// removed. A Secret's values (data, stringData, and the last-applied
// annotation that repeats them) are replaced by their size.
func (p *Provider) YAML(ctx context.Context, o providers.KubeObject) (string, error) {
	m, err := p.resolve(o.Resource)
	if err != nil {
		return "", err
	}
	in, err := p.inspect()
	if err != nil {
		return "", err
	}
	u, err := in.dyn.Resource(m.Resource).Namespace(namespaceOf(m, o.Namespace)).Get(ctx, o.Name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get %s/%s: %w", m.Resource.Resource, o.Name, err)
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	if m.GroupVersionKind.GroupKind() == (schema.GroupKind{Kind: "Secret"}) {
		hideSecret(u.Object)
	}
	b, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("yaml %s/%s: %w", m.Resource.Resource, o.Name, err)
	}
	return string(b), nil
}

// hideSecret replaces a Secret's values with their sizes.
func hideSecret(obj map[string]any) {
	if data, ok := obj["data"].(map[string]any); ok {
		for k, v := range data {
			s, _ := v.(string)
			n := base64.StdEncoding.DecodedLen(len(s))
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				n = len(b)
			}
			data[k] = fmt.Sprintf("<hidden: %d bytes>", n)
		}
	}
	if data, ok := obj["stringData"].(map[string]any); ok {
		for k, v := range data {
			s, _ := v.(string)
			data[k] = fmt.Sprintf("<hidden: %d bytes>", len(s))
		}
	}
	if ann, ok, _ := unstructured.NestedMap(obj, "metadata", "annotations"); ok {
		if _, has := ann[corev1.LastAppliedConfigAnnotation]; has {
			ann[corev1.LastAppliedConfigAnnotation] = "<hidden: repeats the values>"
			_ = unstructured.SetNestedMap(obj, ann, "metadata", "annotations")
		}
	}
}

// readPages lists with list page by page (readPageSize objects each,
// following the continue token) and hands each page to each, until each
// returns false or the last page is read.
func readPages[L metav1.ListInterface](ctx context.Context, list func(context.Context, metav1.ListOptions) (L, error), each func(L) bool) error {
	opts := metav1.ListOptions{Limit: readPageSize}
	for {
		l, err := list(ctx, opts)
		if err != nil {
			return err
		}
		if !each(l) {
			return nil
		}
		if opts.Continue = l.GetContinue(); opts.Continue == "" {
			return nil
		}
	}
}

// Events lists the events of every type in namespace ("" all), in pages,
// at most MaxEvents.
func (p *Provider) Events(ctx context.Context, namespace string) ([]providers.KubeEvent, error) {
	var out []providers.KubeEvent
	err := readPages(ctx, p.user.CoreV1().Events(namespace).List, func(l *corev1.EventList) bool {
		for i := range l.Items {
			out = append(out, kubeEvent(&l.Items[i]))
		}
		return len(out) < MaxEvents
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list events: %w", p.Name(), err)
	}
	return out, nil
}

func kubeEvent(e *corev1.Event) providers.KubeEvent {
	last := e.LastTimestamp.Time
	if last.IsZero() {
		last = e.EventTime.Time
	}
	if s := e.Series; s != nil && s.LastObservedTime.After(last) {
		last = s.LastObservedTime.Time
	}
	first := e.FirstTimestamp.Time
	if first.IsZero() {
		first = e.EventTime.Time
	}
	if first.IsZero() {
		first = last
	}
	count := int(e.Count)
	if e.Series != nil && int(e.Series.Count) > count {
		count = int(e.Series.Count)
	}
	count = max(count, 1)
	src := e.Source.Component
	if src == "" {
		src = e.ReportingController
	}
	if e.Source.Host != "" {
		src += ", " + e.Source.Host
	}
	return providers.KubeEvent{
		Namespace: e.Namespace, Kind: e.InvolvedObject.Kind, Name: e.InvolvedObject.Name,
		Type: e.Type, Reason: e.Reason, Message: e.Message, Source: src, Count: count, First: first, Last: last,
	}
}

// Resources lists the kinds the API server serves that can be listed
// (its preferred version of each), CRDs included. A group that fails
// (an aggregated API down) is left out when others answer.
func (p *Provider) Resources(_ context.Context) ([]providers.KubeResource, error) {
	in, err := p.inspect()
	if err != nil {
		return nil, err
	}
	in.disco.Invalidate() // CRDs come and go
	lists, err := in.disco.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("%s: discovery: %w", p.Name(), err)
	}
	var out []providers.KubeResource
	for _, l := range lists {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "list") {
				continue
			}
			out = append(out, providers.KubeResource{Group: gv.Group, Version: gv.Version, Kind: r.Kind,
				Plural: r.Name, Singular: r.SingularName, ShortNames: r.ShortNames, Namespaced: r.Namespaced, Verbs: r.Verbs})
		}
	}
	slices.SortFunc(out, func(a, b providers.KubeResource) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Table lists a kind's objects in namespace ("" all) as the API server
// prints them (server-side printing: the columns `kubectl get` shows),
// in pages, at most MaxTableRows.
func (p *Provider) Table(ctx context.Context, resource, namespace string) (*providers.KubeTable, error) {
	m, err := p.resolve(resource)
	if err != nil {
		return nil, err
	}
	gvr := m.Resource
	path := "/apis/" + gvr.Group + "/" + gvr.Version
	if gvr.Group == "" {
		path = "/api/" + gvr.Version
	}
	if ns := namespaceOf(m, namespace); ns != "" {
		path += "/namespaces/" + ns
	}
	path += "/" + gvr.Resource
	out := &providers.KubeTable{Resource: providers.KubeResource{Group: gvr.Group, Version: gvr.Version,
		Kind: m.GroupVersionKind.Kind, Plural: gvr.Resource, Namespaced: m.Scope.Name() != meta.RESTScopeNameRoot}}
	cont := ""
	for {
		req := p.user.Discovery().RESTClient().Get().AbsPath(path).SetHeader("Accept", tableAccept).
			Param("includeObject", "Metadata").Param("limit", strconv.Itoa(readPageSize))
		if cont != "" {
			req = req.Param("continue", cont)
		}
		raw, err := req.DoRaw(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: list %s: %w", p.Name(), gvr.Resource, err)
		}
		var t metav1.Table
		if err := json.Unmarshal(raw, &t); err != nil || t.Kind != "Table" {
			return nil, fmt.Errorf("%s: list %s: the server did not answer a table", p.Name(), gvr.Resource)
		}
		if out.Columns == nil {
			for _, c := range t.ColumnDefinitions {
				out.Columns = append(out.Columns, providers.KubeColumn{Name: c.Name, Priority: int(c.Priority)})
			}
		}
		for _, r := range t.Rows {
			out.Rows = append(out.Rows, tableRow(r))
		}
		cont = t.Continue
		if cont == "" {
			return out, nil
		}
		if len(out.Rows) >= MaxTableRows {
			out.Truncated = true
			return out, nil
		}
	}
}

func tableRow(r metav1.TableRow) providers.KubeRow {
	var row providers.KubeRow
	var md metav1.PartialObjectMetadata
	if len(r.Object.Raw) > 0 && json.Unmarshal(r.Object.Raw, &md) == nil {
		row.Namespace, row.Name = md.Namespace, md.Name
	}
	row.Cells = make([]string, len(r.Cells))
	for i, c := range r.Cells {
		row.Cells[i] = cellText(c)
	}
	if row.Name == "" && len(row.Cells) > 0 {
		row.Name = row.Cells[0]
	}
	return row
}

// cellText prints a table cell as kubectl does.
func cellText(c any) string {
	switch v := c.(type) {
	case nil:
		return "<none>"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
