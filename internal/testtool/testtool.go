// Package testtool is what s3crypt's end-to-end tests and benchmarks share:
// finding the external tools they drive (Debian's AWS CLI, openssl, …),
// building the s3crypt binary once per test process, and running
// `s3crypt serve` as a child process that is parsed, stopped or killed.
//
// It is written by hand because the pieces are small and specific: the
// export lines `serve` prints are s3crypt's own format, and no library
// runs a server child process the way a crash test needs it (SIGKILL at an
// arbitrary moment, restart on the same directory).
package testtool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// RequireToolsEnv, set to "1", turns a missing tool into a test failure
// instead of a skip (CI installs every tool first).
const RequireToolsEnv = "S3CRYPT_REQUIRE_TOOLS"

// DebianAWS is the tool name Require resolves to exactly /usr/bin/aws,
// Debian's packaged AWS CLI (v2.9), whatever comes first on PATH.
const DebianAWS = "aws-debian"

// debianAWSPath is where Debian's awscli package installs the CLI.
const debianAWSPath = "/usr/bin/aws"

// aptPackage names the Debian package that provides a tool, when it is
// not the tool's own name.
var aptPackage = map[string]string{
	DebianAWS: "awscli",
	"aws":     "awscli",
	"base64":  "coreutils",
	"sh":      "dash",
}

// Require returns the path of tool, or skips the test (fails it when
// S3CRYPT_REQUIRE_TOOLS=1) with the command that installs it. "aws-debian"
// means exactly /usr/bin/aws; any other name is looked up on PATH.
func Require(t testing.TB, tool string) string {
	t.Helper()
	path, err := lookTool(tool)
	if err == nil {
		return path
	}
	pkg := aptPackage[tool]
	if pkg == "" {
		pkg = tool
	}
	msg := fmt.Sprintf("needs %s: install with apt-get install -y %s", tool, pkg)
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure): %v", msg, RequireToolsEnv, err)
		return ""
	}
	t.Skip(msg)
	return ""
}

// lookTool finds tool as Require describes.
func lookTool(tool string) (string, error) {
	if tool == DebianAWS {
		fi, err := os.Stat(debianAWSPath)
		if err != nil {
			return "", fmt.Errorf("stat %s: %w", debianAWSPath, err)
		}
		if fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s is not an executable file", debianAWSPath)
		}
		return debianAWSPath, nil
	}
	path, err := exec.LookPath(tool)
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", tool, err)
	}
	return path, nil
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// BuildBinary builds the s3crypt binary once per test process and returns
// its path.
func BuildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		removeStaleBuilds()
		dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", buildDirPrefix, os.Getpid())) //nolint:usetesting // one build shared by every test of the process, not one test's
		if err != nil {
			buildErr = fmt.Errorf("make a directory for the test binary: %w", err)
			return
		}
		buildPath, buildErr = Build(dir)
	})
	if buildErr != nil {
		t.Fatalf("build s3crypt: %v", buildErr)
	}
	return buildPath
}

// buildDirPrefix starts the name of each test process's build directory,
// followed by the process id, so later runs can remove what dead ones left.
const buildDirPrefix = "s3crypt-testbin-"

// removeStaleBuilds removes build directories of test processes that are
// no longer running (a test binary cannot remove its own at exit).
func removeStaleBuilds() {
	entries, _ := os.ReadDir(os.TempDir())
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), buildDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(os.TempDir(), e.Name()))
	}
}

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Build runs `go build -o dir/s3crypt github.com/s3crypt/s3crypt` from the
// module root (found with `go env GOMOD` from the working directory) and
// returns the binary's path.
func Build(dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("find the go command: %w", err)
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "s3crypt")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/s3crypt/s3crypt")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", root, err, stderr.String())
	}
	return out, nil
}

// ModuleRoot is the directory of the go.mod that governs the working
// directory.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module (go env GOMOD = %q)", mod)
	}
	return filepath.Dir(mod), nil
}
