#!/usr/bin/env python3
"""Numerical comparison of two golden JSON files (a regenerated one against the committed one).

Usage: compare_json.py OLD.json NEW.json [--rtol 1e-12]
Prints the largest absolute difference, the largest elementwise relative difference
(|diff| / max(|old|, |new|)) and the largest scaled relative difference (|diff| / the largest |old|
of the list the number is in, so that entries near 0 of a vector are measured against its size),
where they occur, and any structural difference (keys, lengths, strings, booleans). Exits 1 when the
structure differs or the scaled relative difference exceeds --rtol, 0 otherwise.
"""
import argparse
import json
import math
import sys


def walk(a, b, path, out, scale=0.0):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out["structure"].append(f"{path}: keys {sorted(set(a) ^ set(b))} in only one file")
        for k in a:
            if k in b:
                walk(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out["structure"].append(f"{path}: length {len(a)} vs {len(b)}")
        nums = [abs(x) for x in a if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)]
        inner = max(nums) if nums else 0.0
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", out, inner)
    elif isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str) or a is None:
        if a != b:
            out["structure"].append(f"{path}: {a!r} vs {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        out["numbers"] += 1
        if a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)):
            return
        out["changed"] += 1
        d = abs(a - b)
        r = d / max(abs(a), abs(b)) if d > 1e-300 else 0.0
        sr = d / max(abs(a), abs(b), scale) if d > 1e-300 else 0.0
        if sr > out["scaled"][0]:
            out["scaled"] = (sr, path)
        if d > out["abs"][0]:
            out["abs"] = (d, path)
        if r > out["rel"][0]:
            out["rel"] = (r, path)
    else:
        out["structure"].append(f"{path}: {type(a).__name__} vs {type(b).__name__}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rtol", type=float, default=1e-12)
    args = ap.parse_args()
    with open(args.old) as f:
        a = json.load(f)
    with open(args.new) as f:
        b = json.load(f)
    out = {"structure": [], "numbers": 0, "changed": 0, "abs": (0.0, None), "rel": (0.0, None),
           "scaled": (0.0, None)}
    walk(a, b, "", out)
    print(f"{args.new}: {out['numbers']} numbers, {out['changed']} not bit-identical; "
          f"max |diff| {out['abs'][0]:.3g} at {out['abs'][1]}; max rel {out['rel'][0]:.3g} at {out['rel'][1]}; "
          f"max scaled rel {out['scaled'][0]:.3g} at {out['scaled'][1]}")
    for s in out["structure"][:20]:
        print("  structure:", s)
    sys.exit(1 if out["structure"] or out["scaled"][0] > args.rtol else 0)


if __name__ == "__main__":
    main()
