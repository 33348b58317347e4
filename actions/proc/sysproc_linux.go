package proc

import "syscall"

// sysProcAttr puts the child in its own process group (so cancel reaches
// its children too) and kills it if the console itself dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
