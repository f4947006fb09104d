"""Step time of ``course_lib.torch_optim``'s classes against ``torch.optim``'s
(``python -m course_lib.bench_optim``; part of ``make bench``).

For SGD with momentum, Adam and AdamW on an MLP with about 8.4 million float32
parameters (two 2048 x 2048 layers and a 2048 -> 10 head), on the CPU with 2 threads:
the median time of one ``step()`` of ours (default arguments: the foreach path) and of
``torch.optim``'s with ``foreach=True``, measured in the same run, alternating step by
step so that both see the same machine load, with the same fixed gradients. The
ratio ours / torch's is the figure of merit (goal: 1.5 or less). A benchmark, not a
test: nothing fails because something is slow.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from . import torch_optim

__all__ = ["CASES", "mlp_params", "time_steps", "run", "main"]

#: (label, class name, keyword arguments)
CASES = (
    ("SGD(momentum=0.9)", "SGD", dict(lr=1e-3, momentum=0.9)),
    ("Adam", "Adam", dict(lr=1e-3)),
    ("AdamW", "AdamW", dict(lr=1e-3, weight_decay=1e-2)),
)


def mlp_params(width=2048, seed=0):
    """The parameters of ``Linear(w, w) -> Linear(w, w) -> Linear(w, 10)`` (float32)
    with fixed random gradients set."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(width, width), (width,), (width, width), (width,), (10, width), (10,)]
    params = []
    for shape in shapes:
        p = torch.randn(shape, generator=gen) * 0.01
        p.requires_grad_(True)
        p.grad = torch.randn(shape, generator=gen)
        params.append(p)
    return params


def time_steps(opt, n):
    """Seconds of each of ``n`` calls of ``opt.step()``."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        opt.step()
        out.append(time.perf_counter() - t)
    return out


def run(rounds=8, steps=5, threads=2, width=2048):
    """Median step times and their ratio for each of :data:`CASES`."""
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        results = []
        for label, name, kw in CASES:
            ours_p, ref_p = mlp_params(width), mlp_params(width)
            ours = getattr(torch_optim, name)(ours_p, **kw)
            ref = getattr(torch.optim, name)(ref_p, foreach=True, **kw)
            time_steps(ours, 2), time_steps(ref, 2)          # state allocation, warm-up
            t_ours, t_ref = [], []
            for _ in range(rounds * steps):          # alternate step by step
                t_ours += time_steps(ours, 1)
                t_ref += time_steps(ref, 1)
            a, b = statistics.median(t_ours), statistics.median(t_ref)
            results.append({"optimizer": label, "ours_ms": 1e3 * a,
                            "torch_foreach_ms": 1e3 * b, "ratio": a / b,
                            "params": sum(p.numel() for p in ours_p)})
        return results
    finally:
        torch.set_num_threads(old)


def format_table(results):
    rows = [("optimizer", "params", "ours", "torch.optim foreach", "ratio")]
    for r in results:
        rows.append((r["optimizer"], f"{r['params'] / 1e6:.1f} M", f"{r['ours_ms']:.2f} ms",
                     f"{r['torch_foreach_ms']:.2f} ms", f"{r['ratio']:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m course_lib.bench_optim",
                                description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    args = p.parse_args(argv)
    results = run(rounds=args.rounds, threads=args.threads)
    print(format_table(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
