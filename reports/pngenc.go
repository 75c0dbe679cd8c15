package reports

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"io"

	"github.com/klauspost/compress/zlib"
)

// encodePNG writes img as an 8-bit RGB PNG with the "Up" filter on every
// row. image/png tries all five filters per row, which made encoding half
// the cost of a 550-site report; charts are opaque and flat, most rows equal
// the row above, so Up followed by fast deflate is both quick and small.
// Alpha is dropped: charts are drawn on an opaque white background.
//
// zw, when not nil, is a writer to reuse (it is Reset onto w); a new zlib
// writer allocates about a megabyte of tables.
func encodePNG(w io.Writer, img *image.RGBA, zw *zlib.Writer) error {
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	if width <= 0 || height <= 0 {
		return fmt.Errorf("empty image")
	}
	if _, err := w.Write([]byte("\x89PNG\r\n\x1a\n")); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, 2 // bit depth 8, colour type RGB; compression, filter, interlace 0
	if err := writeChunk(w, "IHDR", ihdr[:]); err != nil {
		return err
	}
	cw := &chunkWriter{w: w, buf: make([]byte, 0, 1<<16)}
	if zw == nil {
		var err error
		if zw, err = zlib.NewWriterLevel(cw, zlib.BestSpeed); err != nil {
			return err
		}
	} else {
		zw.Reset(cw)
	}
	row := make([]byte, 1+3*width)
	row[0] = 2 // Up
	x0 := (b.Min.X - img.Rect.Min.X) * 4
	var prev []byte
	for y := 0; y < height; y++ {
		off := (b.Min.Y+y-img.Rect.Min.Y)*img.Stride + x0
		pix := img.Pix[off : off+4*width : off+4*width]
		out := row[1 : 1+3*width : 1+3*width]
		if prev == nil {
			for x, o := 0, 0; x < len(pix); x, o = x+4, o+3 {
				out[o], out[o+1], out[o+2] = pix[x], pix[x+1], pix[x+2]
			}
		} else {
			for x, o := 0, 0; x < len(pix); x, o = x+4, o+3 {
				out[o], out[o+1], out[o+2] = pix[x]-prev[x], pix[x+1]-prev[x+1], pix[x+2]-prev[x+2]
			}
		}
		if _, err := zw.Write(row); err != nil {
			return err
		}
		prev = pix
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := cw.flush(); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

// chunkWriter packs the zlib stream into IDAT chunks of up to 64 KiB.
type chunkWriter struct {
	w   io.Writer
	buf []byte
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(c.buf)-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == cap(c.buf) {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := writeChunk(c.w, "IDAT", c.buf)
	c.buf = c.buf[:0]
	return err
}

func writeChunk(w io.Writer, typ string, data []byte) error {
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(len(data)))
	copy(hdr[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:8])
	crc.Write(data)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc.Sum32())
	for _, p := range [][]byte{hdr[:], data, sum[:]} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
