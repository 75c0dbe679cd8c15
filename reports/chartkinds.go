package reports

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/egovbench/egovbench"
)

// Each draw function below turns one chart's data into a PNG; an empty data
// set becomes an explicit "no data" chart.

func saveNoData(l *labels, title, path string, w, h vg.Length) error {
	f, err := l.noDataFigure(title, w, h)
	if err != nil {
		return err
	}
	return f.save(path, nil)
}

// tallHeight grows a horizontal bar chart with its number of bars so that
// labels never overlap.
func tallHeight(bars int) vg.Length {
	return max(chartH, vg.Length(bars)*vg.Points(17)+vg.Inch*1.6)
}

func drawStageDistribution(l *labels, d stageDistData, path string) error {
	title := l.T("ch_stage_dist")
	if len(d.Groups) == 0 || d.Groups[0].Total == 0 {
		return saveNoData(l, title, path, chartW, chartH)
	}
	n := len(d.Groups)
	f := l.newFigure(title, l.T("ax_sites"), "", chartW, tallHeight(n*2))
	f.grid(true)
	// Bars run top-down in group order: gonum puts index 0 at the bottom.
	names := make([]string, n)
	for i, g := range d.Groups {
		names[n-1-i] = chartText(g.Label, chartLabelMx)
	}
	var below *plotter.BarChart
	var legend []string
	width := min(vg.Points(26), (tallHeight(n*2)-vg.Inch*1.6)/vg.Length(n)*0.7)
	for si, st := range d.Stages {
		vals := make(plotter.Values, n)
		for i, g := range d.Groups {
			vals[n-1-i] = float64(g.Counts[si])
		}
		bc, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return fmt.Errorf("stage bars: %w", err)
		}
		bc.Horizontal = true
		bc.Color = stageColor(st)
		bc.LineStyle.Width = 0
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		f.p.Add(bc)
		name := l.Stage(st)
		f.legend.Add(name, bc)
		legend = append(legend, name)
	}
	f.p.NominalY(names...)
	f.p.X.Min = 0
	f.p.X.Tick.Marker = intTicks{}
	return f.save(path, legend)
}

// intTicks labels count axes with whole numbers only.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	out := ticks[:0]
	for _, t := range ticks {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
		out = append(out, t)
	}
	return out
}

func drawTrend(l *labels, m *model, tr trendData, path, title string, sites bool) error {
	has := false
	for _, s := range append(tr.Sites, tr.Regions...) {
		has = has || !s.empty()
	}
	if !has {
		return saveNoData(l, title, path, chartW, chartH)
	}
	f := l.newFigure(title, l.T("ax_date")+" ("+m.loc.String()+")", l.T("ax_score"), chartW, chartH)
	f.grid(false)
	f.timeAxis(l, m.loc)
	var legend []string
	if sites {
		thin := draw.LineStyle{Color: colSite, Width: vg.Points(0.6)}
		for _, s := range tr.Sites {
			if err := addSeries(f, s, thin, ""); err != nil {
				return err
			}
		}
		legend = append(legend, l.T("sites"))
		f.legend.Add(l.T("sites"), &plotter.Line{LineStyle: thin})
	}
	for i, s := range tr.Regions {
		name := chartText(s.Label, 32) + " (" + l.T("s_median") + ")"
		if err := addSeries(f, s, lineStyle(i, vg.Points(2.2)), name); err != nil {
			return err
		}
		legend = append(legend, name)
	}
	f.p.Y.Min, f.p.Y.Max = 0, 100
	return f.save(path, legend)
}

// axisLabels returns the title and axis titles of a date chart.
func axisLabels(l *labels, m *model, title, ylabel string) (string, string, string) {
	return title, l.T("ax_date") + " (" + m.loc.String() + ")", ylabel
}

func drawRanking(l *labels, r rankingData, path string) error {
	title := l.T("ch_ranking")
	if r.Omitted > 0 {
		half := len(r.Rows) / 2
		title += " — " + fmt.Sprintf(l.T("ch_ranking_top"), half, len(r.Rows)-half, r.Total)
	}
	if len(r.Rows) == 0 {
		return saveNoData(l, title, path, chartW, chartH)
	}
	n := len(r.Rows)
	h := tallHeight(n)
	f := l.newFigure(title, l.T("ax_score"), "", chartW, h)
	f.grid(true)
	names := make([]string, n)
	width := min(vg.Points(14), (h-vg.Inch*1.6)/vg.Length(n)*0.75)
	used := map[egovbench.Stage]bool{}
	var vals plotter.XYs
	var labs []string
	for i, row := range r.Rows {
		pos := n - 1 - i // best at the top
		names[pos] = strconv.Itoa(row.Rank) + ". " + chartText(row.Label, chartLabelMx)
		bc, err := plotter.NewBarChart(plotter.Values{row.Score}, width)
		if err != nil {
			return fmt.Errorf("ranking bar: %w", err)
		}
		bc.Horizontal = true
		bc.XMin = float64(pos)
		bc.Color = stageColor(row.Stage)
		bc.LineStyle.Width = 0
		f.p.Add(bc)
		used[row.Stage] = true
		vals = append(vals, plotter.XY{X: row.Score, Y: float64(pos)})
		labs = append(labs, " "+l.Num(row.Score, 1))
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: vals, Labels: labs})
	if err != nil {
		return fmt.Errorf("ranking labels: %w", err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = vg.Points(9)
		lab.TextStyle[i].Font.Variant = "Sans"
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	f.p.Add(lab)
	var legend []string
	for _, st := range allStages {
		if used[st] {
			legend = append(legend, l.Stage(st))
			f.legend.Add(l.Stage(st), swatchOf(stageColor(st)))
		}
	}
	f.p.NominalY(names...)
	f.p.X.Min, f.p.X.Max = 0, 108 // room for the value labels
	f.p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}}
	return f.save(path, legend)
}

// swatchThumb is a legend thumbnail filled with one colour.
type swatchThumb struct{ c color.Color }

func (s swatchThumb) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(s.c, c.ClipPolygonY(pts))
}

func swatchOf(c color.Color) plot.Thumbnailer { return swatchThumb{c} }

// drawCoverage draws the share of sites meeting each indicator of one
// criterion (group gi of c); gi < 0 or an empty coverage draws "no data".
func drawCoverage(l *labels, c coverageData, gi int, title, path string) error {
	if gi < 0 || gi >= len(c.Groups) || len(c.Groups[gi].Items) == 0 || c.Assessed == 0 {
		return saveNoData(l, title, path, chartW, chartH)
	}
	g := c.Groups[gi]
	n := len(g.Items)
	h := max(chartH*0.55, vg.Length(n)*vg.Points(22)+vg.Inch*1.6)
	f := l.newFigure(chartText(title, 90)+" (n = "+strconv.Itoa(c.Assessed)+")", l.T("ax_share"), "", chartW, h)
	f.p.Title.TextStyle.Font.Size = vg.Points(16)
	f.grid(true)
	names := make([]string, n)
	width := min(vg.Points(16), (h-vg.Inch*1.6)/vg.Length(n)*0.75)
	col := seriesColors[gi%len(seriesColors)]
	var vals plotter.XYs
	var labs []string
	for i, it := range g.Items {
		pos := n - 1 - i
		names[pos] = chartText(it.Label, 64)
		bc, err := plotter.NewBarChart(plotter.Values{100 * it.Share}, width)
		if err != nil {
			return fmt.Errorf("coverage bar: %w", err)
		}
		bc.Horizontal = true
		bc.XMin = float64(pos)
		bc.Color = col
		bc.LineStyle.Width = 0
		f.p.Add(bc)
		vals = append(vals, plotter.XY{X: 100 * it.Share, Y: float64(pos)})
		labs = append(labs, " "+l.Num(100*it.Share, 0))
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: vals, Labels: labs})
	if err != nil {
		return fmt.Errorf("coverage labels: %w", err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = vg.Points(12)
		lab.TextStyle[i].Font.Variant = "Sans"
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	f.p.Add(lab)
	f.p.NominalY(names...)
	f.p.Y.Tick.Label.Font.Size = vg.Points(13)
	f.p.X.Min, f.p.X.Max = 0, 108
	f.p.X.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 25, Label: "25"}, {Value: 50, Label: "50"}, {Value: 75, Label: "75"}, {Value: 100, Label: "100"}}
	return f.save(path, nil)
}

// uptimeYMin picks the lower bound of an availability axis: availability
// usually sits near 100 %, where a 0-100 axis would hide every dip, so the
// axis starts at the lowest value rounded down to ten (the ticks say so).
func uptimeYMin(series ...timeSeries) float64 {
	lo := 100.0
	for _, s := range series {
		for _, seg := range s.Segments {
			for _, p := range seg {
				lo = math.Min(lo, p.V)
			}
		}
	}
	return math.Max(0, math.Floor((lo-1)/10)*10)
}

func drawUptime(l *labels, m *model, title string, series []timeSeries, styles []draw.LineStyle, path string, w, h vg.Length) error {
	return drawLines(l, m, title, l.T("ax_uptime"), series, func(i int) draw.LineStyle { return styles[i] },
		func(f *figure) { f.p.Y.Min, f.p.Y.Max = uptimeYMin(series...), 100 }, path, w, h)
}

func drawLatency(l *labels, m *model, title string, series []timeSeries, path string, w, h vg.Length) error {
	return drawLines(l, m, title, l.T("ax_latency"), series, func(i int) draw.LineStyle { return lineStyle(i, vg.Points(1.6)) },
		func(f *figure) { f.p.Y.Min = 0 }, path, w, h)
}

// drawLines draws time series as lines on a local-time axis; setY fixes the
// value axis once the series have been added.
func drawLines(l *labels, m *model, title, yAxis string, series []timeSeries, style func(i int) draw.LineStyle,
	setY func(*figure), path string, w, h vg.Length) error {
	has := false
	for _, s := range series {
		has = has || !s.empty()
	}
	if !has {
		return saveNoData(l, title, path, w, h)
	}
	t, x, y := axisLabels(l, m, title, yAxis)
	f := l.newFigure(t, x, y, w, h)
	f.grid(false)
	f.timeAxis(l, m.loc)
	var legend []string
	for i, s := range series {
		name := chartText(s.Label, 32)
		if err := addSeries(f, s, style(i), name); err != nil {
			return err
		}
		legend = append(legend, name)
	}
	setY(f)
	return f.save(path, legend)
}

// grid7x24 adapts a weekday x hour table to gonum's GridXYZ; missing cells are NaN.
type grid7x24 struct {
	cells *[7][24]*float64
	rows  int
	cols  int
}

func (g grid7x24) Dims() (c, r int) { return g.cols, g.rows }
func (g grid7x24) Z(c, r int) float64 {
	// Row 0 is drawn at the bottom; Monday belongs at the top.
	v := g.cells[g.rows-1-r][c]
	if v == nil {
		return math.NaN()
	}
	return *v
}
func (g grid7x24) X(c int) float64 { return float64(c) }
func (g grid7x24) Y(r int) float64 { return float64(r) }

// ramp is a palette interpolated between two colours.
type ramp struct{ from, to color.RGBA }

func (r ramp) Colors() []color.Color {
	const n = 64
	out := make([]color.Color, n)
	for i := range out {
		t := float64(i) / (n - 1)
		mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + t*(float64(b)-float64(a)))) }
		out[i] = color.RGBA{mix(r.from.R, r.to.R), mix(r.from.G, r.to.G), mix(r.from.B, r.to.B), 0xff}
	}
	return out
}

var (
	colPale = color.RGBA{0xff, 0xf7, 0xec, 0xff}
	colBad  = color.RGBA{0xb3, 0x00, 0x00, 0xff}
)

// drawHeat draws a weekday x hour heat map with every cell labelled and a
// colour key beside it (five steps of the scale, and the colour of hours
// without probes); darker always means worse. unit follows the key's values.
func drawHeat(l *labels, hp hourProfileData, cells *[7][24]*float64, title string, worseHigh bool, format func(float64) string, unit, path string) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for d := range cells {
		for h := range cells[d] {
			if v := cells[d][h]; v != nil && finite(*v) {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return saveNoData(l, title, path, chartW, chartH*0.8)
	}
	if hi-lo < 1e-9 {
		hi = lo + 1 // a flat profile must not divide by zero inside gonum
	}
	pal := ramp{colPale, colBad}
	if !worseHigh {
		pal = ramp{colBad, colPale}
	}
	f := l.newFigure(title+" ("+hp.Zone+")", l.T("ax_hour"), l.T("ax_weekday"), chartW, chartH*0.8)
	g := grid7x24{cells: cells, rows: 7, cols: 24}
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = lo, hi
	hm.NaN = colNoDat
	f.p.Add(hm)
	var xys plotter.XYs
	var labs []string
	var styles []color.Color
	for r := 0; r < 7; r++ {
		for c := 0; c < 24; c++ {
			v := g.Z(c, r)
			if math.IsNaN(v) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(c), Y: float64(r)})
			labs = append(labs, format(v))
			// White text on the darker half of the ramp keeps contrast.
			t := (v - lo) / (hi - lo)
			if !worseHigh {
				t = 1 - t
			}
			if t > 0.55 {
				styles = append(styles, color.White)
			} else {
				styles = append(styles, color.Black)
			}
		}
	}
	if len(xys) > 0 {
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labs})
		if err != nil {
			return fmt.Errorf("heat labels: %w", err)
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font.Size = vg.Points(8.5)
			lab.TextStyle[i].Font.Variant = "Sans"
			lab.TextStyle[i].XAlign = draw.XCenter
			lab.TextStyle[i].YAlign = draw.YCenter
			lab.TextStyle[i].Color = styles[i]
		}
		f.p.Add(lab)
	}
	var xt []plot.Tick
	for h := 0; h < 24; h++ {
		xt = append(xt, plot.Tick{Value: float64(h), Label: fmt.Sprintf("%02d", h)})
	}
	var yt []plot.Tick
	for r := 0; r < 7; r++ {
		yt = append(yt, plot.Tick{Value: float64(r), Label: hp.Weekdays[6-r]})
	}
	f.p.X.Tick.Marker = plot.ConstantTicks(xt)
	f.p.Y.Tick.Marker = plot.ConstantTicks(yt)
	f.p.X.Min, f.p.X.Max = -0.5, 23.5
	f.p.Y.Min, f.p.Y.Max = -0.5, 6.5
	legend := heatKey(f, pal, lo, hi, worseHigh, func(v float64) string { return format(v) + " " + unit }, l.T("no_probes"))
	return f.save(path, legend)
}

// heatKey adds the colour key of a heat map to the figure's legend, best
// value first, and returns its labels: the colour a value gets is the one
// gonum's HeatMap picks for it from pal over [lo, hi].
func heatKey(f *figure, pal ramp, lo, hi float64, worseHigh bool, label func(float64) string, noData string) []string {
	cols := pal.Colors()
	var names []string
	for k := 0; k < 5; k++ {
		t := float64(k) / 4
		if !worseHigh {
			t = 1 - t
		}
		v := lo + t*(hi-lo)
		idx := int((v-lo)*float64(len(cols)-1)/(hi-lo) + 0.5)
		name := label(v)
		f.legend.Add(name, swatchOf(cols[max(0, min(len(cols)-1, idx))]))
		names = append(names, name)
	}
	f.legend.Add(noData, swatchOf(colNoDat))
	return append(names, noData)
}

// drawTransitions draws the stage transition grid; baseline names the
// baseline the reader chose ("" for the run before the latest).
func drawTransitions(l *labels, tr transitionsData, baseline, path string) error {
	title, yLabel := l.T("ch_transitions"), l.T("ax_prev_stage")
	if baseline != "" {
		title, yLabel = fmt.Sprintf(l.T("ch_transitions_since"), baseline), l.T("ax_base_stage")
	}
	if tr.Compared == 0 {
		return saveNoData(l, title, path, chartW, chartH)
	}
	f := l.newFigure(title+" (n = "+strconv.Itoa(tr.Compared)+")", l.T("ax_last_stage"), yLabel, chartW, chartH)
	n := len(tr.Stages)
	// Cells are squares drawn as polygons: diagonal (no move) grey, above it
	// (moved up) green, below (moved down) red, shade by count.
	maxc := 0
	for i := range tr.Matrix {
		for j := range tr.Matrix[i] {
			maxc = max(maxc, tr.Matrix[i][j])
		}
	}
	var xys plotter.XYs
	var labs []string
	for from := 0; from < n; from++ {
		for to := 0; to < n; to++ {
			cnt := tr.Matrix[from][to]
			y := float64(n - 1 - from) // previous stage "none" at the top
			base := color.RGBA{0x9e, 0x9e, 0x9e, 0xff}
			switch {
			case to > from:
				base = color.RGBA{0x1a, 0x98, 0x50, 0xff}
			case to < from:
				base = color.RGBA{0xd7, 0x30, 0x27, 0xff}
			}
			alpha := 0.06
			if cnt > 0 {
				alpha = 0.2 + 0.8*float64(cnt)/float64(maxc)
			}
			poly, err := plotter.NewPolygon(plotter.XYs{{X: float64(to) - 0.48, Y: y - 0.48}, {X: float64(to) + 0.48, Y: y - 0.48}, {X: float64(to) + 0.48, Y: y + 0.48}, {X: float64(to) - 0.48, Y: y + 0.48}})
			if err != nil {
				return fmt.Errorf("transition cell: %w", err)
			}
			poly.Color = blend(base, alpha)
			poly.LineStyle.Width = 0
			f.p.Add(poly)
			xys = append(xys, plotter.XY{X: float64(to), Y: y})
			labs = append(labs, strconv.Itoa(cnt))
		}
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labs})
	if err != nil {
		return fmt.Errorf("transition labels: %w", err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = vg.Points(16)
		lab.TextStyle[i].Font.Variant = "Sans"
		lab.TextStyle[i].XAlign = draw.XCenter
		lab.TextStyle[i].YAlign = draw.YCenter
	}
	f.p.Add(lab)
	var xt, yt []plot.Tick
	for i, st := range tr.Stages {
		xt = append(xt, plot.Tick{Value: float64(i), Label: l.Stage(st)})
		yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: l.Stage(st)})
	}
	f.p.X.Tick.Marker = plot.ConstantTicks(xt)
	f.p.Y.Tick.Marker = plot.ConstantTicks(yt)
	f.p.X.Min, f.p.X.Max = -0.5, float64(n)-0.5
	f.p.Y.Min, f.p.Y.Max = -0.5, float64(n)-0.5
	legend := []string{l.T("moved_up"), l.T("moved_down")}
	f.legend.Add(legend[0], swatchOf(color.RGBA{0x1a, 0x98, 0x50, 0xff}))
	f.legend.Add(legend[1], swatchOf(color.RGBA{0xd7, 0x30, 0x27, 0xff}))
	return f.save(path, legend)
}

// blend mixes c over white with opacity a, giving an opaque colour.
func blend(c color.RGBA, a float64) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(math.Round(255 - a*(255-float64(v)))) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}
