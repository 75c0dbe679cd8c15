//go:build !linux

package main

import "os/exec"

// dieWithParent is Linux-only; elsewhere a test killed by its -timeout may
// leave its children running.
func dieWithParent(cmd *exec.Cmd) {}
