package pages

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// Poller is implemented by pages that reload their data while shown: the
// shell calls Poll once a second on the page shown, and runs the load it
// returns (nil when none is due).
type Poller interface {
	Poll(now time.Time) tea.Cmd
}

// Reloading a Kubernetes list page while it is shown: every
// kubePollPeriod, plus ten times the last load's duration (a big list is
// not re-read back to back). Nothing is read while it is not shown.
const (
	kubePollPeriod = 5 * time.Second
	kubeTimeout    = 30 * time.Second
)

// kubeLoad reads a page's rows from a Kubernetes source in a namespace
// ("" every one): the rows, a status note (e.g. "42 events · kube:prod"), or an error.
type kubeLoad func(ctx context.Context, r providers.KubeReader, namespace string, now time.Time) (*listData, string, error)

// kubeLoaded is the answer of a kubeList's load.
type kubeLoaded struct {
	page string
	req  int
	data *listData
	note string
	err  error
	took time.Duration
}

// kubeList is a list page whose rows are read on demand from a
// Kubernetes source (Backends.Kube): when shown, on ctrl+r, and again
// every poll period while shown, each load in a tea.Cmd tagged with a
// request id. The last line is the status: what was read, or the error
// (the last rows read stay shown under it).
type kubeList struct {
	list    *listPage
	b       *Backends
	load    kubeLoad
	req     int
	loading bool
	started time.Time
	took    time.Duration
	loaded  bool
	note    string
	err     string
	w, h    int
}

func newKubeList(ctx *common.Context, b *Backends, name, title string, cols []table.Column, load kubeLoad) *kubeList {
	return &kubeList{list: newListPage(ctx, name, title, cols, nil), b: b, load: load}
}

// Refresh implements Refresher: (re)loads the rows in a tea.Cmd.
func (p *kubeList) Refresh() tea.Cmd {
	sc := p.b.scope()
	r := p.b.KubeReader(sc.Context)
	if r == nil {
		p.req++
		p.loading, p.err, p.note = false, "", "no Kubernetes source (--kubeconfig, --context)"
		return nil
	}
	p.req++
	req, ctx, name, load := p.req, p.b.Ctx, p.list.name, p.load
	now := p.list.ctx.Now()
	p.loading, p.started = true, now
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, kubeTimeout)
		defer cancel()
		start := time.Now()
		d, note, err := load(cctx, r, sc.Namespace, now)
		return kubeLoaded{page: name, req: req, data: d, note: note, err: err, took: time.Since(start)}
	}
}

// Poll implements Poller: a reload when the period has passed since the
// last one started and none is in flight.
func (p *kubeList) Poll(now time.Time) tea.Cmd {
	if p.loading || now.Sub(p.started) < kubePollPeriod+10*p.took {
		return nil
	}
	return p.Refresh()
}

// Update implements Updater: installs the rows read.
func (p *kubeList) Update(msg tea.Msg) (bool, tea.Cmd) {
	m, ok := msg.(kubeLoaded)
	if !ok || m.page != p.list.name {
		return false, nil
	}
	if m.req != p.req {
		return false, nil // stale: a later load is in flight or done
	}
	p.loading, p.took = false, m.took
	if m.err != nil {
		p.err = oneLine(common.ErrText(m.err))
		return true, nil
	}
	p.err, p.note, p.loaded = "", m.note, true
	p.list.Apply(m.data) // the cursor stays on its row (the table follows its key)
	return true, nil
}

// The Page methods shared by the Kubernetes list pages.

func (p *kubeList) Name() string                { return p.list.name }
func (p *kubeList) Title() string               { return p.list.title }
func (p *kubeList) Scroll(d int)                { p.list.Scroll(d) }
func (p *kubeList) Status() string              { return p.list.Status() }
func (p *kubeList) KeyHints() []key.Binding     { return p.list.KeyHints() }
func (p *kubeList) SetFilter(f common.Filter)   { p.list.SetFilter(f) }
func (p *kubeList) Selected() (Selection, bool) { return p.list.Selected() }
func (p *kubeList) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	return p.list.HandleKey(k)
}

// SetSize implements Page: the table, then one status line.
func (p *kubeList) SetSize(w, h int) {
	p.w, p.h = w, h
	p.list.SetSize(w, max(1, h-1))
}

// View implements Page.
func (p *kubeList) View() string {
	th := p.list.ctx.Theme
	var status string
	switch {
	case p.err != "":
		status = th.Error.Render("✗ " + p.err)
	case p.loading && !p.loaded:
		status = th.Muted.Render("loading…")
	default:
		status = th.Muted.Render(p.note)
	}
	return p.list.View() + "\n" + status
}

// Loading reports whether a load is in flight.
func (p *kubeList) Loading() bool { return p.loading }
