package db

import (
	"fmt"
	"os"
	"syscall"
)

// fsTypes names the statfs magic numbers of common filesystems
// (linux/magic.h).
var fsTypes = map[int64]string{
	0xEF53:     "ext4",
	0x58465342: "xfs",
	0x9123683E: "btrfs",
	0x01021994: "tmpfs",
	0x794C7630: "overlay",
	0x2FC12FC1: "zfs",
	0x6969:     "nfs",
	0xFF534D42: "cifs",
	0x65735546: "fuse",
	0xF2F52010: "f2fs",
}

// statFS reads the filesystem path is on.
func statFS(path string) (fsInfo, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return fsInfo{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fsInfo{}, err
	}
	var dev uint64
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev = s.Dev
	}
	class, ok := fsTypes[int64(st.Type)]
	if !ok {
		class = fmt.Sprintf("fs 0x%x", st.Type)
	}
	bs := uint64(st.Bsize)
	size := st.Blocks * bs
	avail := st.Bavail * bs
	return fsInfo{dev: dev, class: class, size: size, used: size - min(avail, size)}, nil
}
