// The errors trainperf raises for bad input; each message names the file and the problem.
#pragma once

#include <stdexcept>

namespace trainperf {

// A malformed search space or self-tuning configuration, or a point that does not fit the
// submission's declared hyperparameters (unknown, missing or mistyped key).
class SearchSpaceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A dataset that is missing, truncated or corrupt; the message says which file and what to do.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trainperf
