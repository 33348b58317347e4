package pages

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/table"
)

// rowKind says how a list page shows objects of type T: what a page of
// one kind of object declares instead of writing its own Build loop. The
// shared list page (listPage) does the rest: filter, sort (o, O), the
// columns' widths, the cursor kept across snapshots, only the visible
// rows drawn.
type rowKind[T any] struct {
	// Name is the registry's name, Title the tab's.
	Name, Title string
	// Columns are the table's columns; Row's cells follow them.
	Columns []table.Column
	// Items are the objects of the snapshot shown, in the sources' order.
	Items func(inv *providers.Inventory) []T
	// Row is item t's row and the text the filter matches (folded by
	// the page).
	Row func(in *Input, t *T) (table.Row, string)
	// Select is item t's selection (the detail, the actions' refs and
	// Jump, where enter goes), computed only for the row under the cursor.
	Select func(in *Input, t *T) Selection
	// Keys are the page's own keys (the footer and the help).
	Keys func(k *common.KeyMap) []key.Binding
}

// rowsOf builds the list data of items: a row and a filter text per item,
// the selection computed on demand.
func rowsOf[T any](in *Input, items []T, row func(*Input, *T) (table.Row, string), sel func(*Input, *T) Selection) *listData {
	d := &listData{rows: make([]table.Row, len(items)), texts: make([]string, len(items))}
	for i := range items {
		var text string
		d.rows[i], text = row(in, &items[i])
		d.texts[i] = common.Fold(text)
	}
	d.sel = func(i int) Selection { return sel(in, &items[i]) }
	return d
}

// page returns the list page of the kind.
func (k rowKind[T]) page(ctx *common.Context) *listPage {
	p := newListPage(ctx, k.Name, k.Title, k.Columns, func(in *Input) *listData {
		return rowsOf(in, k.Items(in.Inv), k.Row, k.Select)
	})
	if k.Keys != nil {
		p.hints = k.Keys(ctx.Keys)
	}
	return p
}

// kubeRows is the load of a Kubernetes list page whose objects (of type
// T, called noun, e.g. "ingresses") a reader capability R lists on demand
// (providers.IngressReader.Ingresses): a reader without R is an error
// said in the status line.
func kubeRows[R, T any](noun string, cols int, list func(R, context.Context, string) ([]T, error),
	row func(*Input, *T) (table.Row, string), sel func(in *Input, cluster string, t *T) Selection) kubeLoad {
	return func(ctx context.Context, r providers.KubeReader, ns string, now time.Time) (*listData, string, error) {
		lr, ok := r.(R)
		if !ok {
			return nil, "", fmt.Errorf("this Kubernetes source does not list %s", noun)
		}
		items, err := list(lr, ctx, ns)
		if err != nil {
			return nil, "", err
		}
		cluster := r.Context()
		d := rowsOf(&Input{Now: now}, items, row, func(in *Input, t *T) Selection { return sel(in, cluster, t) })
		d.natural = table.Measure(d.rows, cols)
		return d, fmt.Sprintf("%d %s · kube:%s%s · read every %s while shown", len(items), noun, san(cluster), nsNote(ns), kubePollPeriod), nil
	}
}
