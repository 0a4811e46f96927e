// Package layering holds the test that keeps s3crypt's layers apart: the
// screen talks to AWS and to the sandbox only through the action core, and
// the action core reaches the sandbox only through the neutral keyflow
// vocabulary (keyflow.Region), never by importing it.
package layering

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/s3crypt/s3crypt"

// rule forbids packages matching pkg to import what forbidden matches.
type rule struct {
	pkg       string // package path prefix
	forbidden []string
	why       string
}

var rules = []rule{
	{module + "/ui", []string{"github.com/aws/", module + "/sandbox"},
		"the UI goes through actions only (and keyflow for the vocabulary)"},
	{module + "/actions", []string{module + "/sandbox"},
		"actions observes a local region through keyflow.Region, not the sandbox's packages"},
}

// imports runs go list for patterns and returns each package's direct
// imports (test files' too when tests is set).
func imports(t *testing.T, tests bool, patterns ...string) map[string][]string {
	t.Helper()
	format := `{{.ImportPath}} {{join .Imports " "}}`
	if tests {
		format = `{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}`
	}
	cmd := exec.Command("go", append([]string{"list", "-deps=false", "-f", format}, patterns...)...)
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	return pkgs
}

// violations lists "pkg imports imp" for every import a rule forbids.
func violations(pkgs map[string][]string) []string {
	var bad []string
	for pkg, imps := range pkgs {
		for _, r := range rules {
			if pkg != r.pkg && !strings.HasPrefix(pkg, r.pkg+"/") {
				continue
			}
			for _, imp := range imps {
				for _, f := range r.forbidden {
					if imp == f || strings.HasPrefix(imp, strings.TrimSuffix(f, "/")+"/") {
						bad = append(bad, pkg+" imports "+imp+": "+r.why)
					}
				}
			}
		}
	}
	return bad
}

// TestLayers: ./ui/... imports no github.com/aws/ package and nothing
// under sandbox/; ./actions/... imports nothing under sandbox/.
func TestLayers(t *testing.T) {
	pkgs := imports(t, false, "./ui/...", "./actions/...")
	for _, want := range []string{module + "/ui", module + "/actions"} {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list did not list %s: %v", want, pkgs)
		}
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
	// The UI's tests fake data through ui.Data and run the real thing
	// through awsclient: they need neither the SDK nor the sandbox either.
	for _, v := range violations(imports(t, true, "./ui/...")) {
		t.Error("test: " + v)
	}
}

// TestViolationsFindsForbiddenImports: the check itself can fail.
func TestViolationsFindsForbiddenImports(t *testing.T) {
	got := violations(map[string][]string{
		module + "/ui":        {"context", module + "/actions", "github.com/aws/aws-sdk-go-v2/service/kms"},
		module + "/ui/styles": {module + "/sandbox/trace"},
		module + "/actions":   {"github.com/aws/aws-sdk-go-v2/service/s3", module + "/sandbox", module + "/keyflow"},
		module + "/uikit":     {"github.com/aws/aws-sdk-go-v2/aws"}, // not under ui/
		module + "/cli":       {module + "/sandbox"},
	})
	if len(got) != 3 {
		t.Fatalf("violations %q, want ui→kms, ui/styles→sandbox/trace, actions→sandbox", got)
	}
}
