package egovbench

import "errors"

// Sentinel errors shared by the packages. Wrap them with context; test with errors.Is.
var (
	// ErrInvalid marks input that breaks a documented rule (a targets file, a config, a flag).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound marks a lookup of something that is not stored.
	ErrNotFound = errors.New("not found")
	// ErrLocked marks a database already held by another egovbench daemon.
	ErrLocked = errors.New("database locked by another process")
	// ErrPrivateAddress marks a host that resolves to a private, loopback or
	// link-local address while such addresses are not allowed.
	ErrPrivateAddress = errors.New("private address refused")
)
