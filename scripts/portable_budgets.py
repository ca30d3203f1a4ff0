#!/usr/bin/env python3
"""Budgets in reference steps for the base workloads (docs/timing.md, "Portable budgets").

AlgoPerf's budget is 4/3 of the target-setting runs' time. In reference steps that is
    budget_reference_steps = 4/3 * step_hint * (step time of the target-setting configuration
                                                 / reference step time),
both times measured here, on one machine, in the same conditions: a ratio of two times on one
machine, so it carries over to any machine. The step time is the slope of the submission time
between the first and the last evaluation of a --steps-step run of the summary's best configuration
(so the first step's one-off costs do not count); the reference step is `trainperf reference-step`'s
median of --repeats measurements. The result is written into the summary (src/workloads/<folder>/
targets/<name>.json) with what it was computed from; held-out variants take their base's.

This is the interim conversion of the December 2026 targets (issue 17); the full target-setting
procedure measures the reruns' own times in reference steps instead.

  scripts/portable_budgets.py --workloads fmnist_mlp,austen_lm --steps 150 --threads 1
"""
import argparse
import csv
import datetime
import glob
import json
import os
import platform
import subprocess
import sys
import tempfile


def summary_path(workload):
    paths = glob.glob(f"src/workloads/*/targets/{workload}.json")
    if len(paths) != 1:
        sys.exit(f"portable_budgets: expected one src/workloads/*/targets/{workload}.json, found {paths}")
    return paths[0]


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", required=True, help="comma-separated base workloads")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--trainperf", default="build/trainperf")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write the summaries")
    a = ap.parse_args()
    for w in a.workloads.split(","):
        path = summary_path(w)
        summary = json.load(open(path))
        if "base_workload" in summary or not summary.get("step_hint"):
            sys.exit(f"portable_budgets: {path} is not a base workload's summary (no step_hint)")
        with tempfile.TemporaryDirectory() as tmp:
            ref_json = os.path.join(tmp, "ref.json")
            subprocess.run([a.trainperf, "reference-step", "--workloads", w, "--threads", str(a.threads),
                            "--repeats", str(a.repeats), "--json", ref_json], check=True, stdout=sys.stderr)
            reference_step_s = json.load(open(ref_json))[w]["median_s"]
            sub = summary.get("best_submission") or "nadamw"
            space_args = []
            if summary.get("best_hparams"):
                space = os.path.join(tmp, "space.json")
                json.dump([summary["best_hparams"]], open(space, "w"))
                space_args = ["--search-space", space]
            # else (a hand-set summary): nadamw's first search-space point stands in for the configuration
            cmd = [a.trainperf, "run", "-w", w, "-s", sub] + space_args + ["--trials", "1",
                   "--max-steps", str(a.steps), "--max-runtime", "1e9", "--train-past-targets",
                   "--threads", str(a.threads), "--experiment-dir", os.path.join(tmp, "exp")]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            csv_path = glob.glob(os.path.join(tmp, "exp", sub, "study_0", w + "_cpp", "trial_1",
                                              "eval_measurements.csv"))[0]
            rows = list(csv.DictReader(open(csv_path)))
        first, last = rows[0], rows[-1]
        steps = float(last["global_step"]) - float(first["global_step"])
        step_s = (float(last["accumulated_submission_time"]) - float(first["accumulated_submission_time"])) / steps
        ratio = step_s / reference_step_s
        budget = round(4.0 / 3.0 * summary["step_hint"] * ratio)
        print(f"{w}: reference step {reference_step_s * 1e3:.3f} ms, {sub} step {step_s * 1e3:.3f} ms "
              f"(ratio {ratio:.3f}) -> budget {budget} reference steps "
              f"(= {budget * reference_step_s:.1f} s here; was {summary['max_runtime_s']} s)")
        summary["budget_reference_steps"] = budget
        summary["budget_reference_steps_from"] = {
            "rule": "4/3 * step_hint * best configuration's step time / reference step time",
            "reference_step_s": reference_step_s, "step_s": step_s, "steps_timed": int(steps),
            "configuration": sub if space_args else "nadamw, its search space's first point (no best configuration)",
            "threads": a.threads, "date": datetime.date.today().isoformat(), "cpu": cpu_model(),
            "command": " ".join(["scripts/portable_budgets.py", "--workloads", w, "--steps", str(a.steps),
                                 "--threads", str(a.threads), "--repeats", str(a.repeats)]),
        }
        if not a.dry_run:
            open(path, "w").write(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
