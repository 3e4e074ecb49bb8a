-- ar-triage schema, SQLite dialect. migrations/postgres/ holds the same
-- schema for PostgreSQL; the two differ only in the id column type and
-- BLOB/BYTEA. Timestamps and dates are RFC 3339 / ISO 8601 text, money is
-- decimal text, structured values (scores, evidence, facts) are JSON text.

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    partner       TEXT NOT NULL,
    partner_email TEXT NOT NULL
);

CREATE TABLE client_domains (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    domain    TEXT NOT NULL,
    PRIMARY KEY (client_id, domain)
);
CREATE INDEX client_domains_domain ON client_domains (domain);

CREATE TABLE contacts (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    email     TEXT NOT NULL,
    PRIMARY KEY (client_id, email)
);
CREATE INDEX contacts_email ON contacts (email);

CREATE TABLE engagements (
    id            TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES clients (id),
    name          TEXT NOT NULL,
    partner       TEXT NOT NULL,
    partner_email TEXT NOT NULL,
    po_number     TEXT,
    hours_cap     TEXT,
    rate_card     TEXT NOT NULL
);

CREATE TABLE invoices (
    number        TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES clients (id),
    engagement_id TEXT,
    issue_date    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    amount        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    po_number     TEXT,
    status        TEXT NOT NULL
);
CREATE INDEX invoices_client ON invoices (client_id);

-- Message-IDs of the reminders we sent, matched against a reply's
-- In-Reply-To and References.
CREATE TABLE reminders (
    message_id     TEXT NOT NULL,
    invoice_number TEXT NOT NULL REFERENCES invoices (number) ON DELETE CASCADE,
    PRIMARY KEY (message_id, invoice_number)
);

-- Every message as received. dedup_key is 'mid:<Message-ID>', or
-- 'sha256:<hex>' when the Message-ID is missing or was already used by
-- different bytes; its unique constraint makes ingestion exactly-once.
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    dedup_key   TEXT NOT NULL UNIQUE,
    message_id  TEXT,
    sha256      TEXT NOT NULL,
    source      TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    from_addr   TEXT,
    subject     TEXT NOT NULL,
    sent_at     TEXT,
    received_at TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    size        BIGINT NOT NULL,
    raw         BLOB NOT NULL
);
CREATE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_message_id ON messages (message_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    body_text    TEXT,
    facts        TEXT NOT NULL,
    UNIQUE (message_id, position)
);

-- One item per message: what a collector works on.
CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    message_id     BIGINT NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    client_id      TEXT,
    invoice_number TEXT,
    candidates     TEXT NOT NULL,
    labels         TEXT NOT NULL,
    scores         TEXT NOT NULL,
    evidence       TEXT NOT NULL,
    facts          TEXT NOT NULL,
    model          TEXT,
    status         TEXT NOT NULL,
    queue          TEXT NOT NULL,
    reason         TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX items_queue ON items (queue, id);

-- Resume positions of sources (IMAP: '<uidvalidity>:<last uid>'), written in
-- the same transaction as the item of the message they point past.
CREATE TABLE checkpoints (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
