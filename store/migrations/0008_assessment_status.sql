-- 0008_assessment_status: whether an assessment measured the site at all.
-- A site that did not answer used to be stored as a site at stage "none"
-- with score 0, ranked last and charted as a drop. Now each assessment says
-- `assessed`, `unreachable`, `blocked` or `not_official`, and why.
ALTER TABLE assessments ADD COLUMN status TEXT NOT NULL DEFAULT 'assessed'
	CHECK (status IN ('assessed', 'unreachable', 'blocked', 'not_official'));
ALTER TABLE assessments ADD COLUMN status_cause TEXT NOT NULL DEFAULT '';

-- Older rows: an assessment whose homepage could not be fetched was stored
-- with reachable = 0. Its cause is the outcome of the crawl's own probe of
-- the target (for a re-analysis, the probe of the crawl it re-scored) when
-- that probe is still kept; raw probes are pruned after the retention
-- period, and such rows keep an empty cause.
UPDATE assessments SET status_cause = coalesce((
	SELECT p.outcome FROM probes p
	WHERE p.target_id = assessments.target_id
	  AND p.run_id = coalesce((SELECT r.source_run FROM runs r WHERE r.id = assessments.run_id), assessments.run_id)
	ORDER BY p.at DESC LIMIT 1), '')
WHERE reachable = 0;
UPDATE assessments SET status = CASE WHEN status_cause = 'blocked' THEN 'blocked' ELSE 'unreachable' END
WHERE reachable = 0;

-- The views gain the status (columns appended); the stage history keeps only
-- assessments that measured the site, as the report's trend charts do: an
-- unreachable run is not a fall to "none".
DROP VIEW v_stage_history;
CREATE VIEW v_stage_history AS
SELECT t.slug AS target, a.id AS assessment_id, a.run_id, a.assessed_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', a.assessed_at / 1000, 'unixepoch') AS assessed,
       a.stage, a.score, a.reachable, a.status
FROM (SELECT target_id, assessed_at, max(id) AS id FROM assessments GROUP BY target_id, assessed_at) p
JOIN assessments a ON a.id = p.id
JOIN targets t ON t.id = a.target_id
WHERE a.status IN ('assessed', 'not_official');

DROP VIEW v_latest_assessment;
CREATE VIEW v_latest_assessment AS
SELECT t.slug AS target, t.name, t.url, t.level, t.region, t.parent, t.country, t.lang,
       a.id AS assessment_id, a.run_id, a.assessed_at,
       strftime('%Y-%m-%dT%H:%M:%SZ', a.assessed_at / 1000, 'unixepoch') AS assessed,
       a.catalogue_version, a.reachable, a.stage, a.score, a.confidence, a.frameworks,
       a.criterion_scores, a.next_steps, a.pages_analyzed, a.status, a.status_cause
FROM targets t
JOIN assessments a ON a.id = (SELECT x.id FROM assessments x WHERE x.target_id = t.id
                              ORDER BY x.assessed_at DESC, x.id DESC LIMIT 1);
