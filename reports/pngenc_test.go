package reports

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/adler32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/zlib"
)

// TestEncodePNG round-trips images through encodePNG and image/png, and
// wants the bytes of the plain implementation (a zlib.Writer at BestSpeed,
// a byte loop for the filter): the word-at-a-time filter and checksum are
// optimisations only.
func TestEncodePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noisy := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(rng.IntN(256))
	}
	// A chart-like image: white, a few lines and dots, long zero runs once
	// filtered (the checksum's fast path), wider than zlib's 5552-byte NMAX.
	sparse := image.NewRGBA(image.Rect(0, 0, 2000, 60))
	for i := range sparse.Pix {
		sparse.Pix[i] = 0xff
	}
	for x := 0; x < 2000; x++ {
		sparse.SetRGBA(x, 30, color.RGBA{R: 0x4e, G: 0x79, B: 0xa7, A: 0xff})
	}
	for y := 0; y < 60; y++ {
		sparse.SetRGBA(1999, y, color.RGBA{A: 0xff})
		if y%3 == 0 { // the other rows repeat the row above (the fast path)
			sparse.SetRGBA(rng.IntN(2000), y, color.RGBA{R: 0xe1, G: 0x57, B: 0x59, A: 0xff})
		}
	}
	tests := []struct {
		name string
		img  *image.RGBA
	}{
		{"noisy-odd-width", noisy},
		{"sparse", sparse},
		{"sub-image", sparse.SubImage(image.Rect(3, 5, 1000, 41)).(*image.RGBA)},
		{"one-pixel", noisy.SubImage(image.Rect(36, 22, 37, 23)).(*image.RGBA)},
	}
	for _, tt := range tests {
		for _, reuse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reuse=%v", tt.name, reuse), func(t *testing.T) {
				img := tt.img
				for i := 3; i < len(img.Pix); i += 4 {
					img.Pix[i] = 0xff
				}
				pc := (&canvasPool{}).get(vg37(), vg23())
				fw := pc.fw
				if !reuse {
					fw = nil
				}
				var buf bytes.Buffer
				if err := encodePNG(&buf, img, fw); err != nil {
					t.Fatal(err)
				}
				if want := plainEncodePNG(t, img); !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%d bytes, the plain encoder's are %d bytes and differ", buf.Len(), len(want))
				}
				dec, err := png.Decode(&buf)
				if err != nil {
					t.Fatal(err)
				}
				b := img.Bounds()
				if dec.Bounds().Size() != b.Size() {
					t.Fatalf("size %v, want %v", dec.Bounds().Size(), b.Size())
				}
				for y := 0; y < b.Dy(); y++ {
					for x := 0; x < b.Dx(); x++ {
						r1, g1, b1, _ := dec.At(x, y).RGBA()
						c := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
						if uint8(r1>>8) != c.R || uint8(g1>>8) != c.G || uint8(b1>>8) != c.B {
							t.Fatalf("pixel %d,%d differs", x, y)
						}
					}
				}
			})
		}
	}
}

// plainEncodePNG is encodePNG as it was written first: byte loops and a
// zlib.Writer.
func plainEncodePNG(t *testing.T, img *image.RGBA) []byte {
	t.Helper()
	var w bytes.Buffer
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	w.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, 2
	if err := writeChunk(&w, "IHDR", ihdr[:]); err != nil {
		t.Fatal(err)
	}
	cw := &chunkWriter{w: &w, buf: make([]byte, 0, 1<<16)}
	zw, err := zlib.NewWriterLevel(cw, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 1+3*width)
	row[0] = 2
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.RGBAAt(x, y)
			var p color.RGBA
			if y > b.Min.Y {
				p = img.RGBAAt(x, y-1)
			}
			o := 1 + 3*(x-b.Min.X)
			row[o], row[o+1], row[o+2] = c.R-p.R, c.G-p.G, c.B-p.B
		}
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cw.flush(); err != nil {
		t.Fatal(err)
	}
	if err := writeChunk(&w, "IEND", nil); err != nil {
		t.Fatal(err)
	}
	return w.Bytes()
}

// TestAdler32Update compares the zero-skipping checksum with hash/adler32,
// fed whole and in pieces, on the inputs that stress it: long zero runs,
// all-0xff (the fastest growth of s2) past zlib's NMAX, odd tails; and
// adler32Zeros with adler32Update of zeros after each.
func TestAdler32Update(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sparse := make([]byte, 100_003)
	for i := 0; i < len(sparse); i += 1 + rng.IntN(300) {
		sparse[i] = uint8(rng.IntN(256))
	}
	random := make([]byte, 20_001)
	for i := range random {
		random[i] = uint8(rng.IntN(256))
	}
	tests := []struct {
		name string
		p    []byte
	}{
		{"empty", nil},
		{"one", []byte{7}},
		{"seven", []byte{1, 2, 3, 4, 5, 6, 7}},
		{"zeros", make([]byte, 100_000)},
		{"ones-then-zeros", append(bytes.Repeat([]byte{0xff}, 5000), make([]byte, 70_000)...)},
		{"all-ff", bytes.Repeat([]byte{0xff}, 100_001)},
		{"sparse", sparse},
		{"random", random},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := adler32.Checksum(tt.p)
			if got := adler32Update(1, tt.p); got != want {
				t.Fatalf("whole: %08x, want %08x", got, want)
			}
			sum := uint32(1)
			for p := tt.p; len(p) > 0; {
				k := min(len(p), 1+rng.IntN(9000))
				sum, p = adler32Update(sum, p[:k]), p[k:]
			}
			if sum != want {
				t.Fatalf("in pieces: %08x, want %08x", sum, want)
			}
			for _, n := range []int{0, 1, 9, 5552, 100_000} {
				if got, want := adler32Zeros(sum, n), adler32Update(sum, make([]byte, n)); got != want {
					t.Errorf("then %d zeros: %08x, want %08x", n, got, want)
				}
			}
		})
	}
}
