package common

import tea "charm.land/bubbletea/v2"

// NoticeMsg asks the shell to show a one-line message in the footer
// (sanitised there); Err marks it as an error.
type NoticeMsg struct {
	Text string
	Err  bool
}

// Notice returns a command showing text in the footer.
func Notice(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return NoticeMsg{Text: text, Err: isErr} }
}

// RunChangedMsg tells the pages that an action run has new output, or has
// finished (Done).
type RunChangedMsg struct {
	Run  Run
	Done bool
}
