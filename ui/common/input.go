package common

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// Input is a minimal one-line editor (no blinking cursor, so frames are
// deterministic): printable keys insert, backspace deletes, ctrl+u clears,
// ctrl+w deletes a word.
type Input struct {
	Prompt string
	Value  string
}

// HandleKey edits the value; it reports whether the key was consumed.
func (in *Input) HandleKey(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "backspace", "ctrl+h":
		if in.Value != "" {
			_, size := utf8.DecodeLastRuneInString(in.Value)
			in.Value = in.Value[:len(in.Value)-size]
		}
		return true
	case "ctrl+u":
		in.Value = ""
		return true
	case "ctrl+w":
		v := strings.TrimRight(in.Value, " ")
		if i := strings.LastIndexByte(v, ' '); i >= 0 {
			in.Value = v[:i+1]
		} else {
			in.Value = ""
		}
		return true
	case "space":
		in.Value += " "
		return true
	}
	if k.Text != "" && k.Mod == 0 || k.Text != "" && k.Mod.Contains(tea.ModShift) {
		in.Value += Sanitize(k.Text)
		return true
	}
	return false
}

// View renders the prompt, the value and a block cursor.
func (in *Input) View(t *Theme) string {
	return t.Prompt.Render(in.Prompt) + in.Value + "█"
}
