// AlgoPerf search spaces (tuning internals; not part of the plugin API, which passes JSON text).
#pragma once

#include <trainperf/hparams.h>

#include <cstdint>
#include <string>
#include <vector>

namespace trainperf {

enum class Scaling { Linear, Log };

struct RangeDim {
  std::string name;
  double min = 0, max = 0;
  Scaling scaling = Scaling::Linear;
};

struct DiscreteDim {
  std::string name;
  std::vector<HValue> feasible_points;
};

// AlgoPerf search space: either ranges/discrete sets per hyperparameter
// ({"lr": {"min": a, "max": b, "scaling": "log"}, "x": {"feasible_points": [...]}})
// or an explicit list of points whose first N are used in order.
class SearchSpace {
 public:
  static SearchSpace parse(const std::string& json_text, const std::string& origin);
  static SearchSpace load(const std::string& path);

  bool is_list() const { return is_list_; }
  const std::vector<Hyperparameters>& points() const { return points_; }
  const std::vector<RangeDim>& ranges() const { return ranges_; }
  const std::vector<DiscreteDim>& discrete() const { return discrete_; }
  const std::string& origin() const { return origin_; }
  size_t num_dims() const { return ranges_.size() + discrete_.size(); }

  // The trial'th point (0-based) of a study: list form -> points[trial];
  // distribution form -> quasi-random (scrambled, shuffled Halton) point for `seed`.
  Hyperparameters point(int64_t trial, uint64_t seed) const;
  // Where that point comes from, for messages: "<origin>: point 3" or "<origin>: trial 3".
  std::string describe_point(int64_t trial) const;

 private:
  bool is_list_ = false;
  std::string origin_;
  std::vector<Hyperparameters> points_;
  std::vector<RangeDim> ranges_;
  std::vector<DiscreteDim> discrete_;
};

}  // namespace trainperf
