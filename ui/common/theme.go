package common

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/opsconsole/console/providers"
)

// Theme holds the styles of every component. Colour is never the only
// signal: health and roles also carry a glyph and a word (see Health and
// Role), so the screen stays readable with NO_COLOR or on a low-colour
// terminal (the renderer downsamples colours to the detected profile).
type Theme struct {
	Header      lipgloss.Style
	Badge       lipgloss.Style
	Stale       lipgloss.Style
	Title       lipgloss.Style
	TabActive   lipgloss.Style
	Tab         lipgloss.Style
	Muted       lipgloss.Style
	ColumnTitle lipgloss.Style
	Selected    lipgloss.Style
	OK          lipgloss.Style
	Warn        lipgloss.Style
	Bad         lipgloss.Style
	Key         lipgloss.Style
	Desc        lipgloss.Style
	Border      lipgloss.Style
	Prompt      lipgloss.Style
	Error       lipgloss.Style
	Disabled    lipgloss.Style
}

// Palette colours (ANSI 256 indexes downsample well to 16 colours).
var (
	colAccent = lipgloss.Color("63")
	colMuted  = lipgloss.Color("245")
	colOK     = lipgloss.Color("42")
	colWarn   = lipgloss.Color("214")
	colBad    = lipgloss.Color("196")
	colBadge  = lipgloss.Color("205")
	colFg     = lipgloss.Color("255")
)

// DefaultTheme returns the console's theme.
func DefaultTheme() *Theme {
	s := lipgloss.NewStyle
	return &Theme{
		Header:      s().Bold(true),
		Badge:       s().Bold(true).Foreground(colFg).Background(colBadge).Padding(0, 1),
		Stale:       s().Bold(true).Foreground(colWarn),
		Title:       s().Bold(true).Foreground(colAccent),
		TabActive:   s().Bold(true).Underline(true).Foreground(colAccent),
		Tab:         s().Foreground(colMuted),
		Muted:       s().Foreground(colMuted),
		ColumnTitle: s().Bold(true),
		Selected:    s().Reverse(true),
		OK:          s().Foreground(colOK),
		Warn:        s().Foreground(colWarn),
		Bad:         s().Foreground(colBad),
		Key:         s().Bold(true).Foreground(colAccent),
		Desc:        s().Foreground(colMuted),
		Border:      s().Border(lipgloss.RoundedBorder()).BorderForeground(colAccent).Padding(0, 1),
		Prompt:      s().Bold(true).Foreground(colAccent),
		Error:       s().Bold(true).Foreground(colBad),
		Disabled:    s().Foreground(colMuted).Faint(true),
	}
}

// HealthStyle returns the style of a health value.
func (t *Theme) HealthStyle(h int) lipgloss.Style {
	switch h {
	case providers.HealthOK:
		return t.OK
	case providers.HealthWarn:
		return t.Warn
	default:
		return t.Bad
	}
}

// Health renders a health value as glyph and word: "✓ ok", "! warn", "✗ bad".
func Health(h int) string {
	switch h {
	case providers.HealthOK:
		return "✓ ok"
	case providers.HealthWarn:
		return "! warn"
	default:
		return "✗ bad"
	}
}

// Role renders a database member role with a glyph: "● primary", "○ replica".
func Role(role string) string {
	switch role {
	case providers.RolePrimary:
		return "● primary"
	case providers.RoleReplica:
		return "○ replica"
	case providers.RoleArbiter:
		return "◇ arbiter"
	case providers.RoleNode:
		return "◆ node"
	case "sentinel":
		return "◎ sentinel"
	default:
		return "? " + Sanitize(role)
	}
}

// Color exposes a palette colour for components that draw their own bars.
func Color(name string) color.Color {
	switch name {
	case "ok":
		return colOK
	case "warn":
		return colWarn
	case "bad":
		return colBad
	default:
		return colAccent
	}
}
