//go:build !linux

package analyzer

import "time"

// threadCPU is unavailable off Linux; the CPU ratio metric is then omitted.
func threadCPU() time.Duration { return 0 }
