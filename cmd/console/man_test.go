package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/traceview"
)

func TestHelpKeys(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"help", "keys"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("console help keys: exit %d: %s", code, errb.String())
	}
	text := out.String()
	k := common.DefaultKeyMap()
	tk := traceview.DefaultKeyMap()
	for _, b := range []struct{ key, desc string }{
		{k.Quit.Help().Key, k.Quit.Help().Desc},
		{k.Filter.Help().Key, k.Filter.Help().Desc},
		{k.Sort.Help().Key, k.Sort.Help().Desc},
		{tk.NextError.Help().Key, tk.NextError.Help().Desc},
	} {
		if !containsLine(text, b.key, b.desc) {
			t.Errorf("no line %q %q in:\n%s", b.key, b.desc, text)
		}
	}
	for _, v := range pages.Views() {
		if !strings.Contains(text, ":"+v.Name) {
			t.Errorf("view command :%s missing", v.Name)
		}
	}
	for _, c := range []string{":region", ":env", ":trace ID", ":quit"} {
		if !strings.Contains(text, c) {
			t.Errorf("palette command %s missing", c)
		}
	}
}

// containsLine reports whether text has a line of exactly key and desc
// separated by spaces.
func containsLine(text, key, desc string) bool {
	return slices.ContainsFunc(strings.Split(text, "\n"), func(l string) bool {
		f := strings.Fields(l)
		return len(f) >= 2 && f[0] == key && strings.Join(f[1:], " ") == desc
	})
}

func TestManPages(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"man", "--dir", dir}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("console man: exit %d: %s", code, errb.String())
	}
	want := []string{"console.1", "console-keys.1"}
	var walk func(c *cobra.Command, name string)
	walk = func(c *cobra.Command, name string) {
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() && !sub.IsAdditionalHelpTopicCommand() {
				want = append(want, name+"-"+sub.Name()+".1")
				walk(sub, name+"-"+sub.Name())
			}
		}
	}
	walk(newRoot(&app{}), "console")
	if len(want) < 10 {
		t.Fatalf("only %d commands: %v", len(want), want)
	}
	for _, f := range want {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("page %s: %v", f, err)
			continue
		}
		if !bytes.Contains(b, []byte("\n.TH ")) {
			t.Errorf("%s has no .TH header:\n%s", f, b)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "console-man.1")); err == nil {
		t.Errorf("the hidden man command has a page")
	}
	keys, _ := os.ReadFile(filepath.Join(dir, "console-keys.1"))
	if q := common.DefaultKeyMap().Quit.Help().Desc; !bytes.Contains(keys, []byte(q)) {
		t.Errorf("console-keys.1 lacks %q", q)
	}
	if code := run([]string{"man"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("console man without --dir: exit %d, want %d", code, exitUsage)
	}
}
