-- Ledger, second step (sqlite dialect; the other dialect holds the same):
-- invoice lines, a client's draft language, and which ledger facts our own
-- decisions may change without the next import undoing them.

-- The language drafts to a client are written in (ISO 639-1), when the
-- ledger says.
ALTER TABLE clients ADD COLUMN language TEXT;

-- Where a contact came from: 'ledger' (clients.csv) or 'reply' (a contact
-- change a person approved). An import replaces only the ledger's own.
ALTER TABLE contacts ADD COLUMN source TEXT NOT NULL DEFAULT 'ledger';

-- The status the ledger last gave the invoice. An import changes the
-- invoice's status only when the ledger's own status changed since the last
-- import, so a status our decisions set (payment_reported, disputed) stays
-- until the ledger says something new.
ALTER TABLE invoices ADD COLUMN ledger_status TEXT;
UPDATE invoices SET ledger_status = status;

-- The day a paid invoice's cash was posted, when the ledger gives it.
ALTER TABLE invoices ADD COLUMN paid_date TEXT;

-- The billed lines of an invoice (invoice_lines.csv), in ledger order.
CREATE TABLE invoice_lines (
    id             INTEGER PRIMARY KEY,
    invoice_number TEXT NOT NULL REFERENCES invoices (number) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    description    TEXT NOT NULL,
    role           TEXT,
    hours          TEXT,
    unit           TEXT,
    rate           TEXT,
    amount         TEXT,
    source         TEXT NOT NULL,
    UNIQUE (invoice_number, position)
);

-- Sending: when an approved draft went out, and the Message-ID it carried.
ALTER TABLE items ADD COLUMN sent_at TEXT;
ALTER TABLE items ADD COLUMN sent_message_id TEXT;
