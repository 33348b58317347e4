//go:build !linux

package proc

import "syscall"

// sysProcAttr puts the child in its own process group (so cancel reaches
// its children too). Pdeathsig exists only on Linux.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
