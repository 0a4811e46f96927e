package ui

import (
	"strings"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"
)

// markdown renders lesson text for the terminal with glamour, keeping the
// last renderings: a frame redraws the same text at the same width.
type markdown struct {
	cache map[mdKey]string
}

type mdKey struct {
	text string
	w    int
	dark bool
}

// render is text rendered in w cells, without leading and trailing blank
// lines; the raw text wrapped when glamour fails (it should not on the
// embedded lessons, which the learn tests parse).
func (md *markdown) render(style ansi.StyleConfig, dark bool, text string, w int) string {
	k := mdKey{text, w, dark}
	if s, ok := md.cache[k]; ok {
		return s
	}
	if md.cache == nil || len(md.cache) > 64 {
		md.cache = map[mdKey]string{}
	}
	out := wrap(text, w)
	if r, err := glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(max(w, 8))); err == nil {
		if s, err := r.Render(text); err == nil {
			out = trimBlankLines(s)
		}
	}
	md.cache[k] = out
	return out
}

// trimBlankLines drops blank lines at both ends and trailing spaces on
// each line (glamour pads every line to the wrap width).
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
