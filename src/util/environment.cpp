#include "util/environment.h"

#include <torch/torch.h>
#include <torch/version.h>

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
  return b.find("openblas") != std::string::npos || b.find("mkl") != std::string::npos;
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
      {"device", device},
      {"cuda_available", torch::cuda::is_available()},
      {"cpu_model", cpu_model()},
      {"hardware_concurrency", std::thread::hardware_concurrency()},
      {"intra_op_threads", torch::get_num_threads()},
      {"blas", blas_library()},
      {"blas_optimized", blas_is_optimized()},
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
