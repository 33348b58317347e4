package workload

import (
	"context"
	"fmt"
	"time"

	"github.com/opsconsole/console/traces"
)

// WaitStored polls src (e.g. a Jaeger client) until the trace id holds at
// least want spans, and returns it; it gives up when ctx is done, with the
// span count and the last error in the error.
func WaitStored(ctx context.Context, src traces.Source, id string, want int) (*traces.Trace, error) {
	var last *traces.Trace
	var err error
	for {
		last, err = src.Get(ctx, id)
		if err == nil && len(last.Spans) >= want {
			return last, nil
		}
		select {
		case <-ctx.Done():
			n := 0
			if last != nil {
				n = len(last.Spans)
			}
			return nil, fmt.Errorf("trace %s: %d of %d spans stored before the deadline (last error %v)", id, n, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
