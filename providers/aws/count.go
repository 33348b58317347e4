package aws

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithymw "github.com/aws/smithy-go/middleware"
)

// Stats counts the API calls of one refresh.
type Stats struct {
	// Calls is the number of API operations invoked (one per page).
	Calls int `json:"calls"`
	// Attempts is the number of HTTP attempts, retries included.
	Attempts int `json:"attempts"`
	// Repeated is the number of calls that repeated an earlier call of the
	// same refresh with the same input (the same page asked twice).
	Repeated int `json:"repeated"`
	// ByOperation counts calls per "service:Operation".
	ByOperation map[string]int `json:"by_operation"`
	// Time sums the call durations per "service:Operation" (retries and
	// backoff included; concurrent calls overlap).
	Time map[string]time.Duration `json:"-"`
}

// counter records the calls made with a context that carries it.
type counter struct {
	mu       sync.Mutex
	calls    int
	attempts int
	repeated int
	byOp     map[string]int
	took     map[string]time.Duration
	seen     map[string]bool
}

func newCounter() *counter {
	return &counter{byOp: map[string]int{}, took: map[string]time.Duration{}, seen: map[string]bool{}}
}

type counterKey struct{}

// withCounter returns a context whose SDK calls are counted by c.
func withCounter(ctx context.Context, c *counter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

func counterFrom(ctx context.Context) *counter {
	c, _ := ctx.Value(counterKey{}).(*counter)
	return c
}

func (c *counter) call(service, op, region string, params any) {
	key := service + ":" + op
	// The input identifies the page (it holds the NextToken/Marker), so an
	// identical input twice in one refresh is a repeated call.
	sig, err := json.Marshal(params)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.byOp[key]++
	if err == nil {
		full := region + "|" + key + "|" + string(sig)
		if c.seen[full] {
			c.repeated++
		}
		c.seen[full] = true
	}
}

func (c *counter) done(service, op string, d time.Duration) {
	c.mu.Lock()
	c.took[service+":"+op] += d
	c.mu.Unlock()
}

func (c *counter) attempt() {
	c.mu.Lock()
	c.attempts++
	c.mu.Unlock()
}

func (c *counter) stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{Calls: c.calls, Attempts: c.attempts, Repeated: c.repeated, ByOperation: make(map[string]int, len(c.byOp)), Time: make(map[string]time.Duration, len(c.took))}
	for k, v := range c.byOp {
		s.ByOperation[k] = v
	}
	for k, v := range c.took {
		s.Time[k] = v
	}
	return s
}

// Operations lists the operations of s sorted by name, for reports.
func (s Stats) Operations() []string {
	out := make([]string, 0, len(s.ByOperation))
	for k := range s.ByOperation {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// countMiddleware adds the call counter (initialize step: once per
// operation, before retries) and the attempt counter (finalize step, after
// the retry middleware: once per HTTP attempt) to an SDK stack.
func countMiddleware(stack *smithymw.Stack) error {
	err := stack.Initialize.Add(smithymw.InitializeMiddlewareFunc("ConsoleCountCalls",
		func(ctx context.Context, in smithymw.InitializeInput, next smithymw.InitializeHandler) (smithymw.InitializeOutput, smithymw.Metadata, error) {
			c := counterFrom(ctx)
			if c == nil {
				return next.HandleInitialize(ctx, in)
			}
			svc, op := awsmw.GetServiceID(ctx), smithymw.GetOperationName(ctx)
			c.call(svc, op, awsmw.GetRegion(ctx), in.Parameters)
			start := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			c.done(svc, op, time.Since(start))
			return out, md, err
		}), smithymw.After)
	if err != nil {
		return err
	}
	return stack.Finalize.Add(smithymw.FinalizeMiddlewareFunc("ConsoleCountAttempts",
		func(ctx context.Context, in smithymw.FinalizeInput, next smithymw.FinalizeHandler) (smithymw.FinalizeOutput, smithymw.Metadata, error) {
			if c := counterFrom(ctx); c != nil {
				c.attempt()
			}
			return next.HandleFinalize(ctx, in)
		}), smithymw.After)
}
