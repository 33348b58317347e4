package main

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/internal/sanitize"
)

func newAuditCmd(a *app) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the audit log of actions (newest first)",
		Long: `Print the audit log: one entry per action attempt (planned, succeeded, failed,
refused, cancelled), with who, environment, target, plan summary and result.
The log is $XDG_STATE_HOME/console/audit.jsonl unless audit_log is set in the config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usageErrorf("--limit must be >= 0")
			}
			s, err := a.settings()
			if err != nil {
				return err
			}
			es, bad, err := actions.ReadAudit(s.AuditLog, limit)
			if err != nil {
				return err
			}
			if bad > 0 {
				fmt.Fprintf(a.stderr, "console: audit log %s: skipped %d malformed lines\n", s.AuditLog, bad)
			}
			slices.Reverse(es) // newest first, as the TUI's Actions view lists runs
			if asJSON {
				if es == nil {
					es = []actions.AuditEntry{}
				}
				if err := sanitize.EncodeJSON(a.stdout, es); err != nil {
					return fmt.Errorf("write audit: %w", err)
				}
				return nil
			}
			if len(es) == 0 {
				fmt.Fprintf(a.stdout, "no actions recorded in %s\n", s.AuditLog)
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tWHO\tENV\tACTION\tTARGET\tRESULT\tDURATION\tPLAN\tDETAIL\tID")
			for _, e := range es {
				detail := e.Error
				if detail == "" {
					detail = e.Verify
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
					e.Time.Local().Format("2006-01-02 15:04:05"), cell(auditWho(e)), cell(e.Env), cell(e.Action), cell(e.Target),
					cell(e.Result), (time.Duration(e.DurationMS) * time.Millisecond).String(), cell(e.Plan.Summary),
					cell(truncate(detail, 100)), cell(e.AuditID))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as a JSON array")
	cmd.Flags().IntVar(&limit, "limit", 50, "show the newest N entries (0 = all)")
	cmd.AddCommand(newAuditShowCmd(a))
	return cmd
}

func newAuditShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print one audited attempt and the full output of its run",
		Long: `Print one entry of the audit log and the full output of its run, kept (redacted)
next to the audit log as output/ID.log. ID is an audit id or a prefix of one
that names exactly one entry.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			es, _, err := actions.ReadAudit(s.AuditLog, 0)
			if err != nil {
				return err
			}
			want := strings.ToLower(strings.TrimSpace(args[0]))
			var found []actions.AuditEntry
			for _, e := range es {
				if want != "" && strings.HasPrefix(e.AuditID, want) {
					found = append(found, e)
				}
			}
			ids := map[string]bool{}
			for _, e := range found {
				ids[e.AuditID] = true
			}
			switch {
			case len(found) == 0:
				return usageErrorf("no audit entry %q in %s", sanitize.Line(args[0]), s.AuditLog)
			case len(ids) > 1:
				return usageErrorf("audit id %q is ambiguous: %d entries start with it; type more of it", sanitize.Line(args[0]), len(found))
			}
			// one attempt; several lines when a second person decided it
			// (console serve: the request, the approval, the outcome)
			var e actions.AuditEntry
			for _, e = range found {
				fmt.Fprintf(a.stdout, "%s %s: %s", cell(e.Action), cell(e.Target), cell(e.Result))
				if e.Plan.Summary != "" {
					fmt.Fprintf(a.stdout, " (%s)", sanitize.Line(e.Plan.Summary))
				}
				fmt.Fprintf(a.stdout, "\naudit %s, %s by %s in %s, %s\n", e.AuditID, e.Time.Local().Format("2006-01-02 15:04:05"),
					sanitize.Line(auditWho(e)), cell(e.Env), time.Duration(e.DurationMS)*time.Millisecond)
				if e.Error != "" {
					fmt.Fprintf(a.stdout, "error: %s\n", sanitize.Line(e.Error))
				}
				if e.Verify != "" {
					fmt.Fprintf(a.stdout, "verified: %t — %s\n", e.Verified, sanitize.Line(e.Verify))
				}
			}
			out, err := actions.ReadOutput(s.AuditLog, e.AuditID)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				fmt.Fprintln(a.stdout, "no output kept (the attempt did not run)")
				return nil
			case err != nil:
				return err
			}
			fmt.Fprintln(a.stdout, "output:")
			for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
				fmt.Fprintln(a.stdout, sanitize.Output(l))
			}
			return nil
		},
	}
}

// cell makes one table cell safe: one line, no escapes, no tabs.
func cell(s string) string {
	s = strings.ReplaceAll(sanitize.Line(s), "\t", " ")
	if s == "" {
		return "-"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// auditWho is an entry's who, with the second person of an approved or
// rejected action (console serve): "alice (key …), approved by carol
// (key …)" on the run's lines, "carol (key …), requested by alice (key
// …)" on an approval or rejection.
func auditWho(e actions.AuditEntry) string {
	who := e.Who
	if e.ApprovedBy != "" {
		who += ", approved by " + e.ApprovedBy
	}
	if e.RequestedBy != "" {
		who += ", requested by " + e.RequestedBy
	}
	return who
}
