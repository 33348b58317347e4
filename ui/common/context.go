// Package common holds what every part of the console's UI shares: the
// context (size, theme, keys, clock), sanitisation of foreign strings,
// filtering, a one-line input, and the executor interfaces the UI codes
// against.
package common

import (
	"strconv"
	"time"
)

// Context is shared by the shell and every component.
type Context struct {
	// Width and Height are the terminal size.
	Width, Height int
	// Theme holds the styles.
	Theme *Theme
	// Keys are the global key bindings.
	Keys *KeyMap
	// Now is the clock (frozen in tests).
	Now func() time.Time
}

// NewContext returns a context with the default theme, keys and the real clock.
func NewContext() *Context {
	return &Context{Width: 80, Height: 24, Theme: DefaultTheme(), Keys: DefaultKeyMap(), Now: time.Now}
}

// Age renders a duration as a short age: "4s", "3m", "2h", "5d".
func Age(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
}
