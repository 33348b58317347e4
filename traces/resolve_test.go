package traces

import (
	"errors"
	"testing"
)

func TestResolveID(t *testing.T) {
	known := []string{
		"4bf92f3577b34da6a3ce929d0e0e4736",
		"4bf92f3577b34da6ffffffffffffffff",
		"00f067aa0ba902b7aaaaaaaaaaaaaaaa",
		"abc",
	}
	cases := []struct {
		name, typed, want string
		ambiguous         bool
	}{
		{"full id", "4bf92f3577b34da6a3ce929d0e0e4736", "4bf92f3577b34da6a3ce929d0e0e4736", false},
		{"the 16 characters a list shows", "00f067aa0ba902b7", "00f067aa0ba902b7aaaaaaaaaaaaaaaa", false},
		{"a short unique prefix", "00f0", "00f067aa0ba902b7aaaaaaaaaaaaaaaa", false},
		{"upper case and spaces", "  00F067AA ", "00f067aa0ba902b7aaaaaaaaaaaaaaaa", false},
		{"an exact id that is also a prefix wins", "abc", "abc", false},
		{"shared 16-character prefix is ambiguous", "4bf92f3577b34da6", "", true},
		{"shared short prefix is ambiguous", "4b", "", true},
		{"unknown id goes to the source as typed", "deadbeef", "deadbeef", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ResolveID(known, c.typed)
			if c.ambiguous {
				if !errors.Is(err, ErrAmbiguousID) {
					t.Fatalf("ResolveID(%q) = %q, %v; want ErrAmbiguousID", c.typed, got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("ResolveID(%q) = %q, %v; want %q", c.typed, got, err, c.want)
			}
		})
	}
	if _, err := ResolveID(known, "  "); err == nil {
		t.Error("an empty id should be an error")
	}
}
