#!/usr/bin/python3
"""Golden multipliers for trainperf's composed schedules, written from their definitions (optax's
linear_schedule / polynomial_schedule(power=1) / join_schedules, as AlgoPerf's momentum and Nesterov
baselines build theirs), t = number of updates already applied:
- warmup_linear_decay: W = int(warmup_factor * S); t < W: t / W; then linear from 1 to end_factor over
  D = int(decay_steps_factor * (S - W)) steps, then end_factor.
- warmup_stable_decay: t < W: t / W; then 1 until S - int(decay_fraction * S); then linear to
  end_factor at S, then end_factor.
- constant_with_warmup: t < W: t / W; then 1.

/usr/bin/python3 tests/golden/optim/gen_schedules.py > tests/golden/optim/schedules.json
"""
import json


def polynomial(count, init, end, steps):
    """optax.polynomial_schedule with power 1."""
    if steps <= 0:
        return init
    count = min(max(count, 0), steps)
    return (init - end) * (1 - count / steps) + end


def join(fns, boundaries, t):
    """optax.join_schedules."""
    start = 0
    for fn, boundary in zip(fns, boundaries):
        if t < boundary:
            return fn(t - start)
        start = boundary
    return fns[-1](t - start)


def warmup_linear_decay(t, total, warmup_factor, decay_steps_factor, end_factor):
    w = int(warmup_factor * total)
    decay = int((total - w) * decay_steps_factor)
    return join([lambda c: polynomial(c, 0.0, 1.0, w), lambda c: polynomial(c, 1.0, end_factor, decay)], [w], t)


def warmup_stable_decay(t, total, warmup_factor, decay_fraction, end_factor):
    w = int(warmup_factor * total)
    start = max(w, total - int(decay_fraction * total))
    return join([lambda c: polynomial(c, 0.0, 1.0, w), lambda c: 1.0,
                 lambda c: polynomial(c, 1.0, end_factor, total - start)], [w, start], t)


def constant_with_warmup(t, total, warmup_factor):
    w = int(warmup_factor * total)
    return join([lambda c: polynomial(c, 0.0, 1.0, w), lambda c: 1.0], [w], t)


out = {
    "warmup_linear_decay": [
        {"total": total, "warmup_factor": wf, "decay_steps_factor": dsf, "end_factor": end,
         "values": [warmup_linear_decay(t, total, wf, dsf, end) for t in range(total + 5)]}
        for total, wf, dsf, end in [(40, 0.05, 0.9, 0.01), (25, 0.2, 0.9, 0.001), (10, 0.0, 1.0, 0.0)]],
    "warmup_stable_decay": [
        {"total": total, "warmup_factor": wf, "decay_fraction": df, "end_factor": end,
         "values": [warmup_stable_decay(t, total, wf, df, end) for t in range(total + 5)]}
        for total, wf, df, end in [(40, 0.1, 0.2, 0.0), (30, 0.05, 0.4, 0.1), (10, 0.5, 0.9, 0.0)]],
    "constant_with_warmup": [
        {"total": total, "warmup_factor": wf, "values": [constant_with_warmup(t, total, wf) for t in range(total + 5)]}
        for total, wf in [(20, 0.1), (7, 0.0)]],
}
print(json.dumps(out, indent=1))
