package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "want 5 fields"},
		{"0 7 * *", "want 5 fields"},
		{"0 7 * * MON 2026", "want 5 fields"},
		{"60 7 * * *", "minute: 60 is outside 0-59"},
		{"0 24 * * *", "hour: 24 is outside 0-23"},
		{"0 7 0 * *", "day of month: 0 is outside 1-31"},
		{"0 7 * 13 *", "month: 13 is outside 1-12"},
		{"0 7 * * 8", "day of week: 8 is outside 0-7"},
		{"0 7 * * FRY", `day of week: "FRY" is not a number or name`},
		{"0 7 ? * MON", `"?" is not Unix cron`},
		{"0 7 L * *", `"L" is not Unix cron`},
		{"*/0 * * * *", "bad step"},
		{"*/x * * * *", "bad step"},
		{"0 9-5 * * *", "range 9-5 is reversed"},
		{"0 7 1,,2 * *", "empty item"},
		{"0 7 30 2 *", "never occurs"},
		{"0 7 31 4,6,9,11 *", "never occurs"},
		{"-1 7 * * *", "minute"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			c, err := Parse(tc.expr)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.expr, c)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("Parse(%q) error %q: want one line containing %q", tc.expr, msg, tc.want)
			}
		})
	}
	if _, err := Parse("0 7 30 2 *"); !errors.Is(err, ErrNever) {
		t.Errorf("30 February: %v, want ErrNever", err)
	}
}

func TestNextPrev(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	ny := mustLoc(t, "America/New_York")
	utc := time.UTC
	d := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, expr string
		loc        *time.Location
		from       time.Time
		next, prev time.Time // zero: none
	}{
		{"weekday mornings", "0 7 * * MON-FRI", utc, d(utc, "2026-12-04 20:00"), // a Friday
			d(utc, "2026-12-07 07:00"), d(utc, "2026-12-04 07:00")},
		{"friday teardown by name", "0 20 * * FRI", utc, d(utc, "2026-12-01 12:00"),
			d(utc, "2026-12-04 20:00"), d(utc, "2026-11-27 20:00")},
		{"prev includes the instant itself", "0 20 * * 5", utc, d(utc, "2026-12-04 20:00"),
			d(utc, "2026-12-11 20:00"), d(utc, "2026-12-04 20:00")},
		{"sunday as 7", "30 6 * * 7", utc, d(utc, "2026-12-01 00:00"),
			d(utc, "2026-12-06 06:30"), d(utc, "2026-11-29 06:30")},
		{"steps and lists", "*/15 9,17 * * *", utc, d(utc, "2026-12-01 09:50"),
			d(utc, "2026-12-01 17:00"), d(utc, "2026-12-01 09:45")},
		{"a/s runs to the end", "50/5 * * * *", utc, d(utc, "2026-12-01 09:56"),
			d(utc, "2026-12-01 10:50"), d(utc, "2026-12-01 09:55")},
		{"month names", "0 0 1 JAN,jul *", utc, d(utc, "2026-12-01 00:00"),
			d(utc, "2027-01-01 00:00"), d(utc, "2026-07-01 00:00")},
		{"dom or dow when both are restricted", "0 12 13 * FRI", utc, d(utc, "2026-12-01 00:00"),
			d(utc, "2026-12-04 12:00"), d(utc, "2026-11-27 12:00")},
		{"dom and dow when dow starts with *", "0 12 13 * */1", utc, d(utc, "2026-12-01 00:00"),
			d(utc, "2026-12-13 12:00"), d(utc, "2026-11-13 12:00")},
		{"29 February", "0 0 29 2 *", utc, d(utc, "2026-12-01 00:00"),
			d(utc, "2028-02-29 00:00"), d(utc, "2024-02-29 00:00")},
		{"time zone", "0 7 * * MON", berlin, d(utc, "2026-12-06 12:00"),
			d(utc, "2026-12-07 06:00"), d(utc, "2026-11-30 06:00")},
		// Berlin: 2026-03-29 02:00 CET → 03:00 CEST (02:30 does not exist)
		{"DST gap: skipped that day", "30 2 * * *", berlin, d(utc, "2026-03-28 12:00"),
			d(berlin, "2026-03-30 02:30"), d(berlin, "2026-03-28 02:30")},
		{"DST gap: prev skips it too", "30 2 * * *", berlin, d(utc, "2026-03-29 12:00"),
			d(berlin, "2026-03-30 02:30"), d(berlin, "2026-03-28 02:30")},
		{"DST gap: the hour after is kept", "0 3 * * *", berlin, d(utc, "2026-03-28 12:00"),
			d(utc, "2026-03-29 01:00"), d(utc, "2026-03-28 02:00")},
		// Berlin: 2026-10-25 03:00 CEST → 02:00 CET (02:30 occurs twice): once, at the first
		{"DST overlap: the first of two", "30 2 * * *", berlin, d(utc, "2026-10-24 12:00"),
			d(utc, "2026-10-25 00:30"), d(utc, "2026-10-24 00:30")},
		{"DST overlap: not again an hour later", "30 2 * * *", berlin, d(utc, "2026-10-25 00:30"),
			d(utc, "2026-10-26 01:30"), d(utc, "2026-10-25 00:30")},
		{"DST overlap: prev from the second 02:30", "30 2 * * *", berlin, d(utc, "2026-10-25 01:30"),
			d(utc, "2026-10-26 01:30"), d(utc, "2026-10-25 00:30")},
		// New York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST
		{"NY gap", "15 2 8 3 *", ny, d(utc, "2026-03-01 00:00"),
			d(ny, "2027-03-08 02:15"), d(ny, "2025-03-08 02:15")},
		{"NY overlap", "30 1 1 11 *", ny, d(utc, "2026-10-01 00:00"),
			d(utc, "2026-11-01 05:30"), d(utc, "2025-11-01 05:30")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.expr, err)
			}
			n, ok := c.Next(tc.from, tc.loc)
			if ok != !tc.next.IsZero() || !n.Equal(tc.next) {
				t.Errorf("Next(%s) = %s %v, want %s", tc.from.UTC(), n.UTC(), ok, tc.next.UTC())
			}
			p, ok := c.Prev(tc.from, tc.loc)
			if ok != !tc.prev.IsZero() || !p.Equal(tc.prev) {
				t.Errorf("Prev(%s) = %s %v, want %s", tc.from.UTC(), p.UTC(), ok, tc.prev.UTC())
			}
		})
	}
}

func TestString(t *testing.T) {
	c, err := Parse("  0  20 * *   FRI ")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(); got != "0 20 * * FRI" {
		t.Errorf("String() = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 7 * * MON-FRI", "*/15 9,17 * * *", "0 0 29 2 *", "1-5/2 * * * 7"} {
		f.Add(s)
	}
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error with a newline: %q", err)
			}
			return
		}
		n, ok := c.Next(from, time.UTC)
		if !ok || !n.After(from) {
			t.Fatalf("%q: Next = %s %v", s, n, ok)
		}
		if p, ok := c.Prev(n, time.UTC); !ok || !p.Equal(n) {
			t.Fatalf("%q: Prev(Next) = %s %v, want %s", s, p, ok, n)
		}
	})
}
