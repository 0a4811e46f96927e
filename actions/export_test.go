package actions

import "testing"

// SetVersionPageSize makes the version listing ask for pages of n until
// the test ends, so a few versions span pages (and one key's versions
// span a page boundary).
func SetVersionPageSize(t *testing.T, n int32) {
	old := versionPageSize
	versionPageSize = n
	t.Cleanup(func() { versionPageSize = old })
}
