// What a trial ran on: versions, hardware, BLAS (written to meta_data_0.json and the start-up table).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace trainperf {

std::string trainperf_version();
std::string git_hash();          // of the source tree (with "-dirty"), or the one compiled in
std::string libtorch_version();  // e.g. "1.13.1"
std::string cpu_model();
// The BLAS library LibTorch loaded (resolved path) and whether it is OpenBLAS.
std::string blas_library();
bool blas_is_optimized();
nlohmann::json environment_info(const std::string& device);

// Intra-op threads (and inter-op threads once, before any parallel work).
void set_threads(int threads);

}  // namespace trainperf
