// Hyperparameters and AlgoPerf search spaces: parsing, validation, quasi-random points.
#include <trainperf/hparams.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "tuning/halton.h"

namespace trainperf {

using nlohmann::json;

namespace {

std::string type_name(const HValue& v) {
  switch (v.index()) {
    case 0: return "number";
    case 1: return "integer";
    case 2: return "bool";
    case 3: return "string";
    default: return "null";
  }
}

HValue to_hvalue(const json& j, const std::string& where) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return HNone{};
  throw SearchSpaceError(where + ": expected a number, bool, string or null, got " + j.dump());
}

json to_json_value(const HValue& v) {
  return std::visit(
      [](const auto& x) -> json {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, HNone>) return nullptr;
        else return json(x);
      },
      v);
}

Hyperparameters point_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw SearchSpaceError(where + ": a point must be a JSON object, got " + j.dump());
  std::map<std::string, HValue> values;
  for (const auto& [k, v] : j.items()) values[k] = to_hvalue(v, where + ": '" + k + "'");
  return Hyperparameters(std::move(values));
}

}  // namespace

const HValue& Hyperparameters::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::string known;
    for (const auto& [k, v] : values_) known += (known.empty() ? "" : ", ") + k;
    throw std::out_of_range("hyperparameter '" + name + "' is not set (have: " + known + ")");
  }
  return it->second;
}

double Hyperparameters::number(const std::string& name) const {
  const HValue& v = at(name);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + type_name(v) + ", not a number");
}

double Hyperparameters::number_or(const std::string& name, double fallback) const {
  return has(name) ? number(name) : fallback;
}

int64_t Hyperparameters::integer(const std::string& name) const {
  const HValue& v = at(name);
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v); d && std::floor(*d) == *d) return static_cast<int64_t>(*d);
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + type_name(v) + ", not an integer");
}

bool Hyperparameters::boolean(const std::string& name) const {
  const HValue& v = at(name);
  if (auto b = std::get_if<bool>(&v)) return *b;
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + type_name(v) + ", not a bool");
}

std::string Hyperparameters::string(const std::string& name) const {
  const HValue& v = at(name);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (std::holds_alternative<HNone>(v)) return "none";
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + type_name(v) + ", not a string");
}

bool Hyperparameters::is_none(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && std::holds_alternative<HNone>(it->second);
}

std::string Hyperparameters::to_json() const {
  json j = json::object();
  for (const auto& [k, v] : values_) j[k] = to_json_value(v);
  return j.dump(2);
}

Hyperparameters Hyperparameters::from_json(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw SearchSpaceError(origin + ": not valid JSON: " + e.what());
  }
  return point_from_json(j, origin);
}

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

}  // namespace trainperf
