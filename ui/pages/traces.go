package pages

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewTraces returns the Traces list; enter opens the trace, D the
// Services view.
func NewTraces(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "TRACE", Width: 16, Priority: 10}, {Title: "SERVICE", Width: 12, Priority: 8},
		{Title: "OPERATION", Width: 18, Grow: true, Max: 48, Priority: 7, Middle: true}, {Title: "DURATION", Width: 9, Right: true, Priority: 9},
		{Title: "SPANS", Width: 5, Right: true, Priority: 4}, {Title: "ERRORS", Width: 7, Priority: 6},
		{Title: "AGE", Width: 4, Right: true, Priority: 5}, {Title: "SERVICES", Width: 16, Grow: true, Max: 64, Priority: 3},
	}
	p := newListPage(ctx, "traces", "Traces", cols, buildTraces)
	p.hints = []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open trace")), DepsKey, ctx.Keys.Sort}
	p.onKey = func(k tea.KeyPressMsg) (bool, tea.Cmd) {
		if key.Matches(k, DepsKey) {
			return true, show("deps")
		}
		return false, nil
	}
	return p
}

func duration(t *traces.TraceSummary) time.Duration {
	if t.Duration > 0 {
		return t.Duration
	}
	return time.Duration(t.DurationMS * float64(time.Millisecond))
}

func buildTraces(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.Traces)), texts: make([]string, len(inv.Traces))}
	for i := range inv.Traces {
		t := &inv.Traces[i]
		h, errs := providers.HealthOK, "✓ 0"
		switch {
		case t.RootFailed:
			h, errs = providers.HealthBad, "✗ "+strconv.Itoa(t.Errors)
		case t.Errors > 0: // handled below a root that succeeded
			h, errs = providers.HealthWarn, "✓ "+strconv.Itoa(t.Errors)
		}
		if t.Truncated { // errors of the spans summarised: a lower bound
			errs += "+"
		}
		id := san(t.TraceID)
		d.rows[i] = table.Row{
			Key: "trace/" + id,
			Cells: []string{traces.ShortID(id), san(t.Service), san(t.Operation), duration(t).Round(time.Millisecond / 10).String(),
				strconv.Itoa(t.Spans), errs, age(in.Now, t.Start), san(strings.Join(t.Services, ","))},
			Health: h,
		}
		d.texts[i] = common.Fold(id + " " + san(t.Service) + " " + san(t.Operation))
	}
	d.sel = func(i int) Selection {
		t := &inv.Traces[i]
		var f fields
		f.add("kind", "Trace")
		f.add("trace_id", t.TraceID)
		f.add("root", t.Service+" "+t.Operation)
		f.add("start", stamp(t.Start))
		f.add("duration", duration(t).String())
		f.add("spans", strconv.Itoa(t.Spans))
		f.add("errors", fmt.Sprint(t.Errors))
		if t.Truncated {
			f.add("summarised", fmt.Sprintf("first %d of %d spans (a span cap of the list; open the trace for all)", t.Summarised, t.Spans))
		}
		f.add("services", strings.Join(t.Services, ", "))
		return Selection{Key: "trace/" + san(t.TraceID), Trace: t.TraceID,
			Detail: detail.Content{Title: "trace " + t.TraceID, Fields: f}}
	}
	return d
}
