//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package sandbox

import "errors"

// dirHeld cannot tell here: Start serves in-process (or attaches) as
// without Options.Child.
func dirHeld(string) (bool, error) {
	return false, errors.New("no child sandbox process on this platform")
}
