package dist

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
	"github.com/klauspost/compress/zstd"
)

// Job is one site to crawl in one run.
type Job struct {
	Run    int64            `json:"run"`
	Target egovbench.Target `json:"target"`
	// Delay is the run's politeness delay: the next site of the job's key
	// starts, on any machine, no sooner than this after the crawl of this
	// one ended (longer when the crawl says so: Crawled.NotBefore).
	Delay time.Duration `json:"delay,omitempty"`
	// MaxTime bounds one attempt at the site (0: the worker's MaxJobTime).
	MaxTime time.Duration `json:"max_time,omitempty"`
	// Settings are the run's crawl settings as the hub encoded them, the
	// same for every job of the run: workers crawl with them, so the run
	// is made with the settings its record shows. This package does not
	// read them.
	Settings json.RawMessage `json:"settings,omitempty"`
}

// Result is what a worker sends back for one job: the snapshot and its
// assessment, or, when the site failed for good, the reason.
type Result struct {
	Run      int64
	TargetID string
	Snapshot egovbench.Snapshot
	// Assessment is set with Snapshot.
	Assessment egovbench.Assessment
	// Failed is the reason a site could not be crawled at all (the crawl
	// or analysis crashed, or never finished, MaxDeliver times); it is
	// empty for a result. It is not an outcome of the site: a site that
	// is down is a Snapshot with its outcome.
	Failed string
	// Attempts is how many deliveries the job took.
	Attempts int
}

// header is the JSON part of an encoded result. Page bodies travel after
// it as raw bytes (their JSON field is "-"), so they are compressed as
// they are instead of as base64.
type header struct {
	Run        int64                 `json:"run"`
	TargetID   string                `json:"target_id"`
	Snapshot   *egovbench.Snapshot   `json:"snapshot,omitempty"`
	Assessment *egovbench.Assessment `json:"assessment,omitempty"`
	Failed     string                `json:"failed,omitempty"`
	Attempts   int                   `json:"attempts"`
	// BodyLens holds each page's body length, -1 for a nil body.
	BodyLens []int `json:"body_lens,omitempty"`
}

// maxResultBytes bounds a decoded result, so a corrupt or hostile message
// cannot exhaust the hub's memory.
const maxResultBytes = 512 << 20

var (
	encOnce sync.Once
	enc     *zstd.Encoder
	dec     *zstd.Decoder
)

func codecs() {
	encOnce.Do(func() {
		enc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		dec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxResultBytes))
	})
}

// encodeResult is zstd(uvarint len(header) | header JSON | bodies...).
func encodeResult(r Result) ([]byte, error) {
	h := header{Run: r.Run, TargetID: r.TargetID, Failed: r.Failed, Attempts: r.Attempts}
	if r.Failed == "" {
		h.Snapshot, h.Assessment = &r.Snapshot, &r.Assessment
		h.BodyLens = make([]int, len(r.Snapshot.Pages))
		for i, p := range r.Snapshot.Pages {
			h.BodyLens[i] = len(p.Body)
			if p.Body == nil {
				h.BodyLens[i] = -1
			}
		}
	}
	js, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode result %s: %w", r.TargetID, err)
	}
	var buf bytes.Buffer
	buf.Write(binary.AppendUvarint(nil, uint64(len(js))))
	buf.Write(js)
	if r.Failed == "" {
		for _, p := range r.Snapshot.Pages {
			buf.Write(p.Body)
		}
	}
	codecs()
	return enc.EncodeAll(buf.Bytes(), nil), nil
}

// decodeResult reverses encodeResult and refuses anything inconsistent.
func decodeResult(b []byte) (Result, error) {
	codecs()
	raw, err := dec.DecodeAll(b, nil)
	if err != nil {
		return Result{}, fmt.Errorf("decode result: %w", err)
	}
	rd := bytes.NewReader(raw)
	n, err := binary.ReadUvarint(rd)
	if err != nil || n > uint64(rd.Len()) {
		return Result{}, errors.New("decode result: bad header length")
	}
	js := make([]byte, n)
	if _, err := io.ReadFull(rd, js); err != nil {
		return Result{}, fmt.Errorf("decode result: %w", err)
	}
	var h header
	if err := json.Unmarshal(js, &h); err != nil {
		return Result{}, fmt.Errorf("decode result: %w", err)
	}
	r := Result{Run: h.Run, TargetID: h.TargetID, Failed: h.Failed, Attempts: h.Attempts}
	if h.TargetID == "" || h.Run == 0 {
		return r, errors.New("decode result: no run or target")
	}
	if h.Failed != "" {
		return r, nil
	}
	if h.Snapshot == nil || h.Assessment == nil || len(h.BodyLens) != len(h.Snapshot.Pages) {
		return r, fmt.Errorf("decode result %s: snapshot, assessment or bodies missing", h.TargetID)
	}
	r.Snapshot, r.Assessment = *h.Snapshot, *h.Assessment
	rest := raw[len(raw)-rd.Len():]
	for i, l := range h.BodyLens {
		if l < 0 {
			continue
		}
		if l > len(rest) {
			return r, fmt.Errorf("decode result %s: page %d: body cut short", h.TargetID, i)
		}
		r.Snapshot.Pages[i].Body, rest = rest[:l:l], rest[l:]
	}
	if len(rest) != 0 {
		return r, fmt.Errorf("decode result %s: %d trailing bytes", h.TargetID, len(rest))
	}
	return r, nil
}
