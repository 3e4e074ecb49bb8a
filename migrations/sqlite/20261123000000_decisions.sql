-- Issue 5: decisions on items, draft actions, promises to pay and the
-- append-only audit log (sqlite dialect; the other dialect holds the same).

-- The decision of the rule table (src/rules) on each item. route is
-- draft | collections | partner; draft, escalation and promise are JSON.
-- draft_state: awaiting_approval | approved | rejected (NULL: no draft).
-- resolved_at: when a person approved/rejected the draft or closed the item.
ALTER TABLE items ADD COLUMN route TEXT;
ALTER TABLE items ADD COLUMN rule TEXT;
ALTER TABLE items ADD COLUMN draft TEXT;
ALTER TABLE items ADD COLUMN draft_state TEXT;
ALTER TABLE items ADD COLUMN escalation TEXT;
ALTER TABLE items ADD COLUMN follow_up TEXT;
ALTER TABLE items ADD COLUMN promise TEXT;
ALTER TABLE items ADD COLUMN resolved_at TEXT;
-- A billing contact the reply asks us to use (JSON), added to the client's
-- contacts when a person approves the draft that confirms it.
ALTER TABLE items ADD COLUMN contact_update TEXT;
CREATE INDEX items_draft_state ON items (draft_state, id);

-- Reminders stop for paid or disputed invoices (1 = paused).
ALTER TABLE invoices ADD COLUMN reminders_paused BIGINT NOT NULL DEFAULT 0;

-- What a person did with a draft. action: approve | edit | reject.
CREATE TABLE draft_actions (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES items (id),
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    before_text TEXT NOT NULL,
    after_text  TEXT NOT NULL
);
CREATE INDEX draft_actions_item ON draft_actions (item_id, id);

-- Promises to pay, one per reply that makes one; data is the promise as
-- JSON, state is open | kept | broken.
CREATE TABLE promises (
    id             INTEGER PRIMARY KEY,
    item_id        BIGINT NOT NULL REFERENCES items (id),
    invoice_number TEXT NOT NULL,
    state          TEXT NOT NULL,
    data           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX promises_invoice ON promises (invoice_number, state);

-- Append-only audit log. seq counts rows from 1 without gaps; content is
-- the row's canonical JSON; hash = sha256(prev_hash || content) in hex, so
-- a changed or deleted row breaks the chain (ar-triage audit verify).
-- The code only ever INSERTs here.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    item_id   BIGINT,
    content   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
