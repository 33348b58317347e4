package common

import "github.com/opsconsole/console/internal/sanitize"

// Sanitize makes a string from outside (API data, trace files, names) safe
// to draw; see sanitize.Line.
func Sanitize(s string) string { return sanitize.Line(s) }
