package vhs

import (
	"flag"
	"os"
	"testing"
)

// tapeParallel is how many tests of this package run at once unless
// -parallel says otherwise: a replay mostly waits (for the program under
// test, the shell, the aws CLI), so more tapes than cores overlap well;
// each tape's Wait timeouts are doubled (TimeoutScale) for a loaded
// machine.
const tapeParallel = "4"

// TestMain raises the package's default -parallel to tapeParallel (the
// testing package reads the flag when m.Run starts the tests).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", tapeParallel); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	if freshDir.dir != "" {
		_ = os.RemoveAll(freshDir.dir)
	}
	os.Exit(code)
}
