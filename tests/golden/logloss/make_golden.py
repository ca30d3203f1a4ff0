#!/usr/bin/python3
"""Golden values for ctr_dlrm's metrics (tests/workloads/ctr_dlrm_test.cpp), computed independently
of the C++ code with numpy straight from the definitions:

  log loss  = sum_i w_i * -(y_i log p_i + (1 - y_i) log(1 - p_i)),  p_i = 1 / (1 + exp(-z_i)),
              divided by sum_i w_i for the mean;
  AUC       = P(score of a random positive > score of a random negative), ties counting 1/2,
              by comparing every positive-negative pair (O(P N), no ranking).

Run: /usr/bin/python3 tests/golden/logloss/make_golden.py > tests/golden/logloss/golden.json
"""
import json

import numpy as np


def log_loss(z, y, w):
    p = 1.0 / (1.0 + np.exp(-z))
    per = -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    return float(np.sum(w * per)), float(np.sum(w)), per


def auc(scores, y):
    pos = scores[y == 1]
    neg = scores[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def case(name, rng, n, rate, tie_round):
    y = (rng.random(n) < rate).astype(np.float64)
    z = rng.normal(0.0, 1.5, n) + 1.2 * y  # informative, imperfect scores
    z = np.round(z, tie_round)  # coarse rounding makes ties
    w = (rng.random(n) < 0.9).astype(np.float64)
    summed, count, per = log_loss(z, y, w)
    unweighted, _, _ = log_loss(z, y, np.ones(n))
    return {
        "name": name,
        "logits": z.tolist(),
        "labels": y.tolist(),
        "weights": w.tolist(),
        "weighted_sum": summed,
        "weighted_count": count,
        "mean_log_loss": unweighted / n,
        "per_example": per.tolist(),
        "auc": auc(z, y),
    }


def main():
    rng = np.random.default_rng(20261129)
    cases = [case("many_ties", rng, 300, 0.23, 0), case("few_ties", rng, 500, 0.4, 3)]
    # Hand-checkable: perfect ordering and all-tied scores.
    cases.append({"name": "perfect", "logits": [-2.0, -1.0, 1.0, 3.0], "labels": [0.0, 0.0, 1.0, 1.0],
                  "weights": [1.0] * 4, "auc": 1.0,
                  **dict(zip(["weighted_sum", "weighted_count"], log_loss(np.array([-2.0, -1.0, 1.0, 3.0]),
                                                                          np.array([0.0, 0.0, 1.0, 1.0]),
                                                                          np.ones(4))[:2])),
                  "mean_log_loss": log_loss(np.array([-2.0, -1.0, 1.0, 3.0]), np.array([0.0, 0.0, 1.0, 1.0]),
                                            np.ones(4))[0] / 4})
    print(json.dumps({"generator": "tests/golden/logloss/make_golden.py", "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
