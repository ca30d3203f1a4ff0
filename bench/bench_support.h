// Shared by the bench/ programs: medians, and running a Python reference that prints one JSON object
// as its last output.
#pragma once

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainperf::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Runs `<python> <bench dir>/<script> <args>` and parses the JSON object it prints last. The default
// interpreter is the one whose torch wheel trainperf was built against (TRAINPERF_PYTHON).
inline nlohmann::json run_python_reference(const std::string& script, const std::string& args,
                                           const std::string& python = TRAINPERF_PYTHON) {
  const std::string cmd = fmt::format("{} {}/{} {}", python, TRAINPERF_BENCH_DIR, script, args);
  std::array<char, 4096> buf{};
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run: " + cmd);
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  const auto pos = out.rfind('{');
  if (pos == std::string::npos) throw std::runtime_error("no result from: " + cmd + "\n" + out);
  return nlohmann::json::parse(out.substr(pos));
}

}  // namespace trainperf::bench
