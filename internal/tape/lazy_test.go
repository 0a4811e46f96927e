package tape

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoRegexpCompiledAtInit: every s3crypt process links this package,
// so no package-level variable may compile a regexp when it is
// initialised (that cost ~1.8 ms at every start); they compile on first
// use (lazyRegexp, sync.OnceValue). Every lazy one compiles.
func TestNoRegexpCompiledAtInit(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			ast.Inspect(g, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false // runs when called, not at init
				}
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "regexp" && strings.Contains(sel.Sel.Name, "Compile") {
						t.Errorf("%s: a package variable calls regexp.%s at init; use lazyRegexp", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
	if len(lazyRegexps) < 19 {
		t.Errorf("only %d lazy expressions registered", len(lazyRegexps))
	}
	for _, re := range lazyRegexps {
		_ = re() // MustCompile panics on a bad expression
	}
	if len(normalizers()) == 0 {
		t.Error("no normalizers")
	}
}
