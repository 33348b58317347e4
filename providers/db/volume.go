package db

import (
	"context"
	"errors"
	"net"
	"path/filepath"

	"github.com/opsconsole/console/providers"
)

// errNotLocal is why a member's volumes are not read: the console reads
// a data directory's filesystem (statfs) only for a member that runs on
// its own machine.
var errNotLocal = errors.New("the member does not run on this machine")

// localHost reports whether host names this machine: a loopback address,
// "localhost", or an address of one of its interfaces.
func localHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// dirVolume is one directory of a member and the role it plays.
type dirVolume struct {
	mount, path string
}

// localVolumes reads the filesystem of each directory of the member at
// addr: the first is its data (/data); the others (/journal, /logs) are
// reported only when they are on a filesystem of their own. Directories
// that cannot be read are skipped.
func localVolumes(ctx context.Context, addr string, dirs []dirVolume) ([]providers.Volume, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if !localHost(host) {
		return nil, errNotLocal
	}
	var out []providers.Volume
	var dataDev uint64
	for i, d := range dirs {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if d.path == "" {
			continue
		}
		path, err := filepath.EvalSymlinks(d.path)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		fs, err := statFS(path)
		if err != nil {
			if i == 0 {
				return nil, err
			}
			continue
		}
		if i == 0 {
			dataDev = fs.dev
		} else if fs.dev == dataDev {
			continue // on the data volume: not a volume of its own
		}
		out = append(out, providers.Volume{Mount: d.mount, Path: path, Class: fs.class,
			SizeGiB: gib(fs.size), UsedGiB: gib(fs.used), UsageKnown: true})
	}
	return out, nil
}

// fsInfo is what statfs says of the filesystem a path is on.
type fsInfo struct {
	// dev identifies the filesystem (the device of the path).
	dev uint64
	// class is the filesystem's type (ext4, xfs, overlay...).
	class string
	// size is its size in bytes; used is size minus what an unprivileged
	// user may still write (as df counts reserved blocks: used).
	size, used uint64
}

func gib(b uint64) float64 { return float64(b) / (1 << 30) }
