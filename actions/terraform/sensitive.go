package terraform

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	tfjson "github.com/hashicorp/terraform-json"
)

// minSensitive is the shortest sensitive value masked (shorter ones would
// mask ordinary words).
const minSensitive = 4

// sensitiveValues returns the values of the plan's variables that the
// configuration marks `sensitive = true`, longest first.
func sensitiveValues(p *tfjson.Plan) []string {
	if p == nil || p.Config == nil || p.Config.RootModule == nil {
		return nil
	}
	var out []string
	for name, cv := range p.Config.RootModule.Variables {
		if cv == nil || !cv.Sensitive {
			continue
		}
		v, ok := p.Variables[name]
		if !ok || v == nil || v.Value == nil {
			continue
		}
		var text string
		switch x := v.Value.(type) {
		case string:
			text = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				continue
			}
			text = string(b)
		}
		if len(text) >= minSensitive {
			out = append(out, text)
		}
		// The pieces of a structured value are secrets too.
		if m, ok := v.Value.(map[string]any); ok {
			for _, e := range m {
				if s, ok := e.(string); ok && len(s) >= minSensitive {
					out = append(out, s)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// secrets is the set of sensitive values a stack has seen in its plans;
// every line and error the stack's actions produce is masked with it, so
// no sensitive variable's value reaches the terminal or the audit log.
type secrets struct {
	mu     sync.Mutex
	values []string
}

func (s *secrets) add(vs []string) {
	if len(vs) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		if !slices.Contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
	sort.Slice(s.values, func(i, j int) bool { return len(s.values[i]) > len(s.values[j]) })
}

// mask replaces every known sensitive value in text with "(sensitive value)".
func (s *secrets) mask(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, "(sensitive value)")
	}
	return text
}

// writer masks each Write (proc writes one complete line at a time).
func (s *secrets) writer(w io.Writer) io.Writer { return maskWriter{s: s, w: w} }

type maskWriter struct {
	s *secrets
	w io.Writer
}

func (m maskWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(m.w, m.s.mask(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maskErr returns err with its text masked (errors.Is/As still see err).
func (s *secrets) maskErr(err error) error {
	if err == nil {
		return nil
	}
	return &maskedError{msg: s.mask(err.Error()), err: err}
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// As lets errors.As find a *LockedError or *Error under the mask while
// the text stays masked.
func (e *maskedError) As(target any) bool { return errors.As(e.err, target) }
