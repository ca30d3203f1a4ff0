#!/usr/bin/env python3
"""Golden sequences for the weight averages of AlgoPerf's v0.5 LAWA submissions, produced by running
their code: previous_leaderboards/algoperf_v05/submissions/external_tuning/{lawa_queue,lawa_ema}/
submission.py of mlcommons/submissions_algorithms (from $TRAINPERF_ALGOPERF_SUBMISSIONS). Their own
init_optimizer_state and update_params run unchanged on a stand-in workload (the linear problem of
problem.py, step_hint 100, one evaluation period = 4 steps, so lawa_inner_steps_frac 0.75 gives 3 steps
per call): each call trains 3 steps and leaves the evaluated weights in the model. The golden records,
per call, the training weights after each optimizer step (read from the optimizer's parameters right
after its step) and the weights the call returns (what AlgoPerf evaluates).

What the code does (for docs/optimizers-lr-free.md; step t from 1, local_step = t - 1 at the snapshot):
  a snapshot after step t when t - 1 >= start and (t - 1 - start) % interval == 0,
  start = ceil(lawa_start_factor step_hint), interval = ceil(lawa_interval_scaling step_hint);
  lawa_queue: evaluated = the mean of the last k snapshots (sum of p / k) once k were taken, before
              that the training weights;
  lawa_ema:   ema = the first snapshot, then beta ema + (1 - beta) snapshot, beta = int(lawa_beta):
              0 for every published point (0.2), so the evaluated weights are the latest snapshot;
              evaluated = ema once t >= start (the code fails if no snapshot exists then), else the
              training weights.
There is no equation-side reference here: the golden IS the official behaviour (the C++ test feeds the
recorded training weights to trainperf's averages and compares the evaluated weights).
Run with:
  ~/.cache/trainperf/venv/bin/python tests/golden/optim/gen_lawa_algoperf.py -o tests/golden/optim/lawa_algoperf.json
"""
import collections
import enum
import json
import types

import torch

import official
import problem

ROOT_REL = "previous_leaderboards/algoperf_v05/submissions/external_tuning/{}/submission.py"
CALLS = 8
POINT5 = dict(dropout_rate=0.1, label_smoothing=0.0, learning_rate=0.0017486387539278373,
              one_minus_beta1=0.06733926164, beta2=0.9955159689799007, weight_decay=0.08121616522670176,
              warmup_factor=0.02)
CASES = {
    "lawa_queue": dict(lawa_start_factor=0.05, lawa_interval_scaling=0.02, k=3, lawa_inner_steps_frac=0.75),
    "lawa_ema": dict(lawa_start_factor=0.05, lawa_interval_scaling=0.02, lawa_beta=0.2, lawa_inner_steps_frac=0.75),
}


class Mode(enum.Enum):
    TRAIN = 1


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(problem.W0.clone())
        self.b = torch.nn.Parameter(problem.B0.clone())


class Workload:
    step_hint = 100
    max_allowed_runtime_sec = 100.0
    eval_period_time_sec = 4.0

    def model_fn(self, params, augmented_and_preprocessed_input_batch, model_state, mode, rng, update_batch_norm):
        return augmented_and_preprocessed_input_batch["inputs"] @ params.w.T + params.b, model_state

    def loss_fn(self, label_batch, logits_batch, mask_batch=None, label_smoothing=0.0):
        n = torch.tensor(float(label_batch.shape[0]))
        return {"summed": ((logits_batch - label_batch) ** 2).mean(1).sum() + 0.1 * (self.b ** 2).sum() * n,
                "n_valid_examples": n}


def batches():
    while True:
        yield {"inputs": problem.X, "targets": problem.Y}


def snapshot(model):
    return {"w": model.w.detach().flatten().tolist(), "b": model.b.detach().tolist()}


def run(name, fns):
    init_optimizer_state, update_params = fns
    hp = {**POINT5, **CASES[name]}
    hparams = collections.namedtuple("Hyperparameters", hp.keys())(**hp)
    model, workload = Model(), Workload()
    workload.b = model.b
    state = init_optimizer_state(workload, model, None, hparams, None)
    opt = state["optimizer"]
    recorded = []
    step = opt.step

    def recording_step(*args, **kwargs):  # instrumentation only: the official step runs unchanged
        out = step(*args, **kwargs)
        recorded.append(snapshot(model))
        return out

    opt.step = recording_step
    queue = batches()
    calls = []
    for _ in range(CALLS):
        recorded.clear()
        # data_selection returns the input queue itself: update_params draws its batches from it.
        state, model, _ = update_params(workload, model, None, None, hparams, queue, None, state, [], 0, None)
        calls.append({"train": list(recorded), "eval": snapshot(model)})
    return {"hyperparameters": hp, "step_hint": workload.step_hint, "steps_per_call": 3, "calls": calls}


root = official.checkout("TRAINPERF_ALGOPERF_SUBMISSIONS", "mlcommons/submissions_algorithms")
out = {**problem.problem()}
if root is None:
    official.skip("lawa_algoperf", "AlgoPerf's LAWA submissions not run: set TRAINPERF_ALGOPERF_SUBMISSIONS "
                                   "(docs/golden-references.md)")
    official._record("lawa_algoperf", "unavailable", "this golden can only come from AlgoPerf's code")
else:
    stub_spec = types.SimpleNamespace(ForwardPassMode=Mode)
    for name in CASES:
        path = f"{root}/{ROOT_REL.format(name)}"
        names = ["NAdamW", "nadamw", "WarmCosine", "LAWA", "init_optimizer_state", "update_params"]
        defs = official.load_definitions(path, names, {"spec": stub_spec, "USE_PYTORCH_DDP": False})
        defs[-1].__globals__["spec"] = stub_spec
        defs[-1].__globals__["USE_PYTORCH_DDP"] = False
        out[name] = run(name, defs[-2:])
        official._record(name, "agree", f"ran mlcommons/submissions_algorithms {ROOT_REL.format(name)}"
                         + official.checkout_commit("TRAINPERF_ALGOPERF_SUBMISSIONS"))
official.emit(json.dumps(out, indent=1))
