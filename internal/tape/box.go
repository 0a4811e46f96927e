package tape

import (
	"image"
	"image/color"
)

// boxLines are the box-drawing characters drawn as lines: the weight of
// the line towards up, right, down and left (1 light, 2 heavy, 3 double,
// drawn heavy). Rounded corners are drawn square; dashed lines solid.
var boxLines = map[rune][4]uint8{
	'─': {0, 1, 0, 1}, '━': {0, 2, 0, 2}, '│': {1, 0, 1, 0}, '┃': {2, 0, 2, 0},
	'┄': {0, 1, 0, 1}, '┅': {0, 2, 0, 2}, '┈': {0, 1, 0, 1}, '┉': {0, 2, 0, 2}, '╌': {0, 1, 0, 1}, '╍': {0, 2, 0, 2},
	'┆': {1, 0, 1, 0}, '┊': {1, 0, 1, 0}, '╎': {1, 0, 1, 0},
	'┌': {0, 1, 1, 0}, '┏': {0, 2, 2, 0}, '┐': {0, 0, 1, 1}, '┓': {0, 0, 2, 2},
	'└': {1, 1, 0, 0}, '┗': {2, 2, 0, 0}, '┘': {1, 0, 0, 1}, '┛': {2, 0, 0, 2},
	'├': {1, 1, 1, 0}, '┣': {2, 2, 2, 0}, '┤': {1, 0, 1, 1}, '┫': {2, 0, 2, 2},
	'┬': {0, 1, 1, 1}, '┳': {0, 2, 2, 2}, '┴': {1, 1, 0, 1}, '┻': {2, 2, 0, 2},
	'┼': {1, 1, 1, 1}, '╋': {2, 2, 2, 2},
	'═': {0, 3, 0, 3}, '║': {3, 0, 3, 0}, '╔': {0, 3, 3, 0}, '╗': {0, 0, 3, 3}, '╚': {3, 3, 0, 0}, '╝': {3, 0, 0, 3},
	'╠': {3, 3, 3, 0}, '╣': {3, 0, 3, 3}, '╦': {0, 3, 3, 3}, '╩': {3, 3, 0, 3}, '╬': {3, 3, 3, 3},
	'╭': {0, 1, 1, 0}, '╮': {0, 0, 1, 1}, '╯': {1, 0, 0, 1}, '╰': {1, 1, 0, 0},
	'╴': {0, 0, 0, 1}, '╵': {1, 0, 0, 0}, '╶': {0, 1, 0, 0}, '╷': {0, 0, 1, 0},
	'╸': {0, 0, 0, 2}, '╹': {2, 0, 0, 0}, '╺': {0, 2, 0, 0}, '╻': {0, 0, 2, 0},
}

// drawBox draws c into m as lines from the cell's centre and reports
// whether c is a box-drawing character it knows.
func drawBox(m *image.Alpha, c rune) bool {
	w, ok := boxLines[c]
	if !ok {
		return false
	}
	b := m.Bounds()
	cx, cy := b.Dx()/2, b.Dy()/2
	thick := func(weight uint8) int {
		if weight == 1 {
			return 1
		}
		return 2
	}
	on := color.Alpha{A: 0xff}
	rect := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				m.SetAlpha(x, y, on)
			}
		}
	}
	// Each arm runs from the centre, widened by the crossing line's
	// thickness so corners close.
	if t := thick(w[0]); w[0] > 0 {
		rect(cx-t/2, 0, cx-t/2+t, cy+1)
	}
	if t := thick(w[2]); w[2] > 0 {
		rect(cx-t/2, cy, cx-t/2+t, b.Dy())
	}
	if t := thick(w[1]); w[1] > 0 {
		rect(cx, cy-t/2, b.Dx(), cy-t/2+t)
	}
	if t := thick(w[3]); w[3] > 0 {
		rect(0, cy-t/2, cx+1, cy-t/2+t)
	}
	return true
}

// brailleDots are the dot of each bit of a braille pattern (U+2800 plus
// the bits): column and row in a 2×4 grid.
var brailleDots = [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}}

// drawBraille draws a braille pattern (the job spinner) as dots and
// reports whether c is one.
func drawBraille(m *image.Alpha, c rune) bool {
	if c < 0x2800 || c > 0x28ff {
		return false
	}
	b := m.Bounds()
	dot := max(1, b.Dx()/5)
	for bit, p := range brailleDots {
		if (c-0x2800)&(1<<bit) == 0 {
			continue
		}
		x0 := b.Dx()/4 + p[0]*b.Dx()/2 - dot/2
		y0 := b.Dy()/8 + p[1]*b.Dy()/4 + b.Dy()/16 - dot/2
		for y := y0; y < y0+dot; y++ {
			for x := x0; x < x0+dot; x++ {
				m.SetAlpha(x, y, color.Alpha{A: 0xff})
			}
		}
	}
	return true
}
