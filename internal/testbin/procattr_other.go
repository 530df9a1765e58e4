//go:build !linux

package testbin

import "syscall"

// ChildAttrs is nil where Pdeathsig does not exist (see procattr_linux.go).
func ChildAttrs() *syscall.SysProcAttr { return nil }
