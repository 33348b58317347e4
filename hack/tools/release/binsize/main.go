// Command binsize prints what each module costs in a Go binary: the sizes
// of its symbols (go tool nm -size), grouped by the module of their
// package (read from the binary's build info), largest first. The binary
// must keep its symbol table (no -s).
//
//	CGO_ENABLED=0 go build -trimpath -o /tmp/console ./cmd/console
//	cd hack/tools/release && go run ./binsize /tmp/console
package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: binsize BINARY")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "binsize:", err)
		os.Exit(1)
	}
}

func run(bin string) error {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("build info: %w", err)
	}
	modules := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		modules = append(modules, d.Path)
	}
	// Longest first, so that a nested module wins over its parent.
	slices.SortFunc(modules, func(a, b string) int { return len(b) - len(a) })
	nobits, err := bssRanges(bin)
	if err != nil {
		return err
	}
	out, err := exec.Command("go", "tool", "nm", "-size", bin).Output()
	if err != nil {
		return fmt.Errorf("go tool nm: %w", err)
	}
	sizes := map[string]int64{}
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n == 0 {
			continue
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil || slices.ContainsFunc(nobits, func(r [2]uint64) bool { return addr >= r[0] && addr < r[1] }) {
			continue // zeroed memory at run time, no room in the file
		}
		name := strings.Join(f[3:], " ")
		sizes[owner(pkgOf(name), modules)] += n
		total += n
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read nm: %w", err)
	}
	keys := make([]string, 0, len(sizes))
	for k := range sizes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return int(sizes[b] - sizes[a]) })
	fmt.Printf("%10s %6s  %s\n", "bytes", "share", "module")
	for _, k := range keys {
		fmt.Printf("%10d %5.1f%%  %s\n", sizes[k], 100*float64(sizes[k])/float64(total), k)
	}
	fmt.Printf("%10d %5.1f%%  total of the symbols\n", total, 100.0)
	return nil
}

// bssRanges returns the address ranges of the ELF sections that take no
// room in the file (.bss, .noptrbss).
func bssRanges(bin string) ([][2]uint64, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, fmt.Errorf("not an ELF binary (linux only): %w", err)
	}
	defer f.Close()
	var out [][2]uint64
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS {
			out = append(out, [2]uint64{s.Addr, s.Addr + s.Size})
		}
	}
	return out, nil
}

// pkgOf returns the package path of a symbol name such as
// "github.com/a/b.(*T).M", "type:*github.com/a/b.T" or "go:itab.*x.T,y.I".
func pkgOf(name string) string {
	for _, p := range []string{"type:", "go:itab.", "go:info.", "go:cuinfo.", "go:string.", "*", "[]", "map.", "gclocals·"} {
		name = strings.TrimPrefix(name, p)
	}
	name = strings.TrimLeft(name, "*[]0123456789")
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return name
	}
	return name[:slash+1+dot]
}

// owner names the module of package pkg: one of modules, "std" for the
// standard library and the runtime, "other" for symbols of no package.
func owner(pkg string, modules []string) string {
	for _, m := range modules {
		if pkg == m || strings.HasPrefix(pkg, m+"/") {
			return m
		}
	}
	first, _, _ := strings.Cut(pkg, "/")
	if !strings.Contains(first, ".") && pkg != "" {
		return "std"
	}
	return "other"
}
