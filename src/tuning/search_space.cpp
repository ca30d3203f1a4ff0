// AlgoPerf search spaces: parsing, validation, quasi-random points.
#include "tuning/search_space.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "tuning/halton.h"
#include "tuning/hvalue_json.h"

namespace trainperf {

using nlohmann::json;

SearchSpace SearchSpace::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SearchSpaceError(path + ": cannot open search space file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

SearchSpace SearchSpace::parse(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw SearchSpaceError(origin + ": not valid JSON: " + e.what());
  }
  SearchSpace s;
  s.origin_ = origin;
  if (j.is_array()) {
    s.is_list_ = true;
    if (j.empty()) throw SearchSpaceError(origin + ": the list of points is empty");
    for (size_t i = 0; i < j.size(); ++i)
      s.points_.push_back(point_from_json(j[i], origin + ": point " + std::to_string(i + 1)));
    return s;
  }
  if (!j.is_object())
    throw SearchSpaceError(origin + ": a search space is a JSON object of hyperparameters or a list of points");
  if (j.empty()) throw SearchSpaceError(origin + ": the search space has no hyperparameters");
  for (const auto& [name, spec] : j.items()) {
    const std::string where = origin + ": '" + name + "'";
    if (!spec.is_object())
      throw SearchSpaceError(where + ": expected {\"min\", \"max\", \"scaling\"} or {\"feasible_points\"}, got " +
                             spec.dump());
    if (spec.contains("feasible_points")) {
      const json& fp = spec["feasible_points"];
      if (!fp.is_array() || fp.empty())
        throw SearchSpaceError(where + ": 'feasible_points' must be a non-empty list");
      DiscreteDim d{name, {}};
      for (const auto& v : fp) d.feasible_points.push_back(to_hvalue(v, where));
      for (const auto& [k, v] : spec.items())
        if (k != "feasible_points") throw SearchSpaceError(where + ": unknown key '" + k + "'");
      s.discrete_.push_back(std::move(d));
      continue;
    }
    for (const char* key : {"min", "max"})
      if (!spec.contains(key) || !spec[key].is_number())
        throw SearchSpaceError(where + ": missing numeric '" + key + "'");
    for (const auto& [k, v] : spec.items())
      if (k != "min" && k != "max" && k != "scaling")
        throw SearchSpaceError(where + ": unknown key '" + k + "' (expected min, max, scaling)");
    RangeDim r{name, spec["min"].get<double>(), spec["max"].get<double>(), Scaling::Linear};
    const std::string scaling = spec.value("scaling", "linear");
    if (scaling == "log") {
      r.scaling = Scaling::Log;
      if (r.min <= 0) throw SearchSpaceError(where + ": log scaling needs min > 0, got " + std::to_string(r.min));
    } else if (scaling != "linear") {
      throw SearchSpaceError(where + ": unknown scaling '" + scaling + "' (expected 'log' or 'linear')");
    }
    if (!(r.min <= r.max))
      throw SearchSpaceError(where + ": min (" + std::to_string(r.min) + ") is greater than max (" +
                             std::to_string(r.max) + ")");
    s.ranges_.push_back(r);
  }
  return s;
}

Hyperparameters SearchSpace::point(int64_t trial, uint64_t seed) const {
  if (is_list_) {
    if (trial < 0 || trial >= static_cast<int64_t>(points_.size()))
      throw SearchSpaceError(origin_ + ": trial " + std::to_string(trial + 1) + " asked for, but the list has only " +
                             std::to_string(points_.size()) + " points");
    return points_[trial];
  }
  const std::vector<double> u = halton_point(num_dims(), trial, seed);
  Hyperparameters h;
  size_t d = 0;
  for (const auto& r : ranges_) {
    const double x = u[d++];
    h.set(r.name, r.scaling == Scaling::Log
                      ? std::exp(std::log(r.min) + x * (std::log(r.max) - std::log(r.min)))
                      : r.min + x * (r.max - r.min));
  }
  for (const auto& disc : discrete_) {
    const double x = u[d++];
    size_t idx = std::min(disc.feasible_points.size() - 1, static_cast<size_t>(x * disc.feasible_points.size()));
    h.set(disc.name, disc.feasible_points[idx]);
  }
  return h;
}


std::string SearchSpace::describe_point(int64_t trial) const {
  return origin_ + (is_list_ ? ": point " : ": trial ") + std::to_string(trial + 1);
}

}  // namespace trainperf
