package tape

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"sync"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Film records a replay's frames for Renderer (it is a Recorder). Each
// frame lasts the real time until the next one, at most MaxGap (a long
// wait for a job plays back shorter), plus the Sleeps after it; frames
// between Hide and Show are left out, time and all.
type Film struct {
	// MaxGap caps a frame's real duration; 0 means 1 s.
	MaxGap time.Duration

	mu         sync.Mutex
	frames     []Frame
	last       time.Time
	prevHidden bool
}

// Frame is one screen and how long it shows.
type Frame struct {
	Snap  *Snapshot
	Delay time.Duration
}

// Frame implements Recorder.
func (f *Film) Frame(s *Snapshot, hidden bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if n := len(f.frames); n > 0 && !f.prevHidden {
		gap := f.MaxGap
		if gap <= 0 {
			gap = time.Second
		}
		f.frames[n-1].Delay += min(now.Sub(f.last), gap)
	}
	f.last, f.prevHidden = now, hidden
	if hidden {
		return
	}
	if n := len(f.frames); n > 0 && sameScreen(f.frames[n-1].Snap, s) {
		return
	}
	f.frames = append(f.frames, Frame{Snap: s})
}

// Pause implements Recorder.
func (f *Film) Pause(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.frames); n > 0 && !f.prevHidden {
		f.frames[n-1].Delay += d
	}
}

// Frames returns the frames recorded, the last held for at least hold.
func (f *Film) Frames(hold time.Duration) []Frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]Frame(nil), f.frames...)
	if n := len(out); n > 0 {
		out[n-1].Delay = max(out[n-1].Delay, hold)
	}
	return out
}

// sameScreen reports whether two snapshots draw the same picture.
func sameScreen(a, b *Snapshot) bool {
	if a.Cols != b.Cols || a.Rows != b.Rows || a.CursorHidden != b.CursorHidden ||
		!a.CursorHidden && (a.CursorX != b.CursorX || a.CursorY != b.CursorY) {
		return false
	}
	for y := range a.Cells {
		for x := range a.Cells[y] {
			if a.Cells[y][x] != b.Cells[y][x] {
				return false
			}
		}
	}
	return true
}

// Renderer draws snapshots with Go Mono (golang.org/x/image's gofont):
// each cell is the font's advance wide and its line height tall, inside
// Padding pixels. Box-drawing characters are drawn as lines so that they
// join across cells; the few symbols Go Mono lacks are drawn as the
// nearest it has (◉ as ●, ✓ as √, ▸ as ►).
type Renderer struct {
	Padding int

	regular, bold font.Face
	cw, ch, asc   int
	masks         map[glyphKey]*image.Alpha
}

type glyphKey struct {
	s    string
	bold bool
}

// NewRenderer makes a renderer for text of size px pixels.
func NewRenderer(px float64) (*Renderer, error) {
	face := func(ttf []byte) (font.Face, error) {
		f, err := opentype.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("parse Go Mono: %w", err)
		}
		fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("make a Go Mono face: %w", err)
		}
		return fc, nil
	}
	reg, err := face(gomono.TTF)
	if err != nil {
		return nil, err
	}
	bold, err := face(gomonobold.TTF)
	if err != nil {
		return nil, err
	}
	adv, _ := reg.GlyphAdvance('M')
	m := reg.Metrics()
	return &Renderer{Padding: 12, regular: reg, bold: bold, cw: adv.Ceil(), ch: m.Height.Ceil(), asc: m.Ascent.Ceil(),
		masks: map[glyphKey]*image.Alpha{}}, nil
}

// Size is the picture size of a cols×rows screen.
func (r *Renderer) Size(cols, rows int) image.Point {
	return image.Pt(cols*r.cw+2*r.Padding, rows*r.ch+2*r.Padding)
}

// PNG writes the snapshot as a PNG picture.
func (r *Renderer) PNG(w io.Writer, s *Snapshot) error {
	pal := newPalette()
	pal.add(s)
	img := image.NewPaletted(image.Rectangle{Max: r.Size(s.Cols, s.Rows)}, pal.colors)
	r.fill(img, pal, pal.index(s.Cells[0][0].Bg))
	r.draw(img, pal, s, image.Rect(0, 0, s.Cols, s.Rows))
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("encode PNG: %w", err)
	}
	return nil
}

// GIF writes frames as an animated GIF that loops: the first frame
// whole, then each only where its cells changed.
func (r *Renderer) GIF(w io.Writer, frames []Frame) error {
	if len(frames) == 0 {
		return errors.New("no frames to render")
	}
	pal := newPalette()
	for _, f := range frames {
		pal.add(f.Snap)
	}
	first := frames[0].Snap
	size := r.Size(first.Cols, first.Rows)
	out := &gif.GIF{Config: image.Config{ColorModel: pal.colors, Width: size.X, Height: size.Y}}
	var prev *Snapshot
	for _, f := range frames {
		cells := image.Rect(0, 0, f.Snap.Cols, f.Snap.Rows)
		var img *image.Paletted
		if prev == nil {
			img = image.NewPaletted(image.Rectangle{Max: size}, pal.colors)
			r.fill(img, pal, pal.index(f.Snap.Cells[0][0].Bg))
		} else {
			cells = changedCells(prev, f.Snap)
			if cells.Empty() {
				out.Delay[len(out.Delay)-1] += centis(f.Delay)
				continue
			}
			img = image.NewPaletted(r.cellRect(cells), pal.colors)
		}
		r.draw(img, pal, f.Snap, cells)
		out.Image = append(out.Image, img)
		out.Delay = append(out.Delay, centis(f.Delay))
		out.Disposal = append(out.Disposal, gif.DisposalNone)
		prev = f.Snap
	}
	if err := gif.EncodeAll(w, out); err != nil {
		return fmt.Errorf("encode GIF: %w", err)
	}
	return nil
}

// centis is d in GIF delay units (1/100 s), at least 2 (browsers play
// shorter delays slowly).
func centis(d time.Duration) int { return max(2, int(d/(10*time.Millisecond))) }

// changedCells is the smallest cell rectangle holding every cell (and the
// cursor) that differs between a and b.
func changedCells(a, b *Snapshot) image.Rectangle {
	var r image.Rectangle
	add := func(x, y int) { r = r.Union(image.Rect(x, y, x+1, y+1)) }
	for y := range b.Cells {
		for x := range b.Cells[y] {
			if a.Cells[y][x] != b.Cells[y][x] {
				add(x, y)
			}
		}
	}
	if a.CursorHidden != b.CursorHidden || a.CursorX != b.CursorX || a.CursorY != b.CursorY {
		if !a.CursorHidden {
			add(min(a.CursorX, a.Cols-1), a.CursorY)
		}
		if !b.CursorHidden {
			add(min(b.CursorX, b.Cols-1), b.CursorY)
		}
	}
	return r.Intersect(image.Rect(0, 0, b.Cols, b.Rows))
}

// cellRect is the pixel rectangle of a cell rectangle.
func (r *Renderer) cellRect(c image.Rectangle) image.Rectangle {
	return image.Rect(r.Padding+c.Min.X*r.cw, r.Padding+c.Min.Y*r.ch, r.Padding+c.Max.X*r.cw, r.Padding+c.Max.Y*r.ch)
}

// fill paints the whole picture (the padding) with colour index i.
func (r *Renderer) fill(img *image.Paletted, _ *palette, i uint8) {
	for p := range img.Pix {
		img.Pix[p] = i
	}
}

// look is what a cell draws with: its colours after reverse video, the
// cursor and faint text.
func look(s *Snapshot, x, y int) (fg, bg color.RGBA, c Cell) {
	c = s.Cells[y][x]
	fg, bg = c.Fg, c.Bg
	if c.Attrs&uv.AttrReverse != 0 {
		fg, bg = bg, fg
	}
	if !s.CursorHidden && x == min(s.CursorX, s.Cols-1) && y == s.CursorY {
		fg, bg = bg, fg
	}
	if c.Attrs&uv.AttrFaint != 0 {
		fg = blend(fg, bg, 1, 2)
	}
	return fg, bg, c
}

// draw paints the cells of rectangle cells into img.
func (r *Renderer) draw(img *image.Paletted, pal *palette, s *Snapshot, cells image.Rectangle) {
	for y := cells.Min.Y; y < cells.Max.Y; y++ {
		for x := cells.Min.X; x < cells.Max.X; x++ {
			fg, bg, c := look(s, x, y)
			px := image.Rect(r.Padding+x*r.cw, r.Padding+y*r.ch, r.Padding+(x+1)*r.cw, r.Padding+(y+1)*r.ch)
			bgi := pal.index(bg)
			for py := px.Min.Y; py < px.Max.Y; py++ {
				for pxx := px.Min.X; pxx < px.Max.X; pxx++ {
					img.SetColorIndex(pxx, py, bgi)
				}
			}
			if c.Content == "" || c.Content == " " {
				continue
			}
			mask := r.glyph(c.Content, c.Attrs&uv.AttrBold != 0, max(c.Width, 1))
			levels := pal.levels(fg, bg)
			b := mask.Bounds()
			for my := range b.Dy() {
				for mx := range b.Dx() {
					a := mask.AlphaAt(mx, my).A
					if a == 0 {
						continue
					}
					img.SetColorIndex(px.Min.X+mx, px.Min.Y+my, levels[(int(a)*3+127)/255])
				}
			}
			if c.Underline {
				for pxx := px.Min.X; pxx < px.Min.X+b.Dx(); pxx++ {
					img.SetColorIndex(pxx, px.Min.Y+r.asc+1, levels[3])
				}
			}
		}
	}
}

// substitutes are drawn for the symbols Go Mono lacks.
var substitutes = map[rune]rune{
	'◉': '●', '✓': '√', '✔': '√', '✗': '×', '✘': '×', '▸': '►', '▶': '►', '◀': '◄', '◂': '◄',
	'⌫': '«', '⏵': '►', '▾': '▼', '▴': '▲', '✦': '*', '⚠': '!', '◫': '□', '⚿': '¤', '⊘': 'Ø',
}

// glyph returns the alpha mask of s in a box w cells wide.
func (r *Renderer) glyph(s string, bold bool, w int) *image.Alpha {
	k := glyphKey{s, bold}
	if m, ok := r.masks[k]; ok {
		return m
	}
	m := image.NewAlpha(image.Rect(0, 0, w*r.cw, r.ch))
	rs := []rune(s)
	if len(rs) == 1 && (drawBox(m, rs[0]) || drawBraille(m, rs[0])) {
		r.masks[k] = m
		return m
	}
	face := r.regular
	if bold {
		face = r.bold
	}
	for i, c := range rs {
		if _, ok := face.GlyphAdvance(c); !ok {
			if sub, ok := substitutes[c]; ok {
				rs[i] = sub
			} else {
				rs[i] = '?'
			}
		}
	}
	d := font.Drawer{Dst: m, Src: image.Opaque, Face: face, Dot: fixed.P(0, r.asc)}
	d.DrawString(string(rs))
	r.masks[k] = m
	return m
}

// palette is a GIF palette: every cell colour, and for each pair of
// text and background colours two blends between them (anti-aliased
// glyph edges), while room lasts.
type palette struct {
	colors color.Palette
	idx    map[color.RGBA]uint8
	pairs  map[[2]color.RGBA][4]uint8
	want   map[[2]color.RGBA]bool
}

func newPalette() *palette {
	return &palette{idx: map[color.RGBA]uint8{}, pairs: map[[2]color.RGBA][4]uint8{}, want: map[[2]color.RGBA]bool{}}
}

// add collects the colours of a snapshot.
func (p *palette) add(s *Snapshot) {
	for y := range s.Cells {
		for x := range s.Cells[y] {
			fg, bg, c := look(s, x, y)
			p.put(bg)
			if c.Content != "" && c.Content != " " {
				p.put(fg)
				p.want[[2]color.RGBA{fg, bg}] = true
			}
		}
	}
	for pair := range p.want {
		if len(p.colors) <= 254 {
			p.put(blend(pair[0], pair[1], 1, 3))
			p.put(blend(pair[0], pair[1], 2, 3))
		}
	}
}

// put adds c when there is room.
func (p *palette) put(c color.RGBA) {
	if _, ok := p.idx[c]; ok || len(p.colors) >= 256 {
		return
	}
	p.idx[c] = uint8(len(p.colors)) //nolint:gosec // at most 256 colours
	p.colors = append(p.colors, c)
}

// index is c's palette index, or the nearest colour's.
func (p *palette) index(c color.RGBA) uint8 {
	if i, ok := p.idx[c]; ok {
		return i
	}
	i := uint8(p.colors.Index(c)) //nolint:gosec // a palette of at most 256
	p.idx[c] = i
	return i
}

// levels are the indexes of bg, the two blends and fg.
func (p *palette) levels(fg, bg color.RGBA) [4]uint8 {
	k := [2]color.RGBA{fg, bg}
	if l, ok := p.pairs[k]; ok {
		return l
	}
	l := [4]uint8{p.index(bg), p.index(blend(fg, bg, 1, 3)), p.index(blend(fg, bg, 2, 3)), p.index(fg)}
	p.pairs[k] = l
	return l
}

// blend is n/d of the way from bg to fg.
func blend(fg, bg color.RGBA, n, d int) color.RGBA {
	mix := func(a, b uint8) uint8 { return uint8((int(a)*n + int(b)*(d-n)) / d) } //nolint:gosec // a mean of two bytes
	return color.RGBA{R: mix(fg.R, bg.R), G: mix(fg.G, bg.G), B: mix(fg.B, bg.B), A: 0xff}
}

// RenderOptions configure Render.
type RenderOptions struct {
	// Binary and Tools are as in Options.
	Binary string
	Tools  map[string]string
	// GIF receives the animation.
	GIF io.Writer
	// Screenshot, when set, receives each Screenshot's PNG: it returns
	// where to write the one the tape names path.
	Screenshot func(path string) (io.WriteCloser, error)
	// Log is as in Options.
	Log func(format string, args ...any)
}

// Render replays the tape in real time (typing at its TypingSpeed,
// its Sleeps as frame delays) and writes the animation and screenshots.
func Render(ctx context.Context, t *Tape, o RenderOptions) error {
	g, err := t.Geometry()
	if err != nil {
		return err
	}
	rd, err := NewRenderer(g.FontSize)
	if err != nil {
		return err
	}
	film := &Film{}
	opts := Options{Binary: o.Binary, Tools: o.Tools, Recorder: film, Log: o.Log,
		Screenshot: func(_ context.Context, r *Run, path string) error {
			if path == "" || o.Screenshot == nil {
				return nil
			}
			w, err := o.Screenshot(path)
			if err != nil {
				return err
			}
			err = rd.PNG(w, r.Snapshot())
			if cerr := w.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("write %s: %w", path, cerr)
			}
			return err
		}}
	if err := Replay(ctx, t, opts); err != nil {
		return err
	}
	return rd.GIF(o.GIF, film.Frames(3*time.Second))
}
