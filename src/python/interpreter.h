// The embedded Python interpreter of Python submissions: Debian's python3 (the one whose
// python3-dev headers trainperf compiles against), with the venv's site-packages (the pinned torch
// wheel whose libtorch_cpu.so trainperf links) and trainperf's python/ folder on sys.path, so
// `import torch` in a submission loads the very LibTorch the C++ side runs and tensors cross
// without copies. Started on first use: by a Python submission, or by a Gloo group of a data-parallel
// trial (src/python/c10d_gloo.h), never by a one-process run of a C++ submission; the GIL is
// released between calls, so only code that runs Python holds it (PythonCall).
#pragma once

#include <pybind11/embed.h>
#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace trainperf {

namespace py = pybind11;

// Starts the interpreter once and imports trainperf_bridge; throws std::runtime_error naming what
// is missing (the venv, torch, trainperf's python/ folder).
void ensure_python();

// Holds the GIL for a scope (after ensure_python()).
class PythonCall {
 public:
  PythonCall();
  PythonCall(const PythonCall&) = delete;
  PythonCall& operator=(const PythonCall&) = delete;

 private:
  py::gil_scoped_acquire gil_;
};

// trainperf_bridge (GIL held).
py::module_& bridge();

// The same TensorImpl as a torch.Tensor (no copy; undefined -> None), and back. to_tensor refuses a
// non-tensor naming `what`.
py::object to_python(const torch::Tensor& t);
torch::Tensor to_tensor(py::handle obj, const std::string& what);

// A Python exception as text: the traceback as Python prints it (GIL held).
std::string python_traceback(py::error_already_set& e);

}  // namespace trainperf
