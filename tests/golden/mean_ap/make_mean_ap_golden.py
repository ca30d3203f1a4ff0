#!/usr/bin/python3
"""Golden values for molecules_gnn's mean_average_precision, written from the definition of
scikit-learn's average_precision_score (independent of the C++ code):

  AP = sum_n (R_n - R_{n-1}) P_n over the distinct score thresholds t_n (decreasing), where
  P_n = #positives with score >= t_n / #examples with score >= t_n and R_n = #positives with
  score >= t_n / #positives (tied scores enter together at one threshold).

mean AP = mean over tasks with >= 1 present positive and >= 1 present negative (labels -1 = missing
are dropped per task), as AlgoPerf's ogbg. Writes mean_ap_golden.json next to this script.
Run: /usr/bin/python3 tests/golden/mean_ap/make_mean_ap_golden.py"""
import json
import os

import numpy as np


def ap_by_thresholds(scores, labels):
    positives = np.sum(labels == 1)
    total = 0.0
    last_recall = 0.0
    for t in sorted(set(scores.tolist()), reverse=True):
        selected = scores >= t
        tp = np.sum(labels[selected] == 1)
        precision = tp / np.sum(selected)
        recall = tp / positives
        total += (recall - last_recall) * precision
        last_recall = recall
    return float(total)


def mean_ap(scores, labels):
    aps = []
    per_task = []
    for t in range(scores.shape[1]):
        present = labels[:, t] >= 0
        s, l = scores[present, t], labels[present, t]
        if np.sum(l == 1) == 0 or np.sum(l == 0) == 0:
            per_task.append(None)
            continue
        aps.append(ap_by_thresholds(s, l))
        per_task.append(aps[-1])
    return float(np.mean(aps)), per_task


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    for n, tasks, decimals in [(12, 4, 1), (40, 7, 1), (200, 5, 3), (9, 3, 0)]:
        scores = np.round(rng.normal(size=(n, tasks)), decimals)  # rounding makes ties
        labels = (rng.random((n, tasks)) < 0.4).astype(np.int64)
        labels[rng.random((n, tasks)) < 0.25] = -1
        labels[:, 0] = np.where(labels[:, 0] == 1, 0, labels[:, 0])  # task 0: no positive -> skipped
        if tasks > 2:
            labels[:, 2] = np.where(rng.random(n) < 0.5, 1, -1)  # task 2: no negative -> skipped
        # make some tasks informative: positives get higher scores
        scores[:, 1] += 1.5 * (labels[:, 1] == 1)
        value, per_task = mean_ap(scores, labels)
        cases.append({"scores": scores.tolist(), "labels": labels.tolist(), "mean_ap": value,
                      "per_task_ap": per_task})
    # A hand-checkable case: scores (0.9, 0.8, 0.8, 0.1), labels (1, 0, 1, 0): thresholds 0.9 (P=1, R=1/2),
    # 0.8 (P=2/3, R=1), 0.1 (P=1/2, R=1) -> AP = 1/2 + 1/2 * 2/3 = 5/6.
    s = np.array([[0.9], [0.8], [0.8], [0.1]])
    l = np.array([[1], [0], [1], [0]])
    value, per_task = mean_ap(s, l)
    assert abs(value - 5 / 6) < 1e-12
    cases.append({"scores": s.tolist(), "labels": l.tolist(), "mean_ap": value, "per_task_ap": per_task})
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mean_ap_golden.json")
    with open(out, "w") as f:
        json.dump({"generator": "make_mean_ap_golden.py", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
