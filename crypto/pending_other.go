//go:build !linux

package crypto

import (
	"errors"
	"os"
)

// errNoAnonymous: only Linux has O_TMPFILE; elsewhere pending plaintext
// goes to a hidden 0600 file.
var errNoAnonymous = errors.New("anonymous files not supported here")

func openAnonymous(string) (*os.File, error) { return nil, errNoAnonymous }

func linkAnonymous(*os.File, string) error { return errNoAnonymous }
