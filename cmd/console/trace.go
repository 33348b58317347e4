package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers/sim"
	"github.com/opsconsole/console/traces"
	"github.com/opsconsole/console/traces/jaeger"
)

// cliTraceSource returns the trace source of the settings: Jaeger when an
// address is set, else the demo's traces in demo mode.
func cliTraceSource(s config.Settings) (traces.Source, func(), error) {
	if s.Env.Jaeger != "" {
		c, err := jaeger.Dial(s.Env.Jaeger)
		if err != nil {
			return nil, nil, usageErrorf("%v", err)
		}
		return c, func() { _ = c.Close() }, nil
	}
	if s.Demo {
		return traces.NewMemorySource(sim.New(sim.Options{Seed: sim.DefaultSeed}).Traces()), func() {}, nil
	}
	return nil, nil, usageErrorf("no trace source: set jaeger: host:port for environment %q in the config, or pass --jaeger host:port", s.Env.Name)
}

func newTraceCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Find traces, show a trace's root cause, analyse trace files, print the service graph",
		Long: "Subcommands read traces from Jaeger (--jaeger or the environment's jaeger: address) or, in demo mode,\n" +
			"from the demo estate. JSON output is documented in docs/traces.md.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newTraceFindCmd(a), newTraceShowCmd(a), newTraceAnalyzeCmd(a), newTraceDiffCmd(a), newTraceDepsCmd(a))
	return cmd
}

// sourceErr maps a source error to the exit codes: a bad query is usage.
func sourceErr(err error) error {
	if errors.Is(err, traces.ErrNotFound) {
		return err
	}
	if strings.Contains(err.Error(), "is required") || strings.Contains(err.Error(), "bad trace id") {
		return usageErrorf("%v", err)
	}
	return err
}

func newTraceFindCmd(a *app) *cobra.Command {
	var (
		q       traces.Query
		tags    []string
		asJSON  bool
		sortBy  string
		timeout time.Duration
		failed  bool
	)
	cmd := &cobra.Command{
		Use:   "find --service S [--operation O] [--tag k=v] [--min-duration D] [--lookback D] [--limit N] [--json]",
		Short: "Search traces by service, operation, tags, duration and time window",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			q.Tags = map[string]string{}
			for _, t := range tags {
				k, v, ok := strings.Cut(t, "=")
				if !ok || k == "" {
					return usageErrorf("--tag %q: want key=value", t)
				}
				q.Tags[k] = v
			}
			if q.Limit < 0 || q.MinDuration < 0 || q.MaxDuration < 0 || q.Lookback < 0 {
				return usageErrorf("--limit, --lookback and durations must not be negative")
			}
			if !slices.Contains([]string{"start", "duration", "spans", "errors"}, sortBy) {
				return usageErrorf("--sort %q: want start, duration, spans or errors", sortBy)
			}
			src, done, err := cliTraceSource(s)
			if err != nil {
				return err
			}
			defer done()
			if q.Service == "" && s.Env.Jaeger != "" {
				return usageErrorf("--service is required (Jaeger searches one service)")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var all []traces.TraceSummary
			_, byErr := q.Tags["error"]
			if _, ok := q.Tags["otel.status_code"]; ok || byErr {
				// not searchable in Jaeger v2: whole traces, filtered
				ts, ferr := src.Find(ctx, q)
				for _, t := range ts {
					all = append(all, traces.Summary(t))
				}
				err = ferr
			} else {
				all, err = traces.FindSummaries(ctx, src, q)
			}
			if err != nil {
				return sourceErr(err)
			}
			sums := make([]traces.TraceSummary, 0, len(all))
			for _, s := range all {
				if s.RootFailed || !failed {
					sums = append(sums, s)
				}
			}
			sortSummaries(sums, sortBy)
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, sums)
			}
			printSummaries(a.stdout, sums)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Service, "service", "", "service to search (required with Jaeger)")
	f.StringVar(&q.Operation, "operation", "", "operation name")
	f.StringArrayVar(&tags, "tag", nil, "tag key=value, e.g. error=true or http.status_code=500 (repeatable)")
	f.DurationVar(&q.MinDuration, "min-duration", 0, "minimum span duration, e.g. 250ms")
	f.DurationVar(&q.MaxDuration, "max-duration", 0, "maximum span duration")
	f.DurationVar(&q.Lookback, "lookback", traces.DefaultLookback, "how far back to search")
	f.IntVar(&q.Limit, "limit", traces.DefaultLimit, "maximum number of traces")
	f.StringVar(&sortBy, "sort", "start", "order: start (newest first), duration, spans or errors (largest first)")
	f.BoolVar(&asJSON, "json", false, "print JSON (documented in docs/traces.md)")
	f.BoolVar(&failed, "failed", false, "only traces whose root failed (not those with handled errors only)")
	f.DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the trace source")
	return cmd
}

func sortSummaries(s []traces.TraceSummary, by string) {
	slices.SortStableFunc(s, func(x, y traces.TraceSummary) int {
		switch by {
		case "duration":
			return cmp.Compare(y.Duration, x.Duration)
		case "spans":
			return cmp.Compare(y.Spans, x.Spans)
		case "errors":
			return cmp.Compare(y.Errors, x.Errors)
		}
		return y.Start.Compare(x.Start)
	})
}

// sparkBlocks draw the durations histogram.
var sparkBlocks = []rune(" ▁▂▃▄▅▆▇█")

// histogram renders the distribution of durations in buckets as a
// sparkline, with its range.
func histogram(sums []traces.TraceSummary, buckets int) string {
	if len(sums) < 2 {
		return ""
	}
	lo, hi := sums[0].Duration, sums[0].Duration
	for _, s := range sums {
		lo, hi = min(lo, s.Duration), max(hi, s.Duration)
	}
	if hi == lo {
		return ""
	}
	counts := make([]int, buckets)
	top := 0
	for _, s := range sums {
		b := int(float64(s.Duration-lo) / float64(hi-lo) * float64(buckets-1))
		counts[b]++
		top = max(top, counts[b])
	}
	var sb strings.Builder
	for _, c := range counts {
		i := 0
		if c > 0 {
			i = 1 + c*(len(sparkBlocks)-2)/top
		}
		sb.WriteRune(sparkBlocks[i])
	}
	return fmt.Sprintf("durations %s │%s│ %s", fmtDur(lo), sb.String(), fmtDur(hi))
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}

func printSummaries(w io.Writer, sums []traces.TraceSummary) {
	if len(sums) == 0 {
		fmt.Fprintln(w, "no traces found")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRACE ID\tSTART\tDURATION\tSPANS\tERRORS\tRESULT\tROOT\tSERVICES")
	for _, s := range sums {
		result := "ok"
		if s.RootFailed {
			result = "failed"
		}
		errs := fmt.Sprint(s.Errors)
		if s.Truncated { // of the spans summarised: a lower bound
			errs += "+"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", traces.Sanitize(s.TraceID), s.Start.Local().Format("15:04:05.000"), fmtDur(s.Duration),
			s.Spans, errs, result, traces.Sanitize(s.Service+" "+s.Operation), traces.Sanitize(strings.Join(s.Services, ",")))
	}
	tw.Flush()
	if h := histogram(sums, 24); h != "" {
		fmt.Fprintln(w, h)
	}
}

func newTraceShowCmd(a *app) *cobra.Command {
	var asJSON bool
	var timeout, lookback, before time.Duration
	var baselineN int
	var baselineIDs []string
	var mode string
	cmd := &cobra.Command{
		Use:   "show TRACE_ID [--baseline N] [--baseline-mode auto|before-trace] [--baseline-before D] [--baseline-traces ID,...] [--json]",
		Short: "Print a trace's root-cause report: error origin, where the time went, findings, locations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			src, done, err := cliTraceSource(s)
			if err != nil {
				return err
			}
			defer done()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			t, err := getTrace(ctx, src, args[0])
			if err != nil {
				return sourceErr(err)
			}
			if baselineN < 0 || before < 0 || lookback < 0 {
				return usageErrorf("--baseline, --baseline-before and --baseline-lookback must not be negative")
			}
			if mode != "" && mode != traces.BaselineAuto && mode != traces.BaselineBeforeTrace {
				return usageErrorf("--baseline-mode %q: want auto or before-trace", mode)
			}
			baseline, info, err := traces.BaselineFor(ctx, src, t, traces.BaselineOptions{N: baselineN, Lookback: lookback, Before: before, IDs: baselineIDs, Mode: mode})
			if err != nil {
				fmt.Fprintln(a.stderr, "console: no baseline: "+sanitize.Line(err.Error()))
			}
			r := traces.NewReport(t, baseline)
			r.BaselineInfo = info
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, r)
			}
			printReport(a.stdout, r)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/traces.md)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the trace source")
	cmd.Flags().DurationVar(&lookback, "baseline-lookback", traces.DefaultLookback, "window for the baseline traces")
	cmd.Flags().IntVar(&baselineN, "baseline", 20, "compare with up to N other traces of the same root operation (0: none)")
	cmd.Flags().DurationVar(&before, "baseline-before", 0, "end the baseline window this long before the trace's start (leave out the incident's burst)")
	cmd.Flags().StringSliceVar(&baselineIDs, "baseline-traces", nil, "compare with these traces instead of a window")
	cmd.Flags().StringVar(&mode, "baseline-mode", "", "auto (default: the window before the burst the trace belongs to) or before-trace (the window ending at the trace's start)")
	return cmd
}

// getTrace fetches the trace typed: a full id, or the 16-character id the
// TUI's Traces view shows (any unique prefix of a recent trace's id), as
// `:trace` accepts. A prefix is resolved against the same listing the
// Traces view shows (recent traces of every service), only when the source
// does not know the id as typed; one that names several traces is bad usage.
func getTrace(ctx context.Context, src traces.Source, typed string) (*traces.Trace, error) {
	t, err := src.Get(ctx, typed)
	if err == nil || !errors.Is(err, traces.ErrNotFound) {
		return t, err
	}
	sums, _, lerr := newTraceLister(src, "").list(ctx)
	if lerr != nil {
		return nil, err
	}
	ids := make([]string, len(sums))
	for i := range sums {
		ids[i] = sums[i].TraceID
	}
	id, rerr := traces.ResolveID(ids, typed)
	switch {
	case rerr != nil:
		return nil, usageErrorf("%v", rerr)
	case id == strings.TrimSpace(typed):
		return nil, err
	}
	return src.Get(ctx, id)
}

func newTraceDiffCmd(a *app) *cobra.Command {
	var asJSON bool
	var file string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "diff TRACE_A TRACE_B [--file FILE] [--json]",
		Short: "Compare two traces: call paths and time only in A, only in B, and different in both",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var src traces.Source
			if file != "" {
				ts, _, err := traces.ParseFile(file)
				if err != nil {
					return usageErrorf("%s: %v", file, err)
				}
				src = traces.NewMemorySource(ts)
			} else {
				s, err := a.settings()
				if err != nil {
					return err
				}
				var done func()
				if src, done, err = cliTraceSource(s); err != nil {
					return err
				}
				defer done()
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var pair [2]*traces.Trace
			for i, id := range args {
				t, err := src.Get(ctx, id)
				if err != nil {
					if file != "" {
						return usageErrorf("%s: %v", file, err)
					}
					return sourceErr(err)
				}
				pair[i] = t
			}
			d := traces.NewDiff(pair[0], pair[1])
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, d)
			}
			printDiff(a.stdout, d)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "read both traces from this file instead of the trace source")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/traces.md)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the trace source")
	return cmd
}

// printDiff prints a trace comparison for a terminal.
func printDiff(w io.Writer, d *traces.Diff) {
	S := traces.Sanitize
	fmt.Fprintf(w, "A %s  %.1fms\nB %s  %.1fms\n", S(d.A), d.DurationAMS, S(d.B), d.DurationBMS)
	section := func(title string, ps []traces.PathDiff) {
		fmt.Fprintf(w, "\n%s\n", title)
		if len(ps) == 0 {
			fmt.Fprintln(w, "  none")
			return
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CALLS A\tCALLS B\tTIME A\tTIME B\tΔ TIME\tPATH")
		for _, p := range ps {
			fmt.Fprintf(tw, "  %d\t%d\t%.1fms\t%.1fms\t%+.1fms\t%s\n", p.CallsA, p.CallsB, p.TimeAMS, p.TimeBMS, p.DeltaMS, S(p.Path))
		}
		tw.Flush()
	}
	section("ONLY IN A", d.OnlyA)
	section("ONLY IN B", d.OnlyB)
	section("IN BOTH, DIFFERENT (calls, or time by ≥ 5% of the trace)", d.Changed)
	if d.Omitted > 0 {
		fmt.Fprintf(w, "\n(%d more paths left out)\n", d.Omitted)
	}
}

func newTraceAnalyzeCmd(a *app) *cobra.Command {
	var asJSON bool
	var file, traceID string
	var maxSpans int
	cmd := &cobra.Command{
		Use:   "analyze --file FILE [--trace ID] [--max-spans N] [--json]",
		Short: "Analyse a trace file offline (Jaeger JSON from its HTTP API or UI download, or OTLP JSON)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErrorf("--file is required")
			}
			if maxSpans < 0 {
				return usageErrorf("--max-spans must not be negative")
			}
			ts, _, err := traces.ParseFileLimits(file, traces.Limits{MaxSpans: maxSpans})
			if err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) || errors.Is(err, traces.ErrBadTraceFile) {
					return usageErrorf("%s: %v", file, err)
				}
				return err
			}
			corpus := traces.NewCorpus(ts) // each trace analysed once: the baseline of the others
			if traceID != "" {
				src := traces.NewMemorySource(ts)
				t, err := src.Get(cmd.Context(), traceID)
				if err != nil {
					return usageErrorf("%s: %v", file, err)
				}
				ts = []*traces.Trace{t}
			}
			reports := make([]*traces.Report, 0, len(ts))
			for _, t := range ts {
				reports = append(reports, corpus.Report(t))
			}
			if asJSON {
				if len(reports) == 1 {
					return sanitize.EncodeJSON(a.stdout, reports[0])
				}
				return sanitize.EncodeJSON(a.stdout, reports)
			}
			for i, r := range reports {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				printReport(a.stdout, r)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "trace file (Jaeger JSON or OTLP JSON)")
	cmd.Flags().StringVar(&traceID, "trace", "", "analyse only this trace of the file")
	cmd.Flags().IntVar(&maxSpans, "max-spans", traces.DefaultMaxSpans, "refuse files holding more spans than this (input is also limited to 512 MiB and 64 levels of nesting)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: the report, or an array of reports when the file holds several traces")
	return cmd
}

func newTraceDepsCmd(a *app) *cobra.Command {
	var asJSON bool
	var lookback, timeout time.Duration
	var focus string
	var hops, limit int
	cmd := &cobra.Command{
		Use:   "deps [--lookback D] [--focus SERVICE [--hops N] [--limit N]] [--json]",
		Short: "Print the service dependency graph with call counts and error rates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			src, done, err := cliTraceSource(s)
			if err != nil {
				return err
			}
			defer done()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if focus != "" {
				if hops < 1 || limit < 1 {
					return usageErrorf("--hops and --limit must be at least 1")
				}
				ts, err := src.Find(ctx, traces.Query{Service: focus, Lookback: lookback, Limit: limit})
				if err != nil {
					return sourceErr(err)
				}
				edges := traces.DeepDependencies(ts, focus, hops)
				if asJSON {
					return sanitize.EncodeJSON(a.stdout, edges)
				}
				printDeepDeps(a.stdout, focus, len(ts), edges)
				return nil
			}
			deps, err := src.Dependencies(ctx, lookback)
			if err != nil {
				return sourceErr(err)
			}
			if deps == nil {
				deps = []traces.Dependency{}
			}
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, deps)
			}
			printDeps(a.stdout, deps)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/traces.md)")
	cmd.Flags().DurationVar(&lookback, "lookback", 24*time.Hour, "window of the graph")
	cmd.Flags().StringVar(&focus, "focus", "", "operation-level paths through this service (deep dependency graph), from its recent traces")
	cmd.Flags().IntVar(&hops, "hops", 2, "with --focus: service boundaries shown upstream and downstream")
	cmd.Flags().IntVar(&limit, "limit", 100, "with --focus: traces of the service read")
	cmd.Flags().DurationVar(&timeout, "timeout", 60*time.Second, "how long to wait for the trace source")
	return cmd
}

// printDeepDeps prints the operation-level graph around a focal service,
// upstream (negative hops) to downstream.
func printDeepDeps(w io.Writer, focus string, n int, edges []traces.OpEdge) {
	S := traces.Sanitize
	fmt.Fprintf(w, "calls through %s in %d traces (hops: − upstream, + downstream)\n", S(focus), n)
	if len(edges) == 0 {
		fmt.Fprintln(w, "no calls found")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOPS\tCALLER\tCALLEE\tCALLS\tERRORS")
	for _, e := range edges {
		fmt.Fprintf(tw, "%+d\t%s %s\t%s %s\t%d\t%d\n", e.Hops, S(e.FromService), S(e.FromOperation), S(e.ToService), S(e.ToOperation), e.Calls, e.Errors)
	}
	tw.Flush()
}

// printDeps draws the graph as a tree from the services nobody calls, then
// a table of every edge.
func printDeps(w io.Writer, deps []traces.Dependency) {
	if len(deps) == 0 {
		fmt.Fprintln(w, "no dependencies found")
		return
	}
	out := map[string][]traces.Dependency{}
	called := map[string]bool{}
	var nodes []string
	for _, d := range deps {
		if _, ok := out[d.Parent]; !ok {
			nodes = append(nodes, d.Parent)
		}
		out[d.Parent] = append(out[d.Parent], d)
		if d.Child != d.Parent {
			called[d.Child] = true
		}
	}
	var roots []string
	for _, n := range nodes {
		if !called[n] {
			roots = append(roots, n)
		}
	}
	if len(roots) == 0 {
		roots = nodes[:1]
	}
	type item struct {
		name   string
		prefix string
		dep    *traces.Dependency
		path   map[string]bool
	}
	var stack []item
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{name: roots[i], path: map[string]bool{}})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		label := traces.Sanitize(it.name)
		if it.dep != nil {
			label += fmt.Sprintf("  (%d calls", it.dep.Calls)
			if it.dep.Errors > 0 {
				label += fmt.Sprintf(", ✗ %.1f%% errors", 100*it.dep.ErrorRate)
			}
			label += ")"
		}
		if it.path[it.name] {
			fmt.Fprintf(w, "%s%s ↺\n", it.prefix, label)
			continue
		}
		fmt.Fprintf(w, "%s%s\n", it.prefix, label)
		path := map[string]bool{it.name: true}
		for k := range it.path {
			path[k] = true
		}
		kids := out[it.name]
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, item{name: kids[i].Child, prefix: strings.Repeat(" ", len([]rune(it.prefix))) + "└─▶ ", dep: &kids[i], path: path})
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CALLER\tCALLEE\tCALLS\tERROR RATE\t(ERRORS/SAMPLED)")
	for _, d := range deps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f%%\t%d/%d\n", traces.Sanitize(d.Parent), traces.Sanitize(d.Child), d.Calls, 100*d.ErrorRate, d.Errors, d.SampledCalls)
	}
	tw.Flush()
}

// printReport prints the root-cause report for a terminal.
func printReport(w io.Writer, r *traces.Report) {
	S := traces.Sanitize
	fmt.Fprintf(w, "trace %s  %s %s  %.1fms  %d spans, %d errors\n", S(r.TraceID), S(r.Root.Service), S(r.Root.Operation), r.Root.DurationMS, r.Spans, r.Errors)
	if o := r.ErrorOrigin; o != nil {
		fmt.Fprintf(w, "\nERROR ORIGIN  %s %s (span %s): %s\n", S(o.Service), S(o.Operation), S(o.SpanID), S(cmp.Or(o.Message, "(no message)")))
		chain := o.Chain
		more := ""
		if len(chain) > 8 {
			chain = chain[:8]
		}
		if n := o.Hops + 1 - len(chain); n > 0 {
			more = fmt.Sprintf(" … (%d more)", n)
		}
		how := "propagated"
		if !o.Propagated {
			how = "reported by the root through spans not marked as errors"
		}
		fmt.Fprintf(w, "  %s: %s%s\n", how, S(strings.Join(chain, " → ")), more)
	} else if r.Errors > 0 {
		fmt.Fprintf(w, "\nno error origin: the root did not fail (%d error spans, all handled below a span that succeeded)\n", r.Errors)
	} else {
		fmt.Fprintln(w, "\nno errors")
	}
	if len(r.HandledErrors) > 0 {
		fmt.Fprintln(w, "\nHANDLED ERRORS / RETRIES (absorbed below a span that did not fail; not the cause)")
		for i, h := range r.HandledErrors {
			if i == 10 {
				fmt.Fprintf(w, "  … %d more\n", len(r.HandledErrors)-i)
				break
			}
			retry := ""
			if h.Retried > 0 || h.RetryEvents > 0 {
				retry = fmt.Sprintf(", %d retried, %d retry events", h.Retried, h.RetryEvents)
			}
			fmt.Fprintf(w, "  %d× %s %s: %s\n      handled by %s%s; cost %.1fms (%.1fms on the critical path)\n",
				h.Count, S(h.Service), S(h.Operation), S(cmp.Or(h.Message, "(no message)")), S(h.HandledBy), retry, h.CostMS, h.OnPathMS)
		}
	}
	if d := r.BaselineInfo.Describe(); d != "" {
		fmt.Fprintf(w, "\nBASELINE  %s\n", S(d))
	}
	fmt.Fprintln(w, "\nWHERE THE TIME WENT (critical-path self time)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, c := range r.CriticalPath {
		if i == 10 {
			break
		}
		fmt.Fprintf(tw, "  %5.1f%%\t%.1fms\t%s\t%s\n", 100*c.Share, c.SelfMS, S(c.Service), S(c.Operation))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nFINDINGS")
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range r.Findings {
		ids := f.SpanIDs
		more := ""
		if len(ids) > 5 {
			ids = ids[:5]
		}
		if n := len(f.SpanIDs) + f.Omitted - len(ids); n > 0 {
			more = fmt.Sprintf(" +%d", n)
		}
		fmt.Fprintf(w, "  [%s] %s\n      spans: %s%s\n", f.Kind, S(f.Summary), S(strings.Join(ids, " ")), more)
	}
	if len(r.Locations) > 0 {
		fmt.Fprintln(w, "\nWHERE IT RAN")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SPAN\tSERVICE\tPOD\tNODE\tZONE\tHOST")
		for _, l := range r.Locations {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", S(l.SpanID), S(l.Service), S(cmp.Or(l.Pod, "-")), S(cmp.Or(l.Node, "-")), S(cmp.Or(l.Zone, "-")), S(cmp.Or(l.Host, "-")))
		}
		tw.Flush()
	}
}
