#!/usr/bin/env python3
"""Golden bootstrap intervals for trainperf's scoring, computed independently with numpy.

The tree is the messy AlgoPerf v0.5-shaped tree of tests/golden/scoring/scores_golden.json (3
submissions x 3 studies, JAX and PyTorch folders, a missing study, a missing held-out variant, a
trial without an eval file, runs far behind the others), which tests/scoring/bootstrap_golden_test.cpp
writes to disk as golden_test.cpp does. The scoring of one resample is gen_scores.score (steps 4-7 in
numpy); what is new here is the resampling, written from docs/scoring.md ("Uncertainty"):

- every submission's studies are the study numbers it logged, ascending; the submissions are taken
  in the order trainperf lists them (by folder name);
- the generator is splitmix64 seeded with SEED; replicate after replicate, submission after
  submission, n draws of next() % n for a submission with n studies (positions into its study list);
- a drawn study brings all its workloads: each workload's time is numpy.median over the drawn
  studies that logged it (NaN when none did), then the full scoring;
- interval: numpy.percentile(scores, [2.5, 97.5]) (method "linear"); pairwise: the fraction of
  replicates with score_row > score_col; rank: 1 + the number of strictly higher scores; the profile
  band: numpy.percentile of rho at every tau.

Writes bootstrap_golden.json next to this file. Run:
  ~/.cache/trainperf/venv/bin/python tests/golden/bootstrap/gen_bootstrap.py
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scoring"))
import gen_scores  # noqa: E402  (the per-trial rule and steps 4-7, already checked against AlgoPerf's code)

SEED = 20261207
REPLICATES = 400
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def study_values(trials, column):
    """{submission: (study numbers, {workload: {study: time}})}: steps 1-2 per study."""
    out = {}
    for sub in sorted(gen_scores.SUBMISSIONS):
        mine = [e for e in trials if e["submission"] == sub and not e.get("no_eval_file")]
        studies = sorted({e["study"] for e in mine})
        per_workload = {}
        for w, (metric, minimize, target, base) in gen_scores.V05.items():
            per_workload[w] = {}
            for study in studies:
                listed = [e for e in mine if e["study"] == study and e["folder"].rsplit("_", 1)[0] == w]
                if not listed:
                    continue
                best = None
                for e in sorted(listed, key=lambda e: e["trial"]):
                    idx, t = gen_scores.trial_time(e, target, minimize, column)
                    if idx is not None and (best is None or (idx, t) < best):
                        best = (idx, t)
                per_workload[w][study] = best[1] if best else math.inf
        out[sub] = (studies, per_workload)
    return out


def replicate_times(values, picks):
    times = {}
    for sub, (studies, per_workload) in values.items():
        drawn = [studies[i] for i in picks[sub]]
        times[sub] = {}
        for w, by_study in per_workload.items():
            got = [by_study[s] for s in drawn if s in by_study]
            times[sub][w] = float(np.median(got)) if got else math.nan
    return times


def bootstrap(values):
    rng = SplitMix64(SEED)
    subs = list(values)  # sorted: trainperf's order
    scores, rhos, first_picks = [], [], []
    for b in range(REPLICATES):
        picks = {}
        for sub in subs:
            n = len(values[sub][0])
            picks[sub] = [rng.next() % n for _ in range(n)]
        if b < 3:
            first_picks.append([picks[s] for s in subs])
        sc, rho, _ = gen_scores.score(replicate_times(values, picks))
        scores.append([sc[s] for s in subs])
        rhos.append([rho[s] for s in subs])
    scores = np.array(scores)
    rhos = np.array(rhos)  # [replicate][submission][tau]
    low, high = np.percentile(scores, [2.5, 97.5], axis=0)
    pairwise = [[float(np.mean(scores[:, i] > scores[:, j])) for j in range(len(subs))] for i in range(len(subs))]
    ranks = 1 + np.array([[int(np.sum(row > row[i])) for i in range(len(subs))] for row in scores])
    rank_probability = [[float(np.mean(ranks[:, i] == k + 1)) for k in range(len(subs))] for i in range(len(subs))]
    rho_low, rho_high = np.percentile(rhos, [2.5, 97.5], axis=0)
    return {
        "submissions": subs,
        "studies": {s: values[s][0] for s in subs},
        "first_picks": first_picks,
        "first_scores": scores[0].tolist(),
        "low": low.tolist(),
        "high": high.tolist(),
        "pairwise": pairwise,
        "rank_probability": rank_probability,
        "rho_low": rho_low.tolist(),
        "rho_high": rho_high.tolist(),
    }


def main():
    with open(os.path.join(HERE, "..", "scoring", "scores_golden.json")) as f:
        tree = json.load(f)
    rng = SplitMix64(0)
    out = {
        "generator": "tests/golden/bootstrap/gen_bootstrap.py",
        "tree": "tests/golden/scoring/scores_golden.json",
        "targets": tree["targets"],
        "seed": SEED,
        "replicates": REPLICATES,
        "splitmix64_seed0_first": [str(rng.next()) for _ in range(3)],  # as strings: JSON numbers are doubles
        "expected": {},
    }
    for axis, column in (("time", 1), ("steps", 0)):
        out["expected"][axis] = bootstrap(study_values(tree["trials"], column))
        e = out["expected"][axis]
        print(axis, {s: (round(lo, 4), round(hi, 4)) for s, lo, hi in zip(e["submissions"], e["low"], e["high"])})
        print("  pairwise", [[round(p, 3) for p in row] for row in e["pairwise"]])
    with open(os.path.join(HERE, "bootstrap_golden.json"), "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
