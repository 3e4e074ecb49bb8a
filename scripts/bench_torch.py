"""The PyTorch side of scripts/bench-vs-torch, and the table of both sides.

Times sentence-transformers on the texts ar-triage classifies (written by
`ar-triage bench --texts-out`), at the same fixed shapes and thread count,
checks that its embeddings match ar-triage's base encoder (written by
`ar-triage bench --embeddings-out`), and prints both sides as a table and
JSON. Run it through scripts/bench-vs-torch, which builds both sides.
"""

import argparse
import json
import resource
import statistics
import sys
import time

FILLER = (
    "Thanks for the reminder about the March invoice. It is with our finance "
    "director for approval and we expect to pay it in the payment run on the 15th, "
    "but the purchase order on it is closed, so please reissue it against the new one. "
)


def percentile(values, q):
    """Nearest-rank quantile, as ar-triage's bench computes it."""
    v = sorted(values)
    if not v:
        return 0.0
    import math

    rank = max(1, min(len(v), math.ceil(q * len(v))))
    return v[rank - 1]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_torch(args):
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = [json.loads(line) for line in open(args.texts, encoding="utf-8")]
    model = SentenceTransformer(args.model, device="cpu")
    model.max_seq_length = 256

    def encode(batch, **kw):
        return model.encode(
            batch,
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
            **kw,
        )

    # Parity: the same function on both sides, or the comparison is void.
    rust = np.array(json.load(open(args.rust_embeddings)), dtype=np.float32)
    ours = encode(texts[: len(rust)])
    max_diff = float(np.abs(ours - rust).max())

    encode(texts[:64])  # warm-up
    walls = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        encode(texts)
        walls.append(time.perf_counter() - t)
    throughput = len(texts) / statistics.median(walls)

    lat = []
    for text in texts[: args.latency_replies]:
        t = time.perf_counter()
        encode([text])
        lat.append((time.perf_counter() - t) * 1e3)

    bert = model[0].auto_model
    tok = model.tokenizer
    filler_ids = tok(FILLER * 20, add_special_tokens=False)["input_ids"]
    def ids_of(tokens):
        return [tok.cls_token_id] + filler_ids[: tokens - 2] + [tok.sep_token_id]

    fixed = []
    for tokens in args.fixed_tokens:
        ids = ids_of(tokens)
        input_ids = torch.tensor([ids] * args.batch)
        mask = torch.ones_like(input_ids)
        with torch.inference_mode():
            bert(input_ids=input_ids, attention_mask=mask)
            w = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                out = bert(input_ids=input_ids, attention_mask=mask).last_hidden_state
                out.mean(1)
                w.append(time.perf_counter() - t)
        fixed.append(
            {
                "tokens": tokens,
                "batch": args.batch,
                "sequences_per_s": args.batch / statistics.median(w),
            }
        )
    train = train_step_torch(args, model, ids_of) if args.rust_train else None
    return {
        "train_step": train,
        "torch": torch.__version__,
        "sentence_transformers": __import__("sentence_transformers").__version__,
        "threads": args.threads,
        "replies": len(texts),
        "wall_s": walls,
        "replies_per_s": throughput,
        "latency": {
            "p50_ms": percentile(lat, 0.5),
            "p99_ms": percentile(lat, 0.99),
            "replies": len(lat),
        },
        "fixed": fixed,
        "peak_rss_mib": peak_rss_mib(),
        "max_abs_diff_embeddings": max_diff,
        "embeddings_compared": len(rust),
    }


def train_step_torch(args, model, ids_of):
    """A training step as `ar-triage train` runs it, in PyTorch.

    Layers below `trained_from_layer` are frozen and run once, before
    timing; the top layers and a linear head over the mean-pooled states are
    trained with dropout 0.1 on the pooled embedding, BCE-with-logits and
    AdamW (lr 1e-4 for the encoder, 2e-3 for the head, weight decay 0.01).
    The shape, the layer split and the step count come from ar-triage's own
    figures, so both sides time the same work.
    """
    import copy

    import torch

    rust = json.load(open(args.rust_train))
    tokens, batch, start, steps = (
        rust["tokens"],
        rust["batch"],
        rust["trained_from_layer"],
        rust["steps"],
    )
    bert = copy.deepcopy(model[0].auto_model).eval()  # no dropout inside the encoder
    layers = bert.encoder.layer
    input_ids = torch.tensor([ids_of(tokens)] * batch)

    def run(layer, h):
        out = layer(h)
        return out[0] if isinstance(out, tuple) else out

    with torch.no_grad():
        h = bert.embeddings(input_ids=input_ids)
        for layer in layers[:start]:
            h = run(layer, h)
    frozen = h.detach()
    for p in bert.parameters():
        p.requires_grad_(False)
    top = list(layers[start:])
    enc_params = [p for layer in top for p in layer.parameters()]
    for p in enc_params:
        p.requires_grad_(True)
    head = torch.nn.Linear(frozen.shape[-1], 4)
    dropout = torch.nn.Dropout(0.1)
    opt = torch.optim.AdamW(
        [
            {"params": enc_params, "lr": 1e-4},
            {"params": list(head.parameters()), "lr": 2e-3},
        ],
        weight_decay=0.01,
    )
    targets = torch.zeros(batch, 4)
    for i in range(batch):
        if i % 5 < 4:
            targets[i, i % 5] = 1.0
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        x = frozen
        for layer in top:
            x = run(layer, x)
        logits = head(dropout(x.mean(1)))
        loss = loss_fn(logits, targets)
        loss.backward()
        opt.step()
        return loss.item()

    step()
    step()
    walls = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        walls.append((time.perf_counter() - t) * 1e3)
    p50 = statistics.median(walls)
    return {
        "tokens": tokens,
        "batch": batch,
        "trained_from_layer": start,
        "steps": steps,
        "step_ms_p50": p50,
        "sequences_per_s": batch * 1e3 / p50,
    }


def table(torch_fig, labels, explain, pipeline=None, train=None):
    rows = []

    def ratio(a, b):
        return f"{a / b:.2f}x" if b else "-"

    t = torch_fig["replies_per_s"]
    rows.append(
        (
            "replies/s, labels only",
            f"{labels['throughput']['replies_per_s']:.1f}",
            f"{t:.1f}",
            ratio(labels["throughput"]["replies_per_s"], t),
        )
    )
    rows.append(
        (
            "replies/s, with explanations (vs labels only)",
            f"{explain['throughput']['replies_per_s']:.1f}",
            f"{t:.1f}",
            ratio(explain["throughput"]["replies_per_s"], t),
        )
    )
    for name, fig in (("labels only", labels), ("with explanations", explain)):
        if fig.get("latency"):
            rows.append(
                (
                    f"latency p50 / p99 ms, {name}",
                    f"{fig['latency']['p50_ms']:.1f} / {fig['latency']['p99_ms']:.1f}",
                    f"{torch_fig['latency']['p50_ms']:.1f} / {torch_fig['latency']['p99_ms']:.1f}",
                    "",
                )
            )
    for ours, theirs in zip(labels.get("fixed", []), torch_fig["fixed"]):
        rows.append(
            (
                f"fixed {ours['tokens']} tokens x {ours['batch']}, seq/s",
                f"{ours['sequences_per_s']:.1f}",
                f"{theirs['sequences_per_s']:.1f}",
                ratio(ours["sequences_per_s"], theirs["sequences_per_s"]),
            )
        )
    if explain.get("evidence_agreement"):
        g = explain["evidence_agreement"]
        rows.append(
            (
                "evidence: top sentence as full occlusion",
                f"{g['share'] * 100:.1f} %",
                "-",
                "",
            )
        )
    if pipeline:
        rows.append(
            (
                "pipeline, messages/s (explanations on)",
                f"{pipeline['messages_per_s']:.1f}",
                "-",
                "",
            )
        )
    if train and torch_fig.get("train_step"):
        theirs = torch_fig["train_step"]
        rows.append(
            (
                f"training step, {train['batch']} x {train['tokens']} tokens, ms",
                f"{train['step_ms_p50']:.0f}",
                f"{theirs['step_ms_p50']:.0f}",
                ratio(theirs["step_ms_p50"], train["step_ms_p50"]) + " speed",
            )
        )
    rss = max(labels["peak_rss_mib"] or 0, explain["peak_rss_mib"] or 0)
    rows.append(
        (
            "peak RSS MiB",
            f"{rss:.0f}",
            f"{torch_fig['peak_rss_mib']:.0f}",
            ratio(rss, torch_fig["peak_rss_mib"]),
        )
    )
    head = ("", "ar-triage", "PyTorch", "ratio")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--texts", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--rust-embeddings", required=True)
    p.add_argument("--rust-labels", required=True)
    p.add_argument("--rust-explain", required=True)
    p.add_argument("--rust-pipeline")
    p.add_argument("--rust-train")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--latency-replies", type=int, default=100)
    p.add_argument("--fixed-tokens", default="32,128,256")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--json", required=True)
    args = p.parse_args()
    args.fixed_tokens = [int(x) for x in args.fixed_tokens.split(",") if x]

    torch_fig = run_torch(args)
    labels = json.load(open(args.rust_labels))
    explain = json.load(open(args.rust_explain))
    pipeline = json.load(open(args.rust_pipeline)) if args.rust_pipeline else None
    train = json.load(open(args.rust_train)) if args.rust_train else None
    print(table(torch_fig, labels, explain, pipeline, train))
    diff = torch_fig["max_abs_diff_embeddings"]
    print(
        f"\nembeddings: max abs diff {diff:.2e} over {torch_fig['embeddings_compared']} texts "
        f"({'ok' if diff <= 1e-4 else 'MISMATCH'}: the bar is 1e-4)"
    )
    print(
        f"torch {torch_fig['torch']}, sentence-transformers {torch_fig['sentence_transformers']}, "
        f"{torch_fig['threads']} threads, {torch_fig['replies']} replies"
    )
    json.dump(
        {
            "ar_triage": {
                "labels": labels,
                "explain": explain,
                "pipeline": pipeline,
                "train_step": train,
            },
            "torch": torch_fig,
        },
        open(args.json, "w"),
        indent=2,
    )
    return 0 if diff <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
