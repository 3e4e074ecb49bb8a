#!/usr/bin/env python3
"""Write the golden parsing corpus: tests/corpus/*.eml, tests/corpus/malformed/*.eml
and the documents they carry, tests/corpus/files/*.{pdf,docx,csv}.

Only the Python standard library is used: PDFs are written by hand (Helvetica,
WinAnsiEncoding, one text line per row; the encrypted one uses the standard
security handler, RC4 40-bit, with a user password), DOCX files with zipfile.
Everything is deterministic, so running this again reproduces the committed
files byte for byte. The expected .json files beside the .eml files are not
written here: they come from `AR_TRIAGE_BLESS=1 cargo test --test
ingest_corpus` and are reviewed by hand.

Usage: scripts/make-corpus.py            (from the repository root)
"""

import base64
import hashlib
import io
import os
import random
import struct
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "corpus")
FILES = os.path.join(ROOT, "files")
MALFORMED = os.path.join(ROOT, "malformed")

OUR = "collections@ourfirm.example"
OUR_NAME = "Ourfirm Collections"


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

PAD = bytes.fromhex(
    "28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A"
)


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def pdf_string(text):
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def page_content(lines):
    """A content stream: '# ' lines in Helvetica-Bold 14, others Helvetica 10."""
    out = [b"BT", b"14 TL", b"56 790 Td"]
    for line in lines:
        if line.startswith("# "):
            out.append(b"/F2 14 Tf " + pdf_string(line[2:]) + b" Tj T* T*")
        elif line == "":
            out.append(b"T*")
        else:
            out.append(b"/F1 10 Tf " + pdf_string(line) + b" Tj T*")
    out.append(b"ET")
    return b"\n".join(out) + b"\n"


def make_pdf(pages, title, user_password=None, owner_password="owner"):
    """A PDF with one page per list of lines. With user_password set (even
    ""), the document is encrypted with RC4 40-bit (revision 2)."""
    objects = {}
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = []
    next_id = 5
    contents = {}
    for lines in pages:
        page_id, content_id = next_id, next_id + 1
        next_id += 2
        kids.append(page_id)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents "
            + str(content_id).encode()
            + b" 0 R >>"
        )
        contents[content_id] = page_content(lines)
    objects[2] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(str(k).encode() + b" 0 R" for k in kids)
        + b"] /Count "
        + str(len(kids)).encode()
        + b" >>"
    )
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    file_id = hashlib.md5(title.encode()).digest()

    key = None
    encrypt_id = None
    if user_password is not None:
        p_value = -44  # print and copy not allowed
        owner_key = hashlib.md5((owner_password.encode() + PAD)[:32]).digest()[:5]
        o_entry = rc4(owner_key, (user_password.encode() + PAD)[:32])
        digest = hashlib.md5(
            (user_password.encode() + PAD)[:32] + o_entry + struct.pack("<i", p_value) + file_id
        ).digest()
        key = digest[:5]
        u_entry = rc4(key, PAD)
        encrypt_id = next_id
        next_id += 1
        objects[encrypt_id] = (
            b"<< /Filter /Standard /V 1 /R 2 /O <"
            + o_entry.hex().encode()
            + b"> /U <"
            + u_entry.hex().encode()
            + b"> /P "
            + str(p_value).encode()
            + b" >>"
        )

    for content_id, data in contents.items():
        if key is not None:
            object_key = hashlib.md5(key + struct.pack("<i", content_id)[:3] + b"\x00\x00").digest()[:10]
            data = rc4(object_key, data)
        objects[content_id] = (
            b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream"
        )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += str(number).encode() + b" 0 obj\n" + objects[number] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 " + str(size).encode() + b"\n0000000000 65535 f \n"
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number]
    trailer = b"<< /Size " + str(size).encode() + b" /Root 1 0 R /ID [<" + file_id.hex().encode() + b"> <" + file_id.hex().encode() + b">]"
    if encrypt_id is not None:
        trailer += b" /Encrypt " + str(encrypt_id).encode() + b" 0 R"
    out += b"trailer\n" + trailer + b" >>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


# ---------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FIXED_TIME = (2026, 11, 2, 9, 0, 0)


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx_paragraph(text, style=None, bullet=False):
    ppr = ""
    if style:
        ppr += f'<w:pStyle w:val="{style}"/>'
    if bullet:
        ppr += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
    ppr = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    return f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{xml_escape(text)}</w:t></w:r></w:p>'


def docx_table(rows):
    out = ["<w:tbl>"]
    for row in rows:
        out.append("<w:tr>")
        for cell in row:
            out.append(f"<w:tc>{docx_paragraph(cell)}</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def docx_body(blocks):
    """blocks: ('h', text) heading, ('p', text), ('b', text) bullet, ('t', rows) table."""
    parts = []
    for kind, value in blocks:
        if kind == "h":
            parts.append(docx_paragraph(value, style="Heading1"))
        elif kind == "p":
            parts.append(docx_paragraph(value))
        elif kind == "b":
            parts.append(docx_paragraph(value, style="ListParagraph", bullet=True))
        elif kind == "t":
            parts.append(docx_table(value))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}"><w:body>' + "".join(parts) + "<w:sectPr/></w:body></w:document>"
    )


DOCX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    ),
    "word/_rels/document.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
        "</Relationships>"
    ),
    "word/numbering.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">'
        '<w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/></w:lvl></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    ),
}


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def make_docx(blocks):
    entries = list(DOCX_STATIC.items()) + [("word/document.xml", docx_body(blocks))]
    return zip_bytes(entries)


def lie_about_size(zip_data, entry, size):
    """Rewrite the uncompressed size recorded for `entry` (local header and
    central directory) so the archive understates how far it inflates."""
    data = bytearray(zip_data)
    name = entry.encode()
    pos = 0
    while True:
        pos = data.find(b"PK\x03\x04", pos)
        if pos < 0:
            break
        name_len = struct.unpack_from("<H", data, pos + 26)[0]
        if data[pos + 30 : pos + 30 + name_len] == name:
            struct.pack_into("<I", data, pos + 22, size)
        pos += 4
    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46 : pos + 46 + name_len] == name:
            struct.pack_into("<I", data, pos + 24, size)
        pos += 4
    return bytes(data)


def make_docx_bomb():
    """A DOCX whose document.xml inflates to 24 MiB of spaces (~25 KB zipped)."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'
    tail = "</w:t></w:r></w:p></w:body></w:document>"
    filler = " " * (24 * 1024 * 1024)
    entries = list(DOCX_STATIC.items()) + [("word/document.xml", head + filler + tail)]
    return zip_bytes(entries)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------

SOW_PDF = [
    [
        "# Statement of Work No. SOW-2026-014",
        "Ourfirm Consulting LLP",
        "",
        "This Statement of Work is entered into between Ourfirm Consulting LLP and",
        "Acme Industrial Holdings Inc. (\"Client\") under the Master Services Agreement of 12 January 2026.",
        "",
        "Client: Acme Industrial Holdings Inc.",
        "Purchase Order: PO 4500123456",
        "Effective date: 2026-09-01    End date: 2026-12-31",
        "",
        "# 1. Scope of Services",
        "- Current-state assessment of the order-to-cash process",
        "- Design of the future-state credit and collections workflow, including approval",
        "  matrix and dunning levels",
        "- Two training sessions for the AR team (remote)",
        "",
        "# 2. Out of Scope",
        "- Data migration from the legacy ERP",
        "- Configuration of the ERP system",
        "Travel outside the Chicago metro area is out of scope unless approved in writing.",
    ],
    [
        "# 3. Rate Card",
        "Partner: USD 350.00 per hour",
        "Senior Consultant: USD 210.00 per hour",
        "Analyst: USD 140.00 per hour",
        "",
        "# 4. Fees",
        "Time and materials, not to exceed 120 hours in total without a change order.",
        "Invoices are issued monthly and payable within 30 days.",
        "",
        "Signed: 2026-08-25",
    ],
]

CHANGE_ORDER_PDF = [
    [
        "# Change Order No. 2",
        "to Statement of Work SOW-2026-014",
        "",
        "Client: Acme Industrial Holdings Inc.",
        "PO number: PO 4500123456",
        "Effective date: 2026-11-02",
        "",
        "# Scope",
        "- Data migration of open AR items from the legacy ERP (added)",
        "- One additional training session for the shared service centre",
        "",
        "# Exclusions",
        "- Historical (closed) items older than 24 months",
        "",
        "Fixed fee: USD 18,500.00 for the added scope, invoiced on completion.",
        "Hours under the original SOW remain capped at 120 hours.",
    ]
]

REMITTANCE_PDF = [
    [
        "# Remittance Advice",
        "Acme Industrial Holdings Inc. - Accounts Payable",
        "",
        "Payee: Ourfirm Consulting LLP",
        "Payment reference: ACH-20261120-0093",
        "Payment date: 2026-11-20",
        "",
        "Invoice        Invoice date     Amount paid",
        "INV-2031       2026-09-30       USD 12,400.00",
        "INV-2044       2026-10-31       USD 8,150.00",
        "",
        "Total paid: USD 20,550.00",
    ]
]

REMITTANCE_FR_PDF = [
    [
        "# Avis de paiement",
        "Société Lumière SAS - Comptabilité fournisseurs",
        "",
        "Bénéficiaire : Ourfirm Consulting LLP",
        "Date de paiement : 27/11/2026",
        "",
        "Facture FAC-2026-0412    Montant : 4 800,00 EUR",
        "",
        "Total réglé : 4 800,00 EUR",
    ]
]

INVOICE_PDF = [
    [
        "# Invoice INV-2052",
        "Ourfirm Consulting LLP",
        "",
        "Bill to: Initech Ltd",
        "Invoice date: 2026-10-31    Due date: 2026-11-30",
        "PO: 7700-1182",
        "",
        "Advisory services, October 2026      GBP 6,300.00",
        "VAT 20%                                GBP 1,260.00",
        "Total due                              GBP 7,560.00",
    ]
]

ENCRYPTED_PDF = [
    [
        "# Remittance Advice",
        "Payment date: 2026-11-18",
        "INV-2060    USD 3,900.00",
    ]
]

SOW_DOCX = [
    ("h", "Statement of Work - Finance Transformation Phase 2"),
    ("p", "Client: Globex Corporation"),
    ("p", "PO Number: PO-88231"),
    ("p", "Start date: 2026-10-01. End date: 2027-03-31."),
    ("h", "Deliverables"),
    ("b", "Month-end close playbook"),
    ("b", "Intercompany reconciliation tool and user guide"),
    ("b", "Weekly status reports to the CFO"),
    ("h", "Exclusions"),
    ("b", "Tax advisory"),
    ("b", "Payroll processing"),
    ("h", "Rates"),
    ("t", [["Role", "Rate"], ["Engagement Manager", "EUR 1,600.00 per day"], ["Consultant", "EUR 1,100.00 per day"]]),
    ("p", "The engagement is capped at 60 days; effort is not to exceed 480 hours."),
    ("p", "On-site support at the Munich office is not included."),
]

SOW_DOCX_DE = [
    ("h", "Leistungsbeschreibung Nr. LB-2026-07"),
    ("p", "Auftraggeber: Müller & Söhne GmbH"),
    ("p", "Bestellnummer: PO 4711-2026"),
    ("p", "Laufzeit: 01.10.2026 bis 31.12.2026"),
    ("h", "Leistungsumfang"),
    ("b", "Analyse des Mahnwesens"),
    ("b", "Einführung eines Freigabeprozesses für Eingangsrechnungen"),
    ("h", "Nicht enthalten"),
    ("b", "Anpassungen am SAP-System"),
    ("h", "Stundensätze"),
    ("t", [["Senior Berater", "165,00 EUR pro Stunde"], ["Berater", "120,00 EUR pro Stunde"]]),
    ("p", "Der Aufwand ist auf höchstens 80 Stunden begrenzt."),
    ("p", "Reisekosten sind nicht im Leistungsumfang enthalten."),
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def documents():
    docs = {
        "sow-acme.pdf": make_pdf(SOW_PDF, "sow-acme"),
        "change-order-2.pdf": make_pdf(CHANGE_ORDER_PDF, "change-order-2"),
        "remittance-acme.pdf": make_pdf(REMITTANCE_PDF, "remittance-acme"),
        "avis-de-paiement.pdf": make_pdf(REMITTANCE_FR_PDF, "avis-de-paiement"),
        "INV-2052.pdf": make_pdf(INVOICE_PDF, "inv-2052"),
        "remittance-encrypted.pdf": make_pdf(ENCRYPTED_PDF, "encrypted", user_password="s3cret"),
        "remittance-restricted.pdf": make_pdf(ENCRYPTED_PDF, "restricted", user_password=""),
        "sow-globex.docx": make_docx(SOW_DOCX),
        "leistungsbeschreibung.docx": make_docx(SOW_DOCX_DE),
        "bomb.docx": make_docx_bomb(),
    }
    docs["bomb-lying.docx"] = lie_about_size(docs["bomb.docx"], "word/document.xml", 2048)
    good = docs["sow-globex.docx"]
    docs["corrupt.docx"] = good[: len(good) * 3 // 5] + b"\x00" * 64
    docs["scan.pdf"] = make_pdf([[]], "scan")
    return docs


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def b64(data, width=76):
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def qp(text, charset="utf-8"):
    """Quoted-printable with soft line breaks at 76 columns."""
    out_lines = []
    for line in text.split("\n"):
        encoded = ""
        for ch in line:
            for byte in ch.encode(charset):
                if byte == 0x3D or byte > 126 or (byte < 32 and byte != 9):
                    encoded += "=%02X" % byte
                else:
                    encoded += chr(byte)
        if encoded.endswith(" ") or encoded.endswith("\t"):
            encoded = encoded[:-1] + "=%02X" % ord(encoded[-1])
        while len(encoded) > 75:
            cut = 75
            while encoded[cut - 1] == "=" or encoded[cut - 2] == "=":
                cut -= 1
            out_lines.append(encoded[:cut] + "=")
            encoded = encoded[cut:]
        out_lines.append(encoded)
    return "\n".join(out_lines)


def attachment(boundary, filename, ctype, data):
    return (
        f"--{boundary}\n"
        f'Content-Type: {ctype}; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n'
        "Content-Transfer-Encoding: base64\n\n" + b64(data) + "\n"
    )


def headers(**fields):
    order = [
        "Return-Path", "From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
        "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
    ]
    lines = []
    for key in order:
        value = fields.pop(key.replace("-", "_"), None)
        if value is not None:
            lines.append(f"{key}: {value}")
    for key, value in fields.items():
        lines.append(f"{key.replace('_', '-')}: {value}")
    return "\n".join(lines) + "\n"


def reminder_quote(invoice, amount, due, prefix="> "):
    text = (
        f"Dear customer,\n\nour records show that invoice {invoice} for {amount}, due on {due}, "
        "is still open. Could you let us know when we can expect payment?\n\n"
        "Kind regards,\nOurfirm Collections"
    )
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.split("\n"))


def messages(docs):
    m = {}

    # -- plain text, the common case -----------------------------------------
    m["plain-approval-pending.eml"] = headers(
        From='"Dana Whitfield" <Dana.Whitfield@acme.example>',
        To=f"{OUR_NAME} <{OUR}>",
        Subject="RE: Reminder: invoice INV-2031 is overdue",
        Date="Tue, 17 Nov 2026 09:14:03 -0600",
        Message_ID="<BN8PR11MB3620A1@acme.example>",
        In_Reply_To="<reminder-INV-2031-1@ourfirm.example>",
        References="<reminder-INV-2031-1@ourfirm.example>",
        MIME_Version="1.0",
        Content_Type='text/plain; charset="utf-8"',
        Content_Transfer_Encoding="7bit",
    ) + (
        "\nHi,\n\nINV-2031 is sitting with our CFO for sign-off; anything above $10k needs her\n"
        "approval. She is back on Monday and I'll chase it then.\n\nThanks,\nDana\n\n"
        "On Mon, 16 Nov 2026 at 08:00, Ourfirm Collections <collections@ourfirm.example> wrote:\n"
        + reminder_quote("INV-2031", "USD 12,400.00", "30 October 2026") + "\n"
    )

    # -- Outlook HTML only ---------------------------------------------------
    outlook_html = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}
span.EmailStyle17 {mso-style-type:personal-compose;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Hello,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">We can&#8217;t process invoice INV-2044 &#8211; the PO on it (PO-77120) was closed in September. Please reissue it against our new PO <b>PO-78455</b>.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Best regards,<o:p></o:p></p>
<p class="MsoNormal">Priya Raman<o:p></o:p></p>
<p class="MsoNormal"><span style="color:#7F7F7F">Accounts Payable | Initech Ltd<o:p></o:p></span></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">
<p class="MsoNormal"><b>From:</b> Ourfirm Collections &lt;collections@ourfirm.example&gt; <br>
<b>Sent:</b> 16 November 2026 08:00<br>
<b>To:</b> AP Initech &lt;ap@initech.example&gt;<br>
<b>Subject:</b> Reminder: invoice INV-2044 is overdue<o:p></o:p></p>
</div>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Dear customer,<o:p></o:p></p>
<p class="MsoNormal">our records show that invoice INV-2044 for GBP 8,150.00 is still open.<o:p></o:p></p>
</div>
</body>
</html>
"""
    m["outlook-html-only.eml"] = headers(
        From="Priya Raman <Priya.Raman@initech.example>",
        To=f"{OUR_NAME} <{OUR}>",
        Subject="RE: Reminder: invoice INV-2044 is overdue",
        Date="Tue, 17 Nov 2026 10:02:44 +0000",
        Message_ID="<LO2P265MB0042E7@initech.example>",
        Thread_Topic="Reminder: invoice INV-2044 is overdue",
        Thread_Index="AQHbOBx0kq1cFhOQ2U6wNw==",
        MIME_Version="1.0",
        Content_Type='text/html; charset="utf-8"',
        Content_Transfer_Encoding="quoted-printable",
        X_MS_Has_Attach="",
        X_MS_TNEF_Correlator="",
    ) + "\n" + qp(outlook_html) + "\n"

    # -- multipart/alternative: the text part wins -----------------------------
    m["multipart-alternative.eml"] = headers(
        From="Tom Becker <tom.becker@globex.example>",
        To=OUR,
        Subject="Re: INV-2040 payment",
        Date="Wed, 18 Nov 2026 16:45:10 +0100",
        Message_ID="<5f2c1a9e-0d1b-4f5e-9c55-1b2a3c4d5e6f@globex.example>",
        MIME_Version="1.0",
        Content_Type='multipart/alternative; boundary="alt-7Hq2"',
    ) + """
--alt-7Hq2
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 7bit

Hi team,

INV-2040 is scheduled for our payment run on 27 November 2026. You should
see EUR 9,600.00 in your account the day after.

Tom

--alt-7Hq2
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: 7bit

<div dir="ltr">Hi team,<br><br>INV-2040 is scheduled for our payment run on 27 November 2026. You should see EUR 9,600.00 in your account the day after.<br><br>Tom</div>

--alt-7Hq2--
"""

    # -- charsets ------------------------------------------------------------
    german = (
        "Sehr geehrte Damen und Herren,\n\n"
        "die Rechnung RE-2026-0815 über 4.250,00 € liegt noch bei unserer Geschäftsführung "
        "zur Freigabe. Wir melden uns, sobald sie freigegeben ist.\n\n"
        "Mit freundlichen Grüßen\nJürgen Weiß\nBuchhaltung, Müller & Söhne GmbH\n"
    )
    m["latin1-german-qp.eml"] = headers(
        From="=?iso-8859-1?Q?J=FCrgen_Wei=DF?= <j.weiss@mueller-soehne.example>",
        To=OUR,
        Subject="=?iso-8859-1?Q?AW:_Zahlungserinnerung_Rechnung_RE-2026-0815?=",
        Date="Thu, 19 Nov 2026 11:20:00 +0100",
        Message_ID="<20261119112000.GA4711@mueller-soehne.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=iso-8859-1",
        Content_Transfer_Encoding="quoted-printable",
    ) + "\n" + qp(german.replace("€", "EUR"), "latin-1") + "\n"

    french = (
        "Bonjour,\n\n"
        "Nous avons bien reçu votre relance. La facture FAC-2026-0412 (4 800,00 €) "
        "sera réglée le 27 novembre — c’est déjà « bon à payer ».\n\n"
        "Cordialement,\nÉlodie Fournier\nSociété Lumière SAS\n"
    )
    m["cp1252-french-8bit.eml"] = (
        headers(
            From="=?windows-1252?Q?=C9lodie_Fournier?= <e.fournier@lumiere.example>",
            To=OUR,
            Subject="=?windows-1252?Q?RE:_Relance_facture_FAC-2026-0412?=",
            Date="Fri, 20 Nov 2026 14:03:27 +0100",
            Message_ID="<000601db3a4b$8c1f2a30$@lumiere.example>",
            MIME_Version="1.0",
            Content_Type='text/plain; charset="windows-1252"',
            Content_Transfer_Encoding="8bit",
        ).encode("ascii")
        + b"\n"
        + french.encode("cp1252")
    )

    finnish = (
        "Hei,\n\nlasku INV-2049 (2 300,00 €) on maksettu tänään. "
        "Maksun viite: 1234 5678.\n\nTerveisin\nMäkinen\n"
    )
    m["iso-8859-15-euro.eml"] = (
        headers(
            From="Aino Makinen <aino.makinen@pohjola.example>",
            To=OUR,
            Subject="Re: Muistutus: INV-2049",
            Date="Mon, 23 Nov 2026 08:30:00 +0200",
            Message_ID="<a1b2c3d4@pohjola.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=ISO-8859-15",
            Content_Transfer_Encoding="8bit",
        ).encode("ascii")
        + b"\n"
        + finnish.encode("iso8859_15")
    )

    spanish = (
        "Hola,\n\nles confirmamos que la factura INV-2047 por 3.150,00 EUR se pagará el "
        "próximo viernes 27 de noviembre de 2026 por transferencia.\n\n"
        "Un saludo,\nLucía Ortega\nCuentas a pagar — Iberlogística S.L.\n"
    )
    m["base64-spanish.eml"] = headers(
        From="=?UTF-8?B?THVjw61hIE9ydGVnYQ==?= <lucia.ortega@iberlogistica.example>",
        To=OUR,
        Subject="=?UTF-8?B?UkU6IFJlY29yZGF0b3JpbzogZmFjdHVyYSBJTlYtMjA0Nw==?=",
        Date="Mon, 23 Nov 2026 12:10:00 +0100",
        Message_ID="<CAJ7m0vHq9@mail.iberlogistica.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=UTF-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64(spanish.encode("utf-8")) + "\n"

    dutch = (
        "Goedemiddag,\n\n"
        "Factuur INV-2050 is bij ons afgekeurd: het inkoopordernummer ontbreekt. "
        "Wilt u de factuur opnieuw sturen met PO 450-2219? Daarna wordt hij binnen 14 dagen betaald.\n\n"
        "Met vriendelijke groet,\nSanne de Vries – crediteurenadministratie\n"
    )
    m["quoted-printable-dutch.eml"] = headers(
        From="Sanne de Vries <s.devries@vanderberg.example>",
        To=OUR,
        Subject="RE: Herinnering factuur INV-2050",
        Date="Tue, 24 Nov 2026 13:05:00 +0100",
        Message_ID="<AM0PR07MB4420C1@vanderberg.example>",
        MIME_Version="1.0",
        Content_Type='text/plain; charset="utf-8"',
        Content_Transfer_Encoding="quoted-printable",
    ) + "\n" + qp(dutch) + "\n"

    japanese = "お世話になっております。\n請求書 INV-2055 は11月30日に支払い予定です。\nよろしくお願いいたします。\n佐藤\n"
    m["iso-2022-jp.eml"] = (
        headers(
            From="=?ISO-2022-JP?B?" + base64.b64encode("佐藤 健".encode("iso2022_jp")).decode() + "?= <sato@kaisha.example>",
            To=OUR,
            Subject="Re: INV-2055",
            Date="Wed, 25 Nov 2026 10:00:00 +0900",
            Message_ID="<20261125100000.sato@kaisha.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=ISO-2022-JP",
            Content_Transfer_Encoding="7bit",
        ).encode("ascii")
        + b"\n"
        + japanese.encode("iso2022_jp")
    )

    # -- RFC 2047 everywhere, CRLF line ends -----------------------------------
    m["encoded-words-crlf.eml"] = (
        headers(
            From='"=?UTF-8?Q?Bj=C3=B6rn_=C3=85kesson?=" <bjorn.akesson@nordvik.example>',
            To='"Ourfirm, Collections" <collections@ourfirm.example>, ar-team@ourfirm.example',
            Cc="=?UTF-8?Q?Ekonomi_avdelningen?= <ekonomi@nordvik.example>",
            Subject="=?UTF-8?Q?SV:_P=C3=A5minnelse_faktura_INV-2041?= =?UTF-8?Q?_=E2=80=93_betalning?=",
            Date="Wed, 18 Nov 2026 07:55:00 +0100",
            Message_ID="<HE1PR0301MB2222@nordvik.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=utf-8; format=flowed",
            Content_Transfer_Encoding="8bit",
        )
        + "\nHej,\n\nINV-2041 betalas den 30 november. \nVi har fått ny attestordning.\n\nBjörn\n"
    ).replace("\n", "\r\n")

    m["message-id-no-brackets.eml"] = headers(
        From="ACCOUNTS.PAYABLE@Umbrella-Corp.EXAMPLE",
        To=OUR,
        Subject="Re: Statement of account",
        Date="Thu, 19 Nov 2026 15:00:00 -0500",
        Message_ID="20261119150000.77AB@umbrella-corp.example",
        In_Reply_To="reminder-stmt-2026-11@ourfirm.example",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=us-ascii",
    ) + (
        "\nAll invoices on your statement are approved except INV-2046, which is still\n"
        "waiting for the project manager's confirmation of the hours.\n\nUmbrella Corp AP\n"
    )

    # -- forwards ------------------------------------------------------------
    portal_rejection = headers(
        From="Ariba Network <ordersender-prod@ansmtp.ariba.example>",
        To="ap@acme.example",
        Subject="Invoice INV-2058 has been rejected",
        Date="Fri, 20 Nov 2026 06:12:44 +0000",
        Message_ID="<1763619164.portal.77812@ariba.example>",
        MIME_Version="1.0",
        Content_Type='multipart/alternative; boundary="portal-b1"',
    ) + """
--portal-b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Your invoice INV-2058 to Acme Industrial Holdings Inc. has been rejected.

Reason: The purchase order number PO 4500123999 referenced on the invoice does not exist or is closed.
Comments from customer: Please resubmit against PO 4500123456.

Invoice amount: USD 5,200.00
Submitted: 19 November 2026

--portal-b1
Content-Type: text/html; charset=UTF-8

<p>Your invoice <b>INV-2058</b> to Acme Industrial Holdings Inc. has been rejected.</p>

--portal-b1--
"""
    m["forwarded-ap-portal-rejection.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="Fwd: Invoice INV-2058 has been rejected",
        Date="Fri, 20 Nov 2026 08:30:00 -0600",
        Message_ID="<BN8PR11MB3620B7@acme.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="fwd-outer"',
    ) + f"""
--fwd-outer
Content-Type: text/plain; charset="utf-8"

FYI - this is why INV-2058 hasn't been paid. Can you resubmit with the right PO?

Dana

--fwd-outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Invoice INV-2058 has been rejected.eml"

{portal_rejection}
--fwd-outer--
"""

    bank_advice = headers(
        From="Treasury Payments <payments@bank.example>",
        To="treasury@acme.example",
        Subject="Payment advice ACH-20261120-0093",
        Date="Fri, 20 Nov 2026 05:00:00 +0000",
        Message_ID="<pay-20261120-0093@bank.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="bank-b2"',
    ) + f"""
--bank-b2
Content-Type: text/plain; charset=utf-8

Please find the remittance advice for payment ACH-20261120-0093 attached.

{attachment("bank-b2", "remittance-acme.pdf", "application/pdf", docs["remittance-acme.pdf"])}--bank-b2--
"""
    m["forwarded-remittance-base64-rfc822.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="Fwd: Payment advice ACH-20261120-0093",
        Date="Fri, 20 Nov 2026 09:00:00 -0600",
        Message_ID="<BN8PR11MB3620C3@acme.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="fwd-2"',
    ) + f"""
--fwd-2
Content-Type: text/plain; charset="utf-8"

Both invoices went out this morning, see the bank's advice below.

--fwd-2
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

{b64(bank_advice.encode("utf-8"))}
--fwd-2--
"""

    m["inline-forward-gmail.eml"] = headers(
        From="Marco Rossi <marco.rossi@vesuvio.example>",
        To=OUR,
        Subject="Fwd: Invoice INV-2053",
        Date="Mon, 23 Nov 2026 17:20:00 +0100",
        Message_ID="<CAF=abc123@mail.gmail.example>",
        MIME_Version="1.0",
        Content_Type='text/plain; charset="UTF-8"',
    ) + """
Forwarding my colleague's answer - the 40 hours for the workshop were never agreed.

---------- Forwarded message ---------
From: Giulia Bianchi <giulia.bianchi@vesuvio.example>
Date: Mon, 23 Nov 2026 at 15:02
Subject: Re: Invoice INV-2053
To: Marco Rossi <marco.rossi@vesuvio.example>

Marco, the SOW only covered 80 hours. The extra 40 hours billed on INV-2053
are out of scope and we did not approve a change order.
"""

    # -- automatic replies ---------------------------------------------------
    m["ooo-en-auto-submitted.eml"] = headers(
        From="Kevin O'Neill <kevin.oneill@acme.example>",
        To=OUR,
        Subject="Automatic reply: Reminder: invoice INV-2031 is overdue",
        Date="Mon, 16 Nov 2026 08:00:05 -0600",
        Message_ID="<BN8PR11MB3620OOF1@acme.example>",
        In_Reply_To="<reminder-INV-2031-1@ourfirm.example>",
        Auto_Submitted="auto-replied",
        X_Auto_Response_Suppress="All",
        MIME_Version="1.0",
        Content_Type='text/plain; charset="us-ascii"',
    ) + "\nThank you for your email. I am out of the office until 23 November with limited\naccess to email. For urgent AP questions please contact ap@acme.example.\n"

    m["ooo-en-body-only.eml"] = headers(
        From="Sarah Lin <sarah.lin@globex.example>",
        To=OUR,
        Subject="Re: INV-2040",
        Date="Mon, 16 Nov 2026 09:00:00 -0800",
        Message_ID="<ooo-7781@globex.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nHello,\n\nI'm currently out of the office until Monday, November 30th, with no access to email.\nYour message will not be forwarded.\n\nSarah\n"

    m["ooo-de-abwesenheitsnotiz.eml"] = headers(
        From="Petra Schmidt <p.schmidt@mueller-soehne.example>",
        To=OUR,
        Subject="=?utf-8?Q?Abwesenheitsnotiz:_Zahlungserinnerung_RE-2026-0815?=",
        Date="Mon, 16 Nov 2026 08:00:09 +0100",
        Message_ID="<oof-de-1@mueller-soehne.example>",
        X_Auto_Response_Suppress="All",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="8bit",
    ) + "\nVielen Dank für Ihre Nachricht. Ich bin bis einschließlich 27.11.2026 nicht im Büro.\nIn dringenden Fällen wenden Sie sich bitte an buchhaltung@mueller-soehne.example.\n"

    m["ooo-de-body-no-headers.eml"] = headers(
        From="Stefan Braun <s.braun@mueller-soehne.example>",
        To=OUR,
        Subject="AW: Zahlungserinnerung RE-2026-0815",
        Date="Mon, 16 Nov 2026 08:01:00 +0100",
        Message_ID="<oof-de-2@mueller-soehne.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="8bit",
    ) + "\nGuten Tag,\n\nich bin derzeit nicht im Büro und ab dem 30.11. wieder erreichbar.\n\nStefan Braun\n"

    m["ooo-fr-reponse-automatique.eml"] = headers(
        From="Claire Martin <c.martin@lumiere.example>",
        To=OUR,
        Subject="=?utf-8?Q?R=C3=A9ponse_automatique=C2=A0:_Relance_facture_FAC-2026-0412?=",
        Date="Mon, 16 Nov 2026 08:00:12 +0100",
        Message_ID="<oof-fr@lumiere.example>",
        Auto_Submitted="auto-generated",
        X_MS_Exchange_Generated_Message_Source="Mailbox Rules Agent",
        X_Auto_Response_Suppress="All",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="8bit",
    ) + "\nBonjour,\n\nJe suis absente du bureau jusqu'au 25 novembre. Pour toute question urgente, merci de contacter compta@lumiere.example.\n"

    m["ooo-es-x-autoreply.eml"] = headers(
        From="=?utf-8?Q?Javier_G=C3=B3mez?= <javier.gomez@iberlogistica.example>",
        To=OUR,
        Subject="=?utf-8?Q?Respuesta_autom=C3=A1tica:_Recordatorio:_factura_INV-2047?=",
        Date="Mon, 16 Nov 2026 08:00:30 +0100",
        Message_ID="<oof-es@iberlogistica.example>",
        X_Autoreply="yes",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="8bit",
    ) + "\nEstoy fuera de la oficina hasta el 24 de noviembre, con acceso limitado al correo.\n"

    m["ooo-nl-automatisch-antwoord.eml"] = headers(
        From="Pieter Jansen <p.jansen@vanderberg.example>",
        To=OUR,
        Subject="Automatisch antwoord: Herinnering factuur INV-2050",
        Date="Mon, 16 Nov 2026 08:00:40 +0100",
        Message_ID="<oof-nl@vanderberg.example>",
        Precedence="auto_reply",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nIk ben afwezig tot en met 20 november. Uw e-mail wordt niet doorgestuurd.\n"

    m["ooo-pt-resposta-automatica.eml"] = headers(
        From="Ana Costa <ana.costa@atlantico.example>",
        To=OUR,
        Subject="=?utf-8?Q?Resposta_autom=C3=A1tica:_Lembrete_fatura_INV-2057?=",
        Date="Mon, 16 Nov 2026 07:00:00 +0000",
        Message_ID="<oof-pt@atlantico.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
        Content_Transfer_Encoding="8bit",
    ) + "\nOlá,\n\nEstou ausente do escritório até 23 de novembro, com acesso limitado ao e-mail.\n"

    m["ooo-gmail-vacation-responder.eml"] = headers(
        From="Raj Patel <raj.patel@stark.example>",
        To=OUR,
        Subject="Re: Reminder: invoice INV-2048 is overdue",
        Date="Mon, 16 Nov 2026 06:00:01 -0800",
        Message_ID="<CAvacation-42@stark.example>",
        Auto_Submitted="auto-replied",
        Precedence="bulk",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=UTF-8",
    ) + "\nThanks for your note - I'm travelling this week and will reply when I'm back.\n"

    m["not-ooo-cfo-on-leave.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="RE: Reminder: invoice INV-2031 is overdue",
        Date="Wed, 18 Nov 2026 11:00:00 -0600",
        Message_ID="<BN8PR11MB3620D9@acme.example>",
        Auto_Submitted="no",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + (
        "\nHi,\n\nQuick update on INV-2031: our CFO is on leave until 30 November and is the only\n"
        "one who can approve it. I am out of the office myself on Friday, but my colleague\n"
        "will chase the approval as soon as she is back.\n\nDana\n"
    )

    # -- attachments ---------------------------------------------------------
    m["sow-pdf-scope-dispute.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="RE: INV-2031 - hours billed",
        Date="Thu, 19 Nov 2026 10:15:00 -0600",
        Message_ID="<BN8PR11MB3620E4@acme.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="sow-mix"',
    ) + f"""
--sow-mix
Content-Type: text/plain; charset="utf-8"

Hi,

Invoice INV-2031 bills 164 hours, but the attached SOW caps the work at 120 hours
and data migration is explicitly out of scope. We will pay for 120 hours once you
send a corrected invoice.

Dana

{attachment("sow-mix", "SOW-2026-014 Acme.pdf", "application/pdf", docs["sow-acme.pdf"])}--sow-mix--
"""

    m["sow-docx.eml"] = headers(
        From="Tom Becker <tom.becker@globex.example>",
        To=OUR,
        Subject="Re: INV-2045 - days billed",
        Date="Thu, 19 Nov 2026 09:40:00 +0100",
        Message_ID="<7a1e-docx@globex.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="docx-mix"',
    ) + f"""
--docx-mix
Content-Type: text/plain; charset="utf-8"

Hello,

The invoice charges the Engagement Manager at EUR 1,800.00 per day, but the SOW
(attached) says EUR 1,600.00. Please correct and resend INV-2045.

Tom

{attachment("docx-mix", "SOW Finance Transformation Phase 2.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docs["sow-globex.docx"])}--docx-mix--
"""

    m["leistungsbeschreibung-docx-de.eml"] = headers(
        From="=?utf-8?Q?J=C3=BCrgen_Wei=C3=9F?= <j.weiss@mueller-soehne.example>",
        To=OUR,
        Subject="AW: Rechnung RE-2026-0822",
        Date="Fri, 20 Nov 2026 10:00:00 +0100",
        Message_ID="<20261120100000.GB4711@mueller-soehne.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="de-mix"',
    ) + f"""
--de-mix
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Guten Tag,

laut Leistungsbeschreibung (anbei) sind Reisekosten nicht enthalten. Bitte
korrigieren Sie die Rechnung RE-2026-0822 entsprechend.

Jürgen Weiß

{attachment("de-mix", "Leistungsbeschreibung LB-2026-07.docx", "application/octet-stream", docs["leistungsbeschreibung.docx"])}--de-mix--
"""

    m["change-order-pdf.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="Change order 2 signed",
        Date="Mon, 23 Nov 2026 14:00:00 -0600",
        Message_ID="<BN8PR11MB3620F2@acme.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="co-mix"',
    ) + f"""
--co-mix
Content-Type: text/plain; charset="utf-8"

Attached is the signed change order for the data migration work. Please invoice the
fixed fee against the same PO once the work is complete.

{attachment("co-mix", "Acme_ChangeOrder_02_signed.pdf", "application/pdf", docs["change-order-2.pdf"])}--co-mix--
"""

    m["remittance-pdf.eml"] = headers(
        From="AP Acme <ap@acme.example>",
        To=OUR,
        Subject="Remittance advice - Ourfirm Consulting LLP",
        Date="Fri, 20 Nov 2026 07:30:00 -0600",
        Message_ID="<remit-93@acme.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="rem-mix"',
    ) + f"""
--rem-mix
Content-Type: text/plain; charset="utf-8"

Please find attached the remittance advice for today's payment.

{attachment("rem-mix", "RemittanceAdvice_0093.pdf", "application/pdf", docs["remittance-acme.pdf"])}--rem-mix--
"""

    m["avis-de-paiement-pdf-fr.eml"] = headers(
        From="=?utf-8?Q?=C3=89lodie_Fournier?= <e.fournier@lumiere.example>",
        To=OUR,
        Subject="Avis de paiement FAC-2026-0412",
        Date="Fri, 27 Nov 2026 09:00:00 +0100",
        Message_ID="<avis-0412@lumiere.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="fr-mix"',
    ) + f"""
--fr-mix
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Bonjour, veuillez trouver ci-joint l'avis de paiement.

{attachment("fr-mix", "avis_de_paiement.pdf", "application/pdf", docs["avis-de-paiement.pdf"])}--fr-mix--
"""

    csv_text = (
        "Payment date;Invoice;Amount;Currency\r\n"
        "24.11.2026;INV-2049;2300,00;EUR\r\n"
        "24.11.2026;INV-2051;1 150,00;EUR\r\n"
        "Summe;;3450,00;EUR\r\n"
    )
    m["remittance-csv-latin1.eml"] = headers(
        From="Aino Makinen <aino.makinen@pohjola.example>",
        To=OUR,
        Subject="Maksuerittely / payment specification",
        Date="Tue, 24 Nov 2026 09:00:00 +0200",
        Message_ID="<csv-remit@pohjola.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="csv-mix"',
    ) + f"""
--csv-mix
Content-Type: text/plain; charset=utf-8

Payment specification attached (Zahlungsavis export from our ERP).

{attachment("csv-mix", "zahlungsavis_2026-11-24.csv", "text/csv", csv_text.encode("latin-1"))}--csv-mix--
"""

    m["encrypted-pdf.eml"] = headers(
        From="AP Stark <ap@stark.example>",
        To=OUR,
        Subject="Remittance advice",
        Date="Wed, 18 Nov 2026 12:00:00 -0800",
        Message_ID="<remit-enc@stark.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="enc-mix"',
    ) + f"""
--enc-mix
Content-Type: text/plain; charset="utf-8"

Attached is our remittance advice. The password will follow in a separate email.

{attachment("enc-mix", "Remittance_Stark_20261118.pdf", "application/pdf", docs["remittance-encrypted.pdf"])}--enc-mix--
"""

    m["restricted-pdf-no-password.eml"] = headers(
        From="AP Stark <ap@stark.example>",
        To=OUR,
        Subject="Remittance advice (resent)",
        Date="Thu, 19 Nov 2026 08:00:00 -0800",
        Message_ID="<remit-restricted@stark.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="res-mix"',
    ) + f"""
--res-mix
Content-Type: text/plain; charset="utf-8"

Resending the remittance advice without a password.

{attachment("res-mix", "Remittance_Stark_20261118.pdf", "application/pdf", docs["remittance-restricted.pdf"])}--res-mix--
"""

    m["corrupt-docx.eml"] = headers(
        From="Tom Becker <tom.becker@globex.example>",
        To=OUR,
        Subject="Re: INV-2045 - SOW",
        Date="Thu, 19 Nov 2026 11:00:00 +0100",
        Message_ID="<corrupt-docx@globex.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="cd-mix"',
    ) + f"""
--cd-mix
Content-Type: text/plain; charset="utf-8"

Here is the SOW again.

{attachment("cd-mix", "SOW Finance Transformation Phase 2.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docs["corrupt.docx"])}--cd-mix--
"""

    m["zip-bomb-docx.eml"] = headers(
        From="billing-dispute@unknown-sender.example",
        To=OUR,
        Subject="Invoice dispute - see attached",
        Date="Sat, 21 Nov 2026 03:14:15 +0000",
        Message_ID="<bomb-1@unknown-sender.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="bomb-mix"',
    ) + f"""
--bomb-mix
Content-Type: text/plain; charset="utf-8"

See attached statement of work.

{attachment("bomb-mix", "statement_of_work.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docs["bomb.docx"])}--bomb-mix--
"""

    m["scanned-pdf-no-text.eml"] = headers(
        From="AP Initech <ap@initech.example>",
        To=OUR,
        Subject="Payment confirmation",
        Date="Tue, 24 Nov 2026 10:00:00 +0000",
        Message_ID="<scan-1@initech.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="scan-mix"',
    ) + f"""
--scan-mix
Content-Type: text/plain; charset="utf-8"

Scanned payment confirmation attached.

{attachment("scan-mix", "scan0001.pdf", "application/pdf", docs["scan.pdf"])}--scan-mix--
"""

    m["invoice-copy-returned.eml"] = headers(
        From="Priya Raman <priya.raman@initech.example>",
        To=OUR,
        Subject="RE: INV-2052",
        Date="Wed, 25 Nov 2026 09:30:00 +0000",
        Message_ID="<LO2P265MB0042F1@initech.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="inv-mix"',
    ) + f"""
--inv-mix
Content-Type: text/plain; charset="utf-8"

The attached invoice shows PO 7700-1182, but our PO for this engagement is 7700-1190.
Please reissue.

{attachment("inv-mix", "INV-2052.pdf", "application/pdf", docs["INV-2052.pdf"])}--inv-mix--
"""

    # -- Outlook with inline signature image and related parts -----------------
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    m["outlook-related-inline-image.eml"] = headers(
        From="Priya Raman <priya.raman@initech.example>",
        To=OUR,
        Subject="RE: INV-2044",
        Date="Thu, 26 Nov 2026 09:00:00 +0000",
        Message_ID="<LO2P265MB0042G5@initech.example>",
        MIME_Version="1.0",
        Content_Type='multipart/related; boundary="rel-1"; type="multipart/alternative"',
    ) + f"""
--rel-1
Content-Type: multipart/alternative; boundary="alt-2"

--alt-2
Content-Type: text/plain; charset="us-ascii"

The reissued invoice with PO-78455 has been approved and will be paid on 10 December 2026.

Priya Raman
Accounts Payable | Initech Ltd
[cid:image001.png@01DB3F]

--alt-2
Content-Type: text/html; charset="us-ascii"

<html><body><p>The reissued invoice with PO-78455 has been approved and will be paid on 10 December 2026.</p><p>Priya Raman<br>Accounts Payable | Initech Ltd<br><img src="cid:image001.png@01DB3F"></p></body></html>

--alt-2--

--rel-1
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"
Content-ID: <image001.png@01DB3F>
Content-Transfer-Encoding: base64

{b64(png)}
--rel-1--
"""

    statement_html = """<html><body>
<p>Hi,</p>
<p>Please see our AP statement below. Everything except INV-2046 has been paid.</p>
<table border="1" cellpadding="4">
<tr><th>Invoice</th><th>Amount</th><th>Status</th><th>Paid on</th></tr>
<tr><td>INV-2039</td><td>USD 4,000.00</td><td>Paid</td><td>2026-11-02</td></tr>
<tr><td>INV-2043</td><td>USD 2,750.00</td><td>Paid</td><td>2026-11-09</td></tr>
<tr><td>INV-2046</td><td>USD 6,900.00</td><td>On hold - hours not confirmed</td><td></td></tr>
</table>
<p>Regards,<br>Umbrella Corp AP</p>
</body></html>
"""
    m["html-statement-table.eml"] = headers(
        From="Umbrella AP <ap@umbrella-corp.example>",
        To=OUR,
        Subject="Statement reconciliation",
        Date="Fri, 27 Nov 2026 16:00:00 -0500",
        Message_ID="<stmt-recon@umbrella-corp.example>",
        MIME_Version="1.0",
        Content_Type="text/html; charset=utf-8",
        Content_Transfer_Encoding="base64",
    ) + "\n" + b64(statement_html.encode("utf-8")) + "\n"

    # -- linking cases ---------------------------------------------------------
    m["no-invoice-number.eml"] = headers(
        From="Frank Miller <frank.miller@globex.example>",
        To=OUR,
        Subject="Your reminder",
        Date="Tue, 24 Nov 2026 15:30:00 +0100",
        Message_ID="<no-inv-1@globex.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nHi, which invoice is this about? As far as I can see we paid everything that was due in October.\n\nFrank\n"

    m["in-reply-to-reminder.eml"] = headers(
        From="Dana Whitfield <dana.whitfield@acme.example>",
        To=OUR,
        Subject="RE: Payment reminder",
        Date="Wed, 25 Nov 2026 08:05:00 -0600",
        Message_ID="<BN8PR11MB3620H8@acme.example>",
        In_Reply_To="<reminder-INV-2044-2@ourfirm.example>",
        References="<reminder-INV-2044-1@ourfirm.example>\n <reminder-INV-2044-2@ourfirm.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nThis one is scheduled for our payment run on the 15th of December.\n"

    planning = b64(
        "Betaalplanning crediteuren\nINV-2050: betaling op 04-12-2026, 7.250,00 EUR\n"
        "Opmerking: na ontvangst van de gecorrigeerde factuur met PO 450-2219 (\u00e9\u00e9n betaling).\n".encode("cp1252")
    )
    m["text-attachment-notes.eml"] = headers(
        From="Sanne de Vries <s.devries@vanderberg.example>",
        To=OUR,
        Subject="RE: INV-2050 openstaand",
        Date="Wed, 25 Nov 2026 10:00:00 +0100",
        Message_ID="<AM0PR07MB4420D2@vanderberg.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="txt-mix"',
    ) + f"""
--txt-mix
Content-Type: text/plain; charset=utf-8

Zie bijlage voor de betaalplanning.

--txt-mix
Content-Type: text/plain; name="betaalplanning.txt"
Content-Disposition: attachment; filename="betaalplanning.txt"
Content-Transfer-Encoding: base64

{planning}
--txt-mix--
"""

    m["smime-signed.eml"] = headers(
        From="Lars Nilsson <lars.nilsson@nordvik.example>",
        To=OUR,
        Subject="SV: INV-2041",
        Date="Thu, 26 Nov 2026 13:00:00 +0100",
        Message_ID="<smime-1@nordvik.example>",
        MIME_Version="1.0",
        Content_Type='multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig-1"',
    ) + f"""
--sig-1
Content-Type: text/plain; charset=utf-8

INV-2041 was paid yesterday, EUR 5,400.00.

--sig-1
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Disposition: attachment; filename="smime.p7s"
Content-Transfer-Encoding: base64

{b64(hashlib.sha256(b"not a real signature").digest() * 4)}
--sig-1--
"""
    return m


# ---------------------------------------------------------------------------
# Malformed messages
# ---------------------------------------------------------------------------


def malformed(docs):
    m = {}
    m["zero-byte.eml"] = b""

    m["truncated-multipart.eml"] = (
        headers(
            From="Tom Becker <tom.becker@globex.example>",
            To=OUR,
            Subject="Re: INV-2045",
            Date="Thu, 19 Nov 2026 12:00:00 +0100",
            Message_ID="<truncated-1@globex.example>",
            MIME_Version="1.0",
            Content_Type='multipart/mixed; boundary="cut-here"',
        )
        + "\n--cut-here\nContent-Type: text/plain; charset=utf-8\n\n"
        + "We dispute the hours on INV-2045, see the attached SOW.\n\n"
        + attachment("cut-here", "SOW.pdf", "application/pdf", docs["sow-acme.pdf"])[:900]
    )

    m["garbage-headers.eml"] = (
        "From: Dana Whitfield <dana.whitfield@acme.example>\n"
        "To: collections@ourfirm.example\n"
        "this line is not a header at all\n"
        "Subject: RE: INV-2031\n"
        "\x01\x02binary:header\n"
        "Date: Fri, 20 Nov 2026 10:00:00 -0600\n"
        "Message-ID: <garbage-1@acme.example>\n"
        "\n"
        "Approved, payment on Friday.\n"
    )

    m["no-from.eml"] = headers(
        To=OUR,
        Subject="RE: INV-2044",
        Date="Fri, 20 Nov 2026 10:00:00 +0000",
        Message_ID="<no-from-1@initech.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nPaid today.\n"

    m["missing-boundary.eml"] = headers(
        From="Priya Raman <priya.raman@initech.example>",
        To=OUR,
        Subject="RE: INV-2052 with PO",
        Date="Fri, 27 Nov 2026 10:00:00 +0000",
        Message_ID="<no-boundary-1@initech.example>",
        MIME_Version="1.0",
        Content_Type="multipart/mixed",
    ) + f"""
--lost-boundary-77
Content-Type: text/plain; charset=utf-8

Our PO for INV-2052 is 7700-1190, see attached.

{attachment("lost-boundary-77", "INV-2052.pdf", "application/pdf", docs["INV-2052.pdf"])}--lost-boundary-77--
"""

    m["boundary-never-appears.eml"] = headers(
        From="Priya Raman <priya.raman@initech.example>",
        To=OUR,
        Subject="RE: INV-2052",
        Date="Fri, 27 Nov 2026 10:05:00 +0000",
        Message_ID="<wrong-boundary-1@initech.example>",
        MIME_Version="1.0",
        Content_Type='multipart/alternative; boundary="declared-one"',
    ) + """
--actual-one
Content-Type: text/plain; charset=utf-8

Approved for payment next week.

--actual-one--
"""

    m["wrong-charset-utf8-label.eml"] = (
        headers(
            From="Jurgen Weiss <j.weiss@mueller-soehne.example>",
            To=OUR,
            Subject="AW: Rechnung RE-2026-0815",
            Date="Mon, 23 Nov 2026 09:00:00 +0100",
            Message_ID="<wrong-charset-1@mueller-soehne.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=utf-8",
            Content_Transfer_Encoding="8bit",
        ).encode("ascii")
        + b"\n"
        + "Die Rechnung ist freigegeben und wird am 30.11. überwiesen. Grüße, Jürgen Weiß\n".encode("latin-1")
    )

    m["wrong-charset-latin1-label.eml"] = (
        headers(
            From="Elodie Fournier <e.fournier@lumiere.example>",
            To=OUR,
            Subject="RE: FAC-2026-0412",
            Date="Mon, 23 Nov 2026 09:30:00 +0100",
            Message_ID="<wrong-charset-2@lumiere.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=iso-8859-1",
            Content_Transfer_Encoding="8bit",
        ).encode("ascii")
        + b"\n"
        + "La facture a été réglée le 20 novembre : 4 800,00 €.\n".encode("utf-8")
    )

    m["unknown-charset.eml"] = (
        headers(
            From="Pieter Jansen <p.jansen@vanderberg.example>",
            To=OUR,
            Subject="RE: INV-2050",
            Date="Mon, 23 Nov 2026 10:00:00 +0100",
            Message_ID="<unknown-charset-1@vanderberg.example>",
            MIME_Version="1.0",
            Content_Type="text/plain; charset=x-mac-unknown-7",
            Content_Transfer_Encoding="8bit",
        ).encode("ascii")
        + b"\n"
        + "Factuur INV-2050 wordt betaald na goedkeuring door de financieel directeur. Groeten, Pieter\n".encode("latin-1")
        + "Caf\xe9 bonnen zijn niet inbegrepen.\n".encode("latin-1")
    )

    rng = random.Random(4242)
    m["binary-junk.eml"] = bytes(rng.randrange(256) for _ in range(2048))

    m["headers-only-no-body.eml"] = headers(
        From="Raj Patel <raj.patel@stark.example>",
        To=OUR,
        Subject="Re: INV-2048",
        Date="Tue, 24 Nov 2026 10:00:00 -0800",
        Message_ID="<no-body-1@stark.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    )

    m["bad-date-and-from.eml"] = headers(
        From="undisclosed-recipients:;",
        To=OUR,
        Subject="Re: INV-2048",
        Date="sometime next week",
        Message_ID="<bad-date-1@stark.example>",
        MIME_Version="1.0",
        Content_Type="text/plain; charset=utf-8",
    ) + "\nWe will pay INV-2048 once the PO is fixed.\n"

    m["broken-base64-body.eml"] = headers(
        From="Lucia Ortega <lucia.ortega@iberlogistica.example>",
        To=OUR,
        Subject="RE: INV-2047",
        Date="Tue, 24 Nov 2026 12:00:00 +0100",
        Message_ID="<bad-b64-1@iberlogistica.example>",
        MIME_Version="1.0",
        Content_Type='multipart/mixed; boundary="b64-mix"',
    ) + """
--b64-mix
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

SG9sYSwgbGEgZmFjdHVyYSBJTlYtMjA0NyBzZSBwYWdhcsOhIGVsIHZpZXJuZXMu
this is !!! not *** base64 ***
--b64-mix--
"""
    return m


def main():
    docs = documents()
    for name, data in docs.items():
        write(os.path.join(FILES, name), data)
    for name, data in messages(docs).items():
        write(os.path.join(ROOT, name), data)
    for name, data in malformed(docs).items():
        write(os.path.join(MALFORMED, name), data)


if __name__ == "__main__":
    main()
