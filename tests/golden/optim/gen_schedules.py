#!/usr/bin/env python3
"""Golden multipliers for trainperf's composed schedules, written from their definitions (optax's
linear_schedule / polynomial_schedule(power=1) / join_schedules, as AlgoPerf's momentum and Nesterov
baselines build theirs), t = number of updates already applied:
- warmup_linear_decay: W = int(warmup_factor * S); t < W: t / W; then linear from 1 to end_factor over
  D = int(decay_steps_factor * (S - W)) steps, then end_factor.
- warmup_stable_decay: t < W: t / W; then 1 until S - int(decay_fraction * S); then linear to
  end_factor at S, then end_factor.
- constant_with_warmup: t < W: t / W; then 1.
- warmup_cosine_pytorch (AlgoPerf's PyTorch baselines' pytorch_cosine_warmup): t < W: 1e-10 + (1 - 1e-10) t / W;
  then 0.5 (1 + cos(pi (t - W) / T)), T = max(S - W, 1), not clamped (it rises again past S).

Cross-checked (official.py), tolerance 1e-15: warmup_linear_decay against AlgoPerf's own
create_lr_schedule_fn of the momentum and Nesterov JAX baselines (from $TRAINPERF_ALGOPERF, lr 1),
all three against the same compositions of optax.linear_schedule / polynomial_schedule /
constant_schedule / join_schedules (float64); warmup_cosine_pytorch, tolerance 1e-12 (torch's
schedulers update the lr recursively), against torch.optim.lr_scheduler's LinearLR(start_factor=1e-10)
+ CosineAnnealingLR(T_max=max(S - W, 1)) + SequentialLR(milestones=[W]) stepped once per update,
composed as AlgoPerf's algorithms/baselines/*/pytorch_nadamw_full_budget.py pytorch_cosine_warmup
(and the v0.5 Shampoo submission's linear_warmup_and_cosine_decay) compose them.
Run with (after scripts/install-deps.sh --with-reference):
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_schedules.py > tests/golden/optim/schedules.json
"""
import json
import math
import types

import official


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


def warmup_cosine_pytorch(t, total, warmup_factor):
    w = int(warmup_factor * total)
    if t < w:
        return 1e-10 + (1 - 1e-10) * t / w
    return 0.5 * (1 + math.cos(math.pi * (t - w) / max(total - w, 1)))


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
    # Past S (2.5 S steps): the multiplier falls to 0 at S and rises again.
    "warmup_cosine_pytorch": [
        {"total": total, "warmup_factor": wf,
         "values": [warmup_cosine_pytorch(t, total, wf) for t in range(int(2.5 * total))]}
        for total, wf in [(40, 0.05), (25, 0.2), (12, 0.5), (10, 0.0)]],
}


def optax_schedules():
    official.jax64()
    import optax

    def lin(init, end, steps):
        return optax.polynomial_schedule(init_value=init, end_value=end, power=1, transition_steps=steps)

    def wld(total, wf, dsf, end):
        w = int(wf * total)
        return optax.join_schedules([optax.linear_schedule(0.0, 1.0, w), lin(1.0, end, int((total - w) * dsf))], [w])

    def wsd(total, wf, df, end):
        w = int(wf * total)
        start = max(w, total - int(df * total))
        return optax.join_schedules([optax.linear_schedule(0.0, 1.0, w), optax.constant_schedule(1.0),
                                     lin(1.0, end, total - start)], [w, start])

    def cww(total, wf):
        w = int(wf * total)
        return optax.join_schedules([optax.linear_schedule(0.0, 1.0, w), optax.constant_schedule(1.0)], [w])

    return {"warmup_linear_decay": lambda c: wld(c["total"], c["warmup_factor"], c["decay_steps_factor"],
                                                 c["end_factor"]),
            "warmup_stable_decay": lambda c: wsd(c["total"], c["warmup_factor"], c["decay_fraction"], c["end_factor"]),
            "constant_with_warmup": lambda c: cww(c["total"], c["warmup_factor"])}


def check(kind, make, official_name, likely):
    for i, case in enumerate(out[kind]):
        fn = make(case)
        official.compare(f"{kind} case {i}", {"values": case["values"]},
                         {"values": [float(fn(t)) for t in range(len(case["values"]))]}, official_name, 1e-15, likely)


try:
    for kind, make in optax_schedules().items():
        check(kind, make, f"optax schedules ({official.version('optax')})",
              "optax.polynomial_schedule clips the count to [0, transition_steps]; join_schedules shifts by the "
              "boundary")
except ImportError as exc:
    official.unavailable("schedules", "optax", exc)
try:
    import torch

    def torch_warmup_cosine(case):
        """The multipliers torch's schedulers give, composed as AlgoPerf's pytorch_cosine_warmup."""
        param = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([param], lr=1.0)
        w = int(case["warmup_factor"] * case["total"])
        warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1e-10, end_factor=1.0, total_iters=w)
        cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(case["total"] - w, 1))
        sched = torch.optim.lr_scheduler.SequentialLR(opt, schedulers=[warmup, cosine], milestones=[w])
        values = []
        for _ in case["values"]:
            values.append(opt.param_groups[0]["lr"])  # the lr the next update uses
            opt.step()
            sched.step()
        return values

    for i, case in enumerate(out["warmup_cosine_pytorch"]):
        official.compare(f"warmup_cosine_pytorch case {i}", {"values": case["values"]},
                         {"values": torch_warmup_cosine(case)},
                         f"torch.optim.lr_scheduler LinearLR + CosineAnnealingLR + SequentialLR (torch=={torch.__version__})",
                         1e-12, "LinearLR from 1e-10; CosineAnnealingLR's closed form at the milestone, then its recursive "
                         "form, unclamped past T_max")
except ImportError as exc:
    official.unavailable("warmup_cosine_pytorch", "torch", exc)
for base in ("momentum", "nesterov"):
    rel = f"algorithms/archived_paper_baselines/{base}/jax/submission.py"
    fns = official.algoperf_definitions(rel, ["create_lr_schedule_fn"], f"warmup_linear_decay (AlgoPerf {base})")
    if fns:
        def make(c, fn=fns[0]):
            hp = types.SimpleNamespace(learning_rate=1.0, warmup_factor=c["warmup_factor"], end_factor=c["end_factor"],
                                       decay_steps_factor=c["decay_steps_factor"])
            return fn(c["total"], hp)
        check("warmup_linear_decay", make, f"AlgoPerf {rel} create_lr_schedule_fn{official.checkout_commit()}",
              "AlgoPerf: W = int(warmup_factor * step_hint), decay over int((step_hint - W) * decay_steps_factor)")

official.emit(json.dumps(out, indent=1))
