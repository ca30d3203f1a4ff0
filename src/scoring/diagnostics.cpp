#include "scoring/diagnostics.h"

#include <ostream>

namespace trainperf::scoring {

void Diagnostics::warn(const std::string& where, const std::string& problem) {
  const std::string message = where.empty() ? problem : where + ": " + problem;
  if (strict_) throw ScoringError(message + " (refused under --strict)");
  if (!seen_.insert(message).second) return;
  warnings_.push_back(message);
  if (out_) *out_ << "trainperf: warning: " << message << '\n';
}

Diagnostics Diagnostics::lenient() const {
  Diagnostics copy(out_, false);
  copy.seen_ = seen_;
  return copy;
}

void Diagnostics::absorb(const Diagnostics& other) {
  for (const auto& w : other.warnings_)
    if (seen_.insert(w).second) warnings_.push_back(w);
}

}  // namespace trainperf::scoring
