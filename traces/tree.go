package traces

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Analysis is a trace with its tree built: parent links, children, depth,
// self time and the critical path. Span indexes refer to Trace.Spans.
//
// Tree rules: the root is the longest span without a parent id (ties: the
// earliest). Orphans (spans whose parent is not in the trace), further
// roots and spans caught in parent cycles are attached to the root and
// marked Attached.
type Analysis struct {
	Trace *Trace
	// Root is the index of the root span, -1 for an empty trace.
	Root int32
	// Parent is each span's parent index, -1 for the root.
	Parent []int32
	// Depth is 0 for the root.
	Depth []int32
	// Attached marks spans attached to the root because their parent was
	// missing, they were a further root, or they were part of a cycle.
	Attached []bool
	// Order is the depth-first pre-order (children by start time): the
	// order of the waterfall.
	Order []int32
	// SubtreeSize is the number of spans in each span's subtree, itself
	// included.
	SubtreeSize []int32
	// Self is each span's self time: its duration minus the union of its
	// children's intervals clamped to it.
	Self []time.Duration
	// CPTime is each span's time on the critical path (zero when off it).
	CPTime []time.Duration
	// Segments is the critical path, chronological: which span was doing
	// the work that the trace was waiting for, and when.
	Segments []Segment
	// Start and End bound every span of the trace.
	Start, End time.Time

	byID       map[string]int32
	st, en     []int64 // each span's start and end, ns from Start
	childStart []int32 // children of i: children[childStart[i]:childStart[i+1]]
	children   []int32 // sorted by start time
	effS, effE []int64 // critical-path intervals (ns from Start), clamped to the parent's
	valid      []bool  // effective interval non-empty
}

// Segment is one piece of the critical path: span Span was on it from
// Start to End (offsets from the trace start).
type Segment struct {
	Span       int32
	Start, End time.Duration
}

// Children returns the children of span i, sorted by start time. The
// slice must not be modified.
func (a *Analysis) Children(i int32) []int32 {
	return a.children[a.childStart[i]:a.childStart[i+1]]
}

// Index returns the index of the span with the given id.
func (a *Analysis) Index(spanID string) (int32, bool) {
	i, ok := a.byID[spanID]
	return i, ok
}

// Span returns span i.
func (a *Analysis) Span(i int32) *Span { return &a.Trace.Spans[i] }

// Duration is the extent of the trace (first start to last end).
func (a *Analysis) Duration() time.Duration { return a.End.Sub(a.Start) }

// OnCriticalPath reports whether span i spends time on the critical path.
func (a *Analysis) OnCriticalPath(i int32) bool { return a.CPTime[i] > 0 }

// Analyze builds the tree of t, the self times and the critical path. It
// never recurses, and runs in O(n log n) for n spans.
func Analyze(t *Trace) *Analysis {
	n := len(t.Spans)
	a := &Analysis{Trace: t, Root: -1}
	if n == 0 || n > math.MaxInt32-1 {
		a.Parent, a.Depth, a.childStart = []int32{}, []int32{}, []int32{0}
		return a
	}
	a.buildTree()
	a.computeSelf()
	a.computeCriticalPath()
	return a
}

func (a *Analysis) buildTree() {
	spans := a.Trace.Spans
	n := len(spans)
	a.byID = make(map[string]int32, n)
	for i := range spans {
		if _, dup := a.byID[spans[i].SpanID]; !dup {
			a.byID[spans[i].SpanID] = int32(i)
		}
	}
	a.Parent = make([]int32, n)
	a.Attached = make([]bool, n)
	a.Start, a.End = spans[0].Start, spans[0].End()
	root, rootTrue := int32(-1), false
	better := func(i, j int32) bool { // is i a better root than j?
		si, sj := &spans[i], &spans[j]
		if si.Duration != sj.Duration {
			return si.Duration > sj.Duration
		}
		if !si.Start.Equal(sj.Start) {
			return si.Start.Before(sj.Start)
		}
		if si.SpanID != sj.SpanID {
			return si.SpanID < sj.SpanID
		}
		return i < j
	}
	for i := range spans {
		s := &spans[i]
		if s.Start.Before(a.Start) {
			a.Start = s.Start
		}
		if e := s.End(); e.After(a.End) {
			a.End = e
		}
		a.Parent[i] = -1
		if s.ParentID != "" {
			if p, ok := a.byID[s.ParentID]; ok && p != int32(i) {
				a.Parent[i] = p
				continue
			}
		}
		isTrue := s.ParentID == ""
		switch {
		case root < 0, isTrue && !rootTrue, isTrue == rootTrue && better(int32(i), root):
			root, rootTrue = int32(i), isTrue
		}
	}
	a.st, a.en = make([]int64, n), make([]int64, n)
	for i := range spans {
		a.st[i] = a.rel(spans[i].Start)
		a.en[i] = satAdd(a.st[i], spans[i].Duration)
	}
	if root < 0 { // every span has a parent: all in cycles
		root = 0
		for i := 1; i < n; i++ {
			if spans[i].Start.Before(spans[root].Start) {
				root = int32(i)
			}
		}
		a.Parent[root] = -1
	}
	a.Root = root
	for i := range a.Parent {
		if a.Parent[i] < 0 && int32(i) != root {
			a.Parent[i] = root
			a.Attached[i] = true
		}
	}
	// Break parent cycles: walk up from each span; a walk that meets
	// itself has found a cycle, which is cut by attaching to the root.
	state := make([]int32, n) // 0 new, >0 on the walk started at state-1, -1 done
	for i := range state {
		if state[i] != 0 {
			continue
		}
		mark := int32(i) + 1
		j := int32(i)
		for j >= 0 && state[j] == 0 {
			state[j] = mark
			j = a.Parent[j]
		}
		if j >= 0 && state[j] == mark {
			a.Parent[j] = root
			a.Attached[j] = true
		}
		for j = int32(i); j >= 0 && state[j] == mark; j = a.Parent[j] {
			state[j] = -1
		}
	}
	// Children (CSR), sorted by start time.
	a.childStart = make([]int32, n+1)
	for i, p := range a.Parent {
		if p >= 0 && int32(i) != root {
			a.childStart[p+1]++
		}
	}
	for i := 0; i < n; i++ {
		a.childStart[i+1] += a.childStart[i]
	}
	a.children = make([]int32, a.childStart[n])
	fill := slices.Clone(a.childStart[:n])
	for i, p := range a.Parent {
		if p >= 0 {
			a.children[fill[p]] = int32(i)
			fill[p]++
		}
	}
	for i := 0; i < n; i++ {
		c := a.children[a.childStart[i]:a.childStart[i+1]]
		if len(c) > 1 {
			slices.SortFunc(c, func(x, y int32) int {
				if r := cmp.Compare(a.st[x], a.st[y]); r != 0 {
					return r
				}
				return cmp.Or(cmp.Compare(spans[x].SpanID, spans[y].SpanID), cmp.Compare(x, y))
			})
		}
	}
	// Pre-order, depth, subtree sizes (iteratively).
	a.Depth = make([]int32, n)
	a.Order = make([]int32, 0, n)
	stack := []int32{root}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a.Order = append(a.Order, i)
		c := a.Children(i)
		for k := len(c) - 1; k >= 0; k-- {
			a.Depth[c[k]] = a.Depth[i] + 1
			stack = append(stack, c[k])
		}
	}
	a.SubtreeSize = make([]int32, n)
	for k := len(a.Order) - 1; k >= 0; k-- {
		i := a.Order[k]
		a.SubtreeSize[i]++
		if p := a.Parent[i]; p >= 0 {
			a.SubtreeSize[p] += a.SubtreeSize[i]
		}
	}
}

// rel is t as nanoseconds from the trace start.
func (a *Analysis) rel(t time.Time) int64 { return int64(t.Sub(a.Start)) }

func satAdd(x int64, d time.Duration) int64 {
	if s := x + int64(d); s >= x {
		return s
	}
	return math.MaxInt64
}

func (a *Analysis) computeSelf() {
	spans := a.Trace.Spans
	a.Self = make([]time.Duration, len(spans))
	for i := range spans {
		s, e := a.st[i], a.en[i]
		var covered int64
		cur, curE := int64(0), int64(-1) // current merged interval
		open := false
		for _, c := range a.Children(int32(i)) {
			cs := max(a.st[c], s)
			ce := min(a.en[c], e)
			if ce <= cs {
				continue
			}
			if open && cs <= curE {
				curE = max(curE, ce)
				continue
			}
			if open {
				covered += curE - cur
			}
			cur, curE, open = cs, ce, true
		}
		if open {
			covered += curE - cur
		}
		a.Self[i] = time.Duration(max(e-s-covered, 0))
	}
}

// computeCriticalPath finds the critical path: starting at the root's end,
// the work is attributed to the child that finished last before the
// cursor, then to that child's last-finishing child, and so on; when a span
// has no child finishing before the cursor, the time back to its start is
// its own and the walk returns to its parent with the cursor at its start.
//
// Children are first clamped to their parent (clock skew: a child starting
// before its parent or ending after it is cut to the parent's interval; a
// child entirely outside its parent is left off the path). Each span's
// children are sorted once by end time, and a per-span position only moves
// forward because the cursor only moves back in time: O(n log n) overall,
// with no recursion.
func (a *Analysis) computeCriticalPath() {
	spans := a.Trace.Spans
	n := len(spans)
	a.effS, a.effE, a.valid = make([]int64, n), make([]int64, n), make([]bool, n)
	a.CPTime = make([]time.Duration, n)
	for _, i := range a.Order {
		s, e := a.st[i], a.en[i]
		if p := a.Parent[i]; p >= 0 {
			if !a.valid[p] || s > a.effE[p] || e < a.effS[p] {
				continue // off the parent's interval: not on its path
			}
			s, e = max(s, a.effS[p]), min(e, a.effE[p])
		}
		a.effS[i], a.effE[i], a.valid[i] = s, e, true
	}
	// Children by effective end, latest first.
	byEnd := slices.Clone(a.children)
	for i := 0; i < n; i++ {
		c := byEnd[a.childStart[i]:a.childStart[i+1]]
		if len(c) > 1 {
			slices.SortFunc(c, func(x, y int32) int {
				if r := cmp.Compare(a.effE[y], a.effE[x]); r != 0 {
					return r
				}
				if r := cmp.Compare(a.effS[y], a.effS[x]); r != 0 {
					return r
				}
				return cmp.Or(cmp.Compare(spans[x].SpanID, spans[y].SpanID), cmp.Compare(x, y))
			})
		}
	}
	pos := slices.Clone(a.childStart[:n]) // next candidate child per span
	segs := make([]Segment, 0, 2*n)       // at most one per child plus one per span
	emit := func(i int32, s, e int64) {
		if e > s {
			segs = append(segs, Segment{Span: i, Start: time.Duration(s), End: time.Duration(e)})
			a.CPTime[i] += time.Duration(e - s)
		}
	}
	cur := a.Root
	cursor := a.effE[cur]
	for {
		next := int32(-1)
		for end := a.childStart[cur+1]; pos[cur] < end; {
			c := byEnd[pos[cur]]
			pos[cur]++
			if a.valid[c] && a.effE[c] <= cursor {
				next = c
				break
			}
		}
		if next >= 0 {
			emit(cur, a.effE[next], cursor)
			cur, cursor = next, a.effE[next]
			continue
		}
		emit(cur, a.effS[cur], cursor)
		if cur == a.Root {
			break
		}
		cursor = min(cursor, a.effS[cur])
		cur = a.Parent[cur]
	}
	slices.Reverse(segs)
	a.Segments = segs
}
