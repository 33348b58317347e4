package providers

import (
	"context"
	"strconv"
	"time"
)

// Provider is one data source (the demo simulator, a Kubernetes context, an
// AWS account, a database, Jaeger). Run sends updates until ctx is done.
// Each update carries the provider's complete current view (its part of the
// estate); the Store merges the views of all providers.
type Provider interface {
	// Name identifies the source instance, e.g. "kube:prod-eu" or "aws".
	Name() string
	// Kind is the source family: sim, kube, aws, db, jaeger.
	Kind() string
	// Run streams updates to out until ctx is cancelled. It must not block
	// forever on out when ctx is done. It returns nil on cancellation.
	Run(ctx context.Context, out chan<- Update) error
}

// Refresher is implemented by providers that poll and can be asked to
// refresh now (ctrl+r).
type Refresher interface {
	Refresh()
}

// Update is one message from a provider: either a new view or an error.
// When Err is set, Inventory is nil and the store keeps the last good view,
// marking the source stale. When Progress is set, the view is partial: the
// source's first load is still arriving (the store marks it loading).
type Update struct {
	Source    string
	Inventory *Inventory
	Err       error
	At        time.Time
	Progress  *Progress
}

// Progress says how far a source's first load has come.
type Progress struct {
	// What is being loaded, e.g. "pods".
	What string `json:"what"`
	// Done is the number of objects received, Total the number expected
	// (0 when the server does not say).
	Done  int `json:"done"`
	Total int `json:"total"`
}

// String is "pods 4,500/20,000" (or "pods 4,500" when the total is unknown).
func (p *Progress) String() string {
	s := p.What + " " + thousands(p.Done)
	if p.Total > 0 {
		s += "/" + thousands(p.Total)
	}
	return s
}

// thousands formats n with commas: 20000 → "20,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Send delivers u on out unless ctx is done first. It reports whether the
// update was delivered.
func Send(ctx context.Context, out chan<- Update, u Update) bool {
	if u.At.IsZero() {
		u.At = time.Now()
	}
	select {
	case out <- u:
		return true
	case <-ctx.Done():
		return false
	}
}
