#!/usr/bin/env python3
"""Markdown tables of target-setting summaries (the JSON files scripts/set_targets.py writes).

  scripts/targets_table.py src/workloads/fmnist_resnet/targets/fmnist_resnet*.json

One row per workload (targets, budget, step hint, the configuration rerun), then one row per tuning
trial and per rerun, so the docs show where every number came from. With --spread: the seed-to-seed
spread of the reruns' time to target (summaries of the procedure of docs/workloads/targets.md,
"Target setting II"), and whether the workload is usable for ranking.
"""
import json
import statistics
import sys


def fmt(x, metric):
    if x is None:
        return "-"
    return f"{x:.2f}" if metric == "bleu" else f"{x:.4f}"


def main(paths):
    summaries = [json.load(open(p)) for p in paths]
    print("| workload | validation target | test target | budget (s) | step hint | rerun configuration |")
    print("|---|---|---|---|---|---|")
    for s in summaries:
        src = f"best of `{s['best_from']}`" if s.get("best_from") else "best tuning trial"
        print(f"| {s['workload']} | {s['metric']} {fmt(s['validation_target'], s['metric'])} | "
              f"{fmt(s['test_target'], s['metric'])} | {s['max_runtime_s']} | {s.get('step_hint', '-')} | "
              f"{s['best_submission']} ({src}) |")
    print()
    print("| workload | run | best validation | best test | submission time (s) | target first beaten at |")
    print("|---|---|---|---|---|---|")
    for s in summaries:
        m = s["metric"]
        for t in s.get("tuning", []):
            print(f"| {s['workload']} | tuning: {t['submission']} | {fmt(t['best_validation'], m)} | | | |")
        for i, r in enumerate(s["reruns"], 1):
            hit = r.get("target_reached_at")
            at = f"step {hit['step']}, {hit['time']:.1f} s" if hit else "not beaten"
            print(f"| {s['workload']} | rerun {i} ({r['steps']} steps) | {fmt(r['best_validation'], m)} | "
                  f"{fmt(r['best_test'], m)} | {r['runtime']:.1f} | {at} |")


def spread(paths):
    print("| workload | reruns reaching the target | median time to target (reference steps) | IQR | CV | "
          "CV of steps to target | budget (reference steps) | usable for ranking |")
    print("|---|---|---|---|---|---|---|---|")
    for p in paths:
        s = json.load(open(p))
        sp = s.get("time_to_target_spread")
        if "time_to_target_spread" not in s:
            continue  # set before the procedure that measures it
        if sp is None:
            print(f"| {s['workload']} | fewer than 2 | - | - | - | - | {s.get('budget_reference_steps', '-')} | no |")
            continue
        # The rule (ranking_exclusion in src/workloads/common/targets.h) judges the steps' CV: the seed's
        # spread; the times' CV also carries load that changed during a trial.
        steps = [r["target_reached_at"]["step"] for r in s["reruns"] if r.get("target_reached_at")]
        cv_steps = statistics.stdev(steps) / statistics.mean(steps)
        ok = sp["reached"] * 2 >= sp["of"] and cv_steps <= 0.3
        why = "yes" if ok else ("no: reached < half" if sp["reached"] * 2 < sp["of"] else "no: CV of steps > 30%")
        print(f"| {s['workload']} | {sp['reached']}/{sp['of']} | {sp['median_reference_steps']:.0f} | "
              f"{sp['iqr_reference_steps']:.0f} | {sp['cv']:.2f} | {cv_steps:.2f} | "
              f"{s.get('budget_reference_steps', '-')} | {why} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--spread"]:
        spread(sys.argv[2:])
    else:
        main(sys.argv[1:])
