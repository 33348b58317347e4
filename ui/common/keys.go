package common

import "charm.land/bubbles/v2/key"

// KeyMap holds the global key bindings and the shared navigation keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Left, Right, Toggle, Enter, Back      key.Binding
	Filter, Palette, Help, Quit, Refresh  key.Binding
	Actions, Detail, Cancel, NextView     key.Binding
	PrevView, Sort, Worst, Snapshot       key.Binding
	// ColsLeft/ColsRight scroll a table's columns (the identifying
	// column stays); FullRow shows the selected row in full.
	ColsLeft, ColsRight, FullRow key.Binding
	// YAML shows a Kubernetes object's YAML; Describe is d on one
	// (Detail's key), listed apart in the help.
	YAML, Describe key.Binding
	// Shell opens a shell in a pod's container (s, as in k9s); Forward
	// starts a port-forward to a pod (shift-f, as in k9s).
	Shell, Forward key.Binding
	// Delete is ctrl+d (k9s's): the selected object's delete action,
	// straight to its preview and typed confirmation.
	Delete key.Binding
	// Approve is A: review another person's destructive action waiting
	// for a second person's approval (console serve).
	Approve key.Binding
	// Namespaces are 0-9: every namespace, the favourite ones (help only:
	// the shell reads the digits).
	Namespaces key.Binding
}

// DefaultKeyMap returns the console's keys.
func DefaultKeyMap() *KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return &KeyMap{
		Up:         b("↑/k", "up", "up", "k"),
		Down:       b("↓/j", "down", "down", "j"),
		PageUp:     b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:   b("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:       b("g", "top", "g", "home"),
		End:        b("G", "bottom", "G", "end"),
		Left:       b("←/h", "collapse", "left", "h"),
		Right:      b("→/l", "expand", "right", "l"),
		Toggle:     b("space", "toggle", "space"),
		Enter:      b("enter", "open", "enter"),
		Back:       b("esc", "back", "esc"),
		Filter:     b("/", "filter (!x inverts)", "/"),
		Palette:    b(":", "command", ":"),
		Help:       b("?", "help", "?"),
		Quit:       b("q", "quit", "q", "ctrl+c"),
		Refresh:    b("ctrl+r", "refresh", "ctrl+r"),
		Actions:    b("a", "actions", "a"),
		Detail:     b("d", "detail", "d"),
		Describe:   b("d", "describe (kube object)", "d"),
		YAML:       b("y", "YAML (kube object)", "y"),
		Delete:     b("ctrl+d", "delete (type the name to confirm)", "ctrl+d"),
		Namespaces: b("0-9", "namespace: all, favourites", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
		Cancel:     b("x", "cancel run", "x"),
		NextView:   b("tab", "next view", "tab"),
		PrevView:   b("shift+tab", "previous view", "shift+tab"),
		Sort:       b("o/O", "order by/reverse", "o", "O"),
		Shell:      b("s", "shell", "s"),
		Forward:    b("F", "port-forward", "F"),
		Worst:      b("!", "worst problem", "!"),
		ColsLeft:   b("<", "columns back", "<", "shift+left"),
		ColsRight:  b(">", "more columns", ">", "shift+right"),
		FullRow:    b("w", "whole row", "w"),
		Snapshot:   b("P", "snapshot to a file", "P"),
		Approve:    b("A", "approve another's action", "A"),
	}
}
