-- Issue 12: poison messages. A row is written (attempts + 1) just before a
-- message is read and deleted once its item is stored, so a row that stays
-- counts attempts a dead process never completed; past a bound the message
-- is stored from its headers as `quarantined` instead of read again.
CREATE TABLE message_attempts (
    sha256     TEXT PRIMARY KEY,
    source_ref TEXT NOT NULL,
    attempts   BIGINT NOT NULL,
    first_at   TEXT NOT NULL,
    last_at    TEXT NOT NULL
);

-- Sending exactly once: a `send` run claims an approved draft before it
-- delivers it (who, until when, and the Message-ID it will carry) and
-- records it sent after. A claim whose lease ran out belongs to a run that
-- died between the two; the next run resolves it by that Message-ID.
ALTER TABLE items ADD COLUMN send_claimed_by TEXT;
ALTER TABLE items ADD COLUMN send_claim_expires TEXT;
ALTER TABLE items ADD COLUMN send_claim_message_id TEXT;
