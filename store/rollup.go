package store

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// Latency histogram: fixed logarithmic buckets over microseconds, histSub
// buckets per doubling, so a p95 read from it is within about ±4.5% of the
// true value wherever the latency lies (1 µs to ~35 min). It is stored
// sparsely, which keeps an hour of twelve probes to a few bytes, and it
// merges by addition, which lets hourly rows accumulate across batches and
// daily and yearly figures be built from smaller ones.
const (
	histSub     = 8
	histBuckets = 31*histSub + 2 // bucket 0 holds < 1 µs; the last holds everything above 2^31 µs
)

// histBin is one non-empty histogram bucket.
type histBin struct {
	b int
	n int64
}

// hist is a sparse latency histogram, bins sorted by bucket.
type hist []histBin

// histBucket returns the bucket of a latency in microseconds.
func histBucket(v int64) int {
	if v < 1 {
		return 0
	}
	b := int(math.Floor(math.Log2(float64(v))*histSub)) + 1
	return min(max(b, 1), histBuckets-1)
}

// histValue is the value a bucket stands for: the geometric middle of its
// range (from a table: every quantile of every rollup read looks it up).
func histValue(b int) int64 {
	if b <= 0 {
		return 0
	}
	if b < histBuckets {
		return histValues[b]
	}
	return bucketMiddle(b)
}

// histValues holds histValue of each bucket; read only.
var histValues = func() (v [histBuckets]int64) {
	for b := 1; b < histBuckets; b++ {
		v[b] = bucketMiddle(b)
	}
	return v
}()

// bucketMiddle computes the geometric middle of bucket b's range.
func bucketMiddle(b int) int64 {
	lo := math.Exp2(float64(b-1) / histSub)
	hi := math.Exp2(float64(b) / histSub)
	return int64(math.Round(math.Sqrt(lo * hi)))
}

// add counts one latency (microseconds).
func (h *hist) add(v int64) { h.addN(histBucket(v), 1) }

func (h *hist) addN(b int, n int64) {
	s := *h
	i := sort.Search(len(s), func(i int) bool { return s[i].b >= b })
	if i < len(s) && s[i].b == b {
		s[i].n += n
		return
	}
	s = append(s, histBin{})
	copy(s[i+1:], s[i:])
	s[i] = histBin{b, n}
	*h = s
}

// merge adds every count of o.
func (h *hist) merge(o hist) {
	if len(*h) == 0 {
		*h = append(hist(nil), o...)
		return
	}
	for _, x := range o {
		h.addN(x.b, x.n)
	}
}

func (h hist) total() int64 {
	var t int64
	for _, x := range h {
		t += x.n
	}
	return t
}

// quantile estimates the q-quantile (0 < q <= 1) as the representative value
// of the bucket holding the rank ceil(q*n); ok is false for an empty histogram.
func (h hist) quantile(q float64) (int64, bool) {
	n := h.total()
	if n == 0 {
		return 0, false
	}
	rank := int64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var c int64
	for _, x := range h {
		c += x.n
		if c >= rank {
			return histValue(x.b), true
		}
	}
	return histValue(h[len(h)-1].b), true
}

// encode writes the histogram as uvarint pairs (bucket delta, count).
func (h hist) encode() []byte {
	if len(h) == 0 {
		return nil
	}
	buf := make([]byte, 0, len(h)*3)
	prev := 0
	for _, x := range h {
		buf = binary.AppendUvarint(buf, uint64(x.b-prev))
		buf = binary.AppendUvarint(buf, uint64(x.n))
		prev = x.b
	}
	return buf
}

var errBadHist = errors.New("corrupt latency histogram")

// decodeHist is the inverse of encode; it rejects anything encode cannot produce.
func decodeHist(buf []byte) (hist, error) { return decodeHistInto(nil, buf) }

// decodeHistInto is decodeHist appending to h (given empty, to reuse its
// storage).
func decodeHistInto(h hist, buf []byte) (hist, error) {
	prev := 0
	for len(buf) > 0 {
		d, k := binary.Uvarint(buf)
		if k <= 0 || d > histBuckets {
			return nil, errBadHist
		}
		buf = buf[k:]
		n, k := binary.Uvarint(buf)
		if k <= 0 || n == 0 || n > math.MaxInt64 {
			return nil, errBadHist
		}
		buf = buf[k:]
		b := prev + int(d)
		if (len(h) > 0 && d == 0) || b >= histBuckets {
			return nil, errBadHist
		}
		h = append(h, histBin{b, int64(n)})
		prev = b
	}
	return h, nil
}

// denseHist is a histogram with a counter per bucket: the cheap way to merge
// thousands of stored histograms (a year of days for one site).
type denseHist [histBuckets]int64

// addEncoded adds a stored histogram without materialising it.
func (d *denseHist) addEncoded(buf []byte) error {
	prev := 0
	first := true
	for len(buf) > 0 {
		delta, k := binary.Uvarint(buf)
		if k <= 0 || delta > histBuckets || (!first && delta == 0) {
			return errBadHist
		}
		buf = buf[k:]
		n, k := binary.Uvarint(buf)
		if k <= 0 || n == 0 || n > math.MaxInt64 {
			return errBadHist
		}
		buf = buf[k:]
		b := prev + int(delta)
		if b >= histBuckets {
			return errBadHist
		}
		d[b] += int64(n)
		prev, first = b, false
	}
	return nil
}

// sparse converts to the sparse form.
func (d *denseHist) sparse() hist {
	var h hist
	for b, n := range d {
		if n > 0 {
			h = append(h, histBin{b, n})
		}
	}
	return h
}

// agg accumulates one rollup bucket (an hour or a day of one target).
type agg struct {
	checks, successes, blocked, maintenance int64
	upUS, downUS                            int64
	latSumUS                                int64
	latMinUS, latMaxUS                      int64
	hasLat                                  bool
	hist                                    hist
}

// check counts one probe. Probes inside a maintenance window count only in
// maintenance; blocked probes count in checks and blocked, and never in the
// success ratio's denominator (see egovbench.Rollup.CheckUptime).
func (a *agg) check(up, counted, inMaintenance bool, totalUS int64) {
	if inMaintenance {
		a.maintenance++
		return
	}
	a.checks++
	if !counted {
		a.blocked++
		return
	}
	if !up {
		return
	}
	a.successes++
	a.latency(totalUS, totalUS, totalUS, hist{{histBucket(totalUS), 1}})
}

func (a *agg) latency(sum, lo, hi int64, h hist) {
	a.latSumUS += sum
	if !a.hasLat || lo < a.latMinUS {
		a.latMinUS = lo
	}
	if !a.hasLat || hi > a.latMaxUS {
		a.latMaxUS = hi
	}
	a.hasLat = true
	a.hist.merge(h)
}

// merge adds o into a.
func (a *agg) merge(o *agg) {
	a.checks += o.checks
	a.successes += o.successes
	a.blocked += o.blocked
	a.maintenance += o.maintenance
	a.upUS += o.upUS
	a.downUS += o.downUS
	if o.hasLat {
		a.latency(o.latSumUS, o.latMinUS, o.latMaxUS, o.hist)
	}
}

// p95 estimates the 95th percentile latency; see latencyQuantile.
func (a *agg) p95() (int64, bool) { return a.latencyQuantile(0.95) }

// p50 estimates the median latency; see latencyQuantile.
func (a *agg) p50() (int64, bool) { return a.latencyQuantile(0.5) }

// latencyQuantile estimates the q-quantile of latency from the histogram,
// clamped to the observed range so that a bucket's representative never
// leaves [min, max].
func (a *agg) latencyQuantile(q float64) (int64, bool) {
	v, ok := a.hist.quantile(q)
	if !ok || !a.hasLat {
		return 0, false
	}
	return min(max(v, a.latMinUS), a.latMaxUS), true
}

// span is a half-open interval [from, to) of Unix milliseconds.
type span struct{ from, to int64 }

// heldSpans returns the parts of the time after a probe at `at` during which
// its outcome is taken to hold: until the next probe at `next`, but at most
// gapCap, minus every maintenance window. Nothing is returned when next is
// not after at.
func heldSpans(at, next, gapCapMS int64, windows []span) []span {
	end := min(next, at+gapCapMS)
	if end <= at {
		return nil
	}
	return subtractSpans(span{at, end}, windows)
}

// subtractSpans returns s without the parts covered by any of ws, in order.
func subtractSpans(s span, ws []span) []span {
	out := []span{s}
	for _, w := range ws {
		if w.to <= s.from || w.from >= s.to {
			continue
		}
		var next []span
		for _, p := range out {
			if w.to <= p.from || w.from >= p.to {
				next = append(next, p)
				continue
			}
			if w.from > p.from {
				next = append(next, span{p.from, w.from})
			}
			if w.to < p.to {
				next = append(next, span{w.to, p.to})
			}
		}
		out = next
	}
	return out
}

// inSpans reports whether t lies in any of ws.
func inSpans(t int64, ws []span) bool {
	for _, w := range ws {
		if t >= w.from && t < w.to {
			return true
		}
	}
	return false
}

const (
	hourMS = int64(3600 * 1000)
	dayMS  = 24 * hourMS
)

// floorTo rounds t (Unix ms) down to a multiple of step, also for times before 1970.
func floorTo(t, step int64) int64 {
	r := t % step
	if r < 0 {
		r += step
	}
	return t - r
}

// splitSpan calls fn for each piece of s cut at multiples of step, with the
// piece's bucket start and length in milliseconds.
func splitSpan(s span, step int64, fn func(bucket, lenMS int64)) {
	for t := s.from; t < s.to; {
		b := floorTo(t, step)
		end := min(b+step, s.to)
		fn(b, end-t)
		t = end
	}
}
