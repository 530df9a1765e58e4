package stress

import "syscall"

// childAttrs kills a server the test started if the test process dies
// first (a timeout, a signal), so no orphan keeps running.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
