// Package schedule reads the schedules of an environment (an autoscaling
// group's scheduled actions, a Terraform stack's `schedule:`), computes their
// next and previous events in their time zone, and says what state the
// schedule puts the object in now ("down until Mon 07:00", "up, tears down in
// 3 h"). See docs/schedule.md.
package schedule

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed 5-field Unix cron expression, the recurrence format of
// Amazon EC2 Auto Scaling scheduled actions: minute hour day-of-month month
// day-of-week. Each field is `*`, a number or name, a range `a-b`, a step
// (`*/s`, `a-b/s`, `a/s`) or a comma-separated list of those. Months are
// 1–12 or JAN–DEC, days of the week 0–7 (0 and 7 are Sunday) or SUN–SAT.
// As in Vixie cron, when both the day of month and the day of the week are
// restricted (neither starts with `*`), a day matching either matches.
type Cron struct {
	expr                   string
	minute, hour, dom, mon uint64
	dow                    uint64
	domStar, dowStar       bool
}

// searchDays bounds the search for the next or previous occurrence: long
// enough for 29 February (8 years cover the longest gap between leap days).
const searchDays = 8*366 + 1

type field struct {
	name     string
	min, max int
	names    map[string]int
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{
		"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}},
	{name: "day of week", min: 0, max: 7, names: map[string]int{
		"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}},
}

// ErrNever is returned for an expression that never occurs (31 February).
var ErrNever = errors.New("never occurs")

// Parse reads a 5-field cron expression. The error is one line naming the
// field and the problem.
func Parse(expr string) (*Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", clip(expr), len(parts))
	}
	c := &Cron{expr: strings.Join(parts, " ")}
	sets := [5]*uint64{&c.minute, &c.hour, &c.dom, &c.mon, &c.dow}
	for i, p := range parts {
		set, err := fields[i].parse(p)
		if err != nil {
			return nil, fmt.Errorf("cron %q: %s: %w", clip(expr), fields[i].name, err)
		}
		*sets[i] = set
	}
	if c.dow&(1<<7) != 0 { // 7 is Sunday too
		c.dow = c.dow&^(1<<7) | 1
	}
	c.domStar, c.dowStar = strings.HasPrefix(parts[2], "*"), strings.HasPrefix(parts[4], "*")
	if !c.possible() {
		return nil, fmt.Errorf("cron %q: %w (no month has that day)", clip(expr), ErrNever)
	}
	return c, nil
}

// possible reports whether some day matches: only a day-of-month list that no
// chosen month has (30 February) can make an expression never occur.
func (c *Cron) possible() bool {
	if c.domStar || !c.dowStar {
		return true
	}
	maxDay := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for m := 1; m <= 12; m++ {
		if c.mon&(1<<m) == 0 {
			continue
		}
		if c.dom&(uint64(1)<<(maxDay[m]+1)-1) != 0 {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// String is the expression as parsed (fields separated by one space).
func (c *Cron) String() string { return c.expr }

func (f field) parse(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	var set uint64
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, step := f.min, f.max, 1
		rng := item
		if i := strings.IndexByte(item, '/'); i >= 0 {
			n, err := strconv.Atoi(item[i+1:])
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("bad step %q (want a number above 0)", item[i+1:])
			}
			step, rng = n, item[:i]
		}
		switch {
		case rng == "*":
			if f.max == 7 { // day of week: * is 0-6
				hi = 6
			}
		case rng == "":
			return 0, fmt.Errorf("empty item in %q", s)
		default:
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = f.value(a); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = f.value(b); err != nil {
					return 0, err
				}
				if hi < lo {
					return 0, fmt.Errorf("range %s is reversed", rng)
				}
			} else if step > 1 {
				hi = f.max // a/s: from a to the end
			}
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func (f field) value(s string) (int, error) {
	if v, ok := f.names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		switch s {
		case "?", "L", "W":
			return 0, fmt.Errorf("%q is not Unix cron (scheduled actions use 5 fields: * , - / and names)", s)
		}
		return 0, fmt.Errorf("%q is not a number or name", s)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("%d is outside %d-%d", n, f.min, f.max)
	}
	return n, nil
}

// dayMatches applies the Vixie cron rule for day of month and day of week.
func (c *Cron) dayMatches(y int, m time.Month, d int) bool {
	if c.mon&(1<<int(m)) == 0 {
		return false
	}
	wd := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()
	domOK, dowOK := c.dom&(1<<d) != 0, c.dow&(1<<int(wd)) != 0
	if c.domStar || c.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// at returns the instant of the wall time y-m-d h:mi in loc, and false when
// that wall time does not exist that day (skipped by a change to summer
// time). A wall time that occurs twice (the change back) is its first
// occurrence.
func at(y int, m time.Month, d, h, mi int, loc *time.Location) (time.Time, bool) {
	t := time.Date(y, m, d, h, mi, 0, 0, loc)
	if t.Hour() != h || t.Minute() != mi || t.Day() != d {
		return time.Time{}, false
	}
	for _, back := range []time.Duration{2 * time.Hour, time.Hour, 30 * time.Minute} {
		e := t.Add(-back).In(loc)
		if e.Year() == y && e.Month() == m && e.Day() == d && e.Hour() == h && e.Minute() == mi {
			return e, true
		}
	}
	return t, true
}

// bitsAsc lists the set bits of s in ascending order.
func bitsAsc(s uint64) []int {
	out := make([]int, 0, bits.OnesCount64(s))
	for s != 0 {
		b := bits.TrailingZeros64(s)
		out = append(out, b)
		s &^= 1 << b
	}
	return out
}

// Next returns the first occurrence strictly after t, in loc (nil: UTC).
// A wall time that does not exist on a day (the hour skipped when summer
// time starts) has no occurrence that day; one that occurs twice (when it
// ends) occurs once, at the first. ok is false when there is none within 8
// years.
func (c *Cron) Next(t time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	hours, mins := bitsAsc(c.hour), bitsAsc(c.minute)
	for i := range searchDays {
		day := time.Date(lt.Year(), lt.Month(), lt.Day()+i, 12, 0, 0, 0, time.UTC)
		y, m, d := day.Date()
		if !c.dayMatches(y, m, d) {
			continue
		}
		for _, h := range hours {
			for _, mi := range mins {
				if e, ok := at(y, m, d, h, mi, loc); ok && e.After(t) {
					return e, true
				}
			}
		}
	}
	return time.Time{}, false
}

// Prev returns the last occurrence at or before t, in loc (nil: UTC), with
// the rules of Next.
func (c *Cron) Prev(t time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	hours, mins := bitsAsc(c.hour), bitsAsc(c.minute)
	for i := range searchDays {
		day := time.Date(lt.Year(), lt.Month(), lt.Day()-i, 12, 0, 0, 0, time.UTC)
		y, m, d := day.Date()
		if !c.dayMatches(y, m, d) {
			continue
		}
		for hi := len(hours) - 1; hi >= 0; hi-- {
			for mj := len(mins) - 1; mj >= 0; mj-- {
				if e, ok := at(y, m, d, hours[hi], mins[mj], loc); ok && !e.After(t) {
					return e, true
				}
			}
		}
	}
	return time.Time{}, false
}
