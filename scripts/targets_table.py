#!/usr/bin/env python3
"""Markdown tables of target-setting summaries (the JSON files scripts/set_targets.py writes).

  scripts/targets_table.py src/workloads/fmnist_resnet/targets/fmnist_resnet*.json

One row per workload (targets, budget, step hint, the configuration rerun), then one row per tuning
trial and per rerun, so the docs show where every number came from.
"""
import json
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
              f"{fmt(s['test_target'], s['metric'])} | {s['max_runtime_s']} | {s['step_hint']} | "
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


if __name__ == "__main__":
    main(sys.argv[1:])
