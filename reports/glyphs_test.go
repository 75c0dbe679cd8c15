package reports

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// TestGlyphCacheSamePixels draws every chart of two reports (all chart
// kinds, rotated axis titles, hostile site names, both languages) once with
// the glyph and measure caches and once with vgimg and gonum's plain text
// handler doing all text, and wants the same PNG bytes: the caches are an
// optimisation, not a change of what is drawn or where.
func TestGlyphCacheSamePixels(t *testing.T) {
	tests := []struct {
		name string
		in   Input
	}{
		{"test-input", testInput()},
		{"hostile-year", synthInput(4, 365, 24*time.Hour, 30, true)},
	}
	for _, tt := range tests {
		for _, lang := range []string{"en", "id"} {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				in := tt.in
				in.Lang = lang
				cached, plain := build(&in), build(&in)
				plain.l.canvases = &canvasPool{plainText: true}
				dirC, dirP := t.TempDir(), t.TempDir()
				for _, d := range []string{dirC, dirP} {
					if err := os.MkdirAll(filepath.Join(d, "charts"), 0o755); err != nil {
						t.Fatal(err)
					}
				}
				jobsC, jobsP := cached.chartJobs(), plain.chartJobs()
				if len(jobsC) != len(jobsP) || len(jobsC) < 10 {
					t.Fatalf("%d and %d chart jobs", len(jobsC), len(jobsP))
				}
				for i := range jobsC {
					// Twice with the cache: the second draw hits it.
					for range 2 {
						if err := runJob(dirC, jobsC[i]); err != nil {
							t.Fatal(err)
						}
					}
					if err := runJob(dirP, jobsP[i]); err != nil {
						t.Fatal(err)
					}
					a, err := os.ReadFile(filepath.Join(dirC, jobsC[i].name))
					if err != nil {
						t.Fatal(err)
					}
					b, err := os.ReadFile(filepath.Join(dirP, jobsP[i].name))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(a, b) {
						t.Errorf("%s: differs with the glyph cache (%s)", jobsC[i].name, firstPixelDiff(t, a, b))
					}
				}
				if len(cached.l.canvases.glyphs.faces) == 0 || len(cached.l.canvases.measures.widths) == 0 {
					t.Error("the glyph or the measure cache was not used")
				}
			})
		}
	}
}

func firstPixelDiff(t *testing.T, a, b []byte) string {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		return "sizes " + ia.Bounds().String() + " and " + ib.Bounds().String()
	}
	n, first := 0, image.Point{-1, -1}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	return first.String() + " first of " + itoa(n) + " pixels"
}

// TestGlyphCacheFull draws a string through a face whose cache is full
// (glyphs drawn uncached) and through an empty one: same pixels, and the
// full cache does not grow.
func TestGlyphCacheFull(t *testing.T) {
	fnt := font.DefaultCache.Lookup(font.Font{Variant: "Sans", Size: vg.Points(11)}, vg.Points(11))
	var empty, full glyphCache
	fe, ff := empty.face(fnt, chartDPI), full.face(fnt, chartDPI)
	for i := range maxGlyphs {
		ff.glyphs[glyphKey{r: rune(0x10000 + i)}] = &glyph{}
	}
	a, b, white := image.NewRGBA(image.Rect(0, 0, 200, 30)), image.NewRGBA(image.Rect(0, 0, 200, 30)), image.NewRGBA(image.Rect(0, 0, 200, 30))
	for _, img := range []*image.RGBA{a, b, white} {
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
	}
	const s = "Jan 2026 — Ketersediaan (%)"
	fe.drawString(a, color.Black, s, 3.3, 20.6)
	ff.drawString(b, color.Black, s, 3.3, 20.6)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("a full cache draws other pixels")
	}
	if bytes.Equal(a.Pix, white.Pix) || len(fe.glyphs) == 0 {
		t.Error("nothing drawn or cached")
	}
	if len(ff.glyphs) != maxGlyphs {
		t.Errorf("full cache has %d glyphs, want %d", len(ff.glyphs), maxGlyphs)
	}
}
