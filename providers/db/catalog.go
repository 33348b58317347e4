package db

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/opsconsole/console/providers"
)

// catalog is the directory the console owns for one database's backups:
// DIR/backups/NAME/ID/ holds the engine's files and backup.json (the
// providers.Backup as listed). Directories are created 0700.
type catalog struct {
	dir string // DIR/backups/NAME
}

// metaFile is the description of one backup, next to its files.
const metaFile = "backup.json"

func newCatalog(root, name string) catalog {
	return catalog{dir: filepath.Join(root, "backups", name)}
}

// create makes the directory of a new backup taken at t and returns its
// id and path.
func (c catalog) create(t time.Time) (string, string, error) {
	id := t.UTC().Format("20060102T150405.000Z")
	path := filepath.Join(c.dir, id)
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return "", "", fmt.Errorf("backup directory: %w", err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		return "", "", fmt.Errorf("backup directory: %w", err)
	}
	return id, path, nil
}

// save records a finished backup: its size is the size of the files in
// its directory.
func (c catalog) save(b providers.Backup) (providers.Backup, error) {
	path := filepath.Join(c.dir, b.ID)
	size, err := dirSize(path)
	if err != nil {
		return b, err
	}
	b.SizeMiB = float64(size) / (1 << 20)
	b.Location = path
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return b, err
	}
	if err := os.WriteFile(filepath.Join(path, metaFile), data, 0o600); err != nil {
		return b, fmt.Errorf("record backup %s: %w", b.ID, err)
	}
	return b, nil
}

// list returns the recorded backups, newest first. Directories without a
// readable backup.json (an interrupted backup) are skipped.
func (c catalog) list() ([]providers.Backup, error) {
	entries, err := os.ReadDir(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []providers.Backup
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(c.dir, e.Name(), metaFile))
		if err != nil {
			continue
		}
		var b providers.Backup
		if json.Unmarshal(data, &b) == nil && b.ID == e.Name() {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b providers.Backup) int { return b.Time.Compare(a.Time) })
	return out, nil
}

// find returns the backup id, or the newest one when id is empty.
func (c catalog) find(id string) (providers.Backup, error) {
	bs, err := c.list()
	if err != nil {
		return providers.Backup{}, err
	}
	if id == "" {
		if len(bs) == 0 {
			return providers.Backup{}, fmt.Errorf("no backup in %s", c.dir)
		}
		return bs[0], nil
	}
	i := slices.IndexFunc(bs, func(b providers.Backup) bool { return b.ID == id })
	if i < 0 {
		return providers.Backup{}, fmt.Errorf("no backup %q in %s", id, c.dir)
	}
	return bs[i], nil
}

// walArchiveDir is the directory the console owns for the WAL archive of
// database name (PostgreSQL archive_command copies segments there):
// DIR/wal/NAME.
func walArchiveDir(root, name string) string {
	return filepath.Join(root, "wal", name)
}

// restoreDir makes a new directory for an instance of database name
// restored now: DIR/restores/TARGET when a target is named (an error when
// it exists), else DIR/restores/NAME-restore-YYYYMMDDTHHMMSS (-2, -3...
// when taken). Its base name is the restored instance's name.
func restoreDir(root, name, target string) (string, error) {
	base := filepath.Join(root, "restores")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", fmt.Errorf("restore directory: %w", err)
	}
	if target != "" {
		path := filepath.Join(base, target)
		if err := os.Mkdir(path, 0o700); err != nil {
			return "", fmt.Errorf("restore directory of %s: %w", target, err)
		}
		return path, nil
	}
	stem := filepath.Join(base, name+"-restore-"+time.Now().UTC().Format("20060102T150405"))
	for n := 1; ; n++ {
		path := stem
		if n > 1 {
			path = fmt.Sprintf("%s-%d", stem, n)
		}
		err := os.Mkdir(path, 0o700)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) || n >= 100 {
			return "", fmt.Errorf("restore directory: %w", err)
		}
	}
}

func dirSize(path string) (int64, error) {
	var n int64
	err := filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", path, err)
	}
	return n, nil
}
