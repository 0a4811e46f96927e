package ui

import (
	"os/exec"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// mdPlain is src rendered in w cells, without its escape sequences.
func mdPlain(t *testing.T, src string, w int) string {
	t.Helper()
	out := renderMarkdown(styles.New(true).Markdown, src, w)
	for i, l := range strings.Split(out, "\n") {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, lw, w, ansi.Strip(l))
		}
	}
	return ansi.Strip(out)
}

func TestMarkdownBlocks(t *testing.T) {
	src := "# Title\n\nSome **bold** and *italic* text with `inline code`.\n\n" +
		"- one\n- two **strong**: done\n\n" +
		"1. first\n2. second\n\n" +
		"> quoted *words*\n\n" +
		"```\nline one\n\tindented\n```\n\n" +
		"A [link](https://example.com/x) and <https://example.com/y>.\n\n---\n\nend  \nbreak\n\n" +
		"a `code span\nover two lines` ends"
	want := strings.Join([]string{
		"Title",
		"",
		"Some bold and italic text with inline code.",
		"",
		"• one",
		"• two strong: done",
		"",
		"1. first",
		"2. second",
		"",
		"│ quoted words",
		"",
		"  line one",
		"      indented",
		"",
		"A link (https://example.com/x) and https://example.com/y.",
		"",
		strings.Repeat("─", 40),
		"",
		"end",
		"break",
		"",
		"a code span over two lines ends",
	}, "\n")
	if got := mdPlain(t, src, 60); got != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
}

func TestMarkdownWrapsInCells(t *testing.T) {
	src := "- KMS made a random 256-bit **data key** and returned it twice: in plaintext (to encrypt your data, then wipe)\n" +
		"- a_word_far_wider_than_the_line_is_cut_at_the_edge_of_the_pane and the rest\n\n" +
		"Keep only the `CiphertextBlob`: decode it straight into memory (ﾃｽﾄ 文字 wide cells)."
	got := mdPlain(t, src, 24)
	want := strings.Join([]string{
		"• KMS made a random",
		"  256-bit data key and",
		"  returned it twice: in",
		"  plaintext (to encrypt",
		"  your data, then wipe)",
		"• a_word_far_wider_than_",
		"  the_line_is_cut_at_the",
		"  _edge_of_the_pane and",
		"  the rest",
		"",
		"Keep only the",
		"CiphertextBlob: decode",
		"it straight into memory",
		"(ﾃｽﾄ 文字 wide cells).",
	}, "\n")
	if got != want {
		t.Errorf("rendered:\n%s\nwant:\n%s", got, want)
	}
}

func TestMarkdownStyles(t *testing.T) {
	st := styles.New(true).Markdown
	out := renderMarkdown(st, "plain **bold** `code` [link](https://x.example)", 80)
	for _, want := range []string{
		st.Strong.Inherit(st.Text).Render("bold"),
		st.Code.Inherit(st.Text).Render("code"),
		st.Link.Inherit(st.Text).Render("link"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%q does not hold %q", out, want)
		}
	}
	// A span's style does not reach past its line: each line ends reset.
	out = renderMarkdown(st, "**a bold phrase long enough to wrap over lines**", 12)
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasSuffix(l, "\x1b[m") {
			t.Errorf("line %q does not end with a reset", l)
		}
	}
}

// TestNoGlamourAtStartup keeps out of the binary the packages that made
// every s3crypt process pay ~35 ms of initialisation before main (chroma's
// lexers and styles, bluemonday's CSS tables, goldmark's extensions):
// lesson markdown is rendered by markdown.go.
func TestNoGlamourAtStartup(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go tool to list the binary's packages")
	}
	cmd := exec.Command(goTool, "list", "-deps", ".")
	cmd.Dir = ".." // the module root: the s3crypt binary's packages
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, heavy := range []string{"charm.land/glamour/", "github.com/alecthomas/chroma/", "github.com/microcosm-cc/bluemonday", "github.com/yuin/goldmark/extension"} {
			if strings.HasPrefix(pkg+"/", heavy) {
				t.Errorf("s3crypt links %s: its package initialisation runs in every process", pkg)
			}
		}
	}
}
