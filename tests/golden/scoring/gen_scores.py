#!/usr/bin/env python3
"""Golden scores for trainperf's scoring, computed independently from the published steps.

Builds a messy AlgoPerf v0.5 log tree description (3 submissions, JAX / PyTorch folder names, studies
with fewer trials, a missing study, a missing held-out variant, a trial without an eval file, a
partially written last row, a stray folder), scores it by time and by steps following the published
steps listed in docs/scoring.md (numpy.linspace, numpy.trapezoid / trapz, numpy.median), and
writes scores_golden.json: the tree (which tests/scoring/golden_test.cpp writes to disk in the
AlgoPerf layout) and the expected numbers.

Cross-check with AlgoPerf's own scoring code (not copied here: imported from a checkout), when given
--algoperf-scoring DIR (or $TRAINPERF_ALGOPERF_SCORING), DIR being a checkout of
mlcommons/submissions_algorithms (or mlcommons/algorithmic-efficiency) that contains scoring/: the tree is
written to a temporary directory in the AlgoPerf layout (as tests/scoring/golden_test.cpp writes it),
read with scoring.scoring_utils.get_experiment_df per submission folder, and scored with
scoring.performance_profile.compute_performance_profiles (time_col 'score' or 'global_step', tau in
[1, 4], 100 points) and compute_leaderboard_score(normalize=True), with the v0.5 targets of
scoring/workload_targets_v05.json where the checkout has it. The per-workload times (study medians),
the scored (capped) times, rho and the scores are compared (scores and rho to 1e-12, times exactly);
every difference is printed to stderr with the likely reason, and the golden is written only when
all agree, unless --allow-differences (then it is written from these steps and the differences are
listed). Without a checkout the cross-check is skipped (said on stderr).

Run (after scripts/install-deps.sh --with-reference, for matplotlib/tabulate/absl that scoring/ imports):
  ~/.cache/trainperf/venv/bin/python tests/golden/scoring/gen_scores.py --algoperf-scoring DIR
"""
import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile

import numpy as np

# AlgoPerf v0.5's targets, typed in from the benchmark rules (not read from data/targets): name -> (metric, minimize?, validation target, base).
V05 = {
    "criteo1tb": ("loss", True, 0.123735, None),
    "fastmri": ("ssim", False, 0.723653, None),
    "imagenet_resnet": ("accuracy", False, 0.77431, None),
    "imagenet_vit": ("accuracy", False, 0.77309, None),
    "librispeech_conformer": ("wer", True, 0.085884, None),
    "librispeech_deepspeech": ("wer", True, 0.119936, None),
    "ogbg": ("mean_average_precision", False, 0.28098, None),
    "wmt": ("bleu", False, 30.8491, None),
    "criteo1tb_embed_init": ("loss", True, 0.129657, "criteo1tb"),
    "fastmri_tanh": ("ssim", False, 0.71784, "fastmri"),
    "imagenet_resnet_large_bn_init": ("accuracy", False, 0.76526, "imagenet_resnet"),
    "librispeech_conformer_layernorm": ("wer", True, 0.09731, "librispeech_conformer"),
    "ogbg_model_size": ("mean_average_precision", False, 0.269446, "ogbg"),
    "wmt_glu_tanh": ("bleu", False, 29.5779, "wmt"),
}
BASES = [w for w, v in V05.items() if v[3] is None]
SUBMISSIONS = {"jax_adamw": "jax", "torch_nadamw": "pytorch", "mixed_shampoo": None}
STUDIES = 3
TRIALS = 3
SLOW = {("torch_nadamw", "imagenet_vit"): 7.0, ("mixed_shampoo", "wmt_glu_tanh"): 7.0}
STATS = {"study_picks_later_time": 0, "index_ties": 0}


def make_tree(rng):
    """Trials with eval rows [global_step, score, metric]; every choice drawn from rng."""
    trials = []
    for sub, framework in SUBMISSIONS.items():
        speed = {"jax_adamw": 1.0, "torch_nadamw": 1.3, "mixed_shampoo": 0.8}[sub]
        for study in range(STUDIES):
            for w, (metric, minimize, target, base) in V05.items():
                if sub == "torch_nadamw" and w == "ogbg_model_size":
                    continue  # a missing held-out variant: ogbg must become infinite
                if sub == "mixed_shampoo" and w == "fastmri" and study == 2:
                    continue  # a missing study
                fw = framework or ("jax" if (study + len(w)) % 2 else "pytorch")
                n_trials = TRIALS - 1 if (sub == "jax_adamw" and w == "wmt" and study == 1) else TRIALS
                for trial in range(1, n_trials + 1):
                    n = int(rng.randint(4, 12))
                    dt = float(rng.uniform(50, 150)) * speed
                    if (sub, w) in SLOW:
                        dt *= SLOW[(sub, w)]  # far behind: the 4x cap must remove it
                    steps_per_eval = int(rng.randint(80, 120))
                    reach = int(rng.randint(1, n + 3))  # beyond n: never reached
                    if sub == "mixed_shampoo" and w == "librispeech_deepspeech":
                        reach = n + 5  # never, in any study
                    scale = abs(target) * 0.5
                    rows, t, step = [], 0.0, 0
                    for i in range(n):
                        t += dt * float(rng.uniform(0.8, 1.2))
                        step += steps_per_eval
                        gap = scale * (reach - i) / max(reach, 1)  # > 0 before reach, 0 at reach
                        if i == reach:
                            m = target  # exactly on target: the published test is <= / >=
                        else:
                            m = target + gap if minimize else target - gap
                            m += float(rng.uniform(-0.02, 0.02)) * scale * (1 if i > reach else 0)
                        rows.append([step, round(t, 6), round(m, 7)])
                    entry = {"submission": sub, "study": study, "folder": f"{w}_{fw}", "trial": trial,
                             "metric": "validation/" + metric, "rows": rows}
                    trials.append(entry)
    # Messy additions (ignored by the scoring, as the published scoring ignores them).
    trials.append({"submission": "jax_adamw", "study": 0, "folder": "ogbg_jax", "trial": TRIALS + 1,
                   "metric": "validation/mean_average_precision", "rows": [], "no_eval_file": True})
    for e in trials:
        if e["submission"] == "torch_nadamw" and e["folder"].startswith("wmt_") and e["study"] == 0 and e["trial"] == 1:
            e["partial_last_row"] = "99999,0.5,0.1,0.5,0.1,0.1,0,1.0,50.0"  # would meet any BLEU target
    return trials


def meets(minimize, value, target):
    return value <= target if minimize else value >= target


def trial_time(entry, target, minimize, column):
    """Step 1: (eval index, time) of the first row meeting the target, or (None, inf)."""
    for i, row in enumerate(entry["rows"]):
        if meets(minimize, row[2], target):
            return i, float(row[column])
    return None, math.inf


def workload_times(trials, column):
    """Steps 2-3 for every submission and workload: the median over studies present; NaN if missing."""
    out = {}
    for sub in SUBMISSIONS:
        out[sub] = {}
        for w, (metric, minimize, target, base) in V05.items():
            study_values = []
            for study in range(STUDIES):
                listed = sorted((e for e in trials if e["submission"] == sub and e["study"] == study
                                 and e["folder"].rsplit("_", 1)[0] == w and not e.get("no_eval_file")),
                                key=lambda e: e["trial"])
                if not listed:
                    continue
                # (index, time): smallest eval index; at the same index the smaller time, then the first
                # listed (lowest trial number): the rule that reproduces the published v0.5/v0.6 scores.
                best = None
                fastest = math.inf
                for e in listed:
                    idx, t = trial_time(e, target, minimize, column)
                    fastest = min(fastest, t)
                    if idx is not None and best is not None and idx == best[0]:
                        STATS["index_ties"] += 1
                    if idx is not None and (best is None or (idx, t) < best):
                        best = (idx, t)
                if best and best[1] > fastest:
                    STATS["study_picks_later_time"] += 1
                study_values.append(best[1] if best else math.inf)
            out[sub][w] = float(np.median(study_values)) if study_values else math.nan
    return out


def score(times):
    subs = list(SUBMISSIONS)
    cols = list(V05)
    t = np.array([[times[s][w] for w in cols] for s in subs], dtype=float)
    col = {w: i for i, w in enumerate(cols)}
    # 4. Variant infinite where its base is infinite or missing.
    for w, (_, _, _, base) in V05.items():
        if base:
            bad = ~np.isfinite(t[:, col[base]])
            t[bad, col[w]] = np.inf
    # 5. 4x cap on every column (minimum skipping NaN).
    for j in range(len(cols)):
        column = t[:, j]
        if np.all(np.isnan(column)):
            continue
        cap = 4 * np.nanmin(column)
        with np.errstate(invalid="ignore"):
            column[column > cap] = np.inf
    # 6. Base infinite where its variant is infinite or missing; keep the bases.
    for w, (_, _, _, base) in V05.items():
        if base:
            bad = ~np.isfinite(t[:, col[w]])
            t[bad, col[base]] = np.inf
    b = t[:, [col[w] for w in BASES]]
    # 7. Ratios, rho at 100 taus in [1, 4], trapezoid, / 3.
    with np.errstate(invalid="ignore", divide="ignore"):
        mins = np.array([np.nan if np.all(np.isnan(b[:, j])) else np.nanmin(b[:, j]) for j in range(b.shape[1])])
        r = b / mins
    taus = np.linspace(1, 4, 100)
    with np.errstate(invalid="ignore"):
        rho = np.array([[np.sum(r[i] <= tau) / len(BASES) for tau in taus] for i in range(len(subs))])
    STATS.setdefault("capped_or_variant_cells", 0)
    STATS["capped_or_variant_cells"] += int(np.sum(np.isinf(b) & np.isfinite(
        np.array([[times[s][w] for w in BASES] for s in subs]))))
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy >= 2 renamed trapz (removed in 2.4)
    scores = trapezoid(rho, x=taus, axis=1) / 3
    return {s: float(scores[i]) for i, s in enumerate(subs)}, {s: rho[i].tolist() for i, s in enumerate(subs)}, \
        {s: {w: float(b[i][j]) for j, w in enumerate(BASES)} for i, s in enumerate(subs)}


def encode(x):
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return x


def write_tree(trials, stray, root):
    """The tree in AlgoPerf's layout, as tests/scoring/golden_test.cpp writes it (log_fixtures.h)."""
    for t in trials:
        d = os.path.join(root, t["submission"], f"study_{t['study']}", t["folder"], f"trial_{t['trial']}")
        os.makedirs(d, exist_ok=True)
        if t.get("no_eval_file"):
            continue
        lines = ["global_step,score,total_duration,accumulated_submission_time,accumulated_eval_time,"
                 f"accumulated_logging_time,preemption_count,train/loss,{t['metric']},validation/num_examples"]
        for step, time, metric in t["rows"]:
            lines.append(f"{int(step)},{time!r},{time * 1.25!r},{time!r},{time * 0.2!r},{time * 0.05!r},0,0.5,"
                         f"{metric!r},1000")
        text = "\n".join(lines) + "\n"
        if "partial_last_row" in t:
            text += t["partial_last_row"]
        with open(os.path.join(d, "eval_measurements.csv"), "w") as f:
            f.write(text)
    for folder in stray:
        os.makedirs(os.path.join(root, folder), exist_ok=True)


def algoperf_cross_check(trials, stray, expected, scoring_dir):
    """Differences (list of strings) between `expected` and AlgoPerf's scoring code; [] when they agree."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, scoring_dir)
    from absl import logging as absl_logging
    from scoring import performance_profile, scoring_utils
    absl_logging.set_verbosity(absl_logging.ERROR)
    targets = os.path.join(scoring_dir, "scoring", "workload_targets_v05.json")
    if os.path.exists(targets):  # submissions_algorithms: versioned targets
        from scoring.config import WorkloadConfig
        config = WorkloadConfig.from_json(targets)
    else:
        raise RuntimeError(f"{targets} not found: use a mlcommons/submissions_algorithms checkout (its scoring/ "
                           "takes the benchmark version's targets as a WorkloadConfig)")
    diffs = []
    with tempfile.TemporaryDirectory(prefix="trainperf-scoring-") as root:
        write_tree(trials, stray, root)
        results = {}
        with contextlib.redirect_stdout(io.StringIO()):  # get_experiment_df prints every folder list
            for sub in SUBMISSIONS:  # the submission folders (score_submissions.py takes every folder of the root)
                results[sub] = scoring_utils.get_experiment_df(os.path.join(root, sub))
        for axis, time_col in (("time", "score"), ("steps", "global_step")):
            exp = expected[axis]
            # Per-workload times (study medians), per submission.
            for sub in SUBMISSIONS:
                try:
                    wt = performance_profile.get_workloads_time_to_target(results[sub], sub, config, time_col)
                except Exception as exc:  # noqa: BLE001
                    diffs.append(f"{axis}: get_workloads_time_to_target({sub}) failed: {type(exc).__name__}: {exc}"
                                 + (" -- likely reason: the submission mixes JAX and PyTorch folders of one "
                                    "workload across studies; AlgoPerf groups by the folder name (framework "
                                    "suffix included), then strips the suffix, so the pivot sees the workload "
                                    "twice" if "duplicate" in str(exc) else ""))
                    continue
                for w, v in exp["workload_times"][sub].items():
                    ours = decode(v)
                    theirs = float(wt.loc[sub, w]) if w in wt.columns else math.nan
                    if not same_time(ours, theirs):
                        diffs.append(f"{axis}: workload time {sub}/{w}: ours {ours!r}, AlgoPerf {theirs!r}; "
                                     + explain(trials, results[sub], sub, w, config, performance_profile, time_col))
            # Profiles and scores.
            with tempfile.TemporaryDirectory() as out_dir:
                try:
                    perf = performance_profile.compute_performance_profiles(
                        results, config, time_col=time_col, min_tau=1.0, max_tau=4.0, reference_submission_tag=None,
                        num_points=100, scale="linear", verbosity=0, output_dir=out_dir)
                except Exception as exc:  # noqa: BLE001
                    diffs.append(f"{axis}: compute_performance_profiles failed: {type(exc).__name__}: {exc}")
                    continue
            scores = performance_profile.compute_leaderboard_score(perf, normalize=True)
            for sub in SUBMISSIONS:
                ours, theirs = exp["scores"][sub], float(scores.loc[sub, "score"])
                if abs(ours - theirs) > 1e-12:
                    diffs.append(f"{axis}: score {sub}: ours {ours!r}, AlgoPerf {theirs!r} (diff {theirs - ours:+.6g}, "
                                 f"{(theirs - ours) * 1584:+.3f} / 1584)")
                rho_theirs = perf.loc[sub].to_numpy(dtype=float)
                bad = [k for k, (a, b) in enumerate(zip(exp["rho"][sub], rho_theirs)) if abs(a - b) > 1e-12]
                if bad:
                    k = bad[0]
                    diffs.append(f"{axis}: rho {sub}: differs at {len(bad)} of 100 taus, first tau[{k}] = "
                                 f"{perf.columns[k]:.6g}: ours {exp['rho'][sub][k]!r}, AlgoPerf {rho_theirs[k]!r}")
    return diffs


def explain(trials, df, sub, w, config, performance_profile, time_col):
    """Why a study median differs: which trial AlgoPerf's own get_best_trial_index picks in each study."""
    metric, target = config.metric_and_target(w)
    minimize = V05[w][1]
    column = 1 if time_col == "score" else 0
    notes = []
    for study in range(STUDIES):
        group = df[(df["study"] == f"study_{study}") & (df["workload"].str.replace(r"_(jax|pytorch)$", "", regex=True)
                                                        == w)]
        if group.empty:
            continue
        trial_idx, time_idx = performance_profile.get_best_trial_index(group, metric, target)
        listed = sorted((e for e in trials if e["submission"] == sub and e["study"] == study
                         and e["folder"].rsplit("_", 1)[0] == w and not e.get("no_eval_file")), key=lambda e: e["trial"])
        reached = [(trial_time(e, target, minimize, column), e) for e in listed]
        reached = [(i, t, e["trial"]) for (i, t), e in reached if i is not None]
        if not reached:
            ours_pick = None
        else:
            ours_pick = min(reached)  # smallest index, then time, then trial number
        if time_idx < 0:
            if ours_pick:
                notes.append(f"study {study}: AlgoPerf finds no trial reaching the target, ours trial_{ours_pick[2]}")
            continue
        name = group.loc[trial_idx, "trial"][0]
        number = int(name.split("_")[1])
        entry = next(e for e in listed if e["trial"] == number)
        their_time = float(group.loc[trial_idx, time_col][time_idx])
        if time_idx >= len(entry["rows"]):
            notes.append(f"study {study}: AlgoPerf picks {name} at eval row {time_idx}, the partially written last "
                         f"row ({entry.get('partial_last_row')!r}: pandas reads it, NaN for the missing column, and "
                         "its metric meets the target); ours ignores a partial row")
        elif ours_pick and (ours_pick[2] != number or ours_pick[0] != time_idx):
            tied = [(n, t) for i, t, n in reached if i == time_idx]
            order = [t for t in group["trial"].map(lambda x: x[0])]
            notes.append(f"study {study}: tie at eval index {time_idx} between trials "
                         f"{', '.join(f'trial_{n} ({t:g})' for n, t in tied)}; AlgoPerf takes {name} ({their_time:g}), "
                         f"the first of them in os.listdir order {order}; trainperf takes the faster one, "
                         f"trial_{ours_pick[2]} ({ours_pick[1]:g})")
    return "; ".join(notes) if notes else "no per-study difference found"


def decode(v):
    return math.inf if v == "inf" else math.nan if v == "nan" else float(v)


def same_time(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--algoperf-scoring", default=os.environ.get("TRAINPERF_ALGOPERF_SCORING"),
                    help="checkout containing AlgoPerf's scoring/ (mlcommons/submissions_algorithms)")
    ap.add_argument("--allow-differences", action="store_true",
                    help="write the golden even where AlgoPerf's scoring differs (the differences are listed)")
    args = ap.parse_args()
    rng = np.random.RandomState(20240605)
    trials = make_tree(rng)
    expected = {}
    for axis, column in (("time", 1), ("steps", 0)):
        times = workload_times(trials, column)
        scores, rho, scored = score(times)
        expected[axis] = {
            "workload_times": {s: {w: encode(v) for w, v in ws.items()} for s, ws in times.items()},
            "scored_times": {s: {w: encode(v) for w, v in ws.items()} for s, ws in scored.items()},
            "scores": scores,
            "rho": rho,
        }
    out = {
        "generator": "tests/golden/scoring/gen_scores.py",
        "targets": "v0.5",
        "ruleset": "external",
        "trials": trials,
        "stray_folders": ["mixed_shampoo/study_0/tmp_checkpoints", "notes"],
        "expected": expected,
    }
    if args.algoperf_scoring:
        diffs = algoperf_cross_check(trials, out["stray_folders"], expected, args.algoperf_scoring)
        where = args.algoperf_scoring
        if diffs:
            for d in diffs:
                print(f"[gen_scores.py] DIFFERS vs AlgoPerf scoring ({where}): {d}", file=sys.stderr)
            if not args.allow_differences:
                print(f"[gen_scores.py] {len(diffs)} difference(s): scores_golden.json NOT written "
                      "(pass --allow-differences to write it anyway)", file=sys.stderr)
                sys.exit(1)
        else:
            print(f"[gen_scores.py] ok: AlgoPerf's scoring ({where}) gives the same workload times, rho and scores "
                  "(time and steps)", file=sys.stderr)
    else:
        print("[gen_scores.py] SKIPPED: the cross-check with AlgoPerf's scoring code (give --algoperf-scoring DIR)",
              file=sys.stderr)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scores_golden.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("cases exercised (time and steps together):", STATS)
    for axis in expected:
        print(axis, {s: round(v, 6) for s, v in expected[axis]["scores"].items()})
        for s, v in expected[axis]["scores"].items():
            assert abs(v * 1584 - round(v * 1584)) < 1e-9, (s, v)


if __name__ == "__main__":
    main()
