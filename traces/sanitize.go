package traces

import "github.com/opsconsole/console/internal/sanitize"

// Sanitize makes a string from a trace safe to print on a terminal; see
// sanitize.Line.
func Sanitize(s string) string { return sanitize.Line(s) }
