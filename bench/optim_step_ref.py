#!/usr/bin/env python3
"""Python reference for bench/optim_step.cpp: torch.optim.AdamW and torch.optim.SGD(momentum=0.9) steps
on the same parameter shapes, float32, fixed random gradients, default torch.optim settings (on CPU that
is the per-tensor loop, as trainperf's optimizers).
Prints one JSON line: {"torch_version": ..., "adamw_ms": [...], "sgd_ms": [...]} (one entry per timed step).
"""
import argparse
import json
import time

import torch

from ref_support import configure_malloc


def time_steps(make, shapes, warmup, repeats):
    torch.manual_seed(0)
    params = []
    for shape in shapes:
        p = (torch.randn(shape) * 0.02).requires_grad_()
        p.grad = torch.randn(shape) * 1e-3
        params.append(p)
    opt = make(params)
    times = []
    for i in range(warmup + repeats):
        t0 = time.perf_counter()
        opt.step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--shapes", required=True, help="comma-separated shapes like 1024x1024,512")
    ap.add_argument("--malloc", choices=["fixed", "default"], default="fixed",
                    help="glibc allocator thresholds, as the C++ side (bench_optim_step passes its own)")
    args = ap.parse_args()
    configure_malloc(args.malloc)
    torch.set_num_threads(args.threads)
    shapes = [[int(d) for d in s.split("x")] for s in args.shapes.split(",")]
    adamw = time_steps(lambda ps: torch.optim.AdamW(ps, lr=1e-3), shapes, args.warmup, args.repeats)
    sgd = time_steps(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), shapes, args.warmup, args.repeats)
    print(json.dumps({"torch_version": torch.__version__, "adamw_ms": adamw, "sgd_ms": sgd}))


if __name__ == "__main__":
    main()
