//go:build !linux

package stress

import "syscall"

func childAttrs() *syscall.SysProcAttr { return nil }
