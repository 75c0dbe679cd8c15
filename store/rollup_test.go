package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHistQuantileAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		gen  func() int64
	}{
		{"uniform 50-500ms", func() int64 { return 50_000 + r.Int64N(450_000) }},
		{"lognormal", func() int64 { return int64(math.Exp(r.NormFloat64()*0.8 + 12)) }},
		{"constant", func() int64 { return 123_456 }},
		{"tiny", func() int64 { return r.Int64N(3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h hist
			vals := make([]int64, 5000)
			for i := range vals {
				vals[i] = tc.gen()
				h.add(vals[i])
			}
			slices.Sort(vals)
			exact := vals[int(math.Ceil(0.95*float64(len(vals))))-1]
			got, ok := h.quantile(0.95)
			if !ok {
				t.Fatal("empty")
			}
			a := agg{hasLat: true, latMinUS: vals[0], latMaxUS: vals[len(vals)-1], hist: h}
			p, _ := a.p95()
			// One bucket spans a factor 2^(1/8); its middle is within 4.5% of anything in it.
			if exact > 2 && math.Abs(float64(p-exact))/float64(exact) > 0.045 {
				t.Errorf("p95 = %d (raw %d), exact %d", p, got, exact)
			}
			if p < vals[0] || p > vals[len(vals)-1] {
				t.Errorf("p95 %d outside [%d, %d]", p, vals[0], vals[len(vals)-1])
			}
			exact50 := vals[int(math.Ceil(0.5*float64(len(vals))))-1]
			p50, ok := a.p50()
			if !ok {
				t.Fatal("no p50")
			}
			if exact50 > 2 && math.Abs(float64(p50-exact50))/float64(exact50) > 0.045 {
				t.Errorf("p50 = %d, exact %d", p50, exact50)
			}
			if p50 < vals[0] || p50 > p {
				t.Errorf("p50 %d outside [%d, p95 %d]", p50, vals[0], p)
			}
			if h.total() != int64(len(vals)) {
				t.Errorf("total %d", h.total())
			}
		})
	}
}

func TestHistEncodeRoundTripAndMerge(t *testing.T) {
	var a, b, all hist
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		v := r.Int64N(1 << 33)
		if i%2 == 0 {
			a.add(v)
		} else {
			b.add(v)
		}
		all.add(v)
	}
	got, err := decodeHist(a.encode())
	if err != nil || !slices.Equal(got, a) {
		t.Fatalf("round trip: %v %v", err, got)
	}
	a.merge(b)
	if !slices.Equal(a, all) {
		t.Errorf("merge differs from adding all")
	}
	if h, err := decodeHist(nil); err != nil || len(h) != 0 {
		t.Errorf("empty: %v %v", h, err)
	}
	for _, bad := range [][]byte{{0x80}, {1}, {1, 0}, {0, 1, 0, 1}, {255, 1, 1}} {
		if _, err := decodeHist(bad); err == nil {
			t.Errorf("decodeHist(%v) accepted", bad)
		}
	}
}

func FuzzDecodeHist(f *testing.F) {
	var h hist
	for _, v := range []int64{0, 1, 1000, 250_000, 1 << 40} {
		h.add(v)
	}
	f.Add(h.encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHist(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to the same bytes and give a
		// quantile inside the bucket range.
		if enc := h.encode(); len(b) > 0 && string(enc) != string(b) {
			// Non-minimal varints decode too; re-decoding the canonical form must agree.
			h2, err := decodeHist(enc)
			if err != nil || !slices.Equal(h, h2) {
				t.Fatalf("re-encode mismatch")
			}
		}
		if q, ok := h.quantile(0.95); ok && (q < 0 || q > histValue(histBuckets-1)) {
			t.Fatalf("quantile %d out of range", q)
		}
	})
}

func TestHeldSpans(t *testing.T) {
	const cap = 15 * 60_000
	for _, tc := range []struct {
		name     string
		at, next int64
		windows  []span
		want     []span
	}{
		{"normal", 0, 300_000, nil, []span{{0, 300_000}}},
		{"capped gap", 0, 3_600_000, nil, []span{{0, cap}}},
		{"not after", 500, 500, nil, nil},
		{"window in the middle", 0, 300_000, []span{{100_000, 200_000}}, []span{{0, 100_000}, {200_000, 300_000}}},
		{"window covers", 0, 300_000, []span{{-1, 400_000}}, []span{}},
		{"windows overlap each other", 0, 300_000, []span{{50_000, 150_000}, {100_000, 250_000}}, []span{{0, 50_000}, {250_000, 300_000}}},
		{"window outside", 0, 300_000, []span{{300_000, 400_000}}, []span{{0, 300_000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := heldSpans(tc.at, tc.next, cap, tc.windows)
			if len(got) != len(tc.want) || (len(got) > 0 && !slices.Equal(got, tc.want)) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSplitSpan(t *testing.T) {
	var got [][2]int64
	splitSpan(span{hourMS - 1000, 3*hourMS + 5}, hourMS, func(b, l int64) { got = append(got, [2]int64{b, l}) })
	want := [][2]int64{{0, 1000}, {hourMS, hourMS}, {2 * hourMS, hourMS}, {3 * hourMS, 5}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
	if floorTo(-1, hourMS) != -hourMS {
		t.Errorf("floorTo negative = %d", floorTo(-1, hourMS))
	}
}

func TestAggCheck(t *testing.T) {
	var a agg
	a.check(true, true, false, 100)
	a.check(false, true, false, 999) // down: no latency
	a.check(false, false, false, 5)  // blocked
	a.check(true, true, true, 50)    // maintenance: nowhere but maintenance
	a.check(true, true, false, 300)
	if a.checks != 4 || a.successes != 2 || a.blocked != 1 || a.maintenance != 1 {
		t.Errorf("counts %+v", a)
	}
	if a.latSumUS != 400 || a.latMinUS != 100 || a.latMaxUS != 300 {
		t.Errorf("latency %+v", a)
	}
	r := a.rollup("x", fromMS(0))
	if u, ok := r.CheckUptime(); !ok || u != 2.0/3 {
		t.Errorf("check uptime %v %v", u, ok)
	}
}
