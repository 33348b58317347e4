package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/opsconsole/console/ui/common"
)

// maxStateSize bounds the state file read at start.
const maxStateSize = 1 << 20

// allContexts is the favourites' key while every context is shown
// together (:ctx all with more than one context).
const allContexts = "*"

// consoleState is what the interactive console keeps between runs, in
// state.json beside the audit log (docs/ui.md): the favourite namespaces
// (keys 1-9) of each kube context, most recent first.
type consoleState struct {
	FavouriteNamespaces map[string][]string `json:"favourite_namespaces"`
}

// statePathFor is the state file beside the audit log ("" when there is
// no audit log: nothing is kept).
func statePathFor(auditLog string) string {
	if auditLog == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(auditLog), "state.json")
}

// readState reads the state file; a missing file is an empty state.
// Entries that cannot be namespaces (empty, longer than a DNS name) are
// dropped and each list is cut at maxFavourites.
func readState(path string) (consoleState, error) {
	st := consoleState{FavouriteNamespaces: map[string][]string{}}
	if path == "" {
		return st, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("state file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return st, fmt.Errorf("state file %s: %w", path, err)
	}
	if len(data) > maxStateSize {
		return st, fmt.Errorf("state file %s: larger than %d bytes", path, maxStateSize)
	}
	var raw consoleState
	if err := json.Unmarshal(data, &raw); err != nil {
		return st, fmt.Errorf("state file %s: %w", path, err)
	}
	for ctx, nss := range raw.FavouriteNamespaces {
		var keep []string
		for _, ns := range nss {
			if ns != "" && len(ns) <= 253 && len(keep) < maxFavourites {
				keep = append(keep, ns)
			}
		}
		if len(keep) > 0 {
			st.FavouriteNamespaces[ctx] = keep
		}
	}
	return st, nil
}

// saveFavourites records the favourite namespaces of one context in the
// state file: it reads the file again (another console may have saved
// other contexts' since), replaces that context's list and writes the
// file atomically (a temporary file renamed), 0600 in a 0700 directory.
func saveFavourites(path, context string, favs []string) error {
	st, err := readState(path)
	if err != nil {
		st = consoleState{FavouriteNamespaces: map[string][]string{}} // an unreadable file is replaced
	}
	if len(favs) == 0 {
		delete(st.FavouriteNamespaces, context)
	} else {
		st.FavouriteNamespaces[context] = favs
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("state file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	return nil
}

// stateSavedMsg answers a save of the state file.
type stateSavedMsg struct{ err error }

// saveFavouritesCmd saves the favourites of the context shown in a
// tea.Cmd (nil when no state file is kept).
func (m *Model) saveFavouritesCmd() tea.Cmd {
	path := m.d.statePath
	if path == "" {
		return nil
	}
	key := m.favKey()
	favs := append([]string(nil), m.nsFav[key]...)
	return func() tea.Msg { return stateSavedMsg{err: saveFavourites(path, key, favs)} }
}

// handleStateSaved shows a save that failed.
func (m *Model) handleStateSaved(msg tea.Msg) bool {
	s, ok := msg.(stateSavedMsg)
	if !ok {
		return false
	}
	if s.err != nil {
		m.setMsg("favourite namespaces not saved: "+common.ErrText(s.err), true)
	}
	return true
}
