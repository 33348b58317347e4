package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/opsconsole/console/internal/version"
	"github.com/opsconsole/console/ui"
)

// newManCmd writes the man pages (console.1, one per subcommand, and
// console-keys.1) generated from the command definitions and the key
// maps. It is hidden: the release build (.goreleaser.yaml) runs it.
func newManCmd(a *app) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:    "man --dir DIR",
		Short:  "Write the man pages (console.1, one per subcommand, console-keys.1) to DIR",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return usageErrorf("man needs --dir DIR")
			}
			n, err := writeManPages(cmd.Root(), dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "wrote %d man pages to %s\n", n, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write the pages to (created if missing)")
	return cmd
}

// writeManPages writes the man pages of root's tree and the key reference
// to dir, and returns how many it wrote.
func writeManPages(root *cobra.Command, dir string) (int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("man: %w", err)
	}
	info := version.Get()
	date := manDate(info)
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Section: "1", Source: "console " + info.Version, Manual: "console manual", Date: &date}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return 0, fmt.Errorf("man: %w", err)
	}
	keys := md2man.Render([]byte(keysManMarkdown(date)))
	if err := os.WriteFile(filepath.Join(dir, "console-keys.1"), keys, 0o644); err != nil {
		return 0, fmt.Errorf("man: %w", err)
	}
	pages, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return 0, fmt.Errorf("man: %w", err)
	}
	return len(pages), nil
}

// manDate is the pages' date: the build's (release) or the commit's (dev)
// so the pages are reproducible; today when neither is known.
func manDate(info version.Info) time.Time {
	if t, err := time.Parse(time.RFC3339, info.Date); err == nil {
		return t
	}
	return time.Now()
}

// addKeysHelpTopic adds `console help keys`: the key reference of the
// interactive console, generated from the UI's key maps.
func addKeysHelpTopic(root *cobra.Command, _ *app) {
	keys := &cobra.Command{
		Use:   "keys",
		Short: "The keys of the interactive console (console help keys)",
	}
	keys.SetHelpFunc(func(c *cobra.Command, _ []string) { writeKeyReference(c.OutOrStdout()) })
	root.AddCommand(keys)
}

// writeKeyReference prints the key reference as plain text.
func writeKeyReference(w io.Writer) {
	fmt.Fprintln(w, "Keys of the interactive console (also shown by ? in the console).")
	for _, g := range ui.KeyReference() {
		fmt.Fprintf(w, "\n%s:\n", g.Title)
		for _, k := range g.Keys {
			fmt.Fprintf(w, "  %-*s %s\n", keyColumn(g), k.Key, k.Desc)
		}
	}
}

// keyColumn is the width of g's key column (at least 12).
func keyColumn(g ui.KeyGroup) int {
	w := 12
	for _, k := range g.Keys {
		w = max(w, utf8.RuneCountInString(k.Key))
	}
	return w
}

// keysManMarkdown is console-keys(1) in go-md2man's markdown.
func keysManMarkdown(date time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%% CONSOLE-KEYS 1 %q %q \"console manual\"\n\n", date.Format("Jan 2006"), "console "+version.Get().Version)
	b.WriteString("# NAME\n\nconsole-keys - the keys of the interactive console\n\n# DESCRIPTION\n\n")
	b.WriteString("The keys of **console**(1)'s interactive mode, also shown by **?** in the console and by **console help keys**.\n\n")
	for _, g := range ui.KeyReference() {
		fmt.Fprintf(&b, "# %s\n\n", strings.ToUpper(g.Title))
		for _, k := range g.Keys {
			fmt.Fprintf(&b, "**%s**\n: %s\n\n", mdEscape(k.Key), mdEscape(k.Desc))
		}
	}
	b.WriteString("# SEE ALSO\n\n**console**(1)\n")
	return b.String()
}

// mdEscape escapes the markdown characters a key or a description may hold.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `|`, `\|`, `[`, `\[`).Replace(s)
}
