//go:build !linux

package db

import (
	"fmt"
	"runtime"
)

// statFS is implemented on Linux only: elsewhere members report no volumes.
func statFS(path string) (fsInfo, error) {
	return fsInfo{}, fmt.Errorf("statfs %s: volumes are read on Linux only, not %s", path, runtime.GOOS)
}
