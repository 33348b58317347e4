package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/opsconsole/console/ui"
	"github.com/opsconsole/console/ui/export"
)

// snapshotViews are the views the help proposes for a snapshot (any view
// or alias is accepted).
var snapshotViews = []string{"summary", "topology", "databases", "problems", "actions"}

// defaultSnapshotWidth is the width of a snapshot written to a file or a
// pipe (a terminal's own width otherwise).
const defaultSnapshotWidth = 120

func newSnapshotCmd(a *app) *cobra.Command {
	var (
		view, format, output string
		width, height        int
		timeout              time.Duration
	)
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Render one view of the current state once (text, ANSI, HTML or SVG) for chat or slides",
		Long: "snapshot renders one view with the same pages as the interactive console, once, without a terminal UI:\n" +
			"colours and glyphs are kept in ansi, html and svg; text has none. The format defaults to the --output\n" +
			"file's extension (.txt .ans .html .svg), else ansi on a terminal and text otherwise.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, ok := ui.ViewName(view); !ok {
				return usageErrorf("--view %s: no such view (one of %s)", view, strings.Join(ui.ViewNames(), ", "))
			}
			f, err := snapshotFormat(format, output, a.stdout)
			if err != nil {
				return err
			}
			if width <= 0 {
				width = terminalWidth(a.stdout, defaultSnapshotWidth)
			}
			if height < 0 {
				return usageErrorf("--height %d: must be 0 (the whole view) or more", height)
			}
			s, err := a.settings()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			st, err := startStore(ctx, s)
			if err != nil {
				return err
			}
			st.WaitReady(ctx)
			src, err := tuiTraceSource(ctx, s, st)
			if err != nil {
				return err
			}
			// the executor runs nothing here: the Actions view lists the
			// audit log's past runs through it
			exec, err := newExecutor(s)
			if err != nil {
				return err
			}
			frame, err := ui.RenderSnapshot(ctx, ui.Options{Store: st, Executor: exec, Settings: s, TraceSource: src, Stacks: tuiStacks(s)},
				ui.SnapshotOptions{View: view, Width: width, Height: height})
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := export.Write(&b, f, frame, "console "+view); err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = a.stdout.Write(b.Bytes())
				return err
			}
			if err := os.WriteFile(output, b.Bytes(), 0o600); err != nil {
				return fmt.Errorf("write snapshot: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&view, "view", "summary", "view to render: "+strings.Join(snapshotViews, ", ")+" (or any view: "+strings.Join(ui.ViewNames(), ", ")+")")
	fl.StringVar(&format, "format", "", "text, ansi, html or svg (default: from --output's extension, else ansi on a terminal, text otherwise)")
	fl.StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	fl.IntVar(&width, "width", 0, fmt.Sprintf("width in cells (default: the terminal's, else %d)", defaultSnapshotWidth))
	fl.IntVar(&height, "height", 0, fmt.Sprintf("height of the view's body in lines (0: the whole view, up to %d lines)", ui.MaxSnapshotLines))
	fl.DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for the sources")
	return cmd
}

// snapshotFormat resolves --format: named, else from the output file's
// extension, else ansi on a terminal and text otherwise.
func snapshotFormat(format, output string, stdout any) (export.Format, error) {
	if format != "" {
		f, err := export.ParseFormat(format)
		if err != nil {
			return "", usageErrorf("--format: %s", err)
		}
		return f, nil
	}
	switch strings.ToLower(filepath.Ext(output)) {
	case ".html", ".htm":
		return export.HTML, nil
	case ".svg":
		return export.SVG, nil
	case ".ans", ".ansi":
		return export.ANSI, nil
	case ".txt", ".text":
		return export.Text, nil
	}
	if output == "" || output == "-" {
		if terminalWidth(stdout, 0) > 0 {
			return export.ANSI, nil
		}
	}
	return export.Text, nil
}

// terminalWidth is w's width when it is a terminal, else def.
func terminalWidth(w any, def int) int {
	var f *os.File
	switch x := w.(type) {
	case *os.File:
		f = x
	case *ttyWriter:
		f, _ = x.w.(*os.File)
	}
	if f == nil || !term.IsTerminal(int(f.Fd())) {
		return def
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return cols
	}
	return def
}
