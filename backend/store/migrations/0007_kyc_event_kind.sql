-- Which kind of document a per-document history entry is about, so that
-- the history reads "Rejected: PAN card - blurry photo". Uploads and
-- classifications kept the kind in reason until now; decisions and
-- removals did not keep it at all, and stay without it.
ALTER TABLE kyc_events ADD COLUMN kind TEXT NOT NULL DEFAULT '';
UPDATE kyc_events SET kind = reason, reason = '' WHERE action IN ('document_added', 'document_classified');
