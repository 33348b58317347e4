package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/ui/common"
)

// maxFavourites is the number of favourite namespaces (keys 1-9).
const maxFavourites = 9

// scopeKey names what the snapshot pages were built for: the region, the
// Kubernetes context and namespace.
func (m *Model) scopeKey() string {
	return m.region + "\x00" + m.kscope.Context + "\x00" + m.kscope.Namespace
}

// hasKube reports whether a Kubernetes source is configured.
func (m *Model) hasKube() bool { return m.d.kube != nil && len(m.d.kube()) > 0 }

// kubeContextNames are the contexts shown by a source now.
func (m *Model) kubeContextNames() []string {
	var out []string
	if m.d.kube != nil {
		for _, r := range m.d.kube() {
			out = append(out, r.Context())
		}
	}
	return out
}

// rescope rebuilds the page shown and the problem strip for a new
// context or namespace, and reloads a page that reads Kubernetes itself.
func (m *Model) rescope() tea.Cmd {
	return tea.Batch(m.buildActive(), m.countProblems(), m.refreshActive())
}

// kubeAddedMsg is the answer of adding a context's source.
type kubeAddedMsg struct {
	name string
	err  error
}

// ctxCommand runs :ctx: without a name it lists the kubeconfig's contexts;
// "all" shows every context; a context shown by a source switches to it;
// another context of the kubeconfig is added alongside (a new source,
// started now, no restart) and switched to.
func (m *Model) ctxCommand(arg string) tea.Cmd {
	shown := m.kubeContextNames()
	if !m.hasKube() && m.d.addKube == nil {
		m.setMsg("no Kubernetes source: start with --kubeconfig/--context", true)
		return nil
	}
	var all []string
	if m.d.kubeContexts != nil {
		if cs, err := m.d.kubeContexts(); err == nil {
			all = cs
		}
	}
	for _, c := range shown {
		if !slices.Contains(all, c) {
			all = append(all, c)
		}
	}
	switch {
	case arg == "":
		var b []string
		for _, c := range all {
			switch {
			case c == m.kscope.Context:
				b = append(b, c+" (shown)")
			case slices.Contains(shown, c):
				b = append(b, c+" (loaded)")
			default:
				b = append(b, c)
			}
		}
		cur := m.kscope.Context
		if cur == "" {
			cur = "all"
		}
		m.setMsg("contexts: "+strings.Join(b, ", ")+" · showing "+cur+" · :ctx NAME switches, :ctx all shows every one", false)
		return nil
	case arg == "all":
		m.kscope.Context = ""
		m.setMsg("showing every context", false)
		return m.rescope()
	case slices.Contains(shown, arg):
		m.kscope.Context = arg
		m.setMsg("showing context "+arg, false)
		return m.rescope()
	case m.d.addKube == nil || !slices.Contains(all, arg):
		m.setMsg("unknown context "+arg+": "+strings.Join(all, ", "), true)
		return nil
	}
	add := m.d.addKube
	m.setMsg("adding context "+arg+"…", false)
	return func() tea.Msg { return kubeAddedMsg{name: arg, err: add(arg)} }
}

// handleKubeAdded switches to a context once its source is added.
func (m *Model) handleKubeAdded(msg tea.Msg) (tea.Cmd, bool) {
	a, ok := msg.(kubeAddedMsg)
	if !ok {
		return nil, false
	}
	if a.err != nil {
		m.setMsg("context "+a.name+": "+a.err.Error(), true)
		return nil, true
	}
	m.kscope.Context = a.name
	m.setMsg("added context "+a.name+" alongside, showing it (:ctx all shows every one)", false)
	return m.rescope(), true
}

// nsCommand runs :ns: a namespace for every view ("" or "all": every one),
// remembered as the first favourite of the context shown and saved in the
// state file.
func (m *Model) nsCommand(arg string) tea.Cmd {
	if !m.hasKube() {
		m.setMsg("no Kubernetes source: start with --kubeconfig/--context", true)
		return nil
	}
	if arg == "" || arg == "all" {
		m.kscope.Namespace = ""
		m.setMsg("showing every namespace", false)
		return m.rescope()
	}
	m.kscope.Namespace = arg
	key := m.favKey()
	favs := slices.DeleteFunc(slices.Clone(m.nsFav[key]), func(s string) bool { return s == arg })
	favs = append([]string{arg}, favs...)
	if len(favs) > maxFavourites {
		favs = favs[:maxFavourites]
	}
	save := !slices.Equal(favs, m.nsFav[key])
	m.nsFav[key] = favs
	m.setMsg("showing namespace "+arg+" · 0 every namespace, 1-9 the last ones chosen", false)
	if save {
		return tea.Batch(m.rescope(), m.saveFavouritesCmd())
	}
	return m.rescope()
}

// favKey names the favourites in use: those of the context shown (the
// only one when a single context is loaded), or allContexts while every
// context is shown together.
func (m *Model) favKey() string {
	if c := m.kscope.Context; c != "" {
		return c
	}
	if names := m.kubeContextNames(); len(names) == 1 {
		return names[0]
	}
	return allContexts
}

// favouriteKey handles 0-9 (as in k9s): 0 every namespace, 1-9 the
// favourite namespaces of the context shown. It reports false when k is not one of them or
// there is no Kubernetes source.
func (m *Model) favouriteKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	s := k.String()
	if len(s) != 1 || s[0] < '0' || s[0] > '9' || !m.hasKube() {
		return nil, false
	}
	i := int(s[0] - '0')
	if i == 0 {
		return m.nsCommand(""), true
	}
	favs := m.nsFav[m.favKey()]
	if i > len(favs) {
		m.setMsg("no favourite namespace "+s+" (:ns NAME adds one)", false)
		return nil, true
	}
	ns := favs[i-1]
	m.kscope.Namespace = ns
	m.setMsg("showing namespace "+ns, false)
	return m.rescope(), true
}

// kubeHeader is the header's Kubernetes part: "ctx lab/ns shop".
func (m *Model) kubeHeader() string {
	if !m.hasKube() {
		return ""
	}
	c, ns := m.kscope.Context, m.kscope.Namespace
	if c == "" {
		c = "all"
		if names := m.kubeContextNames(); len(names) == 1 {
			c = names[0]
		}
	}
	if ns == "" {
		ns = "all"
	}
	return "ctx " + common.Sanitize(c) + " ns " + common.Sanitize(ns)
}
