package pages

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// tnode is one tree row in pre-order, with its subtree's extent.
type tnode struct {
	n      *providers.TreeNode
	depth  int
	parent int // -1 for roots
	end    int // index after the last descendant
	cells  []string
}

// treeData is what the topology's Build prepares.
type treeData struct {
	all   []tnode
	texts []string
	in    *Input
}

// Topology is the tree view: region → zone → subnet → ASG → node → pods,
// with counts and health rolled up, collapsible.
type Topology struct {
	ctx      *common.Context
	tbl      table.Model
	data     *treeData
	expanded map[string]bool // explicit user choices by TreeNode.ID
	filter   common.Filter
	shown    []bool // nil when no filter
	visible  []int  // indexes into data.all, in display order
	keep     string // the cursor's node when the data was released
}

// NewTopology returns the topology view.
func NewTopology(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 30, Grow: true, Max: 90, Priority: 10, Middle: true}, {Title: "HEALTH", Width: 7, Priority: 9},
		{Title: "NODES", Width: 5, Right: true, Priority: 5}, {Title: "PODS", Width: 6, Right: true, Priority: 6},
		{Title: "BAD", Width: 4, Right: true, Priority: 7}, {Title: "DETAIL", Width: 16, Grow: true, Max: 60, Priority: 4},
	}
	return &Topology{ctx: ctx, tbl: table.New(ctx, cols), data: &treeData{}, expanded: map[string]bool{}}
}

// Name implements Page.
func (t *Topology) Name() string { return "topology" }

// Title implements Page.
func (t *Topology) Title() string { return "Topology" }

// SetSize implements Page.
func (t *Topology) SetSize(w, h int) { t.tbl.SetSize(w, h) }

// Scroll implements Page.
func (t *Topology) Scroll(d int) { t.tbl.Scroll(d) }

// View implements Page.
func (t *Topology) View() string { return t.tbl.View() }

// Status implements Page.
func (t *Topology) Status() string { return t.tbl.Position() }

// KeyHints implements Page.
func (t *Topology) KeyHints() []key.Binding {
	k := t.ctx.Keys
	return []key.Binding{k.Toggle, k.Left, k.Right, k.Detail, k.Actions}
}

// Build implements Page: it builds and flattens the whole tree.
func (t *Topology) Build(in *Input) any {
	roots := providers.BuildTopology(in.Inv)
	d := &treeData{in: in}
	var walk func(n *providers.TreeNode, depth, parent int)
	walk = func(n *providers.TreeNode, depth, parent int) {
		i := len(d.all)
		name := san(n.Name)
		if n.Kind != providers.KindPod && n.Kind != providers.KindGroup {
			name = n.Kind + " " + name
		}
		nodes, pods, bad := "", strconv.Itoa(n.Pods), ""
		if n.Kind != providers.KindPod {
			nodes = strconv.Itoa(n.Nodes)
		}
		if n.BadPods > 0 {
			bad = strconv.Itoa(n.BadPods)
		}
		d.all = append(d.all, tnode{n: n, depth: depth, parent: parent,
			cells: []string{name, common.Health(n.Health), nodes, pods, bad, san(n.Detail)}})
		d.texts = append(d.texts, common.Fold(name))
		for _, c := range n.Children {
			walk(c, depth+1, i)
		}
		d.all[i].end = len(d.all)
	}
	for _, r := range roots {
		walk(r, 0, -1)
	}
	return d
}

// SharedBuild implements SharedBuilder: the tree's rows are a function
// of the snapshot alone (the expanded rows are the page's own).
func (t *Topology) SharedBuild() bool { return true }

// Apply implements Page.
func (t *Topology) Apply(data any) {
	t.data = data.(*treeData)
	t.SetFilter(t.filter)
	if t.keep != "" {
		t.SetCursorKey(t.keep)
		t.keep = ""
	}
}

// Release implements Releaser.
func (t *Topology) Release() {
	if k := t.tbl.SelectedKey(); k != "" {
		t.keep = k
	}
	t.data, t.shown = &treeData{}, nil
	t.flatten()
}

// SetFilter implements Page: rows that match, and their ancestors, stay.
func (t *Topology) SetFilter(f common.Filter) {
	t.filter = f
	t.shown = nil
	if !f.Empty() {
		t.shown = make([]bool, len(t.data.all))
		for _, i := range f.Apply(t.data.texts, nil) {
			for j := i; j >= 0 && !t.shown[j]; j = t.data.all[j].parent {
				t.shown[j] = true
			}
		}
	}
	t.flatten()
}

// isExpanded says whether row i shows its children.
func (t *Topology) isExpanded(i int) bool {
	n := t.data.all[i].n
	if v, ok := t.expanded[n.ID]; ok {
		return v
	}
	if t.shown != nil {
		return true
	}
	return n.Kind != providers.KindNode
}

// ExpandState implements Expander: the rows the user expanded ("1 ID")
// or collapsed ("0 ID"), one a line, sorted.
func (t *Topology) ExpandState() string {
	out := make([]string, 0, len(t.expanded))
	for id, on := range t.expanded {
		v := "0 "
		if on {
			v = "1 "
		}
		out = append(out, v+id)
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// SetExpandState implements Expander: the rows expanded and collapsed as
// ExpandState gave them.
func (t *Topology) SetExpandState(s string) {
	t.expanded = map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		if v, id, ok := strings.Cut(l, " "); ok && id != "" {
			t.expanded[id] = v == "1"
		}
	}
	t.flatten()
}

func (t *Topology) flatten() {
	t.visible = t.visible[:0]
	all := t.data.all
	for i := 0; i < len(all); {
		if t.shown != nil && !t.shown[i] {
			i = all[i].end
			continue
		}
		t.visible = append(t.visible, i)
		if len(all[i].n.Children) > 0 && !t.isExpanded(i) {
			i = all[i].end
			continue
		}
		i++
	}
	rows := make([]table.Row, len(t.visible))
	for k, i := range t.visible {
		tn := &all[i]
		mark := 0
		if len(tn.n.Children) > 0 {
			mark = 1
			if t.isExpanded(i) {
				mark = 2
			}
		}
		rows[k] = table.Row{Key: tn.n.ID, Cells: tn.cells, Prefix: prefix(tn.depth, mark), Health: tn.n.Health}
	}
	t.tbl.SetRows(rows)
}

func (t *Topology) cursorIndex() int {
	c := t.tbl.Cursor()
	if c < 0 || c >= len(t.visible) {
		return -1
	}
	return t.visible[c]
}

// Toggle collapses or expands the row under the cursor.
func (t *Topology) Toggle() bool {
	i := t.cursorIndex()
	if i < 0 || len(t.data.all[i].n.Children) == 0 {
		return false
	}
	t.expanded[t.data.all[i].n.ID] = !t.isExpanded(i)
	t.flatten()
	return true
}

// HandleKey implements Page.
func (t *Topology) HandleKey(k tea.KeyPressMsg) (bool, tea.Cmd) {
	keys := t.ctx.Keys
	i := t.cursorIndex()
	switch {
	case key.Matches(k, keys.Toggle), key.Matches(k, keys.Enter):
		return t.Toggle(), nil // enter on a leaf falls through to the detail pane
	case key.Matches(k, keys.Left):
		if i < 0 {
			return true, nil
		}
		if len(t.data.all[i].n.Children) > 0 && t.isExpanded(i) {
			t.Toggle()
		} else if p := t.data.all[i].parent; p >= 0 {
			t.tbl.Select(t.data.all[p].n.ID)
		}
		return true, nil
	case key.Matches(k, keys.Right):
		if i >= 0 && len(t.data.all[i].n.Children) > 0 {
			if !t.isExpanded(i) {
				t.Toggle()
			} else {
				t.tbl.Move(1)
			}
		}
		return true, nil
	}
	return navigate(keys, &t.tbl, k), nil
}

// Focus expands the path to the first object of kind (node, pod, zone...)
// whose name is name (or ends with "/"+name) and selects it.
func (t *Topology) Focus(kind, name string) bool {
	for i := range t.data.all {
		n := t.data.all[i].n
		if n.Kind != kind || (n.Name != name && !strings.HasSuffix(n.Name, "/"+name)) {
			continue
		}
		for p := t.data.all[i].parent; p >= 0; p = t.data.all[p].parent {
			t.expanded[t.data.all[p].n.ID] = true
		}
		t.flatten()
		return t.tbl.Select(n.ID)
	}
	return false
}

// CursorKey implements Cursored: the tree node's id.
func (t *Topology) CursorKey() string { return t.tbl.SelectedKey() }

// SetCursorKey implements Cursored: the path to the node is expanded.
func (t *Topology) SetCursorKey(id string) bool {
	if t.tbl.Select(id) {
		return true
	}
	for i := range t.data.all {
		if t.data.all[i].n.ID != id {
			continue
		}
		for p := t.data.all[i].parent; p >= 0; p = t.data.all[p].parent {
			t.expanded[t.data.all[p].n.ID] = true
		}
		t.flatten()
		return t.tbl.Select(id)
	}
	return false
}

// Selected implements Page.
func (t *Topology) Selected() (Selection, bool) {
	i := t.cursorIndex()
	if i < 0 {
		return Selection{}, false
	}
	return treeSelection(t.data.in, t.data.all[i].n), true
}

// prefixes caches the indent and marker of tree rows by depth and marker
// (none, collapsed, expanded) so that flattening allocates no strings.
var prefixes [16][3]string

func init() {
	marks := [3]string{"  ", "▸ ", "▾ "}
	for d := range prefixes {
		for k, mk := range marks {
			prefixes[d][k] = strings.Repeat("  ", d) + mk
		}
	}
}

func prefix(depth, mark int) string {
	if depth >= len(prefixes) {
		return strings.Repeat("  ", depth) + prefixes[0][mark]
	}
	return prefixes[depth][mark]
}
