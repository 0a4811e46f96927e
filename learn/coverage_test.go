package learn_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s3crypt/s3crypt/internal/testtool"
	"github.com/s3crypt/s3crypt/learn"
)

// blogCommands returns every command block of the blog post: a line that
// starts with "aws ", with the lines it continues onto (a trailing
// backslash, or an open single quote), whitespace collapsed.
func blogCommands(text string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "aws ") {
			continue
		}
		block := []string{lines[i]}
		for i+1 < len(lines) {
			joined := strings.Join(block, "\n")
			last := strings.TrimSpace(block[len(block)-1])
			if !strings.HasSuffix(last, `\`) && strings.Count(joined, "'")%2 == 0 {
				break
			}
			i++
			block = append(block, lines[i])
		}
		out = append(out, strings.Join(strings.Fields(strings.Join(block, " ")), " "))
	}
	return out
}

// errata are SSE-SPEC.md §5.13's numbered items (the spec sits beside the
// blog post in ../shared, outside the module).
var errata = []string{"5.13.1", "5.13.2", "5.13.3", "5.13.4"}

// TestCoverage: every command block of the blog post and every §5.13
// erratum maps to at least one lesson step (the steps' covers lists are
// the mapping), and every blog entry a step names is a real block.
func TestCoverage(t *testing.T) {
	root, err := testtool.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "..", "shared", "seed-s3-encryption-blog.txt"))
	if err != nil {
		t.Fatalf("the blog post belongs at ../shared beside the module: %v", err)
	}
	blocks := blogCommands(string(data))
	if len(blocks) < 14 {
		t.Fatalf("found %d command blocks in the blog post, want 14 or more: %q", len(blocks), blocks)
	}
	covered := map[string][]string{}
	for _, l := range learn.Lessons() {
		for i, s := range l.Steps {
			for _, c := range s.Covers {
				covered[c] = append(covered[c], l.ID+" step "+string(rune('0'+i+1)))
			}
		}
	}
	isBlock := map[string]bool{}
	for _, b := range blocks {
		isBlock[b] = true
		if len(covered["blog: "+b]) == 0 {
			t.Errorf("no lesson step covers the blog post's command:\n  blog: %s", b)
		}
	}
	for c := range covered {
		if b, ok := strings.CutPrefix(c, "blog: "); ok && !isBlock[b] {
			t.Errorf("a step covers %q, which is not a command block of the blog post", b)
		}
	}
	for _, e := range errata {
		if len(covered["erratum: "+e]) == 0 {
			t.Errorf("no lesson step teaches SSE-SPEC §%s", e)
		}
	}
	// The lessons LESSONS.md lists, 1 to 16, all present, none coming.
	for n := 1; n <= 16; n++ {
		l, ok := learn.Find(string(rune('0'+n/10)) + string(rune('0'+n%10)))
		if !ok {
			t.Errorf("no lesson %d", n)
			continue
		}
		if l.Coming {
			t.Errorf("lesson %d is still coming", n)
		}
	}
}
