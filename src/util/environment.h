// What a trial ran on: versions, hardware, BLAS (written to meta_data_0.json and the start-up table).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace trainperf {

std::string trainperf_version();
std::string git_hash();          // of the source tree (with "-dirty"), or the one compiled in
std::string libtorch_version();  // e.g. "2.15.0"
std::string cpu_model();
// The BLAS library LibTorch uses (MKL inside the wheel's libtorch_cpu, or the resolved path of a loaded
// one) and whether it is an optimised one.
std::string blas_library();
bool blas_is_optimized();
// {"kind": "cpu"}, or for the CUDA build the CUDA versions and the GPUs it sees.
nlohmann::json libtorch_build_info();
nlohmann::json environment_info(const std::string& device);

// glibc's allocator thresholds, fixed at start-up (docs/performance.md says why); every program's
// main() calls configure_malloc() first. TRAINPERF_MALLOC=default leaves glibc's dynamic ones.
struct MallocSettings {
  bool configured = false;
  bool applied = false;
  long mmap_threshold = 0;  // bytes
  long trim_threshold = 0;
};
const MallocSettings& configure_malloc();
const MallocSettings& malloc_settings();

// Intra-op threads (and inter-op threads once, before any parallel work).
void set_threads(int threads);

}  // namespace trainperf
