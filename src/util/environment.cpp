#include "util/environment.h"

#include <ATen/Context.h>
#include <ATen/Version.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <malloc.h>

#ifdef TRAINPERF_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <cuda_runtime_api.h>
#endif

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <unistd.h>

#include "trainperf_build_info.h"

namespace trainperf {

namespace {
std::string run_command(const std::string& cmd) {
  std::array<char, 256> buf{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) return out;
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}
}  // namespace

std::string trainperf_version() { return TRAINPERF_VERSION; }

std::string git_hash() {
  static const std::string hash = [] {
    const std::string src = TRAINPERF_SOURCE_DIR;
    if (std::filesystem::exists(src + "/.git")) {
      std::string h = run_command("git -C '" + src + "' rev-parse --short=12 HEAD 2>/dev/null");
      if (!h.empty()) {
        if (!run_command("git -C '" + src + "' status --porcelain --untracked-files=no 2>/dev/null").empty())
          h += "-dirty";
        return h;
      }
    }
    return std::string(TRAINPERF_GIT_HASH);
  }();
  return hash;
}

std::string libtorch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      return pos == std::string::npos ? line : line.substr(pos + 2);
    }
  return "unknown";
}

std::string blas_library() {
  // The PyPI wheels link MKL statically into libtorch_cpu: no BLAS shows up among the loaded files.
  if (at::hasMKL()) return "MKL (in libtorch_cpu)";
  std::ifstream in("/proc/self/maps");
  std::string line;
  while (std::getline(in, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    std::string file = std::filesystem::path(path).filename().string();
    if (file.rfind("libblas", 0) == 0 || file.rfind("libopenblas", 0) == 0 || file.rfind("libmkl", 0) == 0)
      return path;
  }
  return "none loaded";
}

bool blas_is_optimized() {
  const std::string b = blas_library();
  return b.find("openblas") != std::string::npos || b.find("MKL") != std::string::npos ||
         b.find("mkl") != std::string::npos;
}

namespace {
MallocSettings& malloc_settings_state() {
  static MallocSettings s;
  return s;
}
}  // namespace

const MallocSettings& configure_malloc() {
  MallocSettings& s = malloc_settings_state();
  if (s.configured) return s;
  s.configured = true;
  const char* env = std::getenv("TRAINPERF_MALLOC");
  if (env && std::string(env) == "default") return s;
  // glibc starts with a 128 KiB mmap threshold that rises (and the trim threshold with it) only when
  // a large mmapped block happens to be freed. Left alone, a training loop's activations either go
  // to fresh mmaps (page faults on every step) or the heap is trimmed and re-faulted every step,
  // depending on what the process freed before. Fixed values make the step time independent of
  // that history: blocks up to 32 MiB (glibc's maximum) come from the heap, which is given back to
  // the system only when 128 MiB are free at its top.
  s.mmap_threshold = 32L << 20;
  s.trim_threshold = 128L << 20;
  s.applied = mallopt(M_MMAP_THRESHOLD, static_cast<int>(s.mmap_threshold)) == 1 &&
              mallopt(M_TRIM_THRESHOLD, static_cast<int>(s.trim_threshold)) == 1;
  return s;
}

const MallocSettings& malloc_settings() { return malloc_settings_state(); }

nlohmann::json libtorch_build_info() {
#ifdef TRAINPERF_WITH_CUDA
  nlohmann::json gpus = nlohmann::json::array();
  if (torch::cuda::is_available()) {
    for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) {
      const cudaDeviceProp* p = at::cuda::getDeviceProperties(i);
      gpus.push_back({{"name", p->name},
                      {"memory_bytes", p->totalGlobalMem},
                      {"compute_capability", std::to_string(p->major) + "." + std::to_string(p->minor)}});
    }
  }
  int runtime = 0;
  if (cudaRuntimeGetVersion(&runtime) != cudaSuccess) runtime = 0;
  return {{"kind", "cuda"}, {"cuda_compiled", CUDART_VERSION}, {"cuda_runtime", runtime}, {"gpus", gpus}};
#else
  return {{"kind", "cpu"}};
#endif
}

nlohmann::json environment_info(const std::string& device) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {
      {"trainperf_version", trainperf_version()},
      {"git_hash", git_hash()},
      {"framework", "libtorch"},
      {"libtorch_version", libtorch_version()},
      {"libtorch_build", libtorch_build_info()},
      {"device", device},
      {"cuda_available", torch::cuda::is_available()},
      {"cpu_model", cpu_model()},
      {"hardware_concurrency", std::thread::hardware_concurrency()},
      {"intra_op_threads", torch::get_num_threads()},
      {"blas", blas_library()},
      {"blas_optimized", blas_is_optimized()},
      {"cpu_capability", at::get_cpu_capability()},
      {"malloc", malloc_settings().applied
                     ? nlohmann::json{{"mmap_threshold", malloc_settings().mmap_threshold},
                                      {"trim_threshold", malloc_settings().trim_threshold}}
                     : nlohmann::json("glibc default")},
      {"hostname", host},
      {"date", date},
      {"compiler", TRAINPERF_COMPILER},
      {"build_type", TRAINPERF_BUILD_TYPE},
  };
}

void set_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  static bool interop_set = false;
  if (!interop_set) {
    try {
      torch::set_num_interop_threads(1);
    } catch (const std::exception&) {
      // Already started by earlier parallel work; intra-op threads are what matter here.
    }
    interop_set = true;
  }
  torch::set_num_threads(threads);
}

}  // namespace trainperf
