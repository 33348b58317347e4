package traces

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrAmbiguousID is returned by ResolveID when the typed id is the prefix
// of several known trace ids.
var ErrAmbiguousID = errors.New("ambiguous trace id")

// ShortIDLen is the length of the trace ids shown in lists (the TUI's
// Traces view); ResolveID accepts them, and any shorter unique prefix.
const ShortIDLen = 16

// ShortID is the id as lists show it: its first ShortIDLen characters.
func ShortID(id string) string {
	if len(id) > ShortIDLen {
		return id[:ShortIDLen]
	}
	return id
}

// ResolveID returns the trace id the user meant by typed among the known
// ids (the ones a list shows): the id equal to it, else the one id it is a
// prefix of (case-insensitively: ids are hex). When several known ids start
// with it the error (ErrAmbiguousID) says how many and asks for more of it;
// when none does, typed is returned as is (trimmed) for the source to look
// up, since a source knows more traces than any list. An empty id is an error.
func ResolveID(known []string, typed string) (string, error) {
	want := strings.ToLower(strings.TrimSpace(typed))
	if want == "" {
		return "", errors.New("no trace id given")
	}
	var found []string
	for _, id := range known {
		l := strings.ToLower(id)
		if l == want {
			return id, nil
		}
		if strings.HasPrefix(l, want) && !slices.Contains(found, id) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return strings.TrimSpace(typed), nil
	case 1:
		return found[0], nil
	}
	more := ""
	if len(found) > 2 {
		more = ", …"
	}
	return "", fmt.Errorf("%w: %d traces start with %q (%s, %s%s); type more of it", ErrAmbiguousID, len(found), Sanitize(strings.TrimSpace(typed)), Sanitize(found[0]), Sanitize(found[1]), more)
}
