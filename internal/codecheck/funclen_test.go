package codecheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the most lines a function body may have (between its
// braces); a longer one is split into named steps.
const maxFuncLines = 100

// moduleRoot is the directory of go.mod, above the test's own directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// longFunc is a function whose body is too long.
type longFunc struct {
	line  int
	name  string // "func literal" for one
	lines int
}

func (l longFunc) String() string { return fmt.Sprintf("%d: %s (%d lines)", l.line, l.name, l.lines) }

// longFuncs lists the functions and function literals of the Go file at
// path whose bodies have more than max lines.
func longFuncs(fset *token.FileSet, path string, max int) ([]longFunc, error) {
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []longFunc
	ast.Inspect(f, func(n ast.Node) bool {
		var body *ast.BlockStmt
		name := "func literal"
		switch fn := n.(type) {
		case *ast.FuncDecl:
			body, name = fn.Body, fn.Name.Name
		case *ast.FuncLit:
			body = fn.Body
		}
		if body == nil {
			return true
		}
		open, end := fset.Position(body.Lbrace), fset.Position(body.Rbrace)
		if lines := end.Line - open.Line - 1; lines > max {
			out = append(out, longFunc{line: open.Line, name: name, lines: lines})
		}
		return true
	})
	return out, nil
}

// TestNoLongFunctions fails for any function of the repository (tests
// included, generated templ code excluded) longer than maxFuncLines.
func TestNoLongFunctions(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "vendor" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_templ.go") {
			return nil
		}
		files++
		long, err := longFuncs(fset, path, maxFuncLines)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, l := range long {
			t.Errorf("%s:%s: longer than %d lines; split it into named steps", rel, l, maxFuncLines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files found under %s: is the walk looking at the repository?", files, root)
	}
}

// TestLongFuncsFindsALongOne checks the checker itself on a file with one
// function just over the limit and one at it.
func TestLongFuncsFindsALongOne(t *testing.T) {
	t.Parallel()
	body := func(name string, lines int) string {
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 1\n", lines) + "}\n"
	}
	src := "package x\n\n" + body("atLimit", maxFuncLines) + body("over", maxFuncLines+1) +
		"var f = func() {\n" + strings.Repeat("\t_ = 1\n", maxFuncLines+2) + "}\n"
	path := filepath.Join(t.TempDir(), "x.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	long, err := longFuncs(token.NewFileSet(), path, maxFuncLines)
	if err != nil {
		t.Fatal(err)
	}
	want := []longFunc{{line: 2 + maxFuncLines + 2 + 1, name: "over", lines: maxFuncLines + 1},
		{line: 2 + maxFuncLines + 2 + maxFuncLines + 1 + 2 + 1, name: "func literal", lines: maxFuncLines + 2}}
	if fmt.Sprint(long) != fmt.Sprint(want) {
		t.Errorf("long functions = %v, want %v", long, want)
	}
}
