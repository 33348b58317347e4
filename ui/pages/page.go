// Package pages holds the console's views. Each page owns its model, its
// key hints, its size and its data. Snapshot data reaches a page in two
// steps (Builder): Build (a pure function of a snapshot, run in a
// tea.Cmd off the UI goroutine) prepares every row once, and Apply
// installs the result. A page whose data comes from elsewhere (a trace
// source, Terraform, the executor) loads it itself (Refresher) and handles
// its own answers (Updater), reaching those systems through the Backends
// it was built with. View draws only the visible rows, so a frame costs
// the same whatever the estate's size.
//
// The registry (Views) lists every page: adding a view is one page file
// and one line there.
package pages

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
)

// Input is what a page builds its rows from.
type Input struct {
	// Inv is the snapshot, already narrowed to the selected region.
	Inv *providers.Inventory
	// Now is the clock reading used for ages.
	Now time.Time
}

// Selection is the object under the cursor: what the detail pane shows and
// what actions are offered for.
type Selection struct {
	// Key identifies the row.
	Key string
	// Refs are the objects actions may target (e.g. a pod and its deployment).
	Refs []actions.Ref
	// Detail is the pane's content (events excluded: see EventMatch).
	Detail detail.Content
	// Events are the related events, newest first.
	Events []string
	// Trace is set when the selection is a trace (enter opens it).
	Trace string
	// Jump, when set, is where enter goes: the object the selection is
	// about (an alarm's load balancer, ASG, database or node).
	Jump *ProblemTarget
	// JumpFilter, when set, is the filter Jump's page opens with (a
	// workload's pods: PodsOfFilter), instead of none; with it, a Jump
	// without Name focuses no row (the page filtered is the target).
	JumpFilter string
	// Kube names the Kubernetes object selected when it is not one of
	// Refs' kinds (a kind of the generic table, an event's object).
	Kube *providers.KubeObject
}

// kubeKinds are the action kinds that are Kubernetes objects.
var kubeKinds = map[actions.Kind]bool{actions.KindPod: true, actions.KindNode: true,
	actions.KindDeployment: true, actions.KindStatefulSet: true, actions.KindDaemonSet: true}

// actionKind is the action kind of a Kubernetes kind ("Deployment" →
// deployment), "" when actions do not target it.
func actionKind(kind string) actions.Kind {
	k := actions.Kind(strings.ToLower(kind))
	if kubeKinds[k] {
		return k
	}
	return ""
}

// KubeObject returns the Kubernetes object selected, if it is one from a
// kube source (what d describes and y shows as YAML).
func (s Selection) KubeObject() (providers.KubeObject, bool) {
	if s.Kube != nil {
		return *s.Kube, true
	}
	if len(s.Refs) == 0 || !kubeKinds[s.Refs[0].Kind] || s.Refs[0].Cluster == "" {
		return providers.KubeObject{}, false
	}
	r := s.Refs[0]
	return providers.KubeObject{Cluster: r.Cluster, Resource: string(r.Kind), Namespace: r.Namespace, Name: r.Name}, true
}

// Backends are the systems beyond the snapshot that pages read, given to
// every page at construction (nil fields: not configured). The clock is
// the common.Context's.
type Backends struct {
	// Ctx is the parent of every request a page makes.
	Ctx context.Context
	// Traces serves traces and the service graph.
	Traces traces.Source
	// Stacks are the environment's Terraform stacks.
	Stacks common.Stacks
	// Exec is the actions executor (its runs).
	Exec common.Executor
	// ReadOnly says why mutating actions are refused ("" when they are not).
	ReadOnly string
	// Audit reads the audit log (nil: none configured).
	Audit AuditReader
	// Kube returns the Kubernetes sources' on-demand readers (events,
	// server-side tables), one per context.
	Kube func() []providers.KubeReader
	// Scope is the Kubernetes context and namespace every view shows
	// (:ctx, :ns), set by the shell; nil or empty fields: all.
	Scope *KubeScope
}

// KubeScope is where the Kubernetes views look: a context ("" every
// one) and a namespace ("" every one).
type KubeScope struct {
	Context, Namespace string
}

// scope returns the scope (empty when none is set).
func (b *Backends) scope() KubeScope {
	if b == nil || b.Scope == nil {
		return KubeScope{}
	}
	return *b.Scope
}

// KubeReader returns the reader of context cluster ("" the first), nil
// when there is none.
func (b *Backends) KubeReader(cluster string) providers.KubeReader {
	if b == nil || b.Kube == nil {
		return nil
	}
	for _, r := range b.Kube() {
		if cluster == "" || r.Context() == cluster {
			return r
		}
	}
	return nil
}

// Page is one view.
type Page interface {
	// Name is the palette name (the registry's).
	Name() string
	// Title is shown in the tab bar.
	Title() string
	// SetFilter filters the rows.
	SetFilter(f common.Filter)
	// SetSize sets the body size.
	SetSize(w, h int)
	// HandleKey handles a navigation key; it reports whether it did.
	HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd)
	// Scroll scrolls by delta rows (mouse wheel).
	Scroll(delta int)
	// View renders the body, exactly the size set.
	View() string
	// KeyHints are the page's own keys for the footer and the help.
	KeyHints() []key.Binding
	// Selected returns the object under the cursor.
	Selected() (Selection, bool)
	// Status is a short position text, e.g. "12/3400".
	Status() string
}

// Builder is implemented by pages whose rows come from the snapshot; the
// shell builds the page shown when a snapshot arrives. A page that is not
// a Builder is drawn without waiting for one.
type Builder interface {
	// Build prepares the page's data from a snapshot. It must not touch
	// the page's state: it runs off the UI goroutine.
	Build(in *Input) any
	// Apply installs data returned by Build.
	Apply(data any)
}

// Refresher is implemented by pages that load their own data: Refresh
// (re)starts the load, its I/O in the returned tea.Cmd. The shell calls it
// when the page is shown and on ctrl+r.
type Refresher interface {
	Refresh() tea.Cmd
}

// Updater is implemented by pages that handle messages of their own (the
// answers of their loads, common.RunChangedMsg): the shell offers every
// message it does not handle itself to every Updater. Update reports
// whether the page changed (the shell then redraws the detail pane open
// on it).
type Updater interface {
	Update(msg tea.Msg) (bool, tea.Cmd)
}

// Ticker is implemented by pages that redraw with the clock while shown
// (e.g. elapsed times); the shell calls Tick once a second.
type Ticker interface {
	Tick(now time.Time)
}

// ShowMsg asks the shell to show another page (e.g. D in the Traces view
// opens the Services view), remembering the current one for esc.
type ShowMsg struct{ Page string }

// show returns a command asking the shell to show page.
func show(page string) tea.Cmd { return func() tea.Msg { return ShowMsg{Page: page} } }

// Focuser is implemented by pages that can put the cursor on an object
// named by a jump (from a trace span to where it ran).
type Focuser interface {
	Focus(kind, name string) bool
}

// Capturer is implemented by pages that can take the keyboard (the
// Actions view's open output): while Capturing, every key goes to the
// page's HandleKey first; the keys it does not use go on as usual
// (ctrl+c always quits).
type Capturer interface {
	Capturing() bool
}

// Cursored is implemented by pages whose cursor is on a row with a key:
// presenter mode (console serve) mirrors it to the followers.
type Cursored interface {
	// CursorKey is the key of the row under the cursor ("" none).
	CursorKey() string
	// SetCursorKey puts the cursor on the row with key (shown first when
	// the page hides it, e.g. a collapsed tree); false when there is none.
	SetCursorKey(key string) bool
}

// Expander is implemented by pages whose rows expand and collapse (the
// topology): presenter mode mirrors which rows are.
type Expander interface {
	// ExpandState encodes the rows expanded and collapsed by the user.
	ExpandState() string
	// SetExpandState applies what ExpandState gave.
	SetExpandState(s string)
}
