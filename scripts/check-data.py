#!/usr/bin/env python3
"""Validate spec-format JSONL files (shared/spec/labels.md) and print counts.

Usage: scripts/check-data.py FILE.jsonl [FILE.jsonl ...]
Exits non-zero on the first malformed line, duplicate id or unknown label.
"""
import collections
import json
import sys

LABELS = {"approval_pending", "po_mismatch", "scope_dispute", "payment_scheduled"}
LANGS = {"en", "de", "fr", "es", "nl", "pt"}


def main(paths):
    seen = set()
    per_label = collections.Counter()
    per_lang = collections.Counter()
    total = multi = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: not JSON: {e}")
                for key in ("id", "subject", "from", "body", "labels"):
                    if key not in row:
                        sys.exit(f"{path}:{n}: missing {key}")
                if row["id"] in seen:
                    sys.exit(f"{path}:{n}: duplicate id {row['id']}")
                seen.add(row["id"])
                bad = set(row["labels"]) - LABELS
                if bad or len(set(row["labels"])) != len(row["labels"]):
                    sys.exit(f"{path}:{n}: bad labels {row['labels']}")
                lang = row.get("lang", "en")
                if lang not in LANGS:
                    sys.exit(f"{path}:{n}: unexpected lang {lang}")
                if not row["body"].strip():
                    sys.exit(f"{path}:{n}: empty body")
                total += 1
                multi += len(row["labels"]) > 1
                per_lang[lang] += 1
                for label in row["labels"] or ["other"]:
                    per_label[label] += 1
    print(f"{total} replies, {multi} multi-label ({100 * multi / max(total, 1):.1f}%)")
    print("labels:", dict(per_label))
    non_en = total - per_lang["en"]
    print("langs:", dict(per_lang), f"non-English {100 * non_en / max(total, 1):.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
