// Package kube is the Kubernetes source of the console: one Provider per
// kube context, built from the standard kubeconfig loading rules. It runs
// client-go shared informers (nodes, pods, deployments, statefulsets,
// daemonsets, replicasets, warning events) whose transforms keep only what
// the console shows, converts every change once into small records, and
// emits a complete view at most every EmitInterval. It never assumes
// cluster-wide rights: it asks the API server (SelfSubjectAccessReview)
// what it may list, watches only that, and says what is hidden. As an
// actions.Offerer it offers the kubectl actions the user may run.
package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/opsconsole/console/providers"
)

// Kind is the source family of this provider.
const Kind = "kube"

// Defaults of Options.
const (
	DefaultEmitInterval   = 250 * time.Millisecond
	DefaultPageSize       = 500
	DefaultRequestTimeout = 10 * time.Second
	DefaultHealthInterval = 2 * time.Second
)

// Options configure a Provider.
type Options struct {
	// Kubeconfig is an explicit kubeconfig path; empty means KUBECONFIG or
	// ~/.kube/config (the standard loading rules).
	Kubeconfig string
	// Context is the kube context; empty means the kubeconfig's current context.
	Context string
	// Region is given to nodes that carry no region label.
	Region string
	// Namespaces are watched in addition to the context's namespace when the
	// user may not list pods cluster-wide nor list namespaces.
	Namespaces []string
	// EmitInterval is the minimum time between two views (coalescing).
	EmitInterval time.Duration
	// PageSize is the page size of the initial (and any re-) list.
	PageSize int64
	// RequestTimeout bounds user-facing requests (access reviews, health
	// checks). Watches have no client timeout; the server ends them.
	RequestTimeout time.Duration
	// HealthInterval is the period of the API server health check.
	HealthInterval time.Duration
	// StreamingList uses the WatchList protocol (a watch that streams the
	// initial state) instead of a paginated LIST, when the server supports it.
	StreamingList bool
	// StatsInterval is how often the kubelets' stats summaries are read
	// for the claims' usage (DefaultStatsInterval when 0).
	StatsInterval time.Duration
	// AgentGrace is how long a DaemonSet's pod may be missing from a node
	// created since, or of a DaemonSet created since, before it is a
	// problem (default providers.AgentGrace).
	AgentGrace time.Duration
	// ListGate, shared by the providers of one console, staggers their
	// first lists (nil: this provider lists at once); ListRank is this
	// provider's place in it (0, the context shown, never waits).
	ListGate *ListGate
	ListRank int
	// FirstLists, when set, is called as this provider's first lists
	// begin; the function it returns is called once when every informer
	// has its first list, the session ends, or maxLoadHold passed. The
	// console lowers the garbage collector's target in between (the peak
	// of the heap is reached then); the provider leaves process settings
	// to its caller.
	FirstLists func() (done func())
}

// Provider is the Kubernetes source for one kube context.
type Provider struct {
	opts        Options
	contextName string
	namespace   string // the context's namespace
	userCfg     *rest.Config
	watchCfg    *rest.Config
	user        kubernetes.Interface
	watcher     kubernetes.Interface
	reviewer    *reviewer

	refresh chan struct{}

	mu   sync.Mutex
	view *view

	insp inspector // on-demand reads (describe, YAML, tables), made on first use
}

// New loads the kubeconfig (explicit path, else KUBECONFIG or
// ~/.kube/config) with the context override and returns a provider. It
// contacts no server.
func New(opts Options) (*Provider, error) {
	if opts.EmitInterval <= 0 {
		opts.EmitInterval = DefaultEmitInterval
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = DefaultHealthInterval
	}
	if opts.AgentGrace <= 0 {
		opts.AgentGrace = providers.AgentGrace
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = DefaultStatsInterval
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	name := opts.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if name != "" {
		if _, ok := raw.Contexts[name]; !ok {
			return nil, fmt.Errorf("kubeconfig: context %q not found (have: %s)", name, contextNames(raw.Contexts))
		}
	}
	base, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig context %q: %w", name, err)
	}
	if name == "" {
		name = "in-cluster"
	}
	ns, _, err := cc.Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	p := &Provider{opts: opts, contextName: name, namespace: ns, refresh: make(chan struct{}, 1)}

	p.userCfg = rest.CopyConfig(base)
	p.userCfg.UserAgent = "console"
	p.userCfg.Timeout = opts.RequestTimeout
	p.userCfg.QPS, p.userCfg.Burst = 20, 40

	// Watches and the initial list: no client timeout (the server ends
	// watches after a randomised timeout and the reflector re-opens them),
	// protobuf, and a rate limit that lets a paginated list of 50,000 pods
	// through in a few seconds.
	p.watchCfg = rest.CopyConfig(base)
	p.watchCfg.UserAgent = "console-watch"
	p.watchCfg.Timeout = 0
	p.watchCfg.QPS, p.watchCfg.Burst = 200, 400
	p.watchCfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	p.watchCfg.ContentType = "application/vnd.kubernetes.protobuf"

	if p.user, err = kubernetes.NewForConfig(p.userCfg); err != nil {
		return nil, fmt.Errorf("kube client: %w", err)
	}
	if p.watcher, err = kubernetes.NewForConfig(p.watchCfg); err != nil {
		return nil, fmt.Errorf("kube watch client: %w", err)
	}
	p.reviewer = newReviewer(p.user)
	return p, nil
}

// Contexts lists the contexts of the kubeconfig (explicit path, else
// KUBECONFIG or ~/.kube/config), sorted.
func Contexts(kubeconfig string) ([]string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	names := make([]string, 0, len(raw.Contexts))
	for n := range raw.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

func contextNames(m map[string]*clientcmdapi.Context) string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Name is "kube:<context>".
func (p *Provider) Name() string { return "kube:" + p.contextName }

// Kind is "kube".
func (p *Provider) Kind() string { return Kind }

// Context is the kube context this provider shows.
func (p *Provider) Context() string { return p.contextName }

// Namespace is the context's default namespace.
func (p *Provider) Namespace() string { return p.namespace }

// Kubeconfig is the explicit kubeconfig path ("" for the loading rules).
func (p *Provider) Kubeconfig() string { return p.opts.Kubeconfig }

// Client is the client for user requests (short timeouts).
func (p *Provider) Client() kubernetes.Interface { return p.user }

// Refresh (ctrl+r) restarts the provider's session: the user's rights are
// discovered again (e.g. a namespace created since) and the caches re-listed.
func (p *Provider) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// errRefresh ends a session on Refresh.
var errRefresh = errors.New("refresh")

// Run watches the cluster and sends a complete view after every change
// (coalesced to EmitInterval), or an error while the API server cannot be
// reached or a watch fails. It retries with backoff and recovers by itself.
func (p *Provider) Run(ctx context.Context, out chan<- providers.Update) error {
	backoff := time.Second
	for {
		err := p.session(ctx, out)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errRefresh) {
			backoff = time.Second
			continue
		}
		if err != nil {
			providers.Send(ctx, out, providers.Update{Source: p.Name(), Err: err})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// watchFailure is the last error of one informer's watch.
type watchFailure struct {
	err error
	rv  string // the informer's resource version when it failed
	at  time.Time
}

// session discovers the user's rights, runs the informers and emits views
// until ctx is done. It returns an error when the discovery fails.
func (p *Provider) session(ctx context.Context, out chan<- providers.Update) error {
	dctx, cancel := context.WithTimeout(ctx, 3*p.opts.RequestTimeout)
	acc, err := discover(dctx, p.user, p.reviewer, p.Name(), p.namespace, p.opts.Namespaces)
	cancel()
	if err != nil {
		return fmt.Errorf("%s: %w", p.Name(), err)
	}
	v := newView(p.contextName, p.opts.Region)
	v.agentGrace = p.opts.AgentGrace
	v.setHidden(acc.hidden)
	sl := acc.scopes["endpointslices"]
	v.setSlicesKnown(sl.clusterWide || len(sl.namespaces) > 0)
	p.mu.Lock()
	p.view = v
	p.mu.Unlock()

	// Wait for a place among the contexts listing their first lists,
	// and hold it, telling the caller (Options.FirstLists), until every
	// informer has its list (or maxLoadHold passed).
	release := func() {}
	if g := p.opts.ListGate; g != nil {
		r, err := g.acquire(ctx, p.opts.ListRank)
		if err != nil {
			return nil // ctx is done
		}
		release = r
	}
	endLoad := func() {}
	if f := p.opts.FirstLists; f != nil {
		endLoad = sync.OnceFunc(f())
	}
	loaded := func() { release(); endLoad() }
	held := time.AfterFunc(maxLoadHold, loaded)
	defer held.Stop()
	defer loaded()

	sctx, stop := context.WithCancel(ctx)
	defer stop()

	var (
		fmu      sync.Mutex
		failures = map[int]watchFailure{}
	)
	var infs []informerRun
	for _, res := range watched {
		sc := acc.scopes[res.name]
		nss := sc.namespaces
		if sc.clusterWide {
			nss = []string{""}
		}
		for _, ns := range nss {
			lw, example, tf := p.listWatch(res, ns)
			inf := cache.NewSharedIndexInformerWithOptions(lw, example, cache.SharedIndexInformerOptions{})
			if err := inf.SetTransform(tf); err != nil {
				return fmt.Errorf("%s: informer %s: %w", p.Name(), res.name, err)
			}
			idx := len(infs)
			lw.page = func(items []any) { v.stage(idx, items) } // converted already
			if err := inf.SetWatchErrorHandlerWithContext(func(_ context.Context, r *cache.Reflector, err error) {
				if err == io.EOF || apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					return // a watch ended normally or must re-list: not a failure
				}
				fmu.Lock()
				failures[idx] = watchFailure{err: fmt.Errorf("watch %s: %w", res.name, err), rv: inf.LastSyncResourceVersion(), at: time.Now()}
				fmu.Unlock()
			}); err != nil {
				return fmt.Errorf("%s: informer %s: %w", p.Name(), res.name, err)
			}
			reg, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    func(o any) { v.confirm(idx, o) },
				UpdateFunc: func(_, o any) { v.confirm(idx, o) },
				DeleteFunc: func(o any) { v.forget(idx, o) },
			})
			if err != nil {
				return fmt.Errorf("%s: informer %s: %w", p.Name(), res.name, err)
			}
			infs = append(infs, informerRun{res: res.name, inf: inf, reg: reg, lw: lw})
		}
	}
	for _, s := range infs {
		go s.inf.RunWithContext(sctx)
	}
	go p.pollStats(sctx, v)

	// Health check of the API server, separate from the watches.
	var hmu sync.Mutex
	var healthErr error
	go func() {
		t := time.NewTicker(p.opts.HealthInterval)
		defer t.Stop()
		for {
			err := p.health(sctx)
			hmu.Lock()
			healthErr = err
			hmu.Unlock()
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	}()

	tick := time.NewTicker(p.opts.EmitInterval)
	defer tick.Stop()
	synced := false
	// Partial views: the first page at once, then when the objects staged
	// have doubled or partialEvery has passed, so that a large first list
	// is copied (by the view, the store and the page shown) a few times,
	// not at every tick.
	var (
		partialN  int
		partialAt time.Time
	)
	var reported string // the error last sent, "" when healthy
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.refresh:
			return errRefresh
		case <-tick.C:
		case <-v.kick: // the first page of a first list: show it now
		}
		if !synced {
			synced = true
			for i := range infs {
				s := &infs[i]
				if !s.settled && s.reg.HasSynced() {
					s.settled = true
					s.lw.settled.Store(true)
					v.settle(i)
				}
				synced = synced && s.settled
			}
			if synced {
				v.setComplete()
				loaded()
			}
		}
		// Staleness: the health check fails, or a watch failed and has not
		// made progress since (cleared after two minutes of good health).
		hmu.Lock()
		err := healthErr
		hmu.Unlock()
		fmu.Lock()
		for i, f := range failures {
			if infs[i].inf.LastSyncResourceVersion() != f.rv || (err == nil && time.Since(f.at) > 2*time.Minute) {
				delete(failures, i)
				continue
			}
			if err == nil {
				err = f.err
			}
		}
		fmu.Unlock()
		if err != nil {
			msg := fmt.Sprintf("%s: %v", p.Name(), err)
			if msg != reported {
				reported = msg
				providers.Send(ctx, out, providers.Update{Source: p.Name(), Err: errors.New(msg)})
			}
			continue
		}
		if reported != "" {
			reported = ""
			v.markDirty() // recovered: send the current view at once
		}
		switch {
		case synced && v.takeDirty():
			providers.Send(ctx, out, providers.Update{Source: p.Name(), Inventory: v.inventory()})
		case !synced:
			staged, n := v.hasStaged()
			if staged && (n >= 2*partialN || time.Since(partialAt) >= partialEvery) && v.takeDirty() {
				// the first lists are still arriving: send what has come,
				// marked partial, with how far the largest list has come
				partialN, partialAt = n, time.Now()
				providers.Send(ctx, out, providers.Update{Source: p.Name(), Inventory: v.inventory(), Progress: loadProgress(infs)})
			}
		}
	}
}

// partialEvery is the longest time between two partial views while the
// first lists arrive (the progress count moves at least that often).
const partialEvery = time.Second

// informerRun is one informer of a session: its resource, its handler's
// registration, its list-watcher and whether its first list has settled.
type informerRun struct {
	res     string
	inf     cache.SharedIndexInformer
	reg     cache.ResourceEventHandlerRegistration
	lw      *pagedListWatch
	settled bool
}

// loadProgress is how far the first lists have come, for the resource
// with the most objects still to come (its informers' counts summed:
// one per namespace when the user may not list cluster-wide).
func loadProgress(infs []informerRun) *providers.Progress {
	type count struct{ done, total int }
	by := map[string]*count{}
	var order []string
	for i := range infs {
		r := &infs[i]
		if r.settled {
			continue
		}
		c := by[r.res]
		if c == nil {
			c = &count{}
			by[r.res] = c
			order = append(order, r.res)
		}
		c.done += int(r.lw.done.Load())
		c.total += int(r.lw.total.Load())
	}
	best := &providers.Progress{}
	left := -1
	for _, res := range order {
		c := by[res]
		if l := c.total - c.done; l > left || (l == left && c.done > best.Done) {
			best, left = &providers.Progress{What: res, Done: c.done, Total: c.total}, l
		}
	}
	if best.What == "" {
		best.What = "objects"
	}
	if best.Total < best.Done {
		best.Total = 0 // a list whose size the server did not say
	}
	return best
}

// health asks the API server's /readyz with the user-request timeout. An
// answer that is an authorisation error still proves the server is up.
func (p *Provider) health(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.RequestTimeout)
	defer cancel()
	err := p.user.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
	if err == nil || apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsNotFound(err) {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // shutting down
	}
	return fmt.Errorf("API server unreachable: %w", err)
}

// Snapshot returns the provider's current view (nil before Run has
// discovered the user's rights). Used by tests and commands.
func (p *Provider) Snapshot() *providers.Inventory {
	p.mu.Lock()
	v := p.view
	p.mu.Unlock()
	if v == nil {
		return nil
	}
	return v.inventory()
}

// pagedListWatch lists in pages of pageSize and converts every item of a
// page with the informer's transform as the page arrives: the list the
// pager accumulates, and the informer stores, holds the small converted
// objects only (never the decoded API objects of more than one page), and
// the transform is applied once per object (it is idempotent, so the
// informer's own pass leaves the objects as they are). Until the informer
// has synced (settled), each page is also handed to page, so that the
// first rows are shown while the rest of the list arrives, and counted
// (progress).
type pagedListWatch struct {
	lw        *cache.ListWatch
	pageSize  int64
	tf        cache.TransformFunc // nil: items are kept as decoded
	streaming bool

	page    func(items []any) // nil: pages are not shown before the list ends
	settled atomic.Bool
	done    atomic.Int64 // objects of the first list received
	total   atomic.Int64 // objects the server says the list has (0: unknown)
}

// List lists one page.
func (l *pagedListWatch) List(o metav1.ListOptions) (runtime.Object, error) {
	return l.ListWithContext(context.Background(), o)
}

// ListWithContext lists one page of pageSize objects. The first list asks
// for a consistent read (resourceVersion "") so that the server honours the
// page size instead of serving the whole list from its watch cache.
func (l *pagedListWatch) ListWithContext(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
	if o.ResourceVersion == "0" && o.Continue == "" {
		o.ResourceVersion = ""
	}
	o.Limit = l.pageSize
	obj, err := l.lw.ListWithContext(ctx, o)
	if err != nil {
		return nil, err
	}
	list, err := l.convert(obj)
	if err != nil {
		return nil, err
	}
	if l.page != nil && !l.settled.Load() {
		l.showPage(list, o.Continue == "")
	}
	return list, nil
}

// convert returns the page as a list of the transformed items (the
// decoded page is garbage from then on), with the page's list metadata.
func (l *pagedListWatch) convert(obj runtime.Object) (*metainternalversion.List, error) {
	lm, err := meta.ListAccessor(obj)
	if err != nil {
		return nil, fmt.Errorf("list page: %w", err)
	}
	out := &metainternalversion.List{ListMeta: metav1.ListMeta{
		ResourceVersion:    lm.GetResourceVersion(),
		Continue:           lm.GetContinue(),
		RemainingItemCount: lm.GetRemainingItemCount(),
	}}
	out.Items = make([]runtime.Object, 0, meta.LenList(obj))
	err = meta.EachListItem(obj, func(o runtime.Object) error {
		if l.tf != nil {
			t, err := l.tf(o)
			if err != nil {
				return err
			}
			r, ok := t.(runtime.Object)
			if !ok {
				return fmt.Errorf("transform of %T returned %T, not an API object", o, t)
			}
			o = r
		}
		out.Items = append(out.Items, o)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list page: %w", err)
	}
	return out, nil
}

// showPage hands a page of the first list to page and counts it. A list
// starting again (its first page) starts the count again.
func (l *pagedListWatch) showPage(list *metainternalversion.List, first bool) {
	items := make([]any, len(list.Items))
	for i, o := range list.Items {
		items[i] = o
	}
	if first {
		l.done.Store(0)
	}
	done := l.done.Add(int64(len(items)))
	if r := list.RemainingItemCount; r != nil {
		l.total.Store(done + *r)
	} else if list.Continue == "" {
		l.total.Store(done)
	}
	l.page(items)
}

// Watch opens a watch.
func (l *pagedListWatch) Watch(o metav1.ListOptions) (watch.Interface, error) {
	return l.WatchWithContext(context.Background(), o)
}

// WatchWithContext opens a watch.
func (l *pagedListWatch) WatchWithContext(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	return l.lw.WatchWithContext(ctx, o)
}

// IsWatchListSemanticsUnSupported tells the reflector whether to use the
// WatchList protocol (Options.StreamingList) or a paginated list.
func (l *pagedListWatch) IsWatchListSemanticsUnSupported() bool { return !l.streaming }
