-- Issue 12, part 4: mail is unauthenticated, so a SOW or change order is a
-- client document (the agreed scope later disputes are judged against)
-- only when its sender is on record for the client and passed the
-- receiving server's checks ('trusted'), or once a person accepted it
-- ('accepted'); until then it is 'held' (with why in document_note), and a
-- person may also reject it. NULL for attachments of other kinds.
ALTER TABLE attachments ADD COLUMN document_state TEXT;
ALTER TABLE attachments ADD COLUMN document_note TEXT;
UPDATE attachments SET document_state = 'trusted' WHERE kind IN ('sow', 'change_order');
