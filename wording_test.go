package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The blog post s3crypt grew from is "the blog post" to a user, never "the
// seed": no string a user can see (every string literal outside tests)
// says so.
func TestNoSeedInUserText(t *testing.T) {
	seed := regexp.MustCompile(`(?i)\bseed\b`)
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "e2e" || d.Name() == "bench") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		n++
		ast.Inspect(f, func(node ast.Node) bool {
			if lit, ok := node.(*ast.BasicLit); ok && lit.Kind == token.STRING && seed.MatchString(lit.Value) {
				t.Errorf("%s: %s says \"seed\" to a user: say \"the blog post\" or name its topic", fset.Position(lit.Pos()), lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil || n < 50 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}

// A client-side object's label names its S3EC format ("S3EC V3", "client-
// side, S3EC format V3 (key-committing)…"), never a bare "client-side v3"
// or an "S3 Encryption Client v3" that reads as the client's version
// (official Go v3 writes format V2, v4 writes V3): no user-visible string,
// README line or tape says so.
func TestClientSideLabelsNameTheFormat(t *testing.T) {
	stale := regexp.MustCompile(`(?i)client-side v[0-9]\b|Encryption Client v[0-9] (format|envelope)|Encryption Client v3\)|client-side %s\b`)
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "interop") {
			return filepath.SkipDir
		}
		switch {
		case d.IsDir() || strings.HasSuffix(path, "_test.go"):
		case strings.HasSuffix(path, ".go"):
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			n++
			ast.Inspect(f, func(node ast.Node) bool {
				if lit, ok := node.(*ast.BasicLit); ok && lit.Kind == token.STRING && stale.MatchString(lit.Value) {
					t.Errorf("%s: %s: name the S3EC format (S3EC V3, format V2), not a client version", fset.Position(lit.Pos()), lit.Value)
				}
				return true
			})
		case strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".tape"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(b), "\n") {
				if stale.MatchString(line) {
					t.Errorf("%s:%d: %q: name the S3EC format, not a client version", path, i+1, line)
				}
			}
		}
		return nil
	})
	if err != nil || n < 50 {
		t.Fatalf("walked %d Go files: %v", n, err)
	}
}
