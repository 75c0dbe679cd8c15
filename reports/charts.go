package reports

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"git.sr.ht/~sbinet/gg"
	"github.com/klauspost/compress/flate"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/egovbench/egovbench"
)

// Charts are sized for a 16:9 slide at 96 dpi (1200 x 675 px); tall charts
// (rankings, coverage) grow with their number of bars. Site pages have their
// own figure (sitechart.go).
const (
	chartDPI     = 96
	chartW       = 12.5 * vg.Inch
	chartH       = 7.03125 * vg.Inch
	chartLabelMx = 48 // runes of a site or indicator name kept on a chart
)

var (
	colGrid  = color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
	colSite  = color.RGBA{R: 0xb0, G: 0xb0, B: 0xb0, A: 0xff}
	colNoDat = color.RGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
)

// stageColors follow viridis, an ordered palette that stays legible for
// colour-blind readers and in greyscale print; "not assessed" is grey.
var stageColors = [5]color.RGBA{
	{R: 0xbd, G: 0xbd, B: 0xbd, A: 0xff},
	{R: 0xa0, G: 0xda, B: 0x39, A: 0xff},
	{R: 0x1f, G: 0xa1, B: 0x87, A: 0xff},
	{R: 0x36, G: 0x5c, B: 0x8d, A: 0xff},
	{R: 0x44, G: 0x01, B: 0x54, A: 0xff},
}

func stageColor(s egovbench.Stage) color.Color { return stageColors[stageIndex(s)] }

// seriesColors is the Tableau 10 qualitative palette, for regions and series.
var seriesColors = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff},
	{0x76, 0xb7, 0xb2, 0xff}, {0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff},
	{0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff}, {0x9c, 0x75, 0x5f, 0xff},
	{0xba, 0xb0, 0xac, 0xff},
}

// seriesDashes varies line dashes once the colours repeat, so that more than
// ten regions stay distinguishable.
var seriesDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}}

// chartText makes a string from a website safe and short enough to draw:
// control, format (bidi) and private-use characters are dropped because the
// fonts have no glyphs for them and bidi controls could reorder labels.
func chartText(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Co, r) {
			continue
		}
		if unicode.IsSpace(r) {
			r = ' '
		}
		if n == max {
			return strings.TrimSpace(b.String()) + "…"
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// figure is a plot plus a legend drawn beside it rather than over the data.
type figure struct {
	p      *plot.Plot
	legend plot.Legend
	w, h   vg.Length
	pool   *canvasPool
	text   text.Handler // for the figure's own text styles (labels)
}

// canvasPool recycles the raster images and graphics contexts charts are
// drawn on. A fresh canvas per chart allocated ~8 GB for a 550-site report
// and the garbage collector's preemptions became a large share of the CPU.
// One pool belongs to one Write.
type canvasPool struct {
	mu   sync.Mutex
	free map[image.Point][]*pooledCanvas
	// glyphs caches rasterised text and measures the measured sizes of
	// strings for all the charts of the Write (see textCanvas and
	// measuredText); plainText leaves all text to vgimg and gonum's plain
	// handler, for tests that compare the two.
	glyphs    glyphCache
	measures  textMeasures
	plainText bool
}

type pooledCanvas struct {
	img *image.RGBA
	ctx *gg.Context
	fw  *flate.Writer // for encodePNG
}

func (p *canvasPool) get(w, h vg.Length) *pooledCanvas {
	size := image.Pt(int(w/vg.Inch*chartDPI+0.5), int(h/vg.Inch*chartDPI+0.5))
	if p != nil {
		p.mu.Lock()
		if l := p.free[size]; len(l) > 0 {
			pc := l[len(l)-1]
			p.free[size] = l[:len(l)-1]
			p.mu.Unlock()
			// vgimg pairs every state change with Push/Pop, but a canvas that
			// failed mid-draw may not have; start from a clean state anyway.
			pc.ctx.Identity()
			pc.ctx.InvertY()
			pc.ctx.ResetClip()
			pc.ctx.ClearPath()
			return pc
		}
		p.mu.Unlock()
	}
	img := image.NewRGBA(image.Rectangle{Max: size})
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY() // what vgimg does for the contexts it makes itself
	fw, err := flate.NewWriter(io.Discard, flate.BestSpeed)
	if err != nil {
		fw = nil // encodePNG then makes its own
	}
	return &pooledCanvas{img: img, ctx: ctx, fw: fw}
}

// textHandler is the text handler of the pool's figures.
func (p *canvasPool) textHandler() text.Handler {
	if p == nil || p.plainText {
		return plot.DefaultTextHandler
	}
	return newMeasuredText(&p.measures)
}

// canvas wraps a pooled canvas for drawing.
func (p *canvasPool) canvas(pc *pooledCanvas) *textCanvas {
	c := vgimg.NewWith(vgimg.UseImageWithContext(pc.img, pc.ctx), vgimg.UseDPI(chartDPI))
	var g *glyphCache
	if p != nil && !p.plainText {
		g = &p.glyphs
	}
	return newTextCanvas(c, pc.img, g)
}

func (p *canvasPool) put(pc *pooledCanvas) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = map[image.Point][]*pooledCanvas{}
	}
	p.free[pc.img.Rect.Max] = append(p.free[pc.img.Rect.Max], pc)
}

func (l *labels) newFigure(title, xlabel, ylabel string, w, h vg.Length) *figure {
	p := plot.New()
	// The canvas starts white; filling it again through the rasterizer cost
	// a quarter of all drawing time.
	p.BackgroundColor = nil
	hd := l.canvases.textHandler()
	p.TextHandler = hd
	p.Title.TextStyle.Handler = hd
	p.X.Label.TextStyle.Handler, p.X.Tick.Label.Handler = hd, hd
	p.Y.Label.TextStyle.Handler, p.Y.Tick.Label.Handler = hd, hd
	p.Title.Text = title
	p.Title.TextStyle.Font.Variant = "Sans"
	p.Title.TextStyle.Font.Size = vg.Points(18)
	p.Title.Padding = vg.Points(10)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(13)
		a.Label.TextStyle.Font.Variant = "Sans"
		a.Tick.Label.Font.Size = vg.Points(11)
		a.Tick.Label.Font.Variant = "Sans"
		a.Padding = vg.Points(4)
	}
	lg := plot.NewLegend()
	lg.TextStyle.Handler = hd
	lg.TextStyle.Font.Size = vg.Points(11)
	lg.TextStyle.Font.Variant = "Sans"
	lg.Top, lg.Left = true, true
	lg.Padding = vg.Points(4)
	return &figure{p: p, legend: lg, w: w, h: h, pool: l.canvases, text: hd}
}

// grid adds light grid lines behind the data.
func (f *figure) grid(vertical bool) {
	g := plotter.NewGrid()
	g.Horizontal.Color = colGrid
	g.Vertical.Color = colGrid
	if !vertical {
		g.Vertical.Width = 0
	}
	f.p.Add(g)
}

// legendWidth estimates the width of the legend column from its longest
// label; Liberation Sans averages about 0.55 em per character.
func (f *figure) legendWidth(names []string) vg.Length {
	longest := 0
	for _, n := range names {
		longest = max(longest, utf8.RuneCountInString(n))
	}
	w := vg.Length(longest)*f.legend.TextStyle.Font.Size*0.55 + 40
	return min(w, f.w*0.35)
}

// save draws the figure into a PNG file (see encodePNG for why not image/png).
func (f *figure) save(path string, legendNames []string) error {
	pc := f.pool.get(f.w, f.h)
	defer f.pool.put(pc)
	dc := draw.New(f.pool.canvas(pc))
	if len(legendNames) > 0 {
		lw := f.legendWidth(legendNames)
		f.p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
		lc := draw.Crop(dc, f.w-lw+vg.Points(6), 0, 0, -vg.Points(44))
		f.legend.Draw(lc)
	} else {
		f.p.Draw(dc)
	}
	return writePNGFile(path, pc)
}

// writePNGFile encodes a pooled canvas into path.
func writePNGFile(path string, pc *pooledCanvas) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create chart: %w", err)
	}
	defer func() {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close chart: %w", cerr)
		}
	}()
	bw := bufio.NewWriterSize(file, 64<<10)
	if err := encodePNG(bw, pc.img, pc.fw); err != nil {
		return fmt.Errorf("encode chart: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write chart: %w", err)
	}
	return nil
}

// noDataFigure is what a chart without data becomes: its title and an
// explicit "no data" message, never empty axes that could read as zero.
func (l *labels) noDataFigure(title string, w, h vg.Length) (*figure, error) {
	f := l.newFigure(title, "", "", w, h)
	f.p.HideAxes()
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{l.T("no_data")}})
	if err != nil {
		return nil, fmt.Errorf("no-data label: %w", err)
	}
	lab.TextStyle[0].Handler = f.text
	lab.TextStyle[0].Font.Size = vg.Points(28)
	lab.TextStyle[0].Font.Variant = "Sans"
	lab.TextStyle[0].Color = color.Gray{Y: 0x70}
	lab.TextStyle[0].XAlign = draw.XCenter
	lab.TextStyle[0].YAlign = draw.YCenter
	f.p.Add(lab)
	f.p.X.Min, f.p.X.Max, f.p.Y.Min, f.p.Y.Max = 0, 1, 0, 1
	return f, nil
}

// timeTicker labels a time axis (unix seconds) in the report's zone and
// language at calendar boundaries: days, weeks, months or years.
type timeTicker struct {
	l   *labels
	loc *time.Location
	max int // most labels to draw; text is a large part of drawing time
}

func (t timeTicker) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	a := time.Unix(int64(lo), 0).In(t.loc)
	b := time.Unix(int64(math.Ceil(hi)), 0).In(t.loc)
	span := b.Sub(a)
	day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, t.loc) }
	var ticks []plot.Tick
	add := func(x time.Time, label string) {
		if v := float64(x.Unix()); v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	switch {
	case span <= 2*24*time.Hour:
		for x := a.Truncate(time.Hour); !x.After(b); x = x.Add(6 * time.Hour) {
			add(x, x.Format("15:04"))
		}
	case span <= 16*24*time.Hour:
		for x := day(a); !x.After(b); x = x.AddDate(0, 0, 1) {
			add(x, shortDate(t.l, x))
		}
	case span <= 120*24*time.Hour:
		x := day(a)
		for x.Weekday() != time.Monday {
			x = x.AddDate(0, 0, 1)
		}
		step := 7
		if span > 70*24*time.Hour {
			step = 14
		}
		for ; !x.After(b); x = x.AddDate(0, 0, step) {
			add(x, shortDate(t.l, x))
		}
	default:
		months := int(span.Hours()/24/30.4) + 1
		step := 1
		for months/step > t.max {
			step++
		}
		if step > 12 {
			step = ((step + 11) / 12) * 12
		}
		x := time.Date(a.Year(), a.Month(), 1, 0, 0, 0, 0, t.loc)
		for ; !x.After(b); x = x.AddDate(0, step, 0) {
			add(x, t.l.MonthYear(x))
		}
	}
	return ticks
}

func shortDate(l *labels, x time.Time) string {
	d := l.Date(x)
	return d[:strings.LastIndexByte(d, ' ')]
}

// lineStyle returns the style of the i-th series.
func lineStyle(i int, width vg.Length) draw.LineStyle {
	return draw.LineStyle{
		Color:  seriesColors[i%len(seriesColors)],
		Width:  width,
		Dashes: seriesDashes[(i/len(seriesColors))%len(seriesDashes)],
	}
}

// strokeChunk is how many points one stroked path holds. freetype's
// rasterizer keeps a per-scanline list of cells and searches it linearly,
// so one long, nearly flat line (uptime near 100 %) costs quadratic time;
// stroking it in short overlapping pieces made year-long series ~10x cheaper.
const strokeChunk = 24

// lineNoBoxes is a line that reports no glyph boxes. plotter.Line returns
// one per point, only to pad the axes by half a line width, and gonum asks
// for them several times per draw: for year-long series that was half of
// all memory allocated by a report.
type lineNoBoxes struct{ *plotter.Line }

func (lineNoBoxes) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return nil }

// addSeries draws a series segment by segment, so gaps stay gaps; a lone
// point gets a dot because a one-point line is invisible.
func addSeries(f *figure, s timeSeries, sty draw.LineStyle, legend string) error {
	var thumb plot.Thumbnailer = &plotter.Line{LineStyle: sty}
	for _, seg := range s.Segments {
		xys := make(plotter.XYs, len(seg))
		for i, p := range seg {
			xys[i] = plotter.XY{X: float64(p.At.Unix()), Y: p.V}
		}
		if len(xys) == 1 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return fmt.Errorf("series %s: %w", s.Key, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: max(sty.Width*1.5, vg.Points(2)), Shape: draw.CircleGlyph{}}
			f.p.Add(sc)
			continue
		}
		for lo := 0; lo < len(xys)-1; lo += strokeChunk {
			hi := min(len(xys), lo+strokeChunk+1) // share the joint point
			ln, err := plotter.NewLine(xys[lo:hi])
			if err != nil {
				return fmt.Errorf("series %s: %w", s.Key, err)
			}
			ln.LineStyle = sty
			f.p.Add(lineNoBoxes{ln})
		}
	}
	if legend != "" {
		f.legend.Add(legend, thumb)
	}
	return nil
}

// timeAxis sets up the x axis for dates.
func (f *figure) timeAxis(l *labels, loc *time.Location) {
	f.p.X.Tick.Marker = timeTicker{l: l, loc: loc, max: 12}
}

// chartJob renders one PNG.
type chartJob struct {
	name string // file name under charts/
	draw func(path string) error
}

// renderAll draws the jobs on a pool (see pool).
func renderAll(ctx context.Context, dir string, jobs []chartJob) error {
	p := newPool(ctx, dir, nil)
	for _, j := range jobs {
		if p.submit(job{name: j.name, draw: j.draw}) != nil {
			break
		}
	}
	return p.wait()
}

func runJob(dir string, j chartJob) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write %s: panic: %v", j.name, r)
		}
	}()
	if err := j.draw(filepath.Join(dir, j.name)); err != nil {
		return fmt.Errorf("write %s: %w", j.name, err)
	}
	return nil
}
