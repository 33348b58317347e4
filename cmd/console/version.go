package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/internal/version"
)

func newVersionCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print the version, commit and build date. A release build prints the version it was
stamped with; a go build / go install build prints "dev" (or the module version)
and the VCS revision the Go toolchain recorded. --json prints the fields as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return printVersion(a.stdout, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version as JSON")
	return cmd
}

// addVersionFlags gives the root command --version (and --json with it),
// which print what `console version` prints and exit.
func addVersionFlags(root *cobra.Command, a *app) {
	var show, asJSON bool
	root.Flags().BoolVar(&show, "version", false, "print the version and exit")
	root.Flags().BoolVar(&asJSON, "json", false, "with --version: print the version as JSON")
	next := root.RunE
	root.RunE = func(cmd *cobra.Command, args []string) error {
		switch {
		case show:
			return printVersion(a.stdout, asJSON)
		case asJSON:
			return usageErrorf("--json goes with --version or a subcommand (e.g. console inventory --json)")
		}
		return next(cmd, args)
	}
}

// printVersion writes the running build's version as one line or as JSON.
func printVersion(w io.Writer, asJSON bool) error {
	info := version.Get()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(info); err != nil {
			return fmt.Errorf("write version: %w", err)
		}
		return nil
	}
	if _, err := fmt.Fprintln(w, info.String()); err != nil {
		return fmt.Errorf("write version: %w", err)
	}
	return nil
}
