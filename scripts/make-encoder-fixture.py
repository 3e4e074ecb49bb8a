#!/usr/bin/env python3
"""Compute reference embeddings for the encoder parity test.

Run once (needs `pip install sentence-transformers`; not part of set-up):
    python3 scripts/make-encoder-fixture.py models/all-MiniLM-L6-v2 tests/fixtures/encoder_reference.json

Loads the same folder scripts/fetch-model installs with sentence-transformers
(BERT + mean pooling + L2 normalisation, as all-MiniLM-L6-v2 is published),
embeds a few replies and writes the texts, token ids and embeddings as JSON.
"""
import json
import sys

from sentence_transformers import SentenceTransformer, models

TEXTS = [
    "Sitting with our CFO for sign-off, should be released next week.",
    "Our system rejected it, PO 4500012 is closed. Please reissue with PO number 88231.",
    "We count 32 hours, not 40. Data migration was out of scope per the SOW.",
    "Scheduled for our run on the 15th.",
    "Ich bin bis einschließlich 12.12. nicht im Büro.",
    "Yes.",
    "",
]


def main(model_dir, out_path):
    word = models.Transformer(model_dir, max_seq_length=256)
    pool = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[word, pool, models.Normalize()], device="cpu")
    emb = model.encode(TEXTS, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
    ids = [word.tokenizer(t)["input_ids"] for t in TEXTS]
    rows = [
        {"text": t, "ids": i, "embedding": [round(float(x), 7) for x in e]}
        for t, i, e in zip(TEXTS, ids, emb)
    ]
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump({"model": "all-MiniLM-L6-v2", "pooling": "mean+l2", "rows": rows}, fh, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
