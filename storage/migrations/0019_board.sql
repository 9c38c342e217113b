-- The public board (issue 7): its figures are counted in SQL and each section's page read with LIMIT/OFFSET.
-- This index serves both without reading the concerns table: the figures walk a commune's concerns
-- dialogue by dialogue, a page walks one dialogue's (or the waiting ones') in submission order, and the
-- status filter is read from the index itself.
CREATE INDEX concerns_on_board ON concerns (commune_id, dialogue_id, submitted_at, status, conclusion);
-- The figure "residents satisfied" counts concerns with a 'concern.satisfied' audit row: read from these
-- rows alone rather than from every concern's audit trail.
CREATE INDEX audit_satisfied ON audit_log (action, subject_id) WHERE subject_type = 'concern' AND action = 'concern.satisfied';
