// Package pages holds the console's views. Each page owns its model, its
// key hints and its size; data reaches it in two steps: Build (a pure
// function of a snapshot, run in a tea.Cmd off the UI goroutine) prepares
// every row once, and Apply installs the result. View draws only the
// visible rows, so a frame costs the same whatever the estate's size.
package pages

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
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
}

// Page is one view.
type Page interface {
	// Name is the palette name: topology, pods, nodes, asg, lb, db, traces, deps, stacks, actions.
	Name() string
	// Title is shown in the tab bar.
	Title() string
	// Build prepares the page's data from a snapshot. It must not touch
	// the page's state: it runs off the UI goroutine.
	Build(in *Input) any
	// Apply installs data returned by Build.
	Apply(data any)
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

// Focuser is implemented by pages that can put the cursor on an object
// named by a jump (from a trace span to where it ran).
type Focuser interface {
	Focus(kind, name string) bool
}
