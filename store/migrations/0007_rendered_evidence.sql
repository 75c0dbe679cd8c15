-- 0007_rendered_evidence: evidence seen only once a page was rendered in a
-- browser (the HTML the server sent does not carry it), so a reader knows
-- which services need JavaScript.
ALTER TABLE evidence ADD COLUMN rendered INTEGER NOT NULL DEFAULT 0 CHECK (rendered IN (0, 1));
