#include "python/c10d_gloo.h"

#include <torch/csrc/distributed/c10d/GroupRegistry.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <fmt/format.h>

#include <atomic>
#include <stdexcept>

#include "python/interpreter.h"

namespace trainperf {

c10::intrusive_ptr<c10d::Backend> make_gloo_backend_through_python(const GlooGroupRequest& r) {
  try {
    ensure_python();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("the Gloo backend is made by the embedded Python's torch.distributed, "
                                         "which did not start: ") +
                             e.what());
  }
  static std::atomic<int> groups_made{0};  // unique registry names: the tests run two ranks per process
  const std::string name = fmt::format("trainperf-gloo-{}-{}-{}", r.master_port, r.rank, groups_made++);
  PythonCall gil;
  try {
    // The registry holds the group weakly: `group` keeps it alive until its backend is taken.
    py::object group = py::module_::import("trainperf_c10d")
                           .attr("make_gloo_group")(name, r.master_addr, r.master_port, r.rank, r.world_size,
                                                    r.timeout_s, r.interface, r.hostname);
    const c10::intrusive_ptr<c10d::ProcessGroup> resolved = c10d::resolve_process_group(name);
    c10d::unregister_process_group(name);
    return resolved->getBackend(c10::DeviceType::CPU);
  } catch (py::error_already_set& e) {
    const std::string what = e.what();
    throw std::runtime_error("torch.distributed's ProcessGroupGloo: " + what.substr(0, what.find('\n')));
  }
}

}  // namespace trainperf
