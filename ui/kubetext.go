package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
)

// kubeReadTimeout bounds one describe or YAML read.
const kubeReadTimeout = 20 * time.Second

// textMsg is the answer of a describe or YAML read.
type textMsg struct {
	req   int
	title string
	text  string
	err   error
}

// kubeReader returns the reader of context cluster, nil when none.
func (m *Model) kubeReader(cluster string) providers.KubeReader {
	if m.d.kube == nil {
		return nil
	}
	for _, r := range m.d.kube() {
		if r.Context() == cluster {
			return r
		}
	}
	return nil
}

// noKubeText says why key (d or y) cannot show the selection's what
// (describe, YAML): not a Kubernetes object, or one no source reads (the
// demo's objects).
func (m *Model) noKubeText(key, what string) string {
	if sel, ok := m.page().Selected(); ok {
		if o, ok := sel.KubeObject(); ok && m.kubeReader(o.Cluster) == nil {
			return key + ": no Kubernetes source reads context " + common.Sanitize(o.Cluster) +
				" to show its " + what + " (start with --kubeconfig/--context)"
		}
	}
	return key + " shows the " + what + " of a Kubernetes object"
}

// openKubeText opens the text viewer on the selected Kubernetes object's
// describe output (yaml false) or YAML, read now with a GET in a tea.Cmd
// (the informers keep only small records). It reports false when the
// selection is not an object of a kube source.
func (m *Model) openKubeText(yaml bool) (bool, tea.Cmd) {
	sel, ok := m.page().Selected()
	if !ok {
		return false, nil
	}
	return m.openKubeObject(sel, yaml)
}

func (m *Model) openKubeObject(sel pages.Selection, yaml bool) (bool, tea.Cmd) {
	o, ok := sel.KubeObject()
	if !ok {
		return false, nil
	}
	r := m.kubeReader(o.Cluster)
	if r == nil {
		return false, nil
	}
	verb := "describe"
	if yaml {
		verb = "yaml"
	}
	title := verb + " " + o.Resource + " "
	if o.Namespace != "" {
		title += o.Namespace + "/"
	}
	title += o.Name + " · " + o.Cluster
	m.reqID++
	req, ctx := m.reqID, m.d.ctx
	m.textReq = req
	m.text.SetLoading(title)
	m.textFrom = m.mode
	m.mode = modeText
	m.layout()
	return true, func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, kubeReadTimeout)
		defer cancel()
		var s string
		var err error
		if yaml {
			s, err = r.YAML(cctx, o)
		} else {
			s, err = r.Describe(cctx, o)
		}
		return textMsg{req: req, title: title, text: s, err: err}
	}
}

// handleTextMsg installs a describe or YAML answer (a stale one is dropped).
func (m *Model) handleTextMsg(msg tea.Msg) bool {
	t, ok := msg.(textMsg)
	if !ok {
		return false
	}
	if t.req != m.textReq || m.mode != modeText {
		return true
	}
	if t.err != nil {
		m.text.SetError(t.title, t.err)
	} else {
		m.text.SetText(t.title, t.text)
	}
	return true
}

// textKey handles a key while the text viewer is open: esc or q (outside
// its search) go back to what it was opened over.
func (m *Model) textKey(k tea.KeyPressMsg) tea.Cmd {
	keys := m.ctx.Keys
	if !m.text.Searching() {
		switch k.String() {
		case "?":
			m.openHelp()
			return nil
		case "esc", "q":
			m.mode = m.textFrom
			m.layout()
			return nil
		}
	}
	m.text.HandleKey(k, keys)
	return nil
}
