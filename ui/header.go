package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
)

// freshness renders one source's freshness: "kube 2s", "aws STALE 45s",
// "jaeger ERROR" — words, not colour only.
func (m *Model) freshness(st providers.SourceStatus) string {
	th := m.ctx.Theme
	name := common.Sanitize(st.Name)
	var age time.Duration
	if !st.UpdatedAt.IsZero() {
		age = m.now.Sub(st.UpdatedAt)
	}
	switch {
	case st.Status == providers.StatusPending:
		return name + " …"
	case st.Status == providers.StatusError:
		return th.Stale.Render(name + " ERROR")
	case st.Status == providers.StatusLoading && st.Progress != nil:
		// the first list is arriving: what is shown is partial
		return name + " loading " + common.Sanitize(st.Progress.String())
	case st.Status == providers.StatusStale:
		// the source is failing: the data shown is its last good data
		// (watch-based sources that are merely quiet stay ok)
		return th.Stale.Render(name + " STALE " + common.Age(age))
	default:
		return name + " " + common.Age(age)
	}
}

// header is the first line: DEMO badge, environment, region, mode, and the
// freshness of every source.
func (m *Model) header() string {
	th := m.ctx.Theme
	var parts []string
	if m.d.demo {
		parts = append(parts, th.Badge.Render("DEMO"))
	}
	parts = append(parts, th.Header.Render("console"))
	env := m.d.env
	if env == "" {
		env = "-"
	}
	parts = append(parts, "env "+common.Sanitize(env))
	region := m.region
	if region == "" {
		region = "all"
	}
	parts = append(parts, "region "+common.Sanitize(region))
	if k := m.kubeHeader(); k != "" {
		parts = append(parts, k)
	}
	if m.d.user != "" {
		parts = append(parts, th.Header.Render(common.Sanitize(m.d.user)))
	}
	if m.pres.publish != nil && m.d.presence != nil {
		parts = append(parts, th.Badge.Render(fmt.Sprintf("PRESENTING · %d following", m.d.presence.Followers())))
	}
	if n := len(m.toApprove); n > 0 {
		parts = append(parts, th.Badge.Render(fmt.Sprintf("⚑ %d TO APPROVE (A)", n)))
	}
	if ro, _ := m.readOnly(); ro {
		parts = append(parts, th.Stale.Render("READ-ONLY"))
	} else {
		parts = append(parts, "read-write")
	}
	line := strings.Join(parts, " · ")
	if m.snap != nil {
		var src []string
		for _, st := range m.snap.Inv.Sources {
			src = append(src, m.freshness(st))
		}
		if len(src) > 0 {
			line += " · " + strings.Join(src, ", ")
		}
	}
	if lipgloss.Width(line) > m.ctx.Width {
		line = ansi.Truncate(line, m.ctx.Width, "…")
	}
	return line
}
