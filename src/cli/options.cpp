#include "cli/options.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <thread>

namespace trainperf::cli {

namespace {
std::string shown(const std::string& s) { return "'" + (s.size() > 40 ? s.substr(0, 37) + "..." : s) + "'"; }
}  // namespace

CLI::Validator whole_number(int64_t lo, int64_t hi) {
  const std::string range = fmt::format("a whole number from {} to {}", lo, hi);
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && end == s.data() + s.size() && v >= lo && v <= hi) return "";
        if (ec == std::errc() && end == s.data() + s.size()) return s + " is out of range: " + range;
        return shown(s) + " is not " + range;
      },
      fmt::format("INT in [{} - {}]", lo, hi));
}

CLI::Validator seed_number() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (!s.empty() && s.front() != '-' && ec == std::errc() && end == s.data() + s.size()) return "";
        return shown(s) + " is not a seed: a whole number from 0 to " +
               std::to_string(std::numeric_limits<uint64_t>::max());
      },
      "UINT64");
}

int max_threads() {
  return kThreadsPerHardwareThread * std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

CLI::Validator thread_count() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        const int hi = max_threads();
        int v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc() && end == s.data() + s.size() && v >= 0 && v <= hi) return "";
        return fmt::format("{} is not a thread count here: 0 (all cores) up to {} ({} x the {} hardware threads of "
                           "this machine; more only contend for the cores)",
                           shown(s), hi, kThreadsPerHardwareThread, hi / kThreadsPerHardwareThread);
      },
      "INT");
}

CLI::Validator positive_seconds() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (const std::optional<double> v = number_text(s); v && std::isfinite(*v) && *v > 0) return "";
        return shown(s) + " is not a number of seconds above 0";
      },
      "SECONDS");
}

CLI::Validator minutes() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (const std::optional<double> v = number_text(s); v && std::isfinite(*v) && *v >= 0) return "";
        return shown(s) + " is not a number of minutes (0 or more)";
      },
      "MINUTES");
}

}  // namespace trainperf::cli
