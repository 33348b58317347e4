package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/palette"
	"github.com/opsconsole/console/ui/components/textview"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/traceview"
)

// KeyGroup is one titled group of the key reference.
type KeyGroup struct {
	// Title names where the keys apply, e.g. "everywhere" or "view pods".
	Title string
	// Keys are the group's keys in the order the help shows them.
	Keys []KeyHelp
}

// KeyHelp is one key (or keys, e.g. "↑/k") and what it does.
type KeyHelp struct {
	Key, Desc string
}

// KeyReference returns every key of the console, read from the key maps
// the UI runs with (common.DefaultKeyMap, each registered view's
// KeyHints, the trace view's KeyMap), and the palette's commands, so
// `console help keys` cannot drift from the code. The groups follow the
// in-app help (?).
func KeyReference() []KeyGroup {
	ctx := common.NewContext()
	k := ctx.Keys
	groups := []KeyGroup{
		keyGroup("navigate", k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End, k.Left, k.Right, k.Toggle, k.NextView, k.PrevView, k.Sort),
		keyGroup("everywhere", k.Enter, k.Detail, k.Describe, k.YAML, k.Namespaces, k.Actions, k.Delete, k.Filter, k.Palette, k.Refresh, k.Back, k.Help, k.Quit),
	}
	b := &pages.Backends{Ctx: context.Background()}
	for _, v := range pages.Views() {
		if hints := v.New(ctx, b).KeyHints(); len(hints) > 0 {
			groups = append(groups, keyGroup("view "+v.Name, hints...))
		}
	}
	tv := textview.New(ctx)
	groups = append(groups,
		keyGroup("trace view", append([]key.Binding{k.Back}, traceview.New(nil, nil).KeyHints()...)...),
		keyGroup("detail pane", k.Up, k.Down, k.PageUp, k.PageDown, k.Describe, k.YAML, k.Actions, k.Delete, k.Back),
		keyGroup("describe / YAML", tv.KeyHints(k)...),
		KeyGroup{Title: "commands (" + k.Palette.Help().Key + " opens the palette)", Keys: paletteCommands()})
	return groups
}

// paletteCommands lists the palette's commands as the palette itself
// describes them (the views', with their aliases, then the built-ins).
func paletteCommands() []KeyHelp {
	views := pages.Views()
	specs := make([]palette.Spec, 0, len(views))
	for _, v := range views {
		specs = append(specs, palette.Spec{Name: v.Name, Aliases: v.Aliases, Help: v.Help})
	}
	var out []KeyHelp
	for i, line := range palette.New(specs).Suggest("") {
		cmd, help, _ := strings.Cut(line, " — ")
		if i < len(views) {
			for _, a := range views[i].Aliases {
				cmd += " :" + a
			}
		}
		out = append(out, KeyHelp{Key: cmd, Desc: help})
	}
	return out
}

func keyGroup(title string, bs ...key.Binding) KeyGroup {
	g := KeyGroup{Title: title}
	for _, b := range bs {
		g.Keys = append(g.Keys, KeyHelp{Key: b.Help().Key, Desc: b.Help().Desc})
	}
	return g
}
