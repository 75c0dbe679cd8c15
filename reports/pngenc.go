package reports

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"io"

	"github.com/klauspost/compress/flate"
)

// encodePNG writes img as an 8-bit RGB PNG with the "Up" filter on every
// row. image/png tries all five filters per row, which made encoding half
// the cost of a 550-site report; charts are opaque and flat, most rows equal
// the row above, so Up followed by fast deflate is both quick and small.
// Alpha is dropped: charts are drawn on an opaque white background.
//
// The zlib framing is written here rather than by a zlib.Writer so that the
// checksum can skip the filtered rows' runs of zeros (adler32Update); the
// bytes are those a zlib.Writer at BestSpeed writes.
//
// fw, when not nil, is a BestSpeed deflate writer to reuse (it is Reset onto
// w); a new one allocates about a megabyte of tables.
func encodePNG(w io.Writer, img *image.RGBA, fw *flate.Writer) error {
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
	// RFC 1950 header: deflate with a 32 KiB window, "fastest" level, no
	// dictionary; 0x7801 is a multiple of 31 as the check bits require.
	if _, err := cw.Write([]byte{0x78, 0x01}); err != nil {
		return err
	}
	if fw == nil {
		var err error
		if fw, err = flate.NewWriter(cw, flate.BestSpeed); err != nil {
			return err
		}
	} else {
		fw.Reset(cw)
	}
	same := make([]byte, 1+3*width)
	buf := make([]byte, 1+3*width+1) // 1 byte of slack for upFilterRGB
	row := buf[:1+3*width]
	row[0], same[0] = 2, 2 // Up
	x0 := (b.Min.X - img.Rect.Min.X) * 4
	var prev []byte
	sum := uint32(1) // Adler-32 of nothing
	for y := 0; y < height; y++ {
		off := (b.Min.Y+y-img.Rect.Min.Y)*img.Stride + x0
		pix := img.Pix[off : off+4*width : off+4*width]
		out := row
		if prev != nil && bytes.Equal(pix, prev) {
			// Half the rows of a chart repeat the row above: their
			// filtered row is all zeros, and so is its checksum's work.
			out = same
			sum = adler32Zeros(adler32Update(sum, same[:1]), 3*width)
		} else {
			upFilterRGB(buf[1:], pix, prev)
			sum = adler32Update(sum, row)
		}
		if _, err := fw.Write(out); err != nil {
			return err
		}
		prev = pix
	}
	if err := fw.Close(); err != nil {
		return err
	}
	var trailer [4]byte
	binary.BigEndian.PutUint32(trailer[:], sum)
	if _, err := cw.Write(trailer[:]); err != nil {
		return err
	}
	if err := cw.flush(); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

// upFilterRGB writes into out the RGB bytes of the RGBA pixels pix minus
// those of prev (the row above; nil for the first row), byte by byte modulo
// 256: PNG's Up filter. It takes a pixel at a time as a uint32 and stores 4
// bytes for the 3 it fills, so out needs len(pix)/4*3 bytes plus 1 of slack.
func upFilterRGB(out, pix, prev []byte) {
	if prev == nil {
		for len(pix) >= 4 && len(out) >= 4 {
			binary.LittleEndian.PutUint32(out, binary.LittleEndian.Uint32(pix))
			pix, out = pix[4:], out[3:]
		}
		return
	}
	const hi = 0x80808080
	for len(pix) >= 4 && len(prev) >= 4 && len(out) >= 4 {
		a := binary.LittleEndian.Uint32(pix)
		c := binary.LittleEndian.Uint32(prev)
		// Bytewise a-c without borrows between bytes (Hacker's Delight 2-18).
		binary.LittleEndian.PutUint32(out, ((a|hi)-(c&^hi))^((a^^c)&hi))
		pix, prev, out = pix[4:], prev[4:], out[3:]
	}
}

// adler32Zeros is adler32Update of n zero bytes: s1 stays, s2 grows by n*s1.
func adler32Zeros(sum uint32, n int) uint32 {
	const mod = 65521
	s1, s2 := uint64(sum&0xffff), uint64(sum>>16)
	s2 = (s2 + uint64(n)%mod*s1) % mod
	return uint32(s2)<<16 | uint32(s1)
}

// adler32Update is hash/adler32's update: filtered chart rows are mostly
// zeros, and eight zero bytes only add eight times s1 to s2, so those are
// skipped a word at a time; stdlib's byte loop was a fifth of the encoding.
func adler32Update(sum uint32, p []byte) uint32 {
	const (
		mod = 65521
		// nmax is the most bytes before s2 may overflow 32 bits (zlib's
		// NMAX); zero bytes grow s2 no faster than others. A multiple of 8.
		nmax = 5552
	)
	s1, s2 := sum&0xffff, sum>>16
	for len(p) > 0 {
		q := p
		if len(q) > nmax {
			q = p[:nmax]
		}
		p = p[len(q):]
		for len(q) >= 8 {
			if binary.LittleEndian.Uint64(q) == 0 {
				s2 += 8 * s1
			} else {
				s1 += uint32(q[0])
				s2 += s1
				s1 += uint32(q[1])
				s2 += s1
				s1 += uint32(q[2])
				s2 += s1
				s1 += uint32(q[3])
				s2 += s1
				s1 += uint32(q[4])
				s2 += s1
				s1 += uint32(q[5])
				s2 += s1
				s1 += uint32(q[6])
				s2 += s1
				s1 += uint32(q[7])
				s2 += s1
			}
			q = q[8:]
		}
		for _, c := range q {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return s2<<16 | s1
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
