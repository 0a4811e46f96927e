package ui

// Lesson text is markdown, parsed here with goldmark's CommonMark parser
// and drawn by the small renderer below with the UI's own Lip Gloss
// styles (styles.Markdown). It replaced glamour, which renders the same
// text but whose dependencies (chroma's lexers and styles for syntax
// highlighting, bluemonday and its CSS tables, goldmark's extensions) run
// ~35 ms of package initialisation in every s3crypt process: `s3crypt
// --help`, the CLI verbs, the UI before its first frame, and the UI's
// helper processes (`s3crypt worker`, `s3crypt serve`) all paid it, and
// none but the Learn view renders markdown. Lessons need no syntax
// highlighting, tables or HTML; what they use (headings, paragraphs,
// emphasis, inline code, code blocks, lists, block quotes, links, rules)
// is drawn here and word-wrapped to the pane's width in cells. The parser
// is built on the first render, not at start-up (bench/tui.sh has the
// figures).

import (
	"strconv"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"github.com/s3crypt/s3crypt/ui/styles"
)

// markdown renders lesson text for the terminal, keeping the last
// renderings: a frame redraws the same text at the same width.
type markdown struct {
	cache map[mdKey]string
}

type mdKey struct {
	text string
	w    int
	dark bool
}

// render is text rendered in w cells with st, without leading and
// trailing blank lines.
func (md *markdown) render(st styles.Markdown, dark bool, text string, w int) string {
	k := mdKey{text, w, dark}
	if s, ok := md.cache[k]; ok {
		return s
	}
	if md.cache == nil || len(md.cache) > 64 {
		md.cache = map[mdKey]string{}
	}
	out := renderMarkdown(st, text, max(w, 8))
	md.cache[k] = out
	return out
}

// mdParser is goldmark's CommonMark parser, built on first use.
var mdParser = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
})

// renderMarkdown is src drawn in w cells.
func renderMarkdown(st styles.Markdown, src string, w int) string {
	b := []byte(src)
	doc := mdParser().Parse(text.NewReader(b))
	r := &mdRenderer{st: st, src: b, styles: map[mdFlags]lipgloss.Style{}}
	lines := r.blocks(doc, w)
	return trimBlankLines(strings.Join(lines, "\n"))
}

// mdFlags is how an inline run is styled: the styles of every span it is
// inside, combined.
type mdFlags uint8

const (
	mdStrong mdFlags = 1 << iota
	mdEmph
	mdCode
	mdLink
	mdHeading
	mdQuote
)

// mdRenderer draws one document.
type mdRenderer struct {
	st     styles.Markdown
	src    []byte
	styles map[mdFlags]lipgloss.Style
	base   mdFlags // the flags of every run (inside a block quote)
}

// style is the Lip Gloss style of runs with flags f: each span's own
// properties over the text's.
func (r *mdRenderer) style(f mdFlags) lipgloss.Style {
	if s, ok := r.styles[f]; ok {
		return s
	}
	s := r.st.Text
	for _, x := range []struct {
		flag  mdFlags
		style lipgloss.Style
	}{{mdQuote, r.st.Quote}, {mdHeading, r.st.Heading}, {mdLink, r.st.Link}, {mdCode, r.st.Code}, {mdStrong, r.st.Strong}, {mdEmph, r.st.Emph}} {
		if f&x.flag != 0 {
			s = x.style.Inherit(s)
		}
	}
	r.styles[f] = s
	return s
}

// blocks draws the block children of n in w cells, a blank line between
// blocks (none between the items of a tight list's paragraphs).
func (r *mdRenderer) blocks(n ast.Node, w int) []string {
	var out []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lines := r.block(c, w)
		if len(lines) == 0 {
			continue
		}
		_, tight := c.(*ast.TextBlock)
		if len(out) > 0 && !tight {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	return out
}

// block draws one block node in w cells.
func (r *mdRenderer) block(n ast.Node, w int) []string {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		return r.inlines(n, 0, w)
	case *ast.Heading:
		return r.inlines(n, mdHeading, w)
	case *ast.List:
		return r.list(n, w)
	case *ast.Blockquote:
		bar := r.st.QuoteBar.Render("│ ")
		base := r.base
		r.base |= mdQuote
		inner := r.blocks(n, max(w-2, 4))
		r.base = base
		for i, l := range inner {
			inner[i] = bar + l
		}
		return inner
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return r.code(n, w)
	case *ast.ThematicBreak:
		return []string{r.st.Rule.Render(strings.Repeat("─", min(w, 40)))}
	case *ast.HTMLBlock:
		return r.raw(n, w)
	}
	if n.HasChildren() {
		return r.blocks(n, w)
	}
	return r.raw(n, w)
}

// list draws a list's items, each behind its marker ("•", or its number),
// continuation lines indented under the item's text.
func (r *mdRenderer) list(n *ast.List, w int) []string {
	var out []string
	num := n.Start
	for item := n.FirstChild(); item != nil; item = item.NextSibling() {
		mark := "• "
		if n.IsOrdered() {
			mark = strconv.Itoa(num) + string(n.Marker) + " "
			num++
		}
		mw := lipgloss.Width(mark)
		lines := r.blocks(item, max(w-mw, 4))
		if len(lines) == 0 {
			lines = []string{""}
		}
		if len(out) > 0 && !n.IsTight {
			out = append(out, "")
		}
		pad := strings.Repeat(" ", mw)
		for i, l := range lines {
			switch {
			case i == 0:
				out = append(out, r.st.ListMark.Render(mark)+l)
			case l != "":
				out = append(out, pad+l)
			default:
				out = append(out, "")
			}
		}
	}
	return out
}

// code draws a code block as it is written (no highlighting), indented by
// two cells; a line wider than that is broken.
func (r *mdRenderer) code(n ast.Node, w int) []string {
	cw := max(w-2, 4)
	var out []string
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		l := strings.TrimRight(strings.ReplaceAll(string(seg.Value(r.src)), "\t", "    "), "\r\n")
		for _, part := range strings.Split(ansi.Hardwrap(l, cw, true), "\n") {
			out = append(out, "  "+r.st.CodeBlock.Render(part))
		}
	}
	return out
}

// raw draws a node's source lines as plain wrapped text.
func (r *mdRenderer) raw(n ast.Node, w int) []string {
	var b strings.Builder
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		b.Write(seg.Value(r.src))
	}
	s := strings.TrimRight(b.String(), "\n")
	if s == "" {
		return nil
	}
	out := strings.Split(wrap(s, w), "\n")
	for i, l := range out {
		out[i] = r.st.Text.Render(l)
	}
	return out
}

// mdWord is a piece of inline text with no space in it, or a hard break.
type mdWord struct {
	text  string
	flags mdFlags
	glue  bool // no space before it: it continues the previous word ("**key**:")
	br    bool // a hard line break (the word is empty)
}

// inlines draws n's inline children, word-wrapped in w cells.
func (r *mdRenderer) inlines(n ast.Node, flags mdFlags, w int) []string {
	var words []mdWord
	space := true // the next word starts after a space
	add := func(s string, f mdFlags) {
		s = strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ").Replace(s) // a code span's line ends are spaces
		for i, field := range strings.Split(s, " ") {
			if i > 0 {
				space = true
			}
			if field == "" {
				continue
			}
			words = append(words, mdWord{text: field, flags: f, glue: !space})
			space = false
		}
	}
	var walk func(n ast.Node, f mdFlags)
	walk = func(n ast.Node, f mdFlags) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				add(string(c.Segment.Value(r.src)), f)
				switch {
				case c.HardLineBreak():
					words = append(words, mdWord{br: true})
					space = true
				case c.SoftLineBreak():
					space = true
				}
			case *ast.String:
				add(string(c.Value), f)
			case *ast.CodeSpan:
				var b strings.Builder
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if s, ok := t.(*ast.Text); ok {
						b.Write(s.Segment.Value(r.src))
					}
				}
				add(b.String(), f|mdCode)
			case *ast.Emphasis:
				if c.Level >= 2 {
					walk(c, f|mdStrong)
				} else {
					walk(c, f|mdEmph)
				}
			case *ast.Link:
				before := len(words)
				walk(c, f|mdLink)
				dest := string(c.Destination)
				if dest != "" && !linkTextIs(words[before:], dest) {
					add(" ("+dest+")", f)
				}
			case *ast.AutoLink:
				add(string(c.URL(r.src)), f|mdLink)
			case *ast.Image:
				walk(c, f)
			case *ast.RawHTML:
				segs := c.Segments
				for i := range segs.Len() {
					seg := segs.At(i)
					add(string(seg.Value(r.src)), f)
				}
			default:
				walk(c, f)
			}
		}
	}
	walk(n, flags|r.base)
	return r.wrapWords(words, w)
}

// linkTextIs reports whether a link's words say its destination already
// (an autolinked URL written as [url](url)).
func linkTextIs(words []mdWord, dest string) bool {
	var b strings.Builder
	for _, wd := range words {
		b.WriteString(wd.text)
	}
	return b.String() == dest
}

// wrapWords lays words out in lines of at most w cells, breaking only
// between words (a word wider than w is cut), and styles each line's runs.
func (r *mdRenderer) wrapWords(words []mdWord, w int) []string {
	type run struct {
		text  strings.Builder
		flags mdFlags
	}
	var out []string
	var runs []*run
	width := 0
	flush := func() {
		var b strings.Builder
		for _, rn := range runs {
			b.WriteString(r.style(rn.flags).Render(rn.text.String()))
		}
		out = append(out, b.String())
		runs, width = runs[:0], 0
	}
	put := func(s string, f mdFlags) {
		if len(runs) == 0 || runs[len(runs)-1].flags != f {
			runs = append(runs, &run{flags: f})
		}
		runs[len(runs)-1].text.WriteString(s)
		width += ansi.StringWidth(s)
	}
	// Glued words ("**key**:" is "key" then ":") wrap as one.
	for i := 0; i < len(words); {
		if words[i].br {
			flush()
			i++
			continue
		}
		j := i + 1
		for j < len(words) && words[j].glue && !words[j].br {
			j++
		}
		unit := words[i:j]
		uw := 0
		for _, wd := range unit {
			uw += ansi.StringWidth(wd.text)
		}
		sep := 0
		if width > 0 {
			sep = 1
		}
		if width > 0 && width+sep+uw > w {
			flush()
			sep = 0
		}
		if sep == 1 { // styled as both sides are: inside a code span, it is code
			put(" ", runs[len(runs)-1].flags&unit[0].flags)
		}
		for _, wd := range unit {
			for s := wd.text; s != ""; {
				room := w - width
				if ansi.StringWidth(s) <= room {
					put(s, wd.flags)
					break
				}
				head := ansi.Truncate(s, room, "") // wider than a line: cut it
				if head == "" {
					if width == 0 { // one character wider than the line
						put(s, wd.flags)
						break
					}
					flush()
					continue
				}
				put(head, wd.flags)
				s = s[len(head):]
				flush()
			}
		}
		i = j
	}
	if len(runs) > 0 || len(out) == 0 {
		flush()
	}
	return out
}

// trimBlankLines drops blank lines at both ends and trailing spaces on
// each line.
func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	blank := func(l string) bool { return strings.TrimSpace(stripWidth(l)) == "" }
	for len(lines) > 0 && blank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && blank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
