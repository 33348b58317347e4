package common

import (
	"github.com/opsconsole/console/internal/errtext"
	"github.com/opsconsole/console/internal/sanitize"
)

// Sanitize makes a string from outside (API data, trace files, names) safe
// to draw; see sanitize.Line.
func Sanitize(s string) string { return sanitize.Line(s) }

// ErrText is an error as the UI shows it: Go internals ("context
// canceled", a refused dial, "EOF") put in words, what happened and what
// to do (internal/errtext, the one place that maps them).
func ErrText(err error) string { return errtext.Explain(err) }
