// Package tape replays VHS tapes (vhs/*.tape) against the real s3crypt
// binary without a browser, and renders them to GIF and PNG.
//
// A tape is parsed with VHS's own parser (github.com/charmbracelet/vhs
// parser and lexer), so what parses here parses in VHS. Its commands run
// in a plain bash on a pseudo-terminal (github.com/charmbracelet/x/xpty)
// whose output feeds a virtual terminal (github.com/charmbracelet/x/vt):
// Type and the keys become input, Wait polls the virtual screen exactly as
// VHS polls xterm.js (the cursor's line, or the whole screen, trimmed at
// the right), and every Screenshot (and the end of the tape) hands the
// screen to the caller: the tests compare it with a golden file after
// Normalize, the renderer draws it.
//
// Written here rather than taken from a library: VHS itself needs ttyd
// and a headless browser, which these machines cannot install; what is
// left to write is the small mapping from its commands to key bytes and
// screen polls, and a cell renderer over golang.org/x/image's font
// drawing (no library draws x/vt cells to an image).
package tape

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/vhs/lexer"
	"github.com/charmbracelet/vhs/parser"
	"github.com/charmbracelet/vhs/token"
)

// VHS's defaults (vhs.go DefaultVHSOptions, style.go), used where a tape
// does not set its own.
const (
	defaultFontSize    = 22
	defaultPadding     = 60
	defaultWidth       = 1200
	defaultHeight      = 600
	defaultLineHeight  = 1.0
	defaultTypingSpeed = 50 * time.Millisecond
	defaultWaitTimeout = 15 * time.Second
	defaultWaitPattern = ">$"
)

// CellWidthRatio is a monospace cell's width over the font size: the
// advance of JetBrains Mono (VHS's default font) and of Go Mono alike.
const CellWidthRatio = 0.6

// Tape is one parsed tape file.
type Tape struct {
	// Path is the file it was read from; Name its base name without
	// ".tape" (the golden directory's name).
	Path, Name string
	// Commands are VHS's parse of the file, comments dropped.
	Commands []parser.Command
	// Settings are the tape's Set commands, by name, last one wins.
	Settings map[string]string
}

// Load reads and parses a tape with VHS's parser; a tape with parse
// errors is an error listing each with its line and column.
func Load(path string) (*Tape, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the tape to replay is the caller's choice
	if err != nil {
		return nil, fmt.Errorf("read tape: %w", err)
	}
	return Parse(path, string(b))
}

// Parse parses src, the text of the tape at path.
func Parse(path, src string) (*Tape, error) {
	p := parser.New(lexer.New(src))
	cmds := p.Parse()
	if errs := p.Errors(); len(errs) > 0 {
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.String())
		}
		return nil, fmt.Errorf("%s: VHS cannot parse it:\n%s", path, strings.Join(msgs, "\n"))
	}
	t := &Tape{Path: path, Name: strings.TrimSuffix(filepath.Base(path), ".tape"), Commands: cmds, Settings: map[string]string{}}
	for _, c := range cmds {
		if c.Type == token.SET {
			t.Settings[c.Options] = c.Args
		}
	}
	return t, nil
}

// setting returns the number a Set command gave name, or def.
func (t *Tape) setting(name string, def float64) (float64, error) {
	v, ok := t.Settings[name]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "px"), 64)
	if err != nil {
		return 0, fmt.Errorf("%s: Set %s %q is not a number", t.Path, name, v)
	}
	return f, nil
}

// Geometry is the terminal a tape asks for, in pixels and in cells.
type Geometry struct {
	FontSize, Padding, Width, Height float64
	LineHeight                       float64
	Cols, Rows                       int
}

// Geometry maps the tape's Set Width/Height/FontSize/Padding/LineHeight
// to columns and rows the way VHS's own proposal for character sizing
// does (charmbracelet/vhs#731): a cell is 0.6 × FontSize wide and
// FontSize × LineHeight tall, inside Padding on each side:
//
//	cols = floor((Width  − 2·Padding) / (0.6·FontSize))
//	rows = floor((Height − 2·Padding) / (FontSize·LineHeight))
//
// e.g. FontSize 15, Padding 60: Width 1200 → 120 columns, Height 660 → 36
// rows.
func (t *Tape) Geometry() (Geometry, error) {
	var g Geometry
	var errs []error
	get := func(dst *float64, name string, def float64) {
		v, err := t.setting(name, def)
		errs = append(errs, err)
		*dst = v
	}
	get(&g.FontSize, "FontSize", defaultFontSize)
	get(&g.Padding, "Padding", defaultPadding)
	get(&g.Width, "Width", defaultWidth)
	get(&g.Height, "Height", defaultHeight)
	get(&g.LineHeight, "LineHeight", defaultLineHeight)
	if err := errors.Join(errs...); err != nil {
		return g, err
	}
	if g.FontSize <= 0 || g.LineHeight <= 0 {
		return g, fmt.Errorf("%s: FontSize and LineHeight must be positive", t.Path)
	}
	g.Cols = int((g.Width - 2*g.Padding) / (CellWidthRatio * g.FontSize))
	g.Rows = int((g.Height - 2*g.Padding) / (g.FontSize * g.LineHeight))
	if g.Cols < 20 || g.Rows < 5 {
		return g, fmt.Errorf("%s: a %dx%d terminal is too small (Width %v, Height %v, FontSize %v, Padding %v)",
			t.Path, g.Cols, g.Rows, g.Width, g.Height, g.FontSize, g.Padding)
	}
	return g, nil
}

// Requires lists the programs the tape's Require commands name.
func (t *Tape) Requires() []string {
	var out []string
	for _, c := range t.Commands {
		if c.Type == token.REQUIRE {
			out = append(out, c.Args)
		}
	}
	return out
}
