#!/usr/bin/env python3
"""(Re)builds the demo inbox in examples/demo/: the ledger CSVs, the PDF and
DOCX attachments, and a Maildir of client replies to our invoice reminders.

    python3 scripts/make-demo.py            # rewrite examples/demo/
    python3 scripts/make-demo.py --check    # only validate what is there

Standard library only. PDFs are written by hand (Helvetica, WinAnsiEncoding,
Flate-compressed page streams, one text line per row), DOCX files with
zipfile. The output is deterministic, so running the script again after
`ar-triage ingest` has moved messages from new/ to cur/ restores the
committed inbox exactly.

The firm is Northgate Advisory Group (ourfirm.example); its reminders go out
from collections@ourfirm.example with Message-IDs
`reminder-<invoice>-<n>@ourfirm.example`, which the ledger lists in
`reminder_message_ids` so replies can be linked by In-Reply-To.
"""

import argparse
import base64
import csv
import datetime as dt
import email
import hashlib
import email.policy
import io
import json
import quopri
import re
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
import zlib
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
LEDGER = DEMO / "ledger"
INBOX = DEMO / "inbox"
DOCS = DEMO / "attachments"

FIRM = "Northgate Advisory Group"
COLLECTIONS = ("Northgate Collections", "collections@ourfirm.example")
COLLECTOR = "Hannah Cole"

# Sent reminders are listed up to this day (replies come in November 2026).
LAST_REMINDER = dt.date(2026, 11, 20)

# Invoice numbers a reply may name although the ledger does not have them.
DELIBERATELY_UNKNOWN = {"INV-3107"}

# ---------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------

PARTNERS = {
    "Elena Marsh": "elena.marsh@ourfirm.example",
    "David Okonkwo": "david.okonkwo@ourfirm.example",
    "Tomas Berg": "tomas.berg@ourfirm.example",
    "Ruth Castellanos": "ruth.castellanos@ourfirm.example",
}

# client_id, name, domains, contacts, partner
CLIENTS = [
    ("C-1001", "Brightwater Logistics Ltd", ["brightwater.example"],
     ["ap@brightwater.example", "priya.nair@brightwater.example"], "Elena Marsh"),
    ("C-1002", "Kestrel Health Systems, Inc.", ["kestrelhealth.example", "kestrel-hs.example"],
     ["accountspayable@kestrelhealth.example", "j.okafor@kestrelhealth.example"], "David Okonkwo"),
    ("C-1003", "Lindqvist Maschinenbau GmbH", ["lindqvist-mb.example"],
     ["kreditoren@lindqvist-mb.example", "m.weber@lindqvist-mb.example"], "Tomas Berg"),
    ("C-1004", "Harrow Retail Group", ["harrowretail.example"],
     ["invoices@harrowretail.example", "sam.delaney@harrowretail.example"], "Ruth Castellanos"),
    ("C-1005", "Solenne Cosmétiques SA", ["solenne.example"],
     ["compta.fournisseurs@solenne.example", "claire.dubois@solenne.example"], "Tomas Berg"),
    ("C-1006", "Pinecrest Municipal Utilities", ["pinecrest-utilities.example"],
     ["ap@pinecrest-utilities.example", "procurement@pinecrest-utilities.example"], "David Okonkwo"),
    ("C-1007", "Ostara Biotech B.V.", ["ostarabio.example"],
     ["crediteuren@ostarabio.example", "l.vanderberg@ostarabio.example"], "Elena Marsh"),
    ("C-1008", "Meridian Freight Co.", ["meridianfreight.example"],
     ["payables@meridianfreight.example", "nina.park@meridianfreight.example"], "Ruth Castellanos"),
]

# engagement_id, client_id, name, partner, po_number, hours_cap, rate card
ENGAGEMENTS = [
    ("E-501", "C-1001", "Warehouse network strategy", "Elena Marsh", "PO-BW-7731", "400",
     [("Partner", "325.00 GBP"), ("Senior Consultant", "185.00 GBP"), ("Analyst", "110.00 GBP")]),
    ("E-502", "C-1001", "Carrier tender support", "Elena Marsh", "PO-BW-7790", "120",
     [("Senior Consultant", "185.00 GBP"), ("Analyst", "110.00 GBP")]),
    ("E-511", "C-1002", "EHR integration services", "David Okonkwo", "4500087", "600",
     [("Solution Architect", "210.00 USD"), ("Integration Engineer", "165.00 USD"),
      ("QA Analyst", "95.00 USD")]),
    ("E-512", "C-1002", "Security risk assessment (fixed fee)", "David Okonkwo", "4500031", "",
     [("Senior Consultant", "195.00 USD")]),
    ("E-521", "C-1003", "Plant automation engineering", "Tomas Berg", "7100-2231", "300",
     [("Lead Engineer", "160.00 EUR"), ("Controls Engineer", "120.00 EUR")]),
    ("E-531", "C-1004", "Holiday brand campaign", "Ruth Castellanos", "HR-88231", "250",
     [("Creative Director", "175.00 USD"), ("Designer", "110.00 USD"), ("Copywriter", "95.00 USD")]),
    ("E-532", "C-1004", "Loyalty app build", "Ruth Castellanos", "HR-88310", "800",
     [("Tech Lead", "170.00 USD"), ("Developer", "135.00 USD")]),
    ("E-541", "C-1005", "EU cosmetics regulatory advice", "Tomas Berg", "BC-44817", "",
     [("Counsel", "240.00 EUR"), ("Associate", "160.00 EUR"), ("Paralegal", "85.00 EUR")]),
    ("E-551", "C-1006", "Rate case accounting support", "David Okonkwo", "PMU-0415", "200",
     [("Manager", "180.00 USD"), ("Senior Accountant", "125.00 USD")]),
    ("E-561", "C-1007", "Lab data platform", "Elena Marsh", "4200771", "350",
     [("Data Architect", "185.00 EUR"), ("Data Engineer", "140.00 EUR")]),
    ("E-571", "C-1008", "Fleet telematics RFP support", "Ruth Castellanos", "", "150",
     [("Senior Consultant", "150.00 USD"), ("Analyst", "95.00 USD")]),
]

# invoice_number, client_id, engagement_id, issue_date, amount, currency, po_number, status
# (due date = issue date + 30 days)
INVOICES = [
    ("INV-2031", "C-1001", "E-501", "2026-09-15", "18450.00", "GBP", "PO-BW-7731", "open"),
    ("INV-2032", "C-1001", "E-501", "2026-08-14", "22960.00", "GBP", "PO-BW-7731", "paid"),
    ("INV-2033", "C-1001", "E-501", "2026-09-30", "31240.00", "GBP", "PO-BW-7731", "open"),
    ("INV-2034", "C-1001", "E-502", "2026-10-02", "15180.00", "GBP", "PO-BW-7790", "open"),
    ("INV-2035", "C-1001", "E-502", "2026-10-09", "4070.00", "GBP", "PO-BW-7790", "open"),
    ("INV-2036", "C-1002", "E-511", "2026-09-10", "42900.00", "USD", "4500012", "open"),
    ("INV-2037", "C-1002", "E-511", "2026-09-30", "27225.00", "USD", "4500087", "open"),
    ("INV-2038", "C-1002", "E-511", "2026-10-05", "13200.00", "USD", "4500087", "open"),
    ("INV-2039", "C-1002", "E-512", "2026-10-01", "28500.00", "USD", "4500031", "open"),
    ("INV-2040", "C-1002", "E-512", "2026-08-31", "24000.00", "USD", "4500031", "paid"),
    ("INV-2041", "C-1003", "E-521", "2026-09-22", "19680.00", "EUR", "7100-2231", "open"),
    ("INV-2042", "C-1003", "E-521", "2026-09-29", "9840.00", "EUR", "7100-2231", "open"),
    ("INV-2043", "C-1003", "E-521", "2026-10-05", "6120.00", "EUR", "7100-2231", "open"),
    ("INV-2044", "C-1004", "E-531", "2026-09-05", "36400.00", "USD", "HR-88231", "open"),
    ("INV-2045", "C-1004", "E-532", "2026-09-30", "64260.00", "USD", "HR-88310", "open"),
    ("INV-2046", "C-1004", "E-531", "2026-10-06", "12350.00", "USD", "HR-88231", "open"),
    ("INV-2047", "C-1004", "E-531", "2026-07-31", "21150.00", "USD", "HR-88231", "paid"),
    ("INV-2048", "C-1004", "E-532", "2026-08-31", "95000.00", "USD", "HR-88310", "open"),
    ("INV-2049", "C-1005", "E-541", "2026-09-18", "12880.00", "EUR", "BC-44817", "open"),
    ("INV-2050", "C-1005", "E-541", "2026-10-02", "8640.00", "EUR", "BC-44817", "open"),
    ("INV-2051", "C-1005", "E-541", "2026-10-05", "1200.00", "EUR", "BC-44817", "open"),
    ("INV-2052", "C-1006", "E-551", "2026-09-12", "23750.00", "USD", "PMU-0415", "open"),
    ("INV-2053", "C-1006", "E-551", "2026-09-30", "17500.00", "USD", "PMU-0415", "open"),
    ("INV-2054", "C-1006", "E-551", "2026-10-05", "31250.00", "USD", "PMU-0415", "open"),
    ("INV-2055", "C-1007", "E-561", "2026-09-25", "33180.00", "EUR", "4200771", "open"),
    ("INV-2056", "C-1007", "E-561", "2026-10-02", "14560.00", "EUR", "4200771", "open"),
    ("INV-2057", "C-1007", "E-561", "2026-08-29", "27440.00", "EUR", "4200771", "paid"),
    ("INV-2058", "C-1008", "E-571", "2026-09-08", "11400.00", "USD", "", "open"),
    ("INV-2059", "C-1008", "E-571", "2026-10-02", "9975.00", "USD", "", "open"),
    ("INV-2060", "C-1008", "E-571", "2026-10-05", "7125.00", "USD", "", "open"),
    ("INV-2061", "C-1008", "E-571", "2026-11-03", "2850.00", "USD", "", "open"),
]


class Invoice:
    """One ledger invoice with the reminders we sent for it."""

    def __init__(self, row):
        (self.number, self.client, self.engagement, issue, self.amount, self.currency,
         self.po, self.status) = row
        self.issue = dt.date.fromisoformat(issue)
        self.due = self.issue + dt.timedelta(days=30)
        self.reminders = []  # (message id, datetime sent)
        if self.status == "open":
            for n, days in enumerate((7, 21), start=1):
                day = weekday_on_or_after(self.due + dt.timedelta(days=days))
                if day <= LAST_REMINDER:
                    sent = dt.datetime(day.year, day.month, day.day, 9, 5 + n,
                                       tzinfo=dt.timezone.utc)
                    self.reminders.append((f"reminder-{self.number}-{n}@ourfirm.example", sent))

    def money(self):
        return f"{self.currency} {float(self.amount):,.2f}"


def weekday_on_or_after(day):
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


INV = {row[0]: Invoice(row) for row in INVOICES}
ENG = {e[0]: e for e in ENGAGEMENTS}
CLI = {c[0]: c for c in CLIENTS}


def long_date(d):
    return f"{d.day} {d.strftime('%B %Y')}"


def write_ledger():
    LEDGER.mkdir(parents=True, exist_ok=True)

    def write(name, header, rows):
        with open(LEDGER / name, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    write("clients.csv", ["client_id", "name", "domains", "contacts", "partner", "partner_email"],
          [(cid, name, ";".join(doms), ";".join(contacts), partner, PARTNERS[partner])
           for cid, name, doms, contacts, partner in CLIENTS])
    write("engagements.csv",
          ["engagement_id", "client_id", "name", "partner", "partner_email", "po_number",
           "hours_cap", "rate_card"],
          [(eid, cid, name, partner, PARTNERS[partner], po, cap,
            ";".join(f"{role}={rate}" for role, rate in rates))
           for eid, cid, name, partner, po, cap, rates in ENGAGEMENTS])
    write("invoices.csv",
          ["invoice_number", "client_id", "engagement_id", "issue_date", "due_date", "amount",
           "currency", "po_number", "status", "reminder_message_ids"],
          [(i.number, i.client, i.engagement, i.issue.isoformat(), i.due.isoformat(), i.amount,
            i.currency, i.po, i.status, ";".join(mid for mid, _ in i.reminders))
           for i in INV.values()])
    write("invoice_lines.csv",
          ["invoice_number", "description", "role", "hours", "unit", "rate", "amount"],
          INVOICE_LINES)
    for number, *_ in INVOICE_LINES:
        assert number in INV, number
    for number in {row[0] for row in INVOICE_LINES}:
        total = sum(float(row[6]) for row in INVOICE_LINES if row[0] == number)
        assert abs(total - float(INV[number].amount.replace(",", ""))) < 0.005, number


# The billed lines of the invoices the demo's scope disputes are about (the
# escalation packet quotes them and compares them with the SOW); each
# invoice's lines add up to its amount.
INVOICE_LINES = [
    ("INV-2033", "Network fieldwork and modelling", "Senior Consultant", "80", "hour", "185.00", "14800.00"),
    ("INV-2033", "Steering committee and review", "Partner", "8", "hour", "325.00", "2600.00"),
    ("INV-2033", "Data preparation", "Analyst", "56", "hour", "110.00", "6160.00"),
    ("INV-2033", "CO-2 - additional DC site visits", "Senior Consultant", "40", "hour", "185.00", "7400.00"),
    ("INV-2033", "Travel expenses", "", "", "", "", "280.00"),
    ("INV-2039", "Security risk assessment - milestone 2 (fixed fee)", "", "", "", "", "24600.00"),
    ("INV-2039", "Executive tabletop workshop", "Senior Consultant", "20", "hour", "195.00", "3900.00"),
    ("INV-2044", "Campaign creative direction", "Creative Director", "24", "hour", "175.00", "4200.00"),
    ("INV-2044", "Design and artwork", "Designer", "272", "hour", "110.00", "29920.00"),
    ("INV-2044", "Copywriting", "Copywriter", "24", "hour", "95.00", "2280.00"),
    ("INV-2045", "Sprint delivery - technical lead", "Tech Lead", "121.5", "hour", "170.00", "20655.00"),
    ("INV-2045", "Sprint delivery - development", "Developer", "285", "hour", "135.00", "38475.00"),
    ("INV-2045", "Legacy member data migration", "Developer", "38", "hour", "135.00", "5130.00"),
    ("INV-2050", "Regulatory advice", "Counsel", "20", "hour", "240.00", "4800.00"),
    ("INV-2050", "Dossier review", "Associate", "12.5", "hour", "160.00", "2000.00"),
    ("INV-2050", "Travel - Brussels, 8 October", "", "", "", "", "1840.00"),
    ("INV-2055", "Data platform architecture", "Data Architect", "80", "hour", "185.00", "14800.00"),
    ("INV-2055", "Data engineering", "Data Engineer", "112", "hour", "155.00", "17360.00"),
    ("INV-2055", "Cloud hosting (pass-through)", "", "", "", "", "1020.00"),
]


# ---------------------------------------------------------------------------
# PDF (hand-written: catalog, pages, two standard fonts, Flate page streams)
# ---------------------------------------------------------------------------


def pdf_text(s):
    raw = s.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def page_stream(lines):
    """Lines starting with '# ' are headings (bold, larger); '' is a blank row."""
    out = [b"BT", b"15 TL", b"60 780 Td"]
    for line in lines:
        if line.startswith("# "):
            out.append(b"/F2 12 Tf " + pdf_text(line[2:]) + b" Tj T*")
        elif line.startswith("## "):
            out.append(b"/F2 10 Tf " + pdf_text(line[3:]) + b" Tj T*")
        else:
            out.append(b"/F1 10 Tf " + pdf_text(line) + b" Tj T*")
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def make_pdf(pages, title, author):
    """A PDF 1.4 file with one text page per entry of `pages`."""
    n_pages = len(pages)
    objs = {}
    page_ids = [5 + 2 * i for i in range(n_pages)]
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = (b"<< /Type /Pages /Count " + str(n_pages).encode() + b" /Kids ["
               + b" ".join(f"{p} 0 R".encode() for p in page_ids) + b"] >>")
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[4] = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
               b"/Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        pid, cid = page_ids[i], page_ids[i] + 1
        objs[pid] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                     f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
                     f"/Contents {cid} 0 R >>").encode()
        data = zlib.compress(page_stream(lines), 9)
        objs[cid] = (b"<< /Length " + str(len(data)).encode() + b" /Filter /FlateDecode >>\nstream\n"
                     + data + b"\nendstream")
    info_id = 5 + 2 * n_pages
    objs[info_id] = (b"<< /Title " + pdf_text(title) + b" /Author " + pdf_text(author)
                     + b" /Producer (make-demo.py) /CreationDate (D:20261101090000Z) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for oid in sorted(objs):
        offsets[oid] = len(out)
        out += f"{oid} 0 obj\n".encode() + objs[oid] + b"\nendobj\n"
    xref = len(out)
    size = max(objs) + 1
    out += f"xref\n0 {size}\n".encode() + b"0000000000 65535 f \n"
    for oid in range(1, size):
        out += f"{offsets[oid]:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {size} /Root 1 0 R /Info {info_id} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


# ---------------------------------------------------------------------------
# DOCX (zipfile: content types, relationships, document, styles, numbering)
# ---------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
ZIP_TIME = (2026, 10, 1, 9, 0, 0)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def w_par(text, style=None, bullet=False, bold=False):
    ppr = ""
    if style or bullet:
        ppr = "<w:pPr>"
        if style:
            ppr += f'<w:pStyle w:val="{style}"/>'
        if bullet:
            ppr += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
        ppr += "</w:pPr>"
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{esc(text)}</w:t></w:r></w:p>'


def w_table(rows):
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '</w:tblPr><w:tblGrid><w:gridCol w:w="4500"/><w:gridCol w:w="4500"/></w:tblGrid>']
    for i, row in enumerate(rows):
        out.append("<w:tr>")
        for cell in row:
            out.append('<w:tc><w:tcPr><w:tcW w:w="4500" w:type="dxa"/></w:tcPr>'
                       + w_par(cell, bold=(i == 0)) + "</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def make_docx(blocks, title):
    """blocks: ("h", text) heading, ("p", text), ("li", text) bullet, ("table", rows)."""
    body = []
    for kind, value in blocks:
        if kind == "title":
            body.append(w_par(value, style="Title"))
        elif kind == "h":
            body.append(w_par(value, style="Heading1"))
        elif kind == "p":
            body.append(w_par(value))
        elif kind == "li":
            body.append(w_par(value, style="ListParagraph", bullet=True))
        elif kind == "table":
            body.append(w_table(value))
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body>' + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" '
        'w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>'
        "</w:body></w:document>")
    styles = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:styles xmlns:w="{W_NS}">'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        '<w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/><w:sz w:val="22"/></w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>'
        '<w:basedOn w:val="Normal"/><w:rPr><w:b/><w:sz w:val="36"/></w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr>'
        '<w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/>'
        '<w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="720"/></w:pPr></w:style>'
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/></w:style>'
        "</w:styles>")
    numbering = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:numbering xmlns:w="{W_NS}">'
        '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.styles+xml"/>'
        '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.numbering+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        "</Types>")
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>")
    doc_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/numbering" Target="numbering.xml"/>'
        "</Relationships>")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{esc(title)}</dc:title><dc:creator>{FIRM}</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2026-10-01T09:00:00Z</dcterms:created>'
        "</cp:coreProperties>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in [("[Content_Types].xml", content_types), ("_rels/.rels", rels),
                           ("word/document.xml", document), ("word/_rels/document.xml.rels", doc_rels),
                           ("word/styles.xml", styles), ("word/numbering.xml", numbering),
                           ("docProps/core.xml", core)]:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


# ---------------------------------------------------------------------------
# The attachments
# ---------------------------------------------------------------------------


def rate_line(role, rate):
    value, cur = rate.split()
    return f"{role}: {cur} {float(value):,.2f} per hour"


def documents():
    """File name → bytes of every attachment used by the inbox."""
    e501, e511, e532, e561 = ENG["E-501"], ENG["E-511"], ENG["E-532"], ENG["E-561"]
    rates_532 = dict(e532[6])
    docs = {}

    # Change order CO-2 for Brightwater (E-501) that the client never signed.
    docs["CO-2_Additional_DC_site_visits.pdf"] = make_pdf([[
        "# Change Order CO-2",
        f"{FIRM} - Warehouse network strategy (E-501)",
        "",
        "Amends: Statement of Work dated 1 July 2026",
        "Client: Brightwater Logistics Ltd",
        "PO number: PO-BW-7731",
        "Date issued: 18 September 2026",
        "",
        "## Description of change",
        "Additional site visits to the Leeds and Doncaster distribution centres,",
        "including travel days and on-site data collection.",
        "",
        "## Rates",
        rate_line("Senior Consultant", dict(e501[6])["Senior Consultant"]),
        "Additional effort: not to exceed 40 hours",
        "Total change value: GBP 7,400.00",
        "",
        "## Signatures",
        f"For {FIRM}: Elena Marsh, Partner - 18 September 2026",
        "For Brightwater Logistics Ltd: ______________________  Date: __________",
    ]], "Change Order CO-2", FIRM)

    # SOW of the loyalty app build (E-532), two pages; data migration excluded on page 2.
    docs["SOW_Loyalty_App_Build_HR-88310.pdf"] = make_pdf([[
        "# STATEMENT OF WORK",
        "Loyalty App Build",
        "",
        "Client: Harrow Retail Group",
        f"Supplier: {FIRM}",
        "PO number: HR-88310",
        "Effective date: 1 June 2026",
        "End date: 31 December 2026",
        "",
        "## 1. Background",
        "Harrow Retail Group is replacing its points card programme with a mobile",
        "loyalty app for iOS and Android.",
        "",
        "## 2. Scope of work",
        "- Discovery, UX and visual design of the member app",
        "- Build of the member app, offers engine and admin console",
        "- Integration with the Harrow CRM through its existing REST API",
        "- Test support up to and including user acceptance testing (UAT)",
        "",
        "## 3. Rate card",
        rate_line("Tech Lead", rates_532["Tech Lead"]),
        rate_line("Developer", rates_532["Developer"]),
        "",
        "## 4. Fees",
        "Time and materials, not to exceed 800 hours.",
        "Invoiced monthly in arrears; payment terms 30 days.",
    ], [
        "## 5. Out of scope",
        "- Migration of legacy loyalty member data",
        "- Point-of-sale (POS) terminal integration",
        "- App store marketing and paid media",
        "",
        "## 6. Acceptance",
        "Each milestone is accepted in writing by the Harrow product owner.",
        "",
        "## 7. Signatures",
        f"Ruth Castellanos, Partner, {FIRM} - 28 May 2026",
        "Marcus Hale, VP Digital, Harrow Retail Group - 29 May 2026",
    ]], "Statement of Work - Loyalty App Build", FIRM)

    # Remittance advice from Meridian for INV-2059.
    inv = INV["INV-2059"]
    docs["Remittance_Advice_ACH-0019384.pdf"] = make_pdf([[
        "# Meridian Freight Co.",
        "2200 Harbor Way, Long Beach, CA 90802",
        "",
        "# REMITTANCE ADVICE",
        f"Payee: {FIRM}",
        "Vendor number: V-30418",
        "Payment method: ACH",
        "Payment reference: ACH-0019384",
        "Payment date: 17 November 2026",
        "",
        "## Invoices paid",
        f"{inv.number}   Invoice date {long_date(inv.issue)}   Amount paid {inv.money()}",
        "",
        f"Total paid: {inv.money()}",
        "",
        "Questions about this payment: payables@meridianfreight.example",
    ]], "Remittance advice ACH-0019384", "Meridian Freight Co.")

    # Change request CR-07 for Kestrel (E-511), waiting in the client's governance board.
    docs["Kestrel_Change_Request_CR-07.docx"] = make_docx([
        ("title", "Change Request CR-07"),
        ("p", "Engagement: EHR integration services (E-511)"),
        ("p", "Client: Kestrel Health Systems, Inc."),
        ("p", "Supplier: " + FIRM),
        ("p", "PO number: 4500087"),
        ("p", "Requested by: James Okafor, Director IT Applications"),
        ("p", "Date raised: 2 October 2026"),
        ("h", "Description of change"),
        ("li", "Build and test an additional HL7 ADT interface between the EHR and the "
               "bed management system"),
        ("li", "Go-live support for the new interface"),
        ("h", "Rate card"),
        ("table", [["Role", "Rate"],
                   ["Integration Engineer", "USD 165.00 per hour"]]),
        ("p", "Estimated effort: not to exceed 80 hours"),
        ("p", "Total: USD 13,200.00"),
        ("h", "Approvals"),
        ("p", "Kestrel IT Governance Board: pending"),
        ("p", f"{FIRM}: David Okonkwo, Partner, 2 October 2026"),
    ], "Change Request CR-07")

    # Signed SOW for Ostara's lab data platform (E-561), rate card in a table.
    r561 = dict(e561[6])
    docs["SOW_Lab_Data_Platform_signed.docx"] = make_docx([
        ("title", "Statement of Work - Lab Data Platform"),
        ("p", "Client: Ostara Biotech B.V."),
        ("p", "Supplier: " + FIRM),
        ("p", "PO number: 4200771"),
        ("p", "Start date: 1 August 2026"),
        ("p", "End date: 31 January 2027"),
        ("h", "1. Scope of work"),
        ("li", "Design of the lab data platform architecture on the existing cloud tenant"),
        ("li", "Ingestion pipelines for the plate readers and the LIMS"),
        ("li", "Data quality checks and a reporting layer for the assay teams"),
        ("h", "2. Out of scope"),
        ("li", "Validation of GxP systems"),
        ("li", "Licences for third-party software"),
        ("h", "3. Rate card"),
        ("table", [["Role", "Hourly rate"],
                   ["Data Architect", f"EUR {float(r561['Data Architect'].split()[0]):,.2f} per hour"],
                   ["Data Engineer", f"EUR {float(r561['Data Engineer'].split()[0]):,.2f} per hour"]]),
        ("p", "Rates are fixed for the duration of this statement of work."),
        ("h", "4. Fees"),
        ("p", "Time and materials, not to exceed 350 hours without a written change request."),
        ("h", "5. Signatures"),
        ("p", f"Elena Marsh, Partner, {FIRM} - 24 July 2026"),
        ("p", "Lotte van der Berg, Programme Manager, Ostara Biotech B.V. - 27 July 2026"),
    ], "Statement of Work - Lab Data Platform")
    return docs


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def addr(name, address, charset="utf-8"):
    try:
        name.encode("ascii")
        return formataddr((name, address))
    except UnicodeEncodeError:
        return formataddr((name, address), charset=charset)


def encoded(text, charset="utf-8"):
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return Header(text, charset).encode()


def fold_ids(ids):
    return "\n ".join(f"<{i}>" for i in ids)


def reminder_subject(inv):
    return f"Reminder: invoice {inv.number} is overdue"


def wrap(text, width=72):
    """Wraps lines longer than 76 characters the way mail clients do (never
    inside an invoice or PO number)."""
    return "\n".join(
        textwrap.fill(line, width, break_on_hyphens=False, break_long_words=False)
        if len(line) > 76 else line
        for line in text.split("\n"))


def reminder_text(inv, greeting):
    eng = ENG[inv.engagement]
    po = f", PO {inv.po}" if inv.po else ""
    return wrap(
        f"Dear {greeting},\n\n"
        f"This is a friendly reminder that invoice {inv.number} dated {long_date(inv.issue)} "
        f"for {inv.money()} ({eng[2]}{po}) was due on {long_date(inv.due)} and is still "
        "open in our records.\n\n"
        "Could you let us know when we can expect payment, or whether anything is "
        "holding it up?\n\n"
        f"Kind regards,\n{COLLECTOR}\nAccounts Receivable\n{FIRM}\n{COLLECTIONS[1]}\n")


def quote_gmail(inv, greeting, sent):
    when = sent.strftime("%a, %-d %b %Y at %H:%M")
    lines = reminder_text(inv, greeting).splitlines()
    quoted = "\n".join(("> " + l) if l else ">" for l in lines)
    return f"On {when}, {COLLECTIONS[0]} <{COLLECTIONS[1]}> wrote:\n{quoted}\n"


def quote_outlook(inv, greeting, sent, to, lang="en"):
    labels = {"en": ("-----Original Message-----", "From", "Sent", "To", "Subject"),
              "de": ("-----Ursprüngliche Nachricht-----", "Von", "Gesendet", "An", "Betreff")}[lang]
    if lang == "de":
        days = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
        months = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                  "September", "Oktober", "November", "Dezember"]
        when = (f"{days[sent.weekday()]}, {sent.day}. {months[sent.month - 1]} {sent.year} "
                f"{sent:%H:%M}")
    else:
        when = sent.strftime("%A, %-d %B %Y %H:%M")
    return (f"{labels[0]}\n{labels[1]}: {COLLECTIONS[0]} <{COLLECTIONS[1]}>\n"
            f"{labels[2]}: {when}\n{labels[3]}: {to}\n{labels[4]}: {reminder_subject(inv)}\n\n"
            + reminder_text(inv, greeting))


def last_reminder_before(inv, when):
    sent = [(mid, t) for mid, t in inv.reminders if t < when]
    if not sent:
        raise SystemExit(f"{inv.number}: no reminder sent before {when}")
    return sent[-1]


def qp(text, charset="utf-8"):
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def b64(data):
    return base64.encodebytes(data).decode("ascii")


class Mail:
    """Builds one message: envelope headers, then the MIME body."""

    def __init__(self, n, tag, when, sender, subject, message_id, reply_to_invoice=None,
                 reminder=None, extra_headers=(), to=None, subject_charset="utf-8",
                 references=None):
        self.n, self.tag, self.when = n, tag, when
        self.reminder = reminder
        h = [
            ("Return-Path", f"<{sender[1]}>"),
            ("Delivered-To", COLLECTIONS[1]),
            ("Received", f"from mx.{sender[1].split('@')[1]} (mx.{sender[1].split('@')[1]})\n"
                         f" by mx1.ourfirm.example with ESMTPS id {hashlib.sha1(message_id.encode()).hexdigest()[:12].upper()};\n"
                         f" {format_datetime(when)}"),
            ("Message-ID", f"<{message_id}>"),
            ("Date", format_datetime(when)),
            ("From", addr(sender[0], sender[1], subject_charset)),
            ("To", to or addr(*COLLECTIONS)),
            ("Subject", encoded(subject, subject_charset)),
        ]
        if reminder:
            refs = references if references is not None else [reminder]
            h.append(("In-Reply-To", f"<{reminder}>"))
            h.append(("References", fold_ids(refs)))
        h.extend(extra_headers)
        h.append(("MIME-Version", "1.0"))
        self.headers = h

    def render(self, content_headers, body):
        out = "".join(f"{k}: {v}\n" for k, v in self.headers + list(content_headers))
        data = out.encode("ascii") + b"\n"
        return data + (body if isinstance(body, bytes) else body.encode("ascii"))


def plain(mail, text, charset="utf-8", cte="quoted-printable"):
    if cte == "quoted-printable":
        body = qp(text, charset)
    elif cte == "base64":
        body = b64(text.encode(charset))
    elif cte == "8bit":
        return mail.render([("Content-Type", f'text/plain; charset="{charset}"'),
                            ("Content-Transfer-Encoding", "8bit")], wrap(text).encode(charset))
    else:
        body = wrap(text)
    return mail.render([("Content-Type", f'text/plain; charset="{charset}"'),
                        ("Content-Transfer-Encoding", cte)], body)


def html_of(text):
    paras = [p for p in text.split("\n\n")]
    return "".join(f"<div>{esc(p).replace(chr(10), '<br>')}</div><div><br></div>" for p in paras)


def alternative(mail, text, html, boundary):
    body = (f"--{boundary}\nContent-Type: text/plain; charset=\"UTF-8\"\n"
            f"Content-Transfer-Encoding: quoted-printable\n\n{qp(text)}\n"
            f"--{boundary}\nContent-Type: text/html; charset=\"UTF-8\"\n"
            f"Content-Transfer-Encoding: quoted-printable\n\n{qp(html)}\n"
            f"--{boundary}--\n")
    return mail.render([("Content-Type", f'multipart/alternative; boundary="{boundary}"')], body)


def attachment_part(boundary, filename, ctype, data):
    return (f"--{boundary}\nContent-Type: {ctype}; name=\"{filename}\"\n"
            f"Content-Disposition: attachment; filename=\"{filename}\"\n"
            f"Content-Transfer-Encoding: base64\n\n{b64(data)}")


def with_attachments(mail, text, files, boundary, docs):
    parts = [f"This is a multi-part message in MIME format.\n\n--{boundary}\n"
             "Content-Type: text/plain; charset=\"UTF-8\"\n"
             f"Content-Transfer-Encoding: quoted-printable\n\n{qp(text)}\n"]
    for name in files:
        ctype = ("application/pdf" if name.endswith(".pdf") else
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        parts.append(attachment_part(boundary, name, ctype, docs[name]))
    body = "".join(parts) + f"--{boundary}--\n"
    return mail.render([("Content-Type", f'multipart/mixed; boundary="{boundary}"')], body)


def utc(y, mo, d, h, mi, s=0, offset_hours=0):
    tz = dt.timezone(dt.timedelta(hours=offset_hours))
    return dt.datetime(y, mo, d, h, mi, s, tzinfo=tz)


def messages(docs):
    """Every message of the inbox: (number, tag, bytes)."""
    out = []

    def add(mail, data):
        out.append((mail.n, mail.tag, mail.when, data))

    def reply(n, tag, when, sender, inv_no, **kw):
        inv = INV[inv_no]
        mid, sent = last_reminder_before(inv, when)
        subject = kw.pop("subject", "RE: " + reminder_subject(inv))
        return Mail(n, tag, when, sender, subject, kw.pop("message_id"), reminder=mid, **kw), inv, sent

    # 1 -- approval pending: with the CFO for sign-off (Outlook, plain text).
    m, inv, sent = reply(1, "approval-cfo", utc(2026, 11, 2, 10, 14, 22), ("Gareth Lewis", "ap@brightwater.example"),
                         "INV-2031", message_id="LO2P265MB5120A1C3E0F1B2C4D5E6@LO2P265MB5120.GBRP265.prod.outlook.example",
                         extra_headers=[("X-MS-Has-Attach", ""), ("Thread-Topic", reminder_subject(INV["INV-2031"]))])
    add(m, plain(m, (
        "Hi Hannah,\n\n"
        "Thanks for the nudge. INV-2031 has cleared our three-way match and is now sitting with our CFO "
        "for sign-off. He is travelling until 9 November and approves the supplier batch when he is back, "
        "so I would expect it to be released the week after.\n\n"
        "I'll let you know once it has been approved.\n\n"
        "Kind regards,\nGareth Lewis\nAccounts Payable | Brightwater Logistics Ltd\n"
        "Unit 4, Harbour Park, Bristol BS1 6QH\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent, "Brightwater AP <ap@brightwater.example>"))))

    # 2 -- scope dispute: unagreed change order CO-2, PDF attached.
    m, inv, sent = reply(2, "co-unagreed", utc(2026, 11, 9, 15, 41, 9), ("Priya Nair", "priya.nair@brightwater.example"),
                         "INV-2033", message_id="CAF7kQ2xM9pR4vT1wZ8bN3cE5yH6uJ0aL2sD4fG7hK9@mail.gmail.example")
    add(m, with_attachments(m, (
        "Hi Hannah,\n\n"
        "Before this goes any further: INV-2033 includes GBP 7,400.00 for \"CO-2 - additional DC site "
        "visits\" (40 hours). We never agreed that change order. It was sent to us on 18 September and I "
        "replied the same week that the Leeds and Doncaster visits were covered by the original fieldwork "
        "in the SOW. The copy we hold is attached - it is not signed on our side.\n\n"
        "Please reissue the invoice without the CO-2 line and we will process the rest. Happy to get on a "
        "call with Elena if that helps.\n\n"
        "Best,\nPriya\n\n--\nPriya Nair\nHead of Network Planning, Brightwater Logistics Ltd\n\n"
        + quote_gmail(inv, "Priya", sent)),
        ["CO-2_Additional_DC_site_visits.pdf"], "000000000000a1b2c3d4e5f60718", docs))

    # 3 -- PO mismatch: PO hours exhausted, work not contested.
    m, inv, sent = reply(3, "po-hours", utc(2026, 11, 12, 9, 2, 51), ("Gareth Lewis", "ap@brightwater.example"),
                         "INV-2034", message_id="LO2P265MB5120F7A9B1C2D3E4F5A6@LO2P265MB5120.GBRP265.prod.outlook.example")
    add(m, plain(m, (
        "Hi Hannah,\n\n"
        "INV-2034 has been blocked in our system. PO-BW-7790 for the carrier tender support only covers "
        "120 hours, and with this invoice the total billed against it comes to 138 hours, so it fails the "
        "PO check. Nothing wrong with the work itself - Priya's team are happy with it - but we cannot pay "
        "above the PO.\n\n"
        "Could you either reissue INV-2034 for the hours left on the PO, or ask Priya to raise a PO "
        "amendment for the extra 18 hours? Once one of those is done it will go straight through.\n\n"
        "Kind regards,\nGareth Lewis\nAccounts Payable | Brightwater Logistics Ltd\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent, "Brightwater AP <ap@brightwater.example>"))))

    # 4 -- payment scheduled: HTML-only Outlook reply, approved and in the BACS run.
    m, inv, sent = reply(4, "html-only", utc(2026, 11, 17, 16, 20, 3), ("Ffion Hughes", "fhughes@brightwater.example"),
                         "INV-2035", message_id="LO2P265MB51209C8D7E6F5A4B3C2D@LO2P265MB5120.GBRP265.prod.outlook.example",
                         extra_headers=[("X-MS-Exchange-Organization-AuthAs", "Internal"),
                                        ("Thread-Topic", reminder_subject(INV["INV-2035"])),
                                        ("Content-Language", "en-GB")])
    rem = "".join(f"<p class=MsoNormal>{esc(p).replace(chr(10), '<br>')}<o:p></o:p></p>\n"
                  for p in reminder_text(inv, "Accounts Payable team").split("\n\n"))
    html = (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">\n'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        "<style><!--\n@font-face {font-family:\"Cambria Math\";}\n@font-face {font-family:Aptos;}\n"
        "p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:\"Aptos\",sans-serif;}\n"
        "a:link, span.MsoHyperlink {color:#467886; text-decoration:underline;}\n"
        "span.EmailStyle19 {mso-style-type:personal-reply; font-family:\"Aptos\",sans-serif; color:windowtext;}\n"
        "@page WordSection1 {size:612.0pt 792.0pt; margin:72.0pt 72.0pt 72.0pt 72.0pt;}\n"
        "div.WordSection1 {page:WordSection1;}\n--></style>"
        "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" /></xml><![endif]-->"
        "</head>\n"
        '<body lang="EN-GB" link="#467886" vlink="#96607D" style="word-wrap:break-word">\n'
        '<div class="WordSection1">\n'
        "<p class=MsoNormal>Hello Hannah,<o:p></o:p></p>\n<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        "<p class=MsoNormal>INV-2035 was approved by Priya Nair yesterday and is scheduled for our BACS "
        "run on Thursday 26 November. You should see the funds on the 27th.<o:p></o:p></p>\n"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        "<p class=MsoNormal>Many thanks,<o:p></o:p></p>\n"
        "<p class=MsoNormal><b><span style='color:#1F3864'>Ffion Hughes</span></b><o:p></o:p></p>\n"
        "<p class=MsoNormal><span style='font-size:9.0pt;color:#595959'>Finance Operations | "
        "Brightwater Logistics Ltd</span><o:p></o:p></p>\n"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>\n"
        f"<p class=MsoNormal><b>From:</b> {COLLECTIONS[0]} &lt;{COLLECTIONS[1]}&gt; <br>"
        f"<b>Sent:</b> {sent:%A, %-d %B %Y %H:%M}<br><b>To:</b> Brightwater AP &lt;ap@brightwater.example&gt;<br>"
        f"<b>Subject:</b> {reminder_subject(inv)}<o:p></o:p></p></div>\n"
        + rem + "</div>\n</body>\n</html>\n")
    add(m, m.render([("Content-Type", 'text/html; charset="utf-8"'),
                     ("Content-Transfer-Encoding", "quoted-printable")], qp(html)))

    # 5 -- PO mismatch: PO closed, reissue against the new one.
    m, inv, sent = reply(5, "po-closed", utc(2026, 11, 4, 11, 37, 10, -5), ("Marisol Vega", "accountspayable@kestrelhealth.example"),
                         "INV-2036", message_id="BN8PR04MB6210D2E3F4A5B6C7D8E9@BN8PR04MB6210.namprd04.prod.outlook.example")
    add(m, plain(m, (
        "Hello,\n\n"
        "Your invoice INV-2036 was rejected by our system: PO 4500012 is closed. That PO covered the "
        "first phase of the EHR integration and was fully received at the end of September. The current "
        "phase runs under PO 4500087.\n\n"
        "Please reissue the invoice referencing PO 4500087 and send it to "
        "accountspayable@kestrelhealth.example.\n\n"
        "Regards,\nMarisol Vega\nAccounts Payable Specialist\nKestrel Health Systems, Inc.\n"
        "Invoices without a valid PO number will be returned unpaid.\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent,
                        "Kestrel Accounts Payable <accountspayable@kestrelhealth.example>"))))

    # 6 -- payment scheduled, linked only through In-Reply-To (no invoice number anywhere).
    inv37 = INV["INV-2037"]
    when = utc(2026, 11, 23, 10, 8, 44, -5)
    mid, _ = last_reminder_before(inv37, when)
    m = Mail(6, "in-reply-to-only", when, ("Marisol Vega", "accountspayable@kestrelhealth.example"),
             "RE: Friendly reminder from Northgate Advisory",
             "BN8PR04MB62107A6B5C4D3E2F1A0B@BN8PR04MB6210.namprd04.prod.outlook.example",
             reminder=mid, references=[r for r, _ in inv37.reminders])
    add(m, plain(m, (
        "Hi Hannah,\n\n"
        "This one is approved and scheduled for our payment run on Friday 4 December. Payments go out by "
        "ACH and usually land the next business day.\n\n"
        "Regards,\nMarisol Vega\nAccounts Payable Specialist\nKestrel Health Systems, Inc.\n"), cte="7bit"))

    # 7 -- approval pending: uncontested change request in the client's board, DOCX attached.
    m, inv, sent = reply(7, "cr-approval", utc(2026, 11, 16, 14, 2, 37, -5), ("James Okafor", "j.okafor@kestrelhealth.example"),
                         "INV-2038", message_id="BN8PR04MB6210C1B2A3F4E5D6C7B8@BN8PR04MB6210.namprd04.prod.outlook.example",
                         to=f"{addr(*COLLECTIONS)}, David Okonkwo <{PARTNERS['David Okonkwo']}>")
    add(m, with_attachments(m, (
        "Hi Hannah, hi David,\n\n"
        "INV-2038 covers the extra HL7 interface from change request CR-07 (copy attached for reference). "
        "There is no issue with the work or the hours - the interface went live on 28 October and the "
        "team is happy with it. The change request itself is still going through our IT governance "
        "board, which meets on 19 November. Until the board signs it off, AP cannot match the invoice to "
        "an approved change.\n\n"
        "I'll chase the board secretary and confirm as soon as it is approved.\n\n"
        "James\n\nJames Okafor | Director, IT Applications | Kestrel Health Systems, Inc.\n\n"
        + quote_outlook(inv, "James", sent, "James Okafor <j.okafor@kestrelhealth.example>")),
        ["Kestrel_Change_Request_CR-07.docx"], "----=_NextPart_001_0007_01DB3A4C.5E6F7A80", docs))

    # 8 -- PO mismatch and scope dispute: over the PO balance, and a workshop never requested.
    m, inv, sent = reply(8, "po-and-scope", utc(2026, 11, 9, 17, 45, 12, -5), ("Dana Whitfield", "d.whitfield@kestrelhealth.example"),
                         "INV-2039", message_id="20261109224512.3F1A2B@kestrelhealth.example")
    add(m, plain(m, (
        "Hello Hannah,\n\n"
        "Two problems with INV-2039.\n\n"
        "First, PO 4500031 was raised for the fixed fee of USD 48,000.00 and the milestone 1 invoice used "
        "USD 24,000.00 of it, so USD 24,000.00 is left. This invoice is for USD 28,500.00 and AP cannot "
        "receipt more than the PO balance.\n\n"
        "Second, the USD 4,500.00 line for a \"tabletop exercise workshop\" was never requested by us. The "
        "engagement is fixed fee; the tabletop was offered as an option at kickoff and we declined it. We "
        "will not be raising a PO change for it.\n\n"
        "Please send a revised invoice for the milestone 2 fee of USD 24,000.00 only.\n\n"
        "Dana Whitfield\nChief Information Security Officer\nKestrel Health Systems, Inc.\n\n"
        + quote_gmail(inv, "Dana", sent))))

    # 9 -- approval pending, German, ISO-8859-1 in 8bit.
    m, inv, sent = reply(9, "german-latin1", utc(2026, 11, 5, 8, 31, 5, 1), ("Sabine Krüger", "kreditoren@lindqvist-mb.example"),
                         "INV-2041", message_id="000a01dc4e3f$8b2c1d40$2184f7c0$@lindqvist-mb.example",
                         subject="AW: " + reminder_subject(INV["INV-2041"]), subject_charset="iso-8859-1",
                         extra_headers=[("X-Mailer", "Microsoft Outlook 16.0"), ("Content-Language", "de")])
    add(m, plain(m, (
        "Sehr geehrte Frau Cole,\n\n"
        "vielen Dank für Ihre Erinnerung. Die Rechnung INV-2041 ist sachlich geprüft und liegt zur "
        "Freigabe bei unserem Werkleiter, Herrn Dr. Baumgärtner. Er ist bis zum 16. November im Urlaub; "
        "die Freigabe erfolgt direkt nach seiner Rückkehr. Anschließend geht die Rechnung in den nächsten "
        "Zahllauf.\n\n"
        "Mit freundlichen Grüßen\n\n"
        "Sabine Krüger\nKreditorenbuchhaltung\nLindqvist Maschinenbau GmbH\n"
        "Industriestraße 12, 73430 Aalen\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent,
                        "Kreditoren Lindqvist <kreditoren@lindqvist-mb.example>", lang="de")),
        charset="iso-8859-1", cte="8bit"))

    # 10 -- other: invoice copy request.
    m, inv, sent = reply(10, "copy-request", utc(2026, 11, 6, 13, 12, 40, 1), ("Markus Weber", "m.weber@lindqvist-mb.example"),
                         "INV-2042", message_id="a3f9c1e2-7b4d-4c8e-9f01-2d3e4f5a6b7c@lindqvist-mb.example",
                         extra_headers=[("User-Agent", "Mozilla Thunderbird")])
    add(m, plain(m, (
        "Hello Hannah,\n\n"
        "Our accounts payable team tells me they never received INV-2042 - it is not in our invoice "
        "portal. Could you send me a copy as PDF? I will pass it on to kreditoren@lindqvist-mb.example "
        "myself.\n\n"
        "Thanks,\nMarkus Weber\nProjektleiter Automatisierung\n\n"
        + quote_gmail(inv, "Markus", sent)), cte="7bit"))

    # 11 -- payment scheduled: base64 text/plain.
    m, inv, sent = reply(11, "payment-run-base64", utc(2026, 11, 13, 10, 55, 2, 1), ("Sabine Krüger", "kreditoren@lindqvist-mb.example"),
                         "INV-2043", message_id="000b01dc5a1e$4c3d2e10$e4b78a30$@lindqvist-mb.example",
                         subject="AW: " + reminder_subject(INV["INV-2043"]))
    add(m, plain(m, (
        "Dear Ms Cole,\n\n"
        "Invoice INV-2043 has been released and is included in our payment run of 20 November 2026. "
        "Payment will be made by SEPA transfer to the account on the invoice.\n\n"
        "Kind regards\nSabine Krüger\nKreditorenbuchhaltung\nLindqvist Maschinenbau GmbH\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent,
                        "Kreditoren Lindqvist <kreditoren@lindqvist-mb.example>", lang="de")),
        cte="base64"))

    # 12 -- payment scheduled and scope dispute: pay the undisputed part, contest copy hours.
    m, inv, sent = reply(12, "partial-pay-dispute", utc(2026, 11, 10, 12, 30, 18, -5), ("Sam Delaney", "sam.delaney@harrowretail.example"),
                         "INV-2044", message_id="CAK3mN8pQ1rS5tU9vW2xY6zA0bC4dE7fG@mail.gmail.example")
    text = (
        "Hi Hannah,\n\n"
        "We'll pay the undisputed part of INV-2044, USD 34,120.00, in this Friday's run (13 November).\n\n"
        "The remaining USD 2,280.00 is the 24 hours of copywriting at USD 95.00. We didn't ask for a third "
        "round of copy - the brief was signed off after round two - so we won't pay that line unless Ruth "
        "can show us where it was agreed.\n\n"
        "Sam\n\nSam Delaney | Marketing Director | Harrow Retail Group\n\n")
    add(m, alternative(m, text + quote_gmail(inv, "Sam", sent),
                       '<div dir="ltr">' + html_of(text) + '</div><br><div class="gmail_quote">'
                       + "<blockquote class=\"gmail_quote\">"
                       + html_of(reminder_text(inv, "Sam")) + "</blockquote></div>",
                       "0000000000004f8e2a0629b1c3d5"))

    # 13 -- scope dispute: data migration out of scope per the SOW, PDF attached.
    m, inv, sent = reply(13, "sow-data-migration", utc(2026, 11, 11, 9, 48, 27, -5), ("Tom Reyes", "t.reyes@harrowretail.example"),
                         "INV-2045", message_id="CAM9xZ2yW4vU6tS8rQ0pO1nM3lK5jI7hG@mail.gmail.example",
                         to=f"{addr(*COLLECTIONS)}, Ruth Castellanos <{PARTNERS['Ruth Castellanos']}>")
    add(m, with_attachments(m, (
        "Hi Hannah, Ruth,\n\n"
        "INV-2045 bills 38 hours of \"Legacy member data migration\" (Developer, USD 5,130.00). Data "
        "migration was out of scope per the SOW - section 5 lists migration of legacy loyalty member data "
        "as excluded, and our own data team did that work. SOW attached, see page 2.\n\n"
        "Please credit that line. The rest of the invoice is fine and we'll process it once the corrected "
        "invoice is in.\n\n"
        "Tom\n\nTom Reyes | Product Owner, Loyalty | Harrow Retail Group\n\n"
        + quote_gmail(inv, "Tom", sent)),
        ["SOW_Loyalty_App_Build_HR-88310.pdf"], "000000000000b7c8d9e0f1a2b3c4", docs))

    # 14 -- approval pending, no invoice number, new thread from a known client domain.
    m = Mail(14, "no-invoice-number", utc(2026, 11, 12, 15, 3, 51, -5), ("Marco Ruiz", "marco.ruiz@harrowretail.example"),
             "Your reminder - loyalty app", "CAH5bV7nX9mZ1qW3eR5tY7uI9oP1aS3dF@mail.gmail.example")
    add(m, plain(m, (
        "Hi,\n\n"
        "Your reminder about the loyalty app invoice was forwarded to me. It is with our VP Digital, "
        "Marcus Hale, for approval - he signs off everything on the app programme and he is back in the "
        "office on Monday. I'll make sure it goes through right after.\n\n"
        "Marco Ruiz\nFinance Business Partner, Digital\nHarrow Retail Group\n"), cte="7bit"))

    # 15 -- approval pending: goods receipt not posted, project lead must confirm.
    m, inv, sent = reply(15, "acceptance-missing", utc(2026, 11, 18, 11, 20, 0, -5), ("Harrow Retail Group AP", "invoices@harrowretail.example"),
                         "INV-2048", message_id="20261118162000.A7C9E1@harrowretail.example")
    add(m, plain(m, (
        "Hello,\n\n"
        "INV-2048 cannot be paid yet: the goods receipt for the September services has not been posted. "
        "Our project lead, Tom Reyes, has to confirm that the UAT milestone was accepted before AP can "
        "match the invoice. We have asked him to do that this week.\n\n"
        "Harrow Retail Group - Accounts Payable\n"
        "This mailbox is monitored Monday to Friday, 9am-5pm ET.\n\n"
        + quote_gmail(inv, "Accounts Payable team", sent))))

    # 16 -- other: plain acknowledgement.
    m, inv, sent = reply(16, "acknowledgement", utc(2026, 11, 13, 8, 15, 33, -5), ("Sam Delaney", "sam.delaney@harrowretail.example"),
                         "INV-2046", message_id="CAK3mN8pQ1rS5tU9vW2xY6zA0bC4dE7fH@mail.gmail.example")
    add(m, plain(m, (
        "Thanks Hannah, received - I've forwarded INV-2046 to our AP team at invoices@harrowretail.example.\n\n"
        "Sam\n\n" + quote_gmail(inv, "Sam", sent)), cte="7bit"))

    # 17 -- other: French out-of-office with Auto-Submitted and X-Autoreply.
    m, inv, sent = reply(17, "ooo-french", utc(2026, 11, 9, 10, 7, 40, 1), ("Claire Dubois", "claire.dubois@solenne.example"),
                         "INV-2049", message_id="ooo.7d41c2@solenne.example",
                         subject="Réponse automatique : " + reminder_subject(INV["INV-2049"]),
                         extra_headers=[("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"),
                                        ("Precedence", "auto_reply")])
    add(m, plain(m, (
        "Bonjour,\n\n"
        "Je suis absente du bureau jusqu'au lundi 16 novembre inclus, avec un accès limité à mes e-mails.\n"
        "Pour toute question urgente concernant les factures, merci de contacter "
        "compta.fournisseurs@solenne.example.\n\n"
        "Cordialement,\nClaire Dubois\nDirection juridique - Solenne Cosmétiques SA\n")))

    # 18 -- payment scheduled and scope dispute: paying Friday, travel line wrong.
    m, inv, sent = reply(18, "pay-but-travel", utc(2026, 11, 16, 17, 22, 9, 1), ("Julien Moreau", "compta.fournisseurs@solenne.example"),
                         "INV-2050", message_id="CAJ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zX@mail.gmail.example")
    text = (
        "Hello Hannah,\n\n"
        "INV-2050 will be paid on Friday 20 November with our weekly transfer.\n\n"
        "However, the travel line is wrong: you billed EUR 1,840.00 for the Brussels trip on 8 October, "
        "but the engagement letter caps travel at EUR 1,200.00 per trip and the train tickets we received "
        "total EUR 1,135.00. Please send a credit note for the difference.\n\n"
        "Best regards,\nJulien Moreau\nComptabilité fournisseurs - Solenne Cosmétiques SA\n\n")
    add(m, alternative(m, text + quote_gmail(inv, "Julien", sent),
                       '<div dir="ltr">' + html_of(text) + '</div><div class="gmail_quote">'
                       + "<blockquote class=\"gmail_quote\">"
                       + html_of(reminder_text(inv, "Julien")) + "</blockquote></div>",
                       "000000000000e5f6a7b8c9d0e1f2"))

    # 19 -- other: billing contact and address change (French).
    m, inv, sent = reply(19, "contact-change", utc(2026, 11, 18, 10, 41, 56, 1), ("Julien Moreau", "compta.fournisseurs@solenne.example"),
                         "INV-2051", message_id="CAJ2wE4rT6yU8iO0pA2sD4fG6hJ8kL0zY@mail.gmail.example",
                         subject="RE : " + reminder_subject(INV["INV-2051"]))
    add(m, plain(m, (
        "Bonjour Hannah,\n\n"
        "Merci pour votre relance concernant la facture INV-2051. À compter du 1er décembre, notre "
        "comptabilité fournisseurs est centralisée au niveau du groupe : merci d'adresser désormais "
        "toutes vos factures et relances à factures@groupe-solenne.example.\n\n"
        "Notre adresse de facturation devient :\n"
        "Solenne Cosmétiques SA - Centre de services partagés\n18 rue des Tanneurs, 69002 Lyon\n\n"
        "Bien cordialement,\nJulien Moreau\nComptabilité fournisseurs\n\n"
        + quote_gmail(inv, "Julien", sent))))

    # 20 -- approval pending: service entry sheet missing.
    m, inv, sent = reply(20, "ses-missing", utc(2026, 11, 4, 8, 12, 45, -6), ("Denise Carter", "ap@pinecrest-utilities.example"),
                         "INV-2052", message_id="MN2PR09MB4412E8F9A0B1C2D3E4F5@MN2PR09MB4412.namprd09.prod.outlook.example")
    add(m, plain(m, (
        "Good morning,\n\n"
        "We have INV-2052 in our system but cannot pay it yet: there is no service entry sheet against "
        "PMU-0415 for the September work. Our Rates & Regulatory department has to enter and approve the "
        "SES before the invoice can be released. I have sent a request to Angela Ruiz in Rates to complete "
        "it.\n\n"
        "Thank you,\nDenise Carter\nAccounts Payable Technician\nPinecrest Municipal Utilities\n\n"
        + quote_outlook(inv, "Accounts Payable team", sent, "Pinecrest AP <ap@pinecrest-utilities.example>"))))

    # 21 -- PO mismatch: the client forwards its AP portal's rejection (message/rfc822).
    m = Mail(21, "ap-portal-forward", utc(2026, 11, 10, 13, 5, 20, -6), ("Denise Carter", "ap@pinecrest-utilities.example"),
             "FW: Invoice INV-2053 rejected - PO validation failed",
             "MN2PR09MB44120A1B2C3D4E5F6A7B@MN2PR09MB4412.namprd09.prod.outlook.example",
             extra_headers=[("Thread-Topic", "Invoice INV-2053 rejected - PO validation failed")])
    portal_when = utc(2026, 11, 10, 6, 0, 4, -6)
    portal = (
        "Return-Path: <no-reply@suppliers.pinecrest-utilities.example>\n"
        "From: Pinecrest Supplier Portal <no-reply@suppliers.pinecrest-utilities.example>\n"
        "To: ap@pinecrest-utilities.example\n"
        f"Date: {format_datetime(portal_when)}\n"
        "Subject: Invoice INV-2053 rejected - PO validation failed\n"
        "Message-ID: <portal-rej-88412@suppliers.pinecrest-utilities.example>\n"
        "Auto-Submitted: auto-generated\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=\"us-ascii\"\n"
        "Content-Transfer-Encoding: 7bit\n\n"
        f"Supplier: {FIRM} (vendor 100482)\n"
        "Invoice: INV-2053\n"
        "Invoice amount: USD 17,500.00\n"
        "PO reference: PMU-0415\n"
        "Status: REJECTED\n\n"
        "Reason: PO PMU-0415 is closed. The purchase order has been fully invoiced.\n"
        "Submit the invoice against an open purchase order.\n\n"
        "This is an automated message from the Pinecrest Supplier Portal. Please do not reply.\n")
    boundary = "_004_MN2PR09MB44120A1B2C3D4E5F6A7B_"
    body = (
        f"--{boundary}\nContent-Type: text/plain; charset=\"us-ascii\"\n"
        "Content-Transfer-Encoding: 7bit\n\n"
        "Hi Hannah,\n\n"
        "See the portal notice below - INV-2053 was rejected automatically because PO PMU-0415 is "
        "closed. You will need to resubmit it in the supplier portal against the new PO once "
        "procurement has issued it.\n\n"
        "Denise\n\n"
        f"--{boundary}\nContent-Type: message/rfc822\n"
        "Content-Disposition: attachment; filename=\"Invoice INV-2053 rejected.eml\"\n\n"
        + portal + f"\n--{boundary}--\n")
    add(m, m.render([("Content-Type", f'multipart/mixed; boundary="{boundary}"')], body))

    # 22 -- PO mismatch and approval pending: new PO needs board approval.
    m, inv, sent = reply(22, "po-needs-board", utc(2026, 11, 19, 15, 58, 7, -6), ("Raymond Fox", "procurement@pinecrest-utilities.example"),
                         "INV-2054", message_id="MN2PR09MB4412B2C3D4E5F6A7B8C9@MN2PR09MB4412.namprd09.prod.outlook.example")
    add(m, plain(m, (
        "Hannah,\n\n"
        "INV-2054 cannot be paid against PMU-0415: that PO is fully invoiced. The replacement PO, "
        "PMU-0522, has been requested, but any PO above USD 25,000 has to be approved by the Board of "
        "Commissioners. It is on the agenda for their meeting on 8 December, so I can't release the "
        "invoice before then.\n\n"
        "Raymond Fox\nProcurement Manager\nPinecrest Municipal Utilities\n\n"
        + quote_outlook(inv, "Procurement team", sent,
                        "Pinecrest Procurement <procurement@pinecrest-utilities.example>"))))

    # 23 -- scope dispute: rate above the SOW rate card, DOCX SOW attached.
    m, inv, sent = reply(23, "rate-above-sow", utc(2026, 11, 5, 14, 26, 31, 1), ("Lotte van der Berg", "l.vanderberg@ostarabio.example"),
                         "INV-2055", message_id="AM0PR07MB5523F1E2D3C4B5A6F7E8@AM0PR07MB5523.eurprd07.prod.outlook.example")
    add(m, with_attachments(m, (
        "Dear Hannah,\n\n"
        "On INV-2055 the Data Engineer hours are billed at EUR 155.00 per hour. Our statement of work "
        "(attached, section 3) sets the Data Engineer rate at EUR 140.00 per hour for the whole "
        "engagement, and no rate increase was agreed. For 112 hours that is EUR 1,680.00 too much.\n\n"
        "Could you correct the invoice? We have no issue with the hours themselves.\n\n"
        "Met vriendelijke groet / Kind regards,\nLotte van der Berg\nProgramme Manager Data\n"
        "Ostara Biotech B.V.\n\n"
        + quote_outlook(inv, "Lotte", sent, "Lotte van der Berg <l.vanderberg@ostarabio.example>")),
        ["SOW_Lab_Data_Platform_signed.docx"], "_002_AM0PR07MB5523F1E2D3C4B5A6F7E8_", docs))

    # 24 -- other: Dutch out-of-office, no Auto-Submitted header (subject and text only).
    m, inv, sent = reply(24, "ooo-dutch", utc(2026, 11, 9, 10, 6, 21, 1), ("Pieter de Vries", "p.devries@ostarabio.example"),
                         "INV-2056", message_id="AM0PR07MB5523A9B8C7D6E5F4A3B2@AM0PR07MB5523.eurprd07.prod.outlook.example",
                         subject="Automatisch antwoord: " + reminder_subject(INV["INV-2056"]))
    add(m, plain(m, (
        "Beste afzender,\n\n"
        "Ik ben afwezig tot en met vrijdag 20 november en heb beperkt toegang tot mijn e-mail. "
        "Voor vragen over facturen kunt u mailen naar crediteuren@ostarabio.example.\n\n"
        "Met vriendelijke groet,\nPieter de Vries\nFinance - Ostara Biotech B.V.\n")))

    # 25 -- PO mismatch: no PO on the invoice.
    m, inv, sent = reply(25, "po-missing", utc(2026, 11, 3, 16, 44, 18, -8), ("Meridian Freight AP", "payables@meridianfreight.example"),
                         "INV-2058", message_id="20261104004418.91BC7E@meridianfreight.example")
    add(m, plain(m, (
        "Hi,\n\n"
        "INV-2058 came in without a PO number, so our AP system bounced it back. All supplier invoices "
        "need a valid PO. For the telematics RFP work please reissue it with PO MF-55120 and send it to "
        "payables@meridianfreight.example.\n\n"
        "Thanks,\nAccounts Payable - Meridian Freight Co.\n\n"
        + quote_gmail(inv, "Accounts Payable team", sent)), cte="7bit"))

    # 26 -- payment scheduled: paid today, remittance advice PDF attached.
    m, inv, sent = reply(26, "remittance", utc(2026, 11, 17, 14, 3, 40, -8), ("Meridian Freight AP", "payables@meridianfreight.example"),
                         "INV-2059", message_id="20261117220340.4D2A61@meridianfreight.example")
    add(m, with_attachments(m, (
        "Hello,\n\n"
        "Please find attached the remittance advice for our ACH payment of USD 9,975.00 made today, which "
        "settles INV-2059.\n\n"
        "Accounts Payable - Meridian Freight Co.\n\n"
        + quote_gmail(inv, "Accounts Payable team", sent)),
        ["Remittance_Advice_ACH-0019384.pdf"], "=_mf_remit_0019384", docs))

    # 27 -- payment scheduled for two invoices: ambiguous link.
    m, inv, sent = reply(27, "two-invoices", utc(2026, 11, 24, 9, 30, 2, -8), ("Nina Park", "nina.park@meridianfreight.example"),
                         "INV-2060", message_id="CAN4pL6kJ8hG0fD2sA4qW6eR8tY0uI2oP@mail.gmail.example")
    add(m, plain(m, (
        "Hi Hannah,\n\n"
        "Both INV-2060 and INV-2061 are approved and in this Friday's payment run (27 November).\n\n"
        "Nina\n\nNina Park | Operations Director | Meridian Freight Co.\n\n"
        + quote_gmail(inv, "Nina", sent)), cte="7bit"))

    # 28 -- other: English out-of-office (Exchange), mentions approvals and payments.
    m, inv, sent = reply(28, "ooo-english", utc(2026, 11, 6, 4, 6, 30, -5), ("Rachel Kim", "r.kim@kestrelhealth.example"),
                         "INV-2037", message_id="BN8PR04MB6210E0F1A2B3C4D5E6F7@BN8PR04MB6210.namprd04.prod.outlook.example",
                         subject="Automatic reply: " + reminder_subject(INV["INV-2037"]),
                         extra_headers=[("Auto-Submitted", "auto-replied"),
                                        ("X-Auto-Response-Suppress", "All"),
                                        ("X-MS-Exchange-Inbox-Rules-Loop", "r.kim@kestrelhealth.example")])
    add(m, plain(m, (
        "Thank you for your email. I am out of the office until Monday 9 November with no access to email.\n\n"
        "For invoice approvals and payment queries, please contact accountspayable@kestrelhealth.example.\n\n"
        "Rachel Kim\nAP Manager, Kestrel Health Systems, Inc.\n"), cte="7bit"))

    # 29 -- other: unknown sender, an invoice number the ledger does not have.
    m = Mail(29, "unknown-sender", utc(2026, 11, 10, 11, 2, 9), ("Oliver Grant", "oliver.grant@quillonpartners.example"),
             "Invoice INV-3107 - wrong recipient?", "5f2b9c81-3e4a-4d6b-a1c2-d3e4f5a6b7c8@quillonpartners.example")
    add(m, plain(m, (
        "Hello,\n\n"
        "I think this has reached the wrong person. I am not in accounts payable, and I cannot find "
        "INV-3107 or any engagement with Northgate in our records. Could you check which company it was "
        "meant for?\n\n"
        "Oliver Grant\nOffice Manager, Quillon Partners\n"), cte="7bit"))

    # 30 -- malformed: the message was cut off inside its PDF attachment (no closing boundary).
    m, inv, sent = reply(30, "truncated-multipart", utc(2026, 11, 20, 16, 12, 44, 1), ("Ostara Crediteuren", "crediteuren@ostarabio.example"),
                         "INV-2056", message_id="AM0PR07MB5523C3D4E5F6A7B8C9D0@AM0PR07MB5523.eurprd07.prod.outlook.example")
    boundary = "_003_AM0PR07MB5523C3D4E5F6A7B8C9D0_"
    pdf = make_pdf([["# Betalingsadvies", "Ostara Biotech B.V.", f"Begunstigde: {FIRM}",
                     "Factuur: INV-2056   EUR 14,560.00", "Betaaldatum: 20 november 2026"]],
                   "Betalingsadvies", "Ostara Biotech B.V.")
    encoded_pdf = b64(pdf)
    cut = encoded_pdf[: len(encoded_pdf) // 2 - 17]
    body = (
        f"--{boundary}\nContent-Type: text/plain; charset=\"utf-8\"\n"
        "Content-Transfer-Encoding: quoted-printable\n\n"
        + qp("Dear Hannah,\n\nPlease find attached our payment advice for INV-2056, paid today by SEPA "
             "transfer.\n\nMet vriendelijke groet,\nCrediteurenadministratie\nOstara Biotech B.V.\n")
        + f"\n--{boundary}\nContent-Type: application/pdf; name=\"Betalingsadvies_INV-2056.pdf\"\n"
        "Content-Disposition: attachment; filename=\"Betalingsadvies_INV-2056.pdf\"\n"
        "Content-Transfer-Encoding: base64\n\n" + cut)
    add(m, m.render([("Content-Type", f'multipart/mixed; boundary="{boundary}"')], body))

    out.sort(key=lambda t: t[2])
    if len({t[2] for t in out}) != len(out):
        raise SystemExit("two messages share a Date")
    return out


# ---------------------------------------------------------------------------
# What each message is, and what ar-triage should make of it
# ---------------------------------------------------------------------------

# number → (situation, gold labels per shared/spec/labels.md, client, invoice,
#           reason the item carries or None, what the message exercises)
# Labels are the spec's answers; a model may disagree. The reason is what the
# item's `reason` starts with (issue 4: linking, auto-replies, malformed input).
EXPECTED = {
    1: ("INV-2031 cleared the three-way match and sits with the CFO for sign-off until he is back on 9 Nov",
        ["approval_pending"], "C-1001", "INV-2031", None,
        "text/plain quoted-printable; Outlook `-----Original Message-----` quote"),
    2: ("Disputes the GBP 7,400 line for change order CO-2, which the client never agreed",
        ["scope_dispute"], "C-1001", "INV-2033", None,
        "PDF change order attached (kind `change_order`: PO, rate, 40-hour cap)"),
    3: ("PO-BW-7790 covers 120 hours, the invoice takes it to 138; the work is not contested (rules 3, 4)",
        ["po_mismatch"], "C-1001", "INV-2034", None, "Outlook quote"),
    4: ("Approved yesterday and scheduled for the BACS run on 26 Nov (rule 2)",
        ["payment_scheduled"], "C-1001", "INV-2035", None,
        "HTML-only Outlook message (text/html, MSO markup), sender matched by domain"),
    5: ("PO 4500012 is closed; reissue against PO 4500087",
        ["po_mismatch"], "C-1002", "INV-2036", None,
        "AP footer \"returned unpaid\" that must carry no label (rule 1)"),
    6: ("Approved and scheduled for the payment run on Fri 4 Dec; no invoice number anywhere",
        ["payment_scheduled"], "C-1002", "INV-2037", None,
        "linked only through In-Reply-To `reminder-INV-2037-2@ourfirm.example`"),
    7: ("Change request CR-07 is uncontested and waits for the client's IT governance board (rule 6)",
        ["approval_pending"], "C-1002", "INV-2038", None,
        "DOCX change request attached (kind `change_order`, rate table)"),
    8: ("Invoice exceeds the PO balance and bills a workshop the client never requested (rule 4)",
        ["po_mismatch", "scope_dispute"], "C-1002", "INV-2039", None, "Gmail-style quote"),
    9: ("German: awaiting the plant manager's release (on holiday until 16 Nov), then the next payment run (rule 3)",
        ["approval_pending"], "C-1003", "INV-2041", None,
        "ISO-8859-1 body in 8bit, encoded-word From name, German Outlook quote"),
    10: ("Invoice never reached the client's portal; asks for a PDF copy (rule 8)",
         [], "C-1003", "INV-2042", None, "Thunderbird, 7bit"),
    11: ("Released and included in the payment run of 20 Nov",
         ["payment_scheduled"], "C-1003", "INV-2043", None, "base64-encoded text/plain"),
    12: ("Pays the undisputed USD 34,120 on Fri 13 Nov and refuses 24 copywriting hours (rules 3, 9)",
         ["payment_scheduled", "scope_dispute"], "C-1004", "INV-2044", None,
         "multipart/alternative (text + HTML)"),
    13: ("Data migration was out of scope per the SOW; SOW PDF attached (exclusion on page 2)",
         ["scope_dispute"], "C-1004", "INV-2045", None,
         "two-page PDF SOW (kind `sow`: rate card, 800-hour cap, scope, exclusions)"),
    14: ("About \"the loyalty app invoice\": with the VP Digital for approval",
         ["approval_pending"], "C-1004", None, "unknown_invoice",
         "new thread, no invoice number, unknown address at a known client domain: "
         "candidates are the client's open invoices"),
    15: ("Goods receipt not posted; the project lead must confirm the UAT milestone (rule 5)",
         ["approval_pending"], "C-1004", "INV-2048", None, "highest amount in the ledger (USD 95,000)"),
    16: ("\"Received, forwarded to our AP team\" (rule 8)",
         [], "C-1004", "INV-2046", None, "plain acknowledgement"),
    17: ("French out-of-office",
         [], "C-1005", "INV-2049", "auto_reply",
         "Auto-Submitted, X-Autoreply and Precedence headers; encoded-word subject"),
    18: ("Will pay on Fri 20 Nov, but the travel line is wrong",
         ["payment_scheduled", "scope_dispute"], "C-1005", "INV-2050", None,
         "multipart/alternative (text + HTML)"),
    19: ("French: invoices go to a shared-service mailbox and a new billing address from 1 Dec (rule 8)",
         [], "C-1005", "INV-2051", None, "UTF-8 quoted-printable French"),
    20: ("No service entry sheet yet; the department must enter and approve it (rule 5)",
         ["approval_pending"], "C-1006", "INV-2052", None, "Outlook quote"),
    21: ("The client forwards its supplier portal's rejection: PO PMU-0415 is closed (rule 7)",
         ["po_mismatch"], "C-1006", "INV-2053", None,
         "forwarded message/rfc822 (the portal notice itself has Auto-Submitted; the forward is human)"),
    22: ("The replacement PO needs Board of Commissioners approval on 8 Dec (rule 5)",
         ["po_mismatch", "approval_pending"], "C-1006", "INV-2054", None, "Outlook quote"),
    23: ("Data Engineer billed at EUR 155/h, the SOW rate card says EUR 140/h",
         ["scope_dispute"], "C-1007", "INV-2055", None,
         "DOCX SOW attached (kind `sow`: rate table, 350-hour cap, scope, exclusions)"),
    24: ("Dutch out-of-office",
         [], "C-1007", "INV-2056", "auto_reply",
         "no auto-reply header: detected from the subject and text"),
    25: ("No PO on the invoice; reissue with PO MF-55120",
         ["po_mismatch"], "C-1008", "INV-2058", None, "Gmail-style quote"),
    26: ("Paid today by ACH, remittance advice attached",
         ["payment_scheduled"], "C-1008", "INV-2059", None,
         "PDF remittance (kind `remittance`: amount, invoice paid, payment date)"),
    27: ("INV-2060 and INV-2061 are both in Friday's payment run",
         ["payment_scheduled"], "C-1008", None, "ambiguous_invoice: INV-2060, INV-2061",
         "two invoice numbers: a person picks the invoice"),
    28: ("English Exchange out-of-office that mentions approvals and payments (rule 7)",
         [], "C-1002", "INV-2037", "auto_reply",
         "Auto-Submitted and X-Auto-Response-Suppress headers"),
    29: ("Someone outside our clients asks about INV-3107, which is not in the ledger: wrong recipient",
         [], None, None, "unknown_invoice",
         "sender domain not in the ledger, invoice number not in the ledger"),
    30: ("Payment advice for INV-2056, but the message was cut off inside its PDF",
         ["payment_scheduled"], "C-1007", "INV-2056", "malformed: truncated MIME",
         "truncated multipart: no closing boundary, half a base64 PDF"),
}


def expected_rows(msgs):
    """One row per message: what ar-triage should store for it."""
    rows = []
    for seq, (n, tag, when, data) in enumerate(msgs, start=1):
        situation, labels, client, invoice, reason, notes = EXPECTED[n]
        msg = email.message_from_bytes(data, policy=email.policy.default)
        if reason and reason.startswith("auto_reply"):
            status, queue = "auto_reply", "human"
        elif reason:
            status, queue = "needs_human", "human"
        else:
            status, queue = "new", "triage"
        rows.append({
            "file": f"new/{maildir_name(seq, when)}", "n": seq, "tag": tag,
            "message_id": str(msg["Message-ID"]).strip("<>"),
            "from": email.utils.parseaddr(str(msg["From"]))[1].lower(),
            "subject": str(msg["Subject"]), "situation": situation, "labels": labels,
            "client": client, "invoice": invoice, "status": status, "queue": queue,
            "reason_starts_with": reason, "exercises": notes,
        })
    return rows


README_HEAD = """\
# Demo inbox

<!-- Generated by scripts/make-demo.py; edit the script, not this file. -->

A small professional-services firm, **Northgate Advisory Group**
(`ourfirm.example`), chases its clients for overdue invoices from
`collections@ourfirm.example`. This folder holds its ledger and the inbox of
replies it got back in November 2026: the input of the README's main command.

| path | what |
|---|---|
| `ledger/clients.csv` | {clients} clients (`.example` domains), their AP and project contacts and the owning partner |
| `ledger/engagements.csv` | {engagements} engagements with PO number, hours cap and rate card |
| `ledger/invoices.csv` | {invoices} invoices in USD, EUR and GBP ({open} open, {paid} paid), with the Message-IDs of the reminders we sent |
| `inbox/` | a Maildir: {messages} client replies in `new/`; `cur/` and `tmp/` hold only a `.gitkeep` |
| `attachments/` | the PDF and DOCX files attached to those replies, to open by hand |
| `expected.jsonl` | one line per message: the gold labels and the client, invoice, status, queue and reason ar-triage should store |

## Run it

```sh
cargo run -- ledger import --clients examples/demo/ledger/clients.csv \\
    --invoices examples/demo/ledger/invoices.csv \\
    --engagements examples/demo/ledger/engagements.csv
cargo run -- ingest --maildir examples/demo/inbox --once
cargo run -- items --format table
```

All three use the default database `sqlite://ar-triage.db` (`--db` or
`AR_TRIAGE_DATABASE_URL` to change it). Labels need the classifier
(`scripts/fetch-model` and a trained `models/ar-triage/`); without it every
message is still stored and linked, but sits in the `human` queue with reason
`classifier_unavailable: …`.

`ingest` moves each stored message from `inbox/new/` to `inbox/cur/NAME:2,S`,
so a second run finds nothing new (and, had the files stayed, would add
nothing: the store deduplicates by Message-ID). To start over, delete
`ar-triage.db` and put the inbox back with

```sh
python3 scripts/make-demo.py          # rewrites examples/demo/ byte for byte
python3 scripts/make-demo.py --check  # only validates it
```

The script (standard library only) writes everything here: the CSVs, the
PDFs (by hand: Helvetica text, Flate streams) and DOCX files (zipfile), the
messages and this README. `--check` parses every message with Python's
`email` module, checks that every invoice number and In-Reply-To names the
ledger (except the deliberate unknowns), and reads every PDF (xref table,
page streams) and DOCX (zip CRCs, XML).

## The messages

Labels are the answers of the [label spec](../../../shared/spec/labels.md)
(rule numbers refer to its "Where labels meet"); `other` is no label. A model
may disagree with them: that is what they are for. Status, queue and reason
are what issue 4's ingest stores when the classifier runs: linked, classified
replies go to `triage`; auto-replies, unlinked and malformed messages go to
`human` with their reason.

| # | file (`inbox/new/`) | from | situation | labels | client / invoice | status / queue / reason |
|---|---|---|---|---|---|---|
"""

README_TAIL = """
What else the inbox exercises, message by message:

{exercises}

## The ledger

| client | name | engagements (PO, hours cap) | invoices |
|---|---|---|---|
{ledger}

Reminders went out 7 and 21 days after each open invoice's due date (listed
up to 20 November 2026) with Message-IDs `reminder-<invoice>-<n>@ourfirm.example`.
"""


def write_expected_and_readme(msgs):
    rows = expected_rows(msgs)
    with open(DEMO / "expected.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    table = []
    for r in rows:
        labels = ", ".join(f"`{l}`" for l in r["labels"]) or "other"
        link = f"{r['client'] or '-'} / {r['invoice'] or '-'}"
        reason = f" / `{r['reason_starts_with']}`" if r["reason_starts_with"] else ""
        if r["reason_starts_with"] and r["reason_starts_with"].startswith("malformed"):
            reason = f" / `{r['reason_starts_with']}: …`"
        table.append(f"| {r['n']} | `{r['file'][4:]}` | {r['from']} | {r['situation']} | {labels} "
                     f"| {link} | {r['status']} / {r['queue']}{reason} |")
    exercises = "\n".join(f"- **{r['n']}** ({r['tag']}): {r['exercises']}" for r in rows)
    ledger = []
    for cid, name, *_ in CLIENTS:
        engs = "; ".join(f"{e[0]} {e[2]} ({e[4] or 'no PO'}, {e[5] + ' h cap' if e[5] else 'no hours cap'})"
                         for e in ENGAGEMENTS if e[1] == cid)
        invs = ", ".join(f"{i.number}{' (paid)' if i.status == 'paid' else ''}"
                         for i in INV.values() if i.client == cid)
        ledger.append(f"| {cid} | {name} | {engs} | {invs} |")
    head = README_HEAD.format(
        clients=len(CLIENTS), engagements=len(ENGAGEMENTS), invoices=len(INV),
        open=sum(i.status == "open" for i in INV.values()),
        paid=sum(i.status == "paid" for i in INV.values()), messages=len(msgs))
    (DEMO / "README.md").write_text(
        head + "\n".join(table) + "\n"
        + README_TAIL.format(exercises=exercises, ledger="\n".join(ledger)), encoding="utf-8")


def maildir_name(seq, when):
    """`<delivery time>.M<sequence>P1.demo`, the sequence counting in time order."""
    return f"{int(when.timestamp())}.M{seq}P1.demo"


# ---------------------------------------------------------------------------
# Writing and checking
# ---------------------------------------------------------------------------

INVOICE_RE = re.compile(r"\bINV-\d{4}\b")


def write_all():
    write_ledger()
    docs = documents()
    DOCS.mkdir(parents=True, exist_ok=True)
    for old in DOCS.iterdir():
        if not old.name.startswith("."):
            old.unlink()
    for name, data in docs.items():
        (DOCS / name).write_bytes(data)
    for sub in ("new", "cur", "tmp"):
        d = INBOX / sub
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            if not old.name.startswith("."):
                old.unlink()
    for sub in ("cur", "tmp"):
        (INBOX / sub / ".gitkeep").write_bytes(b"")
    msgs = messages(docs)
    for seq, (n, tag, when, data) in enumerate(msgs, start=1):
        if b"\r" in data:
            raise SystemExit(f"message {tag} has CR characters")
        (INBOX / "new" / maildir_name(seq, when)).write_bytes(data)
    write_expected_and_readme(msgs)
    print(f"wrote {len(msgs)} messages, {len(docs)} attachments and the ledger to "
          f"{DEMO.relative_to(ROOT)}")


def read_csv(name):
    with open(LEDGER / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pdf_check(data, name):
    """Structure (header, xref offsets, trailer) and text of a hand-written PDF."""
    if not data.startswith(b"%PDF-1.") or not data.rstrip().endswith(b"%%EOF"):
        raise AssertionError(f"{name}: not a complete PDF")
    startxref = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    if data[startxref:startxref + 4] != b"xref":
        raise AssertionError(f"{name}: startxref does not point at the xref table")
    m = re.match(rb"xref\s+0 (\d+)\s+", data[startxref:])
    size = int(m.group(1))
    entries = data[startxref + m.end():].split(b"\n")[:size]
    for oid, entry in enumerate(entries[1:], start=1):
        off = int(entry[:10])
        if not data[off:].startswith(f"{oid} 0 obj".encode()):
            raise AssertionError(f"{name}: xref entry {oid} is wrong")
    text = []
    for s in re.finditer(rb"stream\n(.*?)\nendstream", data, re.S):
        content = zlib.decompress(s.group(1))
        text += [t.decode("cp1252") for t in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content)]
    pages = int(re.search(rb"/Count (\d+)", data).group(1))
    return pages, "\n".join(t.replace("\\(", "(").replace("\\)", ")").replace("\\\\", "\\") for t in text)


def docx_check(data, name):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        bad = z.testzip()
        if bad:
            raise AssertionError(f"{name}: bad zip entry {bad}")
        for part in z.namelist():
            if part.endswith(".xml") or part.endswith(".rels"):
                ET.fromstring(z.read(part))
        root = ET.fromstring(z.read("word/document.xml"))
    return "\n".join("".join(t.text or "" for t in p.iter(f"{{{W_NS}}}t"))
                     for p in root.iter(f"{{{W_NS}}}p"))


def check():
    """Validates examples/demo/ as committed; returns the number of problems."""
    problems = []
    invoices = {r["invoice_number"]: r for r in read_csv("invoices.csv")}
    clients = {r["client_id"]: r for r in read_csv("clients.csv")}
    engagements = {r["engagement_id"]: r for r in read_csv("engagements.csv")}
    reminders = {mid: num for num, r in invoices.items()
                 for mid in r["reminder_message_ids"].split(";") if mid}
    for num, r in invoices.items():
        if r["client_id"] not in clients or r["engagement_id"] not in engagements:
            problems.append(f"invoices.csv {num}: unknown client or engagement")
        if engagements[r["engagement_id"]]["client_id"] != r["client_id"]:
            problems.append(f"invoices.csv {num}: engagement of another client")

    doc_text = {}
    for path in sorted(DOCS.iterdir()):
        if path.name.startswith("."):
            continue
        data = path.read_bytes()
        try:
            if path.suffix == ".pdf":
                pages, text = pdf_check(data, path.name)
                doc_text[path.name] = text
                print(f"  ok  {path.name}: PDF, {pages} page(s), {len(text)} chars of text")
            else:
                text = docx_check(data, path.name)
                doc_text[path.name] = text
                print(f"  ok  {path.name}: DOCX, {len(text)} chars of text")
        except Exception as e:  # noqa: BLE001 - report every broken file
            problems.append(f"{path.name}: {e}")

    files = sorted(p for p in (INBOX / "new").iterdir() if not p.name.startswith("."))
    with open(DEMO / "expected.jsonl", encoding="utf-8") as f:
        expected = {r["file"][4:]: r for r in map(json.loads, f)}
    if set(expected) != {p.name for p in files}:
        problems.append("expected.jsonl does not list exactly the files in inbox/new/")
    malformed = {name for name, r in expected.items()
                 if (r["reason_starts_with"] or "").startswith("malformed")}
    message_ids = set()
    for path in files:
        data = path.read_bytes()
        msg = email.message_from_bytes(data, policy=email.policy.default)
        truncated = path.name in malformed
        defects = list(msg.defects) + [d for part in msg.walk() for d in part.defects]
        if truncated:
            if not defects:
                problems.append(f"{path.name}: the malformed message parses without defects")
            else:
                print(f"  ok  {path.name}: malformed as intended ({type(defects[0]).__name__})")
            continue
        if defects:
            problems.append(f"{path.name}: {defects}")
        for h in ("Message-ID", "Date", "From", "To", "Subject", "MIME-Version", "Content-Type"):
            if msg[h] is None:
                problems.append(f"{path.name}: no {h}")
        if msg["Message-ID"] in message_ids:
            problems.append(f"{path.name}: duplicate Message-ID")
        message_ids.add(msg["Message-ID"])
        date = email.utils.parsedate_to_datetime(msg["Date"])
        if (date.year, date.month) != (2026, 11):
            problems.append(f"{path.name}: Date not in November 2026")
        if int(path.name.split(".")[0]) != int(date.timestamp()):
            problems.append(f"{path.name}: file name does not match Date")
        if msg["To"] is None or COLLECTIONS[1] not in str(msg["To"]):
            problems.append(f"{path.name}: not addressed to {COLLECTIONS[1]}")
        texts = [str(msg["Subject"])]
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                texts.append(part.get_content())
            elif part.get_filename() and part.get_filename() in doc_text:
                texts.append(doc_text[part.get_filename()])
                if part.get_payload(decode=True) != (DOCS / part.get_filename()).read_bytes():
                    problems.append(f"{path.name}: attachment {part.get_filename()} differs")
        named = set(INVOICE_RE.findall("\n".join(texts)))
        for num in named - set(invoices) - DELIBERATELY_UNKNOWN:
            problems.append(f"{path.name}: {num} is not in invoices.csv")
        irt = msg["In-Reply-To"]
        if irt:
            mid = str(irt).strip("<> ")
            if mid not in reminders:
                problems.append(f"{path.name}: In-Reply-To {mid} is not a reminder in the ledger")
            elif named and reminders[mid] not in named:
                problems.append(f"{path.name}: replies to {reminders[mid]} but names {sorted(named)}")
        print(f"  ok  {path.name}: {msg.get_content_type()}, "
              f"invoices {sorted(named) or '-'}, in-reply-to {reminders.get(str(irt).strip('<> ')) if irt else '-'}")
    print(f"{len(files)} messages, {len(doc_text)} documents, {len(invoices)} invoices, "
          f"{len(problems)} problem(s)")
    for p in problems:
        print("  PROBLEM", p)
    return len(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only validate examples/demo/")
    args = ap.parse_args()
    if not args.check:
        write_all()
    sys.exit(1 if check() else 0)


if __name__ == "__main__":
    main()
