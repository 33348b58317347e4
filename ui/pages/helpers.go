package pages

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
)

var san = common.Sanitize

// age renders the time since t, "-" when t is zero.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return common.Age(now.Sub(t))
}

// eventsFor returns the events about kind/namespace/name, newest first,
// rendered as "3m Warning BackOff: message".
func eventsFor(inv *providers.Inventory, now time.Time, kind, namespace, name string) []string {
	var evs []providers.Event
	for _, e := range inv.Events {
		parts := strings.Split(e.Object, "/")
		if len(parts) < 2 || !strings.EqualFold(parts[0], kind) || parts[len(parts)-1] != name {
			continue
		}
		if namespace != "" && len(parts) == 3 && parts[1] != namespace {
			continue
		}
		evs = append(evs, e)
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.After(evs[j].Time) })
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%s ago %s %s: %s", age(now, e.Time), e.Type, e.Reason, e.Message))
	}
	return out
}

// fields is a small builder of detail fields.
type fields []detail.Field

func (f *fields) add(k, v string)  { *f = append(*f, detail.Field{Key: k, Value: v}) }
func (f *fields) sub(k, v string)  { *f = append(*f, detail.Field{Key: k, Value: v, Indent: 1}) }
func (f *fields) sub2(k, v string) { *f = append(*f, detail.Field{Key: k, Value: v, Indent: 2}) }
func (f *fields) addIf(k, v string) {
	if v != "" {
		f.add(k, v)
	}
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// glyph returns the health glyph alone.
func glyph(h int) string {
	switch h {
	case providers.HealthOK:
		return "✓"
	case providers.HealthWarn:
		return "!"
	default:
		return "✗"
	}
}

// ownerRef splits a pod owner "Kind/name".
func ownerRef(owner string) (kind, name string, ok bool) {
	i := strings.IndexByte(owner, '/')
	if i <= 0 || i == len(owner)-1 {
		return "", "", false
	}
	return strings.ToLower(owner[:i]), owner[i+1:], true
}
