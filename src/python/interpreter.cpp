#include "python/interpreter.h"

// THPVariable_Unpack (inline) and the THPVariable layout; THPVariable_Wrap is resolved at run time
// (see wrap_fn below).
#include <torch/csrc/autograd/python_variable.h>

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace trainperf {

namespace {

// THPVariable_Wrap(const at::TensorBase&) lives in the wheel's libtorch_python.so, which `import
// torch` loads. Linking it would make every trainperf program load libtorch_python and, through
// it, the CUDA libraries at start-up; it is looked up once torch is imported instead.
using WrapFn = PyObject* (*)(const at::TensorBase&);
WrapFn wrap_fn = nullptr;
PyObject* tensor_type = nullptr;  // torch.Tensor

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

void start() {
  namespace fs = std::filesystem;
  const std::string site = env_or("TRAINPERF_PYTHON_SITE_PACKAGES", TRAINPERF_PYTHON_SITE_PACKAGES);
  const std::string ours = env_or("TRAINPERF_PYTHON_DIR", TRAINPERF_PYTHON_DIR);
  if (!fs::is_directory(site + "/torch"))
    throw std::runtime_error("Python submissions: no torch in '" + site +
                             "' (the venv of scripts/install-deps.sh; TRAINPERF_PYTHON_SITE_PACKAGES overrides)");
  if (!fs::is_regular_file(ours + "/trainperf_bridge.py"))
    throw std::runtime_error("Python submissions: trainperf's python/ folder is not at '" + ours +
                             "' (TRAINPERF_PYTHON_DIR overrides)");
  py::initialize_interpreter(/*init_signal_handlers=*/false);
  {
    py::module_ sys = py::module_::import("sys");
    py::list path = sys.attr("path");
    // The venv's packages before Debian's dist-packages (numpy 2.x over python3-numpy), ours first.
    path.insert(0, site);
    path.insert(0, ours);
    py::module_::import("site").attr("addsitedir")(site);  // its .pth files
    py::module_ torch = py::module_::import("torch");
    tensor_type = torch.attr("Tensor").ptr();
    Py_INCREF(tensor_type);
    void* lib = dlopen("libtorch_python.so", RTLD_NOW | RTLD_NOLOAD);
    if (lib) wrap_fn = reinterpret_cast<WrapFn>(dlsym(lib, "_Z16THPVariable_WrapRKN2at10TensorBaseE"));
    if (!wrap_fn)
      throw std::runtime_error("Python submissions: THPVariable_Wrap not found in the libtorch_python.so that "
                               "`import torch` loaded");
    py::module_::import("trainperf_bridge");
  }
  // From here on the GIL is taken by PythonCall only.
  PyEval_SaveThread();
}

}  // namespace

void ensure_python() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    try {
      start();
    } catch (py::error_already_set& e) {
      failure = "Python submissions: the embedded interpreter failed to start: " + std::string(e.what());
      if (Py_IsInitialized()) PyEval_SaveThread();
    } catch (const std::exception& e) {
      failure = e.what();
      if (Py_IsInitialized() && PyGILState_Check()) PyEval_SaveThread();
    }
  });
  if (!failure.empty()) throw std::runtime_error(failure);
}

PythonCall::PythonCall() : gil_() {}

py::module_& bridge() {
  static py::module_* m = new py::module_(py::module_::import("trainperf_bridge"));  // never destroyed
  return *m;
}

py::object to_python(const torch::Tensor& t) {
  if (!t.defined()) return py::none();
  PyObject* obj = wrap_fn(t);
  if (!obj) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(obj);
}

torch::Tensor to_tensor(py::handle obj, const std::string& what) {
  if (obj.is_none()) return {};
  const int is_tensor = PyObject_IsInstance(obj.ptr(), tensor_type);
  if (is_tensor < 0) throw py::error_already_set();
  if (!is_tensor)
    throw std::invalid_argument(what + " is a " + std::string(py::str(py::type::of(obj).attr("__name__"))) +
                                ", not a torch.Tensor");
  return THPVariable_Unpack(obj.ptr());
}

std::string python_traceback(py::error_already_set& e) {
  py::module_ tb = py::module_::import("traceback");
  py::list lines = tb.attr("format_exception")(e.type(), e.value(), e.trace());
  std::string out;
  for (auto line : lines) out += line.cast<std::string>();
  return out;
}

}  // namespace trainperf
