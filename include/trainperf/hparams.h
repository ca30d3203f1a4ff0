// Typed hyperparameters and search spaces (AlgoPerf's JSON formats).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace trainperf {

// JSON `null` in a search space or point (AlgoPerf's muon submission: "muon_adjust_lr": null).
struct HNone {
  bool operator==(const HNone&) const { return true; }
};

// One hyperparameter value as it appears in a search-space JSON file.
using HValue = std::variant<double, int64_t, bool, std::string, HNone>;

// A point in a search space: name -> typed value. Numeric reads accept both int and double.
class Hyperparameters {
 public:
  Hyperparameters() = default;
  explicit Hyperparameters(std::map<std::string, HValue> values) : values_(std::move(values)) {}

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  double number(const std::string& name) const;
  double number_or(const std::string& name, double fallback) const;
  int64_t integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;  // a null value reads as "none"
  bool is_none(const std::string& name) const;          // set, and JSON null

  void set(const std::string& name, HValue v) { values_[name] = std::move(v); }
  const std::map<std::string, HValue>& values() const { return values_; }
  bool empty() const { return values_.empty(); }

  std::string to_json() const;  // {"lr": 0.001, ...}
  static Hyperparameters from_json(const std::string& text, const std::string& origin);

 private:
  const HValue& at(const std::string& name) const;
  std::map<std::string, HValue> values_;
};

// Raised for malformed search spaces; the message names the file and the problem.
class SearchSpaceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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

 private:
  bool is_list_ = false;
  std::string origin_;
  std::vector<Hyperparameters> points_;
  std::vector<RangeDim> ranges_;
  std::vector<DiscreteDim> discrete_;
};

}  // namespace trainperf
