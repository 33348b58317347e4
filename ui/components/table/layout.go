package table

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Layout returns the width of each column (0: not shown) for avail cells
// (one space between columns), given the natural width of each column's
// content (its widest cell; see Measure) and the columns scrolled off to
// the left (off, may be nil). Columns are sized from their content, by
// priority:
//
//  1. a column needs min(Width, natural) cells, its title counted in its
//     natural width (a column never needs more than its widest cell); the
//     identifying column (the highest Priority, see Pinned) needs its
//     natural width up to half the screen (or its Width when more), so
//     that low-value columns drop before the name is cut;
//  2. while the columns' needs do not fit, the column of lowest Priority
//     is dropped (the rightmost of equal priorities; the last column left
//     is cut to avail); a dropped column that fits again afterwards
//     comes back;
//  3. the space left goes, highest Priority first, to bring each column
//     to its natural width, first capped at Max, then without the cap:
//     the identifying column shows in full before others grow, and a
//     wide terminal shows every cell in full before any padding;
//  4. what is still left is shared by the Grow columns up to their Max.
func Layout(cols []Column, natural []int, off []bool, avail int) []int {
	n := len(cols)
	widths := make([]int, n)
	nat := make([]int, n)
	shown := make([]bool, n)
	count, used := 0, 0
	pin := Pinned(cols)
	for i, c := range cols {
		nat[i] = max(ansi.StringWidth(c.Title), natAt(natural, i))
		widths[i] = max(1, min(c.Width, nat[i]))
		if i == pin {
			want := nat[i]
			if c.Max > 0 {
				want = min(want, c.Max)
			}
			widths[i] = max(widths[i], min(want, avail/2))
		}
		if i < len(off) && off[i] {
			continue
		}
		shown[i] = true
		count++
		used += widths[i]
	}
	if count == 0 || avail <= 0 {
		clear(widths)
		return widths
	}
	need := func() int { return used + count - 1 }
	// by priority, highest first; equal priorities left to right
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cols[b].Priority - cols[a].Priority })
	for need() > avail && count > 1 {
		drop := -1
		for k := n - 1; k >= 0; k-- {
			if i := order[k]; shown[i] {
				drop = i
				break
			}
		}
		shown[drop] = false
		count--
		used -= widths[drop]
	}
	if need() > avail { // one column left, wider than the screen
		for i := range widths {
			if shown[i] {
				widths[i] = avail
			} else {
				widths[i] = 0
			}
		}
		return widths
	}
	// dropped columns that fit again come back, by priority
	for _, i := range order {
		if !shown[i] && !(i < len(off) && off[i]) && need()+widths[i]+1 <= avail {
			shown[i] = true
			count++
			used += widths[i]
		}
	}
	for i := range widths {
		if !shown[i] {
			widths[i] = 0
		}
	}
	extra := avail - need()
	grow := func(capped bool) {
		for _, i := range order {
			if !shown[i] || extra == 0 {
				continue
			}
			target := nat[i]
			if capped && cols[i].Max > 0 {
				target = min(target, max(cols[i].Max, widths[i]))
			}
			if add := min(extra, target-widths[i]); add > 0 {
				widths[i] += add
				extra -= add
			}
		}
	}
	grow(true)
	grow(false)
	// share the rest among the Grow columns; a capped column gives back
	// what it cannot take
	for extra > 0 {
		open := 0
		for i, c := range cols {
			if shown[i] && c.Grow && (c.Max == 0 || widths[i] < c.Max) {
				open++
			}
		}
		if open == 0 {
			break
		}
		share := max(1, extra/open)
		for i, c := range cols {
			if !shown[i] || !c.Grow || (c.Max > 0 && widths[i] >= c.Max) || extra == 0 {
				continue
			}
			add := min(share, extra)
			if c.Max > 0 {
				add = min(add, c.Max-widths[i])
			}
			widths[i] += add
			extra -= add
		}
	}
	return widths
}

// Pinned is the identifying column: the highest Priority, the leftmost
// of equals. It is never scrolled off and is dropped last.
func Pinned(cols []Column) int {
	pin := 0
	for i, c := range cols {
		if c.Priority > cols[pin].Priority {
			pin = i
		}
	}
	return pin
}

func natAt(natural []int, i int) int {
	if i < len(natural) {
		return natural[i]
	}
	return 0
}

// Measure returns the natural width of each of ncols columns: the widest
// cell of rows (the first cell with its row's Prefix). It reads every
// row, measuring a cell only when its bytes could make it wider than the
// widest so far (a cell is never wider than its bytes), so that 50,000
// rows cost little; call it where the rows are built when that is off
// the UI goroutine.
func Measure(rows []Row, ncols int) []int {
	w := make([]int, ncols)
	for r := range rows {
		cells := rows[r].Cells
		pre := len(rows[r].Prefix)
		for i := 0; i < len(cells) && i < ncols; i++ {
			s := cells[i]
			if i == 0 && pre > 0 {
				if pre+len(s) <= w[0] {
					continue
				}
				if cw := cellWidth(rows[r].Prefix) + cellWidth(s); cw > w[0] {
					w[0] = cw
				}
				continue
			}
			if len(s) <= w[i] {
				continue
			}
			if cw := cellWidth(s); cw > w[i] {
				w[i] = cw
			}
		}
	}
	return w
}

func cellWidth(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// fitMiddle cuts s to at most w cells keeping its start and its end
// ("payments-aur…instance-3"), so that names that differ only at the end
// stay apart; it pads like fit. A DNS name (its last word) is the
// exception: its most specific label comes first (RFC 1034), so it is
// cut at its end ("node ip-10-1-64-12.eu-west…", not "node ip-10-1-6…
// pute.internal", which every node of the region shares).
func fitMiddle(s string, w int, right bool) string {
	sw := cellWidth(s)
	if sw <= w || w < 5 || hostName(s[strings.LastIndexByte(s, ' ')+1:]) {
		return fit(s, w, right)
	}
	tail := (w - 1) / 2
	head := w - 1 - tail
	var cut string
	if isASCII(s) {
		cut = s[:head] + "…" + s[len(s)-tail:]
	} else {
		cut = ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, sw-tail, "")
	}
	return fit(cut, w, right)
}

// hostName reports whether s is a DNS host name: two labels or more of
// lower-case letters, digits and hyphens, a letter in the labels after
// the first (an IPv4 address is not one: its end tells addresses apart).
func hostName(s string) bool {
	first := strings.IndexByte(s, '.')
	if first <= 0 || first == len(s)-1 {
		return false
	}
	letter := false
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prev == '.' {
				return false
			}
		case c >= 'a' && c <= 'z':
			letter = letter || i > first
		case c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
		prev = c
	}
	return letter && prev != '.'
}

// wrapCells lays out cells as "TITLE value" pairs, packed into lines of
// w cells (a pair is split only when it is wider than a line): the whole
// row, for the full-row strip.
func wrapCells(titles, cells []string, w int) []string {
	var out []string
	line, lw := "", 0
	for i, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		pair := c
		if i < len(titles) && titles[i] != "" {
			pair = titles[i] + " " + c
		}
		pw := cellWidth(pair)
		switch {
		case lw > 0 && lw+3+pw <= w:
			line += " · " + pair
			lw += 3 + pw
			continue
		case lw > 0:
			out = append(out, line)
		}
		if pw > w {
			parts := strings.Split(ansi.Hardwrap(pair, w, true), "\n")
			out = append(out, parts[:len(parts)-1]...)
			pair = parts[len(parts)-1]
			pw = cellWidth(pair)
		}
		line, lw = pair, pw
	}
	if lw > 0 {
		out = append(out, line)
	}
	return out
}
