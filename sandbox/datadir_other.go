//go:build !unix

package sandbox

// checkDataDir is a no-op where Unix ownership and modes do not apply.
func checkDataDir(string) error { return nil }
