package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A site page has one history figure: score, availability and response
// time stacked on one shared time axis. One figure instead of three keeps a
// 550-site report within its time budget (one file, one set of date labels,
// fewer pixels per site) and lets a reader see an outage line up with a
// latency spike or a score drop.
const (
	siteFigW = 8 * vg.Inch    // 768 px
	siteFigH = 6.5 * vg.Inch  // 624 px
	siteLegW = 1.55 * vg.Inch // legend column
)

// siteHistoryHasData reports whether a site's history figure would show anything.
func siteHistoryHasData(trend timeSeries, u uptimeSeries) bool {
	return !trend.empty() || !u.Check[0].empty() || !u.Time[0].empty() || !u.Latency[0].empty() || !u.Latency[1].empty()
}

// timeSpan is the x range shared by the panels, in unix seconds.
func timeSpan(series ...timeSeries) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, seg := range s.Segments {
			for _, p := range seg {
				x := float64(p.At.Unix())
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if hi-lo < 86400 { // one point or one day: widen so the axis has room
		lo, hi = lo-43200, hi+43200
	}
	return lo, hi
}

// blankLabels keeps the tick marks of an upper panel but not its date
// labels: the bottom panel carries them for all three.
type blankLabels struct{ plot.Ticker }

func (b blankLabels) Ticks(lo, hi float64) []plot.Tick {
	ts := b.Ticker.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = " "
		}
	}
	return ts
}

type sitePanel struct {
	title  string
	series []timeSeries
	styles []draw.LineStyle
	ymin   float64
	ymax   float64 // NaN: automatic
}

func drawSiteHistory(l *labels, m *model, trend timeSeries, u uptimeSeries, path string) error {
	lo, hi := timeSpan(trend, u.Check[0], u.Time[0], u.Latency[0], u.Latency[1])
	panels := []sitePanel{
		{title: l.T("ch_site_trend") + " (0–100)", series: []timeSeries{trend}, styles: []draw.LineStyle{{Color: seriesColors[0], Width: vg.Points(2)}}, ymin: 0, ymax: 100},
		{title: l.T("ch_site_uptime") + " (%)", series: []timeSeries{u.Check[0], u.Time[0]}, styles: twoStyles(), ymin: uptimeYMin(u.Check[0], u.Time[0]), ymax: 100},
		{title: l.T("ch_site_latency") + " (ms)", series: u.Latency, styles: []draw.LineStyle{lineStyle(0, vg.Points(1.4)), lineStyle(1, vg.Points(1.4))}, ymin: 0, ymax: math.NaN()},
	}
	plots := make([][]*plot.Plot, len(panels))
	legends := make([]plot.Legend, len(panels))
	f := l.newFigure("", "", "", siteFigW, siteFigH) // for the pool and styles only
	for i, pn := range panels {
		pf := l.newFigure(pn.title, "", "", siteFigW, siteFigH)
		pf.p.Title.TextStyle.Font.Size = vg.Points(13)
		pf.p.Title.Padding = vg.Points(4)
		pf.grid(false)
		pf.timeAxis(l, m.loc)
		pf.p.X.Tick.Marker = timeTicker{l: l, loc: m.loc, max: 7}
		if i < len(panels)-1 {
			pf.p.X.Tick.Marker = blankLabels{pf.p.X.Tick.Marker}
		}
		pf.p.X.Min, pf.p.X.Max = lo, hi
		has := false
		for k, s := range pn.series {
			name := ""
			if len(pn.series) > 1 {
				name = chartText(s.Label, 24)
			}
			if err := addSeries(pf, s, pn.styles[k], name); err != nil {
				return err
			}
			has = has || !s.empty()
		}
		if !has {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: (lo + hi) / 2, Y: 0.5}}, Labels: []string{l.T("no_data")}})
			if err != nil {
				return fmt.Errorf("no-data label: %w", err)
			}
			lab.TextStyle[0].Handler = pf.text
			lab.TextStyle[0].Font.Variant = "Sans"
			lab.TextStyle[0].Font.Size = vg.Points(14)
			lab.TextStyle[0].Color = color.Gray{Y: 0x70}
			lab.TextStyle[0].XAlign = draw.XCenter
			lab.TextStyle[0].YAlign = draw.YCenter
			pf.p.Add(lab)
			pf.p.Y.Min, pf.p.Y.Max = 0, 1
			pf.p.Y.Tick.Marker = plot.ConstantTicks{}
		} else {
			pf.p.Y.Min = pn.ymin
			if !math.IsNaN(pn.ymax) {
				pf.p.Y.Max = pn.ymax
			}
		}
		plots[i] = []*plot.Plot{pf.p}
		legends[i] = pf.legend
	}
	return f.saveWith(path, func(dc draw.Canvas) {
		area := draw.Crop(dc, 0, -siteLegW, 0, 0)
		tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(6), PadTop: vg.Points(4), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(4)}
		cs := plot.Align(plots, tiles, area)
		for i := range plots {
			plots[i][0].Draw(cs[i][0])
			lc := cs[i][0]
			lc.Min.X, lc.Max.X = dc.Max.X-siteLegW+vg.Points(6), dc.Max.X
			lc.Max.Y -= vg.Points(26) // below the panel's title
			legends[i].Draw(lc)
		}
	})
}

// saveWith draws with fn onto a pooled canvas and writes the PNG.
func (f *figure) saveWith(path string, fn func(draw.Canvas)) error {
	pc := f.pool.get(f.w, f.h)
	defer f.pool.put(pc)
	fn(draw.New(f.pool.canvas(pc)))
	return writePNGFile(path, pc)
}
