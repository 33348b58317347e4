//go:build !linux

package proc

import "syscall"

const guardSupported = false

// sysProcAttr puts the child in its own process group (so cancel reaches
// its children too). Pdeathsig exists only on Linux.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func guardProcAttr(pgid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
}
