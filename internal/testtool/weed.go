package testtool

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// WeedEnv names the SeaweedFS `weed` binary the engine tests run; .ci/run
// sets it to what e2e/engines/build-weed.sh built.
const WeedEnv = "S3CRYPT_WEED"

// RequireWeed returns the SeaweedFS `weed` binary: $S3CRYPT_WEED, else the
// newest one build-weed.sh left in its cache
// ($XDG_CACHE_HOME/s3crypt-ci/weed-VERSION/weed), else it skips the test
// (fails it when S3CRYPT_REQUIRE_TOOLS=1) saying how to build one.
func RequireWeed(t testing.TB) string {
	t.Helper()
	path, err := findWeed()
	if err == nil {
		return path
	}
	msg := "needs SeaweedFS's weed: run e2e/engines/build-weed.sh (it builds and caches it, minutes) or set " + WeedEnv
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure): %v", msg, RequireToolsEnv, err)
		return ""
	}
	t.Skip(msg)
	return ""
}

func findWeed() (string, error) {
	if p := os.Getenv(WeedEnv); p != "" {
		if !executable(p) {
			return "", fmt.Errorf("%s=%s is not an executable file", WeedEnv, p)
		}
		return p, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory: %w", err)
		}
		cache = filepath.Join(home, ".cache")
	}
	found, _ := filepath.Glob(filepath.Join(cache, "s3crypt-ci", "weed-*", "weed"))
	sort.Slice(found, func(i, j int) bool { return modTime(found[i]) > modTime(found[j]) })
	for _, p := range found {
		if executable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s and no weed under %s", WeedEnv, filepath.Join(cache, "s3crypt-ci"))
}

// executable reports whether p is an executable file.
func executable(p string) bool {
	fi, err := os.Stat(p) //nolint:gosec // the weed binary the person (or .ci/run) named, or the build script's cache
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func modTime(p string) int64 {
	fi, err := os.Stat(p) //nolint:gosec // as in executable
	if err != nil {
		return 0
	}
	return fi.ModTime().UnixNano()
}
