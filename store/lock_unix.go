//go:build unix

package store

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has pid. Signal 0 checks for the
// process without touching it; EPERM means it exists under another user.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
