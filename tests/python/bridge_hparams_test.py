#!/usr/bin/env python3
"""trainperf_bridge.describe() reads a file's self-tuning HPARAMS in every form AlgoPerf's entries
write it: a dict, a namedtuple, and a types.SimpleNamespace (the 2026 Muon entries'
`HPARAMS = SimpleNamespace(**HPARAMS)`, which trainperf refused as "defines no HPARAMS" before). Run
by ctest (bridge_hparams) with the venv's python; `_trainperf`, the C++ half, is a stand-in here."""
import json
import os
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'python'))
sys.modules.setdefault('_trainperf', types.ModuleType('_trainperf'))
import trainperf_bridge  # noqa: E402

FORMS = {
    'dict': "HPARAMS = {'learning_rate': 0.001, 'warmup_factor': 0.05}",
    'namedtuple': "import collections\n"
                  "HPARAMS = collections.namedtuple('H', ['learning_rate', 'warmup_factor'])(0.001, 0.05)",
    'simplenamespace': "from types import SimpleNamespace\n"
                       "HPARAMS = {'learning_rate': 0.001, 'warmup_factor': 0.05}\n"
                       "HPARAMS = SimpleNamespace(**HPARAMS)",
}
BODY = "\ndef update_params(workload, current_param_container, current_params_types, model_state,\n" \
       "                  hyperparameters, batch, loss_type, optimizer_state, eval_results, global_step,\n" \
       "                  rng, train_state=None):\n  pass\n"

failed = 0
with tempfile.TemporaryDirectory() as tmp:
  for form, header in FORMS.items():
    path = os.path.join(tmp, f'{form}.py')
    with open(path, 'w') as f:
      f.write(header + BODY)
    module = types.ModuleType(form)
    module.__file__ = path
    exec(compile(open(path).read(), path, 'exec'), module.__dict__)
    got = trainperf_bridge.describe(module)['hparams']
    ok = got != '' and json.loads(got) == {'learning_rate': 0.001, 'warmup_factor': 0.05}
    print(f'{"ok  " if ok else "FAIL"} {form}: hparams {got!r}')
    failed += not ok
sys.exit(1 if failed else 0)
