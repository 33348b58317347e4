package proc

import "syscall"

const guardSupported = true

// sysProcAttr puts the child in its own process group (so cancel reaches
// its children too). With a guard (EnableGuard) the guard stops the whole
// group when the console dies; without one the child is killed then
// (Pdeathsig), as the last resort.
func sysProcAttr() *syscall.SysProcAttr {
	if guardExe.Load() != nil {
		return &syscall.SysProcAttr{Setpgid: true}
	}
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// guardProcAttr puts the guard in the child's group, signalled when the
// console dies.
func guardProcAttr(pgid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pgid: pgid, Pdeathsig: guardSignal}
}
