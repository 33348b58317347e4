package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// newDBCmd is `console db`: the databases of every source (watched
// directly, Aurora/RDS, the demo) with their roles, lag and backups.
func newDBCmd(a *app) *cobra.Command {
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "db",
		Short: "List databases (roles, lag, backups) and their backups: db list, db backups NAME",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErrorf("name a subcommand: list, backups NAME")
		},
	}
	// databases reads every source once and returns its databases.
	databases := func(cmd *cobra.Command) ([]providers.Database, error) {
		s, err := a.settings()
		if err != nil {
			return nil, err
		}
		snap, err := waitSnapshot(cmd.Context(), s, timeout)
		if err != nil {
			return nil, err
		}
		dbs := slices.Clone(snap.Inv.Databases)
		for i := range dbs {
			if dbs[i].Members == nil {
				dbs[i].Members = []providers.Member{}
			}
			if dbs[i].Backups == nil {
				dbs[i].Backups = []providers.Backup{}
			}
		}
		if dbs == nil {
			dbs = []providers.Database{}
		}
		return dbs, nil
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "Every database with its members' roles, health and lag, and its backups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dbs, err := databases(cmd)
			if err != nil {
				return err
			}
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, dbs)
			}
			printDatabases(a.stdout, dbs)
			return nil
		},
	}
	backups := &cobra.Command{
		Use:   "backups NAME",
		Short: "The backups of one database, newest first: time, size, kind and where it is stored",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dbs, err := databases(cmd)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(dbs, func(d providers.Database) bool { return d.Name == args[0] })
			if i < 0 {
				names := make([]string, len(dbs))
				for j, d := range dbs {
					names[j] = d.Name
				}
				return usageErrorf("no database %q (have: %s)", sanitize.Truncate(sanitize.Line(args[0]), 80), strings.Join(names, ", "))
			}
			// newest first, as the restore form lists them
			bs := slices.SortedStableFunc(slices.Values(dbs[i].Backups), func(x, y providers.Backup) int { return y.Time.Compare(x.Time) })
			if asJSON {
				return sanitize.EncodeJSON(a.stdout, bs)
			}
			printBackups(a.stdout, bs)
			return nil
		},
	}
	for _, c := range []*cobra.Command{list, backups} {
		c.Flags().BoolVar(&asJSON, "json", false, "print JSON (the inventory's database and backup objects, docs/inventory-json.md)")
		c.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for every source")
		cmd.AddCommand(c)
	}
	return cmd
}

// printDatabases writes one block per database: its line, then a line per member.
func printDatabases(w io.Writer, dbs []providers.Database) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range dbs {
		last := "never"
		if !d.LastBackup.IsZero() {
			last = d.LastBackup.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d backups, last %s\t%s\n", sanitize.Line(d.Name), sanitize.Line(d.Engine),
			sanitize.Line(d.Status), len(d.Backups), last, sanitize.Line(d.Endpoint))
		if d.RestoredFrom != "" {
			fmt.Fprintf(tw, "  restored from %s\t\t\t\t\n", sanitize.Line(d.RestoredFrom))
		}
		if w := d.RestoreWindow; w != nil {
			fmt.Fprintf(tw, "  restorable %s → %s\t\t\t\t%s\n", w.Earliest.UTC().Format(time.RFC3339), w.Latest.UTC().Format(time.RFC3339), sanitize.Line(w.Source))
		}
		for _, v := range d.Volumes {
			fmt.Fprintf(tw, "  volume %s\t\t\t\t\n", sanitize.Line(v.String()))
		}
		for _, m := range d.Members {
			health := "healthy"
			if !m.Healthy {
				health = "unhealthy"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\tlag %.1fs\t%s\n", sanitize.Line(m.Name), sanitize.Line(m.Role), health, m.LagSeconds, sanitize.Line(m.Status))
			for _, v := range m.Volumes {
				fmt.Fprintf(tw, "    volume %s\t\t\t\t\n", sanitize.Line(v.String()))
			}
		}
	}
	tw.Flush()
}

// printBackups writes one line per backup, newest first as the source lists them.
func printBackups(w io.Writer, bs []providers.Backup) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tKIND\tSIZE\tSTATUS\tLOCATION")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f MiB\t%s\t%s\n", sanitize.Line(b.ID), b.Time.UTC().Format(time.RFC3339),
			sanitize.Line(b.Kind), b.SizeMiB, sanitize.Line(b.Status), sanitize.Line(b.Location))
	}
	tw.Flush()
}
