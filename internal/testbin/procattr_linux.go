package testbin

import "syscall"

// ChildAttrs kills a server a test started if the test process dies first
// (a timeout, a signal), so no orphan keeps running.
func ChildAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
