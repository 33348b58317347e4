package providers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/opsconsole/console/internal/errtext"
	"github.com/opsconsole/console/traces"
)

// Snapshot is an immutable merged view of every source, with a version that
// increases with every change.
type Snapshot struct {
	Version uint64
	At      time.Time
	Inv     *Inventory
}

// Store merges the updates of several providers into snapshots. It
// coalesces bursts of updates: at most one snapshot per Interval.
type Store struct {
	providers []Provider
	// Interval is the minimum time between two published snapshots.
	Interval time.Duration

	mu      sync.Mutex
	views   map[string]*Inventory
	status  map[string]*SourceStatus
	order   []string
	version uint64
	current *Snapshot
	subs    []chan *Snapshot
	dirty   bool
	// runCtx and in are Start's, for a provider added later (Add).
	runCtx context.Context
	in     chan Update
}

// NewStore returns a store over the given providers.
func NewStore(ps ...Provider) *Store {
	s := &Store{
		providers: ps,
		Interval:  100 * time.Millisecond,
		views:     map[string]*Inventory{},
		status:    map[string]*SourceStatus{},
	}
	for _, p := range ps {
		s.order = append(s.order, p.Name())
		s.status[p.Name()] = &SourceStatus{Name: p.Name(), Kind: p.Kind(), Status: StatusPending}
	}
	s.current = s.mergeLocked(time.Now())
	return s
}

// Providers returns the providers of the store.
func (s *Store) Providers() []Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.providers)
}

// Add adds a provider while the store runs (e.g. a kube context switched
// to in the TUI) and starts it like Start does. A provider of the same
// name is an error.
func (s *Store) Add(p Provider) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.providers {
		if q.Name() == p.Name() {
			return fmt.Errorf("source %s is already shown", p.Name())
		}
	}
	s.providers = append(s.providers, p)
	s.order = append(s.order, p.Name())
	s.status[p.Name()] = &SourceStatus{Name: p.Name(), Kind: p.Kind(), Status: StatusPending}
	s.dirty = true
	if s.in != nil {
		s.run(s.runCtx, p)
	}
	return nil
}

// run runs p, its failure an error update.
func (s *Store) run(ctx context.Context, p Provider) {
	in := s.in
	go func() {
		if err := p.Run(ctx, in); err != nil && ctx.Err() == nil {
			Send(ctx, in, Update{Source: p.Name(), Err: err})
		}
	}()
}

// Subscribe returns a channel that receives every new snapshot. The channel
// holds only the latest snapshot: a slow reader skips intermediate ones.
func (s *Store) Subscribe() <-chan *Snapshot {
	ch := make(chan *Snapshot, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	return ch
}

// Unsubscribe stops sending snapshots to ch (from Subscribe) and closes
// it, so that a reader waiting on it returns (a console serve session
// that ended leaves nothing behind).
func (s *Store) Unsubscribe(ch <-chan *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.subs {
		if c == ch {
			s.subs = slices.Delete(s.subs, i, i+1)
			close(c)
			return
		}
	}
}

// Subscribers is the number of subscriptions.
func (s *Store) Subscribers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

// Snapshot returns the current snapshot.
func (s *Store) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Refresh asks every provider that supports it to refresh now.
func (s *Store) Refresh() {
	for _, p := range s.Providers() {
		if r, ok := p.(Refresher); ok {
			r.Refresh()
		}
	}
}

// Start runs every provider and the merge loop until ctx is done.
func (s *Store) Start(ctx context.Context) {
	in := make(chan Update, 64)
	s.mu.Lock()
	s.runCtx, s.in = ctx, in
	for _, p := range s.providers {
		s.run(ctx, p)
	}
	s.mu.Unlock()
	go s.loop(ctx, in)
}

// WaitReady blocks until every source has answered once (data or error) or
// ctx is done, and returns the snapshot at that point.
func (s *Store) WaitReady(ctx context.Context) *Snapshot {
	ch := s.Subscribe()
	for {
		snap := s.Snapshot()
		if allAnswered(snap.Inv.Sources) {
			return snap
		}
		select {
		case <-ctx.Done():
			return s.Snapshot()
		case <-ch:
		}
	}
}

// allAnswered reports whether every source has answered (data or error),
// a source still loading its first view not counted.
func allAnswered(ss []SourceStatus) bool {
	for _, st := range ss {
		if st.Status == StatusPending || st.Status == StatusLoading {
			return false
		}
	}
	return true
}

func (s *Store) loop(ctx context.Context, in <-chan Update) {
	ticker := time.NewTicker(s.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-in:
			// Publish a source's first answer, and its first complete
			// view after partial ones, at once so that start-up is not
			// delayed by the coalescing interval.
			if first := s.apply(u); first {
				s.publish(time.Now(), false)
			}
		case now := <-ticker.C:
			s.publish(now, true)
		}
	}
}

// apply records u and reports whether it was the source's first answer
// or its first complete view after partial ones.
func (s *Store) apply(u Update) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[u.Source]
	if !ok {
		st = &SourceStatus{Name: u.Source, Status: StatusPending}
		s.status[u.Source] = st
		s.order = append(s.order, u.Source)
	}
	first := st.Status == StatusPending || (st.Status == StatusLoading && u.Progress == nil)
	at := u.At
	if at.IsZero() {
		at = time.Now()
	}
	if u.Err != nil {
		st.Error = errtext.Explain(u.Err) // Go internals in words, for the header and `inventory`
		if _, had := s.views[u.Source]; had {
			st.Status = StatusStale
		} else {
			st.Status = StatusError
		}
	} else if u.Inventory != nil {
		s.views[u.Source] = u.Inventory
		st.Status = StatusOK
		st.Progress = nil
		if u.Progress != nil {
			st.Status = StatusLoading
			p := *u.Progress
			st.Progress = &p
		}
		st.Error = ""
		st.UpdatedAt = at
	}
	s.dirty = true
	return first
}

// publish merges and sends a snapshot. With onlyIfDirty false it publishes
// even when nothing changed (so ages move).
func (s *Store) publish(now time.Time, onlyIfDirty bool) {
	s.mu.Lock()
	if onlyIfDirty && !s.dirty {
		s.mu.Unlock()
		return
	}
	snap := s.mergeLocked(now)
	s.current = snap
	s.dirty = false
	// sent under the lock (never blocking) so that Unsubscribe cannot
	// close a channel being sent to
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case <-ch: // drop the unread older snapshot
		default:
		}
		select {
		case ch <- snap:
		default:
		}
	}
}

func (s *Store) mergeLocked(now time.Time) *Snapshot {
	s.version++
	var views []*Inventory
	var sources []SourceStatus
	for _, name := range s.order {
		st := *s.status[name]
		if !st.UpdatedAt.IsZero() {
			st.AgeSeconds = now.Sub(st.UpdatedAt).Seconds()
		}
		sources = append(sources, st)
		if v := s.views[name]; v != nil {
			views = append(views, v)
		}
	}
	inv := Merge(views...)
	inv.Sources = sources
	return &Snapshot{Version: s.version, At: now, Inv: inv}
}

// Merge concatenates inventories and joins them (see Join). The inputs are
// not modified.
func Merge(views ...*Inventory) *Inventory {
	out := &Inventory{}
	for _, v := range views {
		out.Regions = appendRegions(out.Regions, v.Regions)
		out.Zones = appendZones(out.Zones, v.Zones)
		out.VPCs = append(out.VPCs, v.VPCs...)
		out.Subnets = append(out.Subnets, v.Subnets...)
		out.AutoscalingGroups = append(out.AutoscalingGroups, v.AutoscalingGroups...)
		out.Instances = append(out.Instances, v.Instances...)
		out.Nodes = append(out.Nodes, v.Nodes...)
		out.Pods = append(out.Pods, v.Pods...)
		out.Workloads = append(out.Workloads, v.Workloads...)
		out.Services = append(out.Services, v.Services...)
		out.VolumeClaims = append(out.VolumeClaims, v.VolumeClaims...)
		out.Events = append(out.Events, v.Events...)
		out.LoadBalancers = append(out.LoadBalancers, v.LoadBalancers...)
		out.Databases = append(out.Databases, v.Databases...)
		out.Traces = append(out.Traces, v.Traces...)
		out.Hidden = append(out.Hidden, v.Hidden...)
		out.Alarms = append(out.Alarms, v.Alarms...)
		out.SecurityGroups = append(out.SecurityGroups, v.SecurityGroups...)
		out.NetworkACLs = append(out.NetworkACLs, v.NetworkACLs...)
		out.RouteTables = append(out.RouteTables, v.RouteTables...)
		out.Distributions = append(out.Distributions, v.Distributions...)
		out.ImageRepositories = append(out.ImageRepositories, v.ImageRepositories...)
	}
	// Traces newest first, as `console trace find` lists them.
	slices.SortStableFunc(out.Traces, func(x, y traces.TraceSummary) int { return y.Start.Compare(x.Start) })
	Join(out)
	return out
}

func appendRegions(dst, src []Region) []Region {
	for _, r := range src {
		found := false
		for i := range dst {
			if dst[i].Name == r.Name {
				found = true
				if dst[i].Error == "" {
					dst[i].Error = r.Error
				}
			}
		}
		if !found {
			dst = append(dst, r)
		}
	}
	return dst
}

func appendZones(dst, src []Zone) []Zone {
	seen := make(map[string]bool, len(dst))
	for _, z := range dst {
		seen[z.Name] = true
	}
	for _, z := range src {
		if !seen[z.Name] {
			seen[z.Name] = true
			dst = append(dst, z)
		}
	}
	return dst
}

// Join fills the cross-source fields in place: a node whose instance id
// names a known instance gets that instance's ASG, subnet and zone; the
// instance gets the node's name; every ASG counts its Ready nodes; every
// node counts its pods; regions and zones named by nodes are added; pods'
// container images are matched with the image repositories (joinImages:
// the registry digest of their tag, drift, push time).
// Slices are sorted into a stable order.
func Join(inv *Inventory) {
	inst := make(map[string]int, len(inv.Instances))
	for i := range inv.Instances {
		inv.Instances[i].Node = ""
		inst[inv.Instances[i].ID] = i
	}
	podsPerNode := make(map[string]int, len(inv.Nodes))
	for i := range inv.Pods {
		podsPerNode[inv.Pods[i].Cluster+"/"+inv.Pods[i].Node]++
	}
	readyPerASG := map[string]int{}
	zones := map[string]bool{}
	for _, z := range inv.Zones {
		zones[z.Name] = true
	}
	regions := map[string]bool{}
	for _, r := range inv.Regions {
		regions[r.Name] = true
	}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		n.Pods = podsPerNode[n.Cluster+"/"+n.Name]
		if j, ok := inst[n.InstanceID]; ok && n.InstanceID != "" {
			in := &inv.Instances[j]
			in.Node = n.Name
			n.ASG = in.ASG
			n.Subnet = in.Subnet
			if n.Zone == "" {
				n.Zone = in.Zone
			}
			if n.Region == "" {
				n.Region = in.Region
			}
			if n.Ready && in.ASG != "" {
				readyPerASG[in.Region+"/"+in.ASG]++
			}
		}
		if n.Region != "" && !regions[n.Region] {
			regions[n.Region] = true
			inv.Regions = append(inv.Regions, Region{Name: n.Region, Source: "kube"})
		}
		if n.Zone != "" && !zones[n.Zone] {
			zones[n.Zone] = true
			inv.Zones = append(inv.Zones, Zone{Name: n.Zone, Region: n.Region})
		}
	}
	for i := range inv.AutoscalingGroups {
		g := &inv.AutoscalingGroups[i]
		g.ReadyNodes = readyPerASG[g.Region+"/"+g.Name]
	}
	joinClaims(inv)
	joinImages(inv)
	sort.SliceStable(inv.Regions, func(i, j int) bool { return inv.Regions[i].Name < inv.Regions[j].Name })
	sort.SliceStable(inv.Zones, func(i, j int) bool {
		if inv.Zones[i].Region != inv.Zones[j].Region {
			return inv.Zones[i].Region < inv.Zones[j].Region
		}
		return inv.Zones[i].Name < inv.Zones[j].Name
	})
}
