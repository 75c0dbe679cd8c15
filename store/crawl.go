package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/egovbench/egovbench"
)

// SaveCrawl stores everything one crawl brought back for one target in a
// single transaction: page bodies (content-addressed; bodies already stored
// are found with one query and never recompressed), pages, external links,
// the probe (with its rollups and outages), the assessment when a.TargetID
// is set, and finally marks the target done in the run. A crash before
// commit leaves the target pending and nothing of it stored; saving a target
// the run already has is refused.
func (db *DB) SaveCrawl(ctx context.Context, snap egovbench.Snapshot, a egovbench.Assessment) error {
	if snap.TargetID == "" || snap.RunID == 0 {
		return fmt.Errorf("save crawl: snapshot needs a target and a run: %w", egovbench.ErrInvalid)
	}
	if a.TargetID != "" {
		if a.RunID == 0 {
			a.RunID = snap.RunID
		}
		if a.AssessedAt.IsZero() {
			a.AssessedAt = snap.StartedAt
		}
		if a.TargetID != snap.TargetID || a.RunID != snap.RunID {
			return fmt.Errorf("save crawl %q: assessment is for %q in run %d, snapshot for %q in run %d: %w",
				snap.TargetID, a.TargetID, a.RunID, snap.TargetID, snap.RunID, egovbench.ErrInvalid)
		}
	}
	probe := snap.Probe
	hasProbe := !probe.At.IsZero()
	if hasProbe {
		if probe.TargetID == "" {
			probe.TargetID = snap.TargetID
		}
		if probe.RunID == 0 {
			probe.RunID = snap.RunID
		}
		if probe.TargetID != snap.TargetID || probe.RunID != snap.RunID {
			return fmt.Errorf("save crawl %q: probe belongs to %q in run %d: %w", snap.TargetID, probe.TargetID, probe.RunID, egovbench.ErrInvalid)
		}
	}
	hashes := make([]string, len(snap.Pages))
	seen := make(map[string]bool, len(snap.Pages))
	for i, p := range snap.Pages {
		if seen[p.URL] {
			return fmt.Errorf("save crawl %q: page %q appears twice: %w", snap.TargetID, p.URL, egovbench.ErrInvalid)
		}
		seen[p.URL] = true
		if p.Body == nil {
			continue
		}
		sum := sha256.Sum256(p.Body)
		hashes[i] = hex.EncodeToString(sum[:])
		if p.Hash != "" && p.Hash != hashes[i] {
			return fmt.Errorf("save crawl %q: page %q: hash %s does not match its body (%s): %w",
				snap.TargetID, p.URL, p.Hash, hashes[i], egovbench.ErrInvalid)
		}
	}
	// A rendered page keeps the HTML the server sent beside it, as a blob
	// of its own: bodies and blobHashes list every blob of the crawl.
	bodies := make([][]byte, len(snap.Pages), len(snap.Pages)+1)
	blobHashes := append(make([]string, 0, len(hashes)+1), hashes...)
	staticHashes := make([]string, len(snap.Pages))
	for i, p := range snap.Pages {
		bodies[i] = p.Body
		if p.StaticBody == nil {
			continue
		}
		if !p.Rendered || p.Body == nil {
			return fmt.Errorf("save crawl %q: page %q has static HTML but no rendered body: %w", snap.TargetID, p.URL, egovbench.ErrInvalid)
		}
		sum := sha256.Sum256(p.StaticBody)
		staticHashes[i] = hex.EncodeToString(sum[:])
		if p.StaticHash != "" && p.StaticHash != staticHashes[i] {
			return fmt.Errorf("save crawl %q: page %q: static hash %s does not match its static HTML: %w",
				snap.TargetID, p.URL, p.StaticHash, egovbench.ErrInvalid)
		}
		bodies = append(bodies, p.StaticBody)
		blobHashes = append(blobHashes, staticHashes[i])
	}
	var redirects any
	if len(snap.Redirects) > 0 {
		b, err := json.Marshal(snap.Redirects)
		if err != nil {
			return fmt.Errorf("save crawl %q: redirects: %w", snap.TargetID, err)
		}
		redirects = string(b)
	}

	var learned map[string]int64
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		// The statements run on a context that cannot be cancelled: for a
		// cancellable one mattn/go-sqlite3 runs every statement in a
		// goroutine of its own, which costs about as much CPU as a small
		// statement itself. The transaction still follows ctx: database/sql
		// rolls it back when ctx ends and Commit refuses a cancelled ctx, so
		// a cancelled save stores nothing; it only runs its last few
		// milliseconds of SQL in vain.
		ctx := context.WithoutCancel(ctx)
		var tid int64
		var status sql.NullString
		if err := db.queryRow(ctx, tx, qCrawlTarget, snap.RunID, snap.TargetID).Scan(&tid, &status); err != nil {
			if err == sql.ErrNoRows {
				return fmt.Errorf("target %q is not stored (upsert targets first): %w", snap.TargetID, egovbench.ErrNotFound)
			}
			return fmt.Errorf("target %q: %w", snap.TargetID, err)
		}
		switch {
		case !status.Valid:
			// A target saved outside the run's list (added mid-run): record it.
			if _, err := tx.ExecContext(ctx, `INSERT INTO crawls (run_id, target_id, status) VALUES (?, ?, 'pending')`, snap.RunID, tid); err != nil {
				return fmt.Errorf("run %d: %w", snap.RunID, err)
			}
		case status.String == string(egovbench.CrawlDone):
			return fmt.Errorf("run %d already has target %q: %w", snap.RunID, snap.TargetID, egovbench.ErrInvalid)
		}

		var total int64
		for _, p := range snap.Pages {
			total += int64(len(p.Body))
		}
		if err := db.putBlobs(ctx, tx, bodies, blobHashes); err != nil {
			return err
		}
		pst := db.cachedInsert(pagesInsert())
		defer pst.close()
		for i, p := range snap.Pages {
			var h any
			if hashes[i] != "" {
				h = hashes[i]
			}
			var sh any
			if staticHashes[i] != "" {
				sh = staticHashes[i]
			}
			if err := pst.add(ctx, tx, snap.RunID, tid, p.URL, i, p.FinalURL, p.Depth, boolInt(p.Check), p.Status,
				p.ContentType, ms(p.FetchedAt), string(p.Outcome), h, boolInt(p.Truncated), p.Error,
				boolInt(p.Rendered), sh, p.RenderError); err != nil {
				return fmt.Errorf("pages: %w", err)
			}
		}
		if err := pst.flush(ctx, tx); err != nil {
			return fmt.Errorf("pages: %w", err)
		}
		lst := db.cachedInsert(linksInsert())
		defer lst.close()
		for _, l := range snap.Links {
			if err := lst.add(ctx, tx, snap.RunID, tid, l.FromURL, l.ToURL, l.Domain, l.Text); err != nil {
				return fmt.Errorf("links: %w", err)
			}
		}
		if err := lst.flush(ctx, tx); err != nil {
			return fmt.Errorf("links: %w", err)
		}
		if hasProbe {
			var err error
			if learned, err = db.insertProbes(ctx, tx, []egovbench.Probe{probe}, map[string]int64{snap.TargetID: tid}); err != nil {
				return err
			}
		}
		if a.TargetID != "" {
			if err := db.saveAssessment(ctx, tx, tid, a); err != nil {
				return err
			}
		}
		var outcome any
		if hasProbe {
			outcome = string(probe.Outcome)
		}
		var stopped any
		if snap.Stopped != "" {
			stopped = snap.Stopped
		}
		if err := db.exec(ctx, tx, qCrawlDone,
			msOrNull(snap.StartedAt), msOrNull(snap.FinishedAt), len(snap.Pages), total, snap.RobotsStatus,
			snap.SitemapURLs, redirects, stopped, outcome, snap.RunID, tid); err != nil {
			return err
		}
		if saveCrawlWritten != nil {
			saveCrawlWritten()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save crawl %q in run %d: %w", snap.TargetID, snap.RunID, err)
	}
	db.learnURLs(learned)
	return nil
}

// saveCrawlWritten, set by tests, runs when SaveCrawl has written
// everything and is about to commit.
var saveCrawlWritten func()

// putBlobs stores the bodies of pages (hashes[i] is the hash of page i, ""
// for none) that are not stored yet. One query finds the stored ones, so an
// unchanged page costs neither a statement of its own nor a recompression;
// the new ones go out as multi-row inserts.
func (db *DB) putBlobs(ctx context.Context, tx *sql.Tx, bodies [][]byte, hashes []string) error {
	list := make([]byte, 0, 1+len(hashes)*(2*sha256.Size+3))
	list = append(list, '[')
	for _, h := range hashes {
		if h == "" {
			continue
		}
		if len(list) > 1 {
			list = append(list, ',')
		}
		list = append(append(append(list, '"'), h...), '"') // hex: nothing to escape
	}
	if len(list) == 1 {
		return nil
	}
	list = append(list, ']')
	stored := make(map[string]bool, len(hashes))
	rows, err := db.query(ctx, tx, qBlobsStored, string(list))
	if err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return fmt.Errorf("blobs: %w", err)
		}
		stored[h] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	rows.Close()
	ins := db.cachedInsert(blobsInsert())
	defer ins.close()
	for i, h := range hashes {
		if h == "" || stored[h] {
			continue
		}
		stored[h] = true // a body seen twice in one crawl is stored once
		body := bodies[i]
		codec, data := "zstd", db.enc.EncodeAll(body, make([]byte, 0, len(body)/3+64))
		if len(data) >= len(body) {
			// Already-compressed content (images, PDFs) gains nothing.
			codec, data = "identity", body
		}
		if err := ins.add(ctx, tx, h, len(body), len(data), codec, data); err != nil {
			return fmt.Errorf("blob %s: %w", h, err)
		}
	}
	if err := ins.flush(ctx, tx); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	return nil
}

// blobBody decompresses a stored blob and checks it against its hash, so a
// damaged file is reported instead of re-analysed as if it were a page.
func (db *DB) blobBody(hash string, size int64, codec string, data []byte) ([]byte, error) {
	var body []byte
	switch codec {
	case "identity":
		body = bytes.Clone(data)
	case "zstd":
		var err error
		if body, err = db.dec.DecodeAll(data, make([]byte, 0, size)); err != nil {
			return nil, fmt.Errorf("blob %s: %w", hash, err)
		}
	default:
		return nil, fmt.Errorf("blob %s: unknown codec %q", hash, codec)
	}
	if body == nil {
		body = []byte{}
	}
	sum := sha256.Sum256(body)
	if int64(len(body)) != size || hex.EncodeToString(sum[:]) != hash {
		return nil, fmt.Errorf("blob %s: content does not match its hash", hash)
	}
	return body, nil
}

// Snapshot rebuilds what a crawl saved for one target, bodies decompressed,
// so a past run can be re-analysed without the network. A target the run
// has not saved gives an error wrapping ErrNotFound.
func (db *DB) Snapshot(ctx context.Context, runID int64, targetID string) (egovbench.Snapshot, error) {
	snap, err := db.snapshot(ctx, runID, targetID)
	if err != nil {
		return egovbench.Snapshot{}, fmt.Errorf("snapshot %q of run %d: %w", targetID, runID, err)
	}
	return snap, nil
}

func (db *DB) snapshot(ctx context.Context, runID int64, targetID string) (egovbench.Snapshot, error) {
	snap := egovbench.Snapshot{TargetID: targetID, RunID: runID}
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return snap, err
	}
	defer tx.Rollback()
	tid, err := targetRowID(ctx, tx, targetID)
	if err != nil {
		return snap, err
	}
	var started, finished sql.NullInt64
	var robots, sitemap sql.NullInt64
	var redirects, stopped sql.NullString
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status, started_at, finished_at, robots_status, sitemap_urls, redirects, stopped
		FROM crawls WHERE run_id = ? AND target_id = ?`, runID, tid).Scan(&status, &started, &finished, &robots, &sitemap, &redirects, &stopped)
	if err == sql.ErrNoRows || (err == nil && status != string(egovbench.CrawlDone)) {
		return snap, fmt.Errorf("not saved: %w", egovbench.ErrNotFound)
	}
	if err != nil {
		return snap, err
	}
	snap.StartedAt, snap.FinishedAt = fromNullMS(started), fromNullMS(finished)
	snap.RobotsStatus, snap.SitemapURLs, snap.Stopped = int(robots.Int64), int(sitemap.Int64), stopped.String
	if redirects.Valid {
		if err := json.Unmarshal([]byte(redirects.String), &snap.Redirects); err != nil {
			return snap, fmt.Errorf("redirects: %w", err)
		}
	}

	rows, err := tx.QueryContext(ctx, `SELECT p.url, p.final_url, p.depth, p.is_check, p.status, p.content_type,
		p.fetched_at, p.outcome, p.hash, p.truncated, p.error, b.size, b.codec, b.data,
		p.rendered, p.render_error, p.static_hash, sb.size, sb.codec, sb.data
		FROM pages p LEFT JOIN blobs b ON b.hash = p.hash LEFT JOIN blobs sb ON sb.hash = p.static_hash
		WHERE p.run_id = ? AND p.target_id = ? ORDER BY p.seq`, runID, tid)
	if err != nil {
		return snap, err
	}
	defer rows.Close()
	for rows.Next() {
		var p egovbench.Page
		var fetched int64
		var outcome string
		var hash, codec sql.NullString
		var size sql.NullInt64
		var data []byte
		var shash, scodec sql.NullString
		var ssize sql.NullInt64
		var sdata []byte
		if err := rows.Scan(&p.URL, &p.FinalURL, &p.Depth, &p.Check, &p.Status, &p.ContentType, &fetched, &outcome,
			&hash, &p.Truncated, &p.Error, &size, &codec, &data,
			&p.Rendered, &p.RenderError, &shash, &ssize, &scodec, &sdata); err != nil {
			return snap, err
		}
		if shash.Valid {
			if !scodec.Valid {
				return snap, fmt.Errorf("page %q: static blob %s missing", p.URL, shash.String)
			}
			p.StaticHash = shash.String
			if p.StaticBody, err = db.blobBody(shash.String, ssize.Int64, scodec.String, sdata); err != nil {
				return snap, fmt.Errorf("page %q: static HTML: %w", p.URL, err)
			}
		}
		p.FetchedAt, p.Outcome = fromMS(fetched), egovbench.Outcome(outcome)
		if hash.Valid {
			if !codec.Valid {
				return snap, fmt.Errorf("page %q: blob %s missing", p.URL, hash.String)
			}
			p.Hash = hash.String
			if p.Body, err = db.blobBody(hash.String, size.Int64, codec.String, data); err != nil {
				return snap, fmt.Errorf("page %q: %w", p.URL, err)
			}
		}
		snap.Pages = append(snap.Pages, p)
	}
	if err := rows.Err(); err != nil {
		return snap, err
	}

	lrows, err := tx.QueryContext(ctx, `SELECT from_url, to_url, domain, text FROM links
		WHERE run_id = ? AND target_id = ? ORDER BY rowid`, runID, tid)
	if err != nil {
		return snap, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var l egovbench.Link
		if err := lrows.Scan(&l.FromURL, &l.ToURL, &l.Domain, &l.Text); err != nil {
			return snap, err
		}
		snap.Links = append(snap.Links, l)
	}
	if err := lrows.Err(); err != nil {
		return snap, err
	}

	p, err := scanProbe(tx.QueryRowContext(ctx, `SELECT `+probeCols+` FROM probes p
		JOIN probe_urls u ON u.id = p.url_id LEFT JOIN probe_urls f ON f.id = p.final_url_id
		WHERE p.run_id = ? AND p.target_id = ? ORDER BY p.id LIMIT 1`, runID, tid))
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return snap, fmt.Errorf("probe: %w", err)
	default:
		p.TargetID = targetID
		snap.Probe = p
	}
	return snap, nil
}

const probeCols = `p.run_id, p.at, u.url, p.outcome, p.http_status, p.dns_us, p.connect_us, p.tls_us, p.ttfb_us,
	p.total_us, p.bytes, f.url, p.tls_valid, p.tls_expiry, p.https_redirect, p.hsts, p.error`

func scanProbe(sc interface{ Scan(...any) error }) (egovbench.Probe, error) {
	var p egovbench.Probe
	var runID, status, dns, conn, tlsd, ttfb, total, nbytes, expiry sql.NullInt64
	var at int64
	var outcome string
	var final, errText sql.NullString
	if err := sc.Scan(&runID, &at, &p.URL, &outcome, &status, &dns, &conn, &tlsd, &ttfb, &total, &nbytes, &final,
		&p.TLSValid, &expiry, &p.HTTPSRedirect, &p.HSTS, &errText); err != nil {
		return p, err
	}
	p.RunID, p.At, p.Outcome, p.HTTPStatus = runID.Int64, fromMS(at), egovbench.Outcome(outcome), int(status.Int64)
	p.DNS, p.Connect, p.TLS, p.TTFB, p.Total = fromUS(dns.Int64), fromUS(conn.Int64), fromUS(tlsd.Int64), fromUS(ttfb.Int64), fromUS(total.Int64)
	p.Bytes, p.FinalURL, p.TLSExpiry, p.Error = nbytes.Int64, final.String, fromNullMS(expiry), errText.String
	return p, nil
}
