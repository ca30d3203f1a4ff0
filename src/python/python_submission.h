// Python submissions as submission entries: a file written to AlgoPerf's PyTorch submission API
// (`path/to/submission.py`) or a torch.optim.Optimizer class (`torch.optim.AdamW`,
// `package.module:Class`) under trainperf's schedule. docs/python-submissions.md.
#pragma once

#include <functional>
#include <string>

#include "submissions/registry.h"

namespace trainperf {

// A `--submission` argument that names a Python file (*.py) or an optimizer class (torch.optim.X,
// module:Class).
bool is_python_submission(const std::string& arg);

// The entry of such an argument; the interpreter starts and the file is imported (or the class
// looked up) here, so a broken file, a JAX import or a missing function is reported before any
// trial. The keys a Python file accepts are those of its search space (`search_space_path`, else
// tuning_search_space.json next to it) and of its HPARAMS; an optimizer class accepts
// learning_rate, the schedule's keys and its constructor's arguments.
SubmissionEntry python_submission_entry(const std::string& arg, const std::string& search_space_path);

// What `_trainperf.cpp_step(workload._handle)` runs inside a Python file's update_params: the step of a
// C++ submission on the same model and batch. bench/python_step uses it to time the bridge alone (a
// file that does nothing but call the C++ step); unset, the call raises.
using CppStep = std::function<StepResult(const StepContext&, const Batch&)>;
void set_cpp_step(CppStep step);

}  // namespace trainperf
