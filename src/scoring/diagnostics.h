// Problems found while reading log trees. Published AlgoPerf scoring warns and goes on; --strict
// refuses instead. Each distinct problem is reported once, naming the path it concerns.
#pragma once

#include <iosfwd>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace trainperf::scoring {

// Bad input that scoring cannot go on from (or any problem under --strict).
class ScoringError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Diagnostics {
 public:
  // Warnings go to `out` (nullptr: only collected) as "trainperf: warning: <where>: <problem>".
  explicit Diagnostics(std::ostream* out = nullptr, bool strict = false) : out_(out), strict_(strict) {}

  // Throws ScoringError when strict; otherwise records and prints the warning unless already seen.
  void warn(const std::string& where, const std::string& problem);

  // A non-strict copy that remembers what was already reported: for a second pass over the same logs
  // (the ranking on the other clock) whose problems are told but never refuse the run.
  Diagnostics lenient() const;
  // Takes over the warnings a lenient copy found that this one has not seen.
  void absorb(const Diagnostics& other);

  bool strict() const { return strict_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::ostream* out_;
  bool strict_;
  std::set<std::string> seen_;
  std::vector<std::string> warnings_;
};

}  // namespace trainperf::scoring
