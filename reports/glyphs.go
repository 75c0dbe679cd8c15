package reports

import (
	"image"
	"image/color"
	"math"
	"strings"
	"sync"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// textCanvas is a vgimg canvas that draws upright text from a glyph cache.
//
// vgimg draws a string by making a new font face, rasterising every glyph
// from its outline and compositing it through golang.org/x/image/draw's
// generic bilinear transform (one interface call per pixel): a third of the
// CPU time of a site figure. The same few dozen glyphs are drawn at the same
// sub-pixel positions in figure after figure (titles, dates, legends), so
// the cache rasterises each once per Write, and drawString composites with
// the transform's own arithmetic, so that every pixel is the same as
// vgimg's (TestGlyphCacheSamePixels compares whole figures).
//
// Rotated or scaled text is left to vgimg: the canvas tracks whether any
// transform is in force and falls back to it then.
type textCanvas struct {
	*vgimg.Canvas
	img    *image.RGBA
	glyphs *glyphCache // nil: vgimg draws all text
	colors []color.Color
	moved  []bool // per Push level: a Rotate, Translate or Scale is in force
}

func newTextCanvas(c *vgimg.Canvas, img *image.RGBA, g *glyphCache) *textCanvas {
	// vgimg.NewWith has set the colour to black (vg.Initialize).
	return &textCanvas{Canvas: c, img: img, glyphs: g, colors: []color.Color{color.Black}, moved: []bool{false}}
}

func (c *textCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black // what vgimg does
	}
	c.colors[len(c.colors)-1] = clr
	c.Canvas.SetColor(clr)
}

func (c *textCanvas) Rotate(t float64) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Rotate(t)
}

func (c *textCanvas) Translate(pt vg.Point) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Translate(pt)
}

func (c *textCanvas) Scale(x, y float64) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Scale(x, y)
}

func (c *textCanvas) Push() {
	c.colors = append(c.colors, c.colors[len(c.colors)-1])
	c.moved = append(c.moved, c.moved[len(c.moved)-1])
	c.Canvas.Push()
}

func (c *textCanvas) Pop() {
	c.colors = c.colors[:len(c.colors)-1]
	c.moved = c.moved[:len(c.moved)-1]
	c.Canvas.Pop()
}

// FillString draws as vgimg.Canvas.FillString does: the string's origin at
// pt, y measured up from the bottom of the canvas.
func (c *textCanvas) FillString(fnt font.Face, pt vg.Point, str string) {
	if fnt.Font.Size == 0 {
		return
	}
	if c.glyphs == nil || c.moved[len(c.moved)-1] {
		c.Canvas.FillString(fnt, pt, str)
		return
	}
	dpi := c.DPI()
	_, h := c.Size()
	x := pt.X.Dots(dpi)
	y := h.Dots(dpi) - pt.Y.Dots(dpi)
	fg := c.glyphs.face(fnt, dpi)
	fg.mu.Lock()
	defer fg.mu.Unlock()
	fg.drawString(c.img, c.colors[len(c.colors)-1], str, x, y)
}

// glyphCache holds rasterised glyphs for the figures of one Write.
type glyphCache struct {
	mu    sync.Mutex
	faces map[faceKey]*faceGlyphs
}

type faceKey struct {
	font *opentype.Font
	size vg.Length
	dpi  float64
}

// faceGlyphs is the cache of one font at one size. Its face is not safe for
// concurrent use, hence the mutex; a string takes it once.
type faceGlyphs struct {
	mu     sync.Mutex
	face   xfont.Face
	glyphs map[glyphKey]*glyph
	kerns  map[[2]rune]fixed.Int26_6
}

// glyphKey is a rune at a sub-pixel position: opentype rasterises a glyph
// at the dot's fraction of a pixel (1/64), and shifting the dot by whole
// pixels only shifts the result.
type glyphKey struct {
	r      rune
	fx, fy fixed.Int26_6
}

type glyph struct {
	ok      bool
	off     image.Point // top-left of the mask relative to the dot's whole pixel
	mask    image.Alpha // at the origin
	advance fixed.Int26_6
}

func (g *glyphCache) face(fnt font.Face, dpi float64) *faceGlyphs {
	k := faceKey{font: fnt.Face, size: fnt.Font.Size, dpi: dpi}
	g.mu.Lock()
	defer g.mu.Unlock()
	if fg := g.faces[k]; fg != nil {
		return fg
	}
	if g.faces == nil {
		g.faces = map[faceKey]*faceGlyphs{}
	}
	// The same face vgimg makes for every string (font.Face.FontFace).
	fg := &faceGlyphs{face: fnt.FontFace(dpi), glyphs: map[glyphKey]*glyph{}, kerns: map[[2]rune]fixed.Int26_6{}}
	g.faces[k] = fg
	return fg
}

func (fg *faceGlyphs) kern(a, b rune) fixed.Int26_6 {
	k, ok := fg.kerns[[2]rune{a, b}]
	if !ok {
		k = fg.face.Kern(a, b)
		fg.kerns[[2]rune{a, b}] = k
	}
	return k
}

func (fg *faceGlyphs) glyph(dot fixed.Point26_6, r rune) *glyph {
	k := glyphKey{r: r, fx: dot.X & 63, fy: dot.Y & 63}
	if g := fg.glyphs[k]; g != nil {
		return g
	}
	at := fixed.Point26_6{X: k.fx, Y: k.fy}
	dr, mask, mp, adv, ok := fg.face.Glyph(at, r)
	g := &glyph{ok: ok, off: dr.Min, advance: adv}
	if ok {
		g.mask = *image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		for y := 0; y < dr.Dy(); y++ {
			for x := 0; x < dr.Dx(); x++ {
				_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
				g.mask.Pix[y*g.mask.Stride+x] = uint8(a >> 8)
			}
		}
	}
	if len(fg.glyphs) < maxGlyphs {
		fg.glyphs[k] = g
	}
	return g
}

// maxGlyphs bounds a face's cache (a glyph is ~200 bytes): a 1,000-site
// report caches ~4,500 of its most used face, nearly all positions of tick
// labels and titles; past the bound glyphs are drawn uncached.
const maxGlyphs = 1 << 14

// drawString follows gg.Context.drawString (kerning, skipped glyphs,
// advances) with the dot at (x, y) in pixels, y down.
func (fg *faceGlyphs) drawString(dst *image.RGBA, clr color.Color, s string, x, y float64) {
	dot := fixed.Point26_6{X: fixed.Int26_6(math.Round(x * 64)), Y: fixed.Int26_6(math.Round(y * 64))}
	sr, sg, sb, sa := clr.RGBA()
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			dot.X += fg.kern(prev, r)
		}
		g := fg.glyph(dot, r)
		if !g.ok {
			continue
		}
		at := image.Pt(dot.X.Floor(), dot.Y.Floor()).Add(g.off)
		compositeOver(dst, at, &g.mask, sr, sg, sb, sa)
		dot.X += g.advance
		prev = r
	}
}

// compositeOver draws a uniform colour (premultiplied, 16 bits) through
// mask onto dst with mask's origin at at, with the integer arithmetic of
// x/image/draw's Kernel.Transform at a whole-pixel translation (weight 1 on
// one source pixel), so that the result is bit for bit what gg drew.
func compositeOver(dst *image.RGBA, at image.Point, mask *image.Alpha, sr, sg, sb, sa uint32) {
	r := mask.Rect.Add(at).Intersect(dst.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		mrow := mask.Pix[(py-at.Y)*mask.Stride:]
		drow := dst.Pix[(py-dst.Rect.Min.Y)*dst.Stride:]
		for px := r.Min.X; px < r.Max.X; px++ {
			m8 := mrow[px-at.X]
			if m8 == 0 {
				continue // adds nothing and keeps dst: q*0xffff/0xffff == q
			}
			ma := uint32(m8) * 0x101
			pr, pg, pb, pa := sr*ma/0xffff, sg*ma/0xffff, sb*ma/0xffff, sa*ma/0xffff
			pa1 := 0xffff - pa
			d := drow[(px-dst.Rect.Min.X)*4 : (px-dst.Rect.Min.X)*4+4 : (px-dst.Rect.Min.X)*4+4]
			d[0] = uint8((uint32(d[0])*0x101*pa1/0xffff + pr) >> 8)
			d[1] = uint8((uint32(d[1])*0x101*pa1/0xffff + pg) >> 8)
			d[2] = uint8((uint32(d[2])*0x101*pa1/0xffff + pb) >> 8)
			d[3] = uint8((uint32(d[3])*0x101*pa1/0xffff + pa) >> 8)
		}
	}
}

// measuredText is gonum's plain-text handler with its measurements cached.
// gonum measures every label several times per figure (layout, alignment,
// glyph boxes), each time walking the font's tables with a fresh sfnt
// buffer; across the figures of a report the same few hundred strings are
// measured again and again. The cached numbers are the ones text.Plain
// computes, so layout does not move.
type measuredText struct {
	text.Plain
	m *textMeasures
}

// textMeasures is the cache of one Write; it stops growing at maxMeasured
// strings (charts with site names add a few hundred).
type textMeasures struct {
	mu      sync.RWMutex
	extents map[font.Font]font.Extents
	widths  map[measureKey]vg.Length
}

const maxMeasured = 1 << 16

type measureKey struct {
	txt  string
	font font.Font
}

func newMeasuredText(m *textMeasures) measuredText {
	return measuredText{Plain: text.Plain{Fonts: font.DefaultCache}, m: m}
}

// Extents is text.Plain.Extents.
func (h measuredText) Extents(fnt font.Font) font.Extents {
	h.m.mu.RLock()
	e, ok := h.m.extents[fnt]
	h.m.mu.RUnlock()
	if ok {
		return e
	}
	e = h.Plain.Extents(fnt)
	h.m.mu.Lock()
	if h.m.extents == nil {
		h.m.extents = map[font.Font]font.Extents{}
	}
	h.m.extents[fnt] = e
	h.m.mu.Unlock()
	return e
}

// width is the width text.Plain.Box measures.
func (h measuredText) width(txt string, fnt font.Font) vg.Length {
	k := measureKey{txt: txt, font: fnt}
	h.m.mu.RLock()
	w, ok := h.m.widths[k]
	h.m.mu.RUnlock()
	if ok {
		return w
	}
	face := h.Fonts.Lookup(fnt, fnt.Size)
	w = face.Width(txt)
	h.m.mu.Lock()
	if h.m.widths == nil {
		h.m.widths = map[measureKey]vg.Length{}
	}
	if len(h.m.widths) < maxMeasured {
		h.m.widths[k] = w
	}
	h.m.mu.Unlock()
	return w
}

// Lines is text.Plain.Lines.
func (h measuredText) Lines(txt string) []string {
	if !strings.Contains(txt, "\n") {
		return []string{txt}
	}
	return h.Plain.Lines(txt)
}

// Box is text.Plain.Box.
func (h measuredText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	e := h.Extents(fnt)
	return h.width(txt, fnt), e.Ascent, e.Descent
}

// Draw is text.Plain.Draw with the cached measures.
func (h measuredText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if len(txt) == 0 {
		return
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos := vg.Length(cos64)
	sin := vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	lines := h.Lines(txt)
	ht := sty.Height(txt)
	pt.Y += ht*vg.Length(sty.YAlign) - h.Extents(fnt.Font).Ascent
	for i, line := range lines {
		xoffs := vg.Length(sty.XAlign) * h.width(line, fnt.Font)
		n := vg.Length(len(lines) - i)
		c.FillString(fnt, pt.Add(vg.Point{X: xoffs, Y: n * sty.Font.Size}), line)
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}
