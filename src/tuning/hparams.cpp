// Hyperparameter values and their JSON form.
#include <trainperf/hparams.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "tuning/hvalue_json.h"

namespace trainperf {

using nlohmann::json;

const char* value_type_name(const HValue& v) {
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
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + value_type_name(v) + ", not a number");
}

double Hyperparameters::number_or(const std::string& name, double fallback) const {
  return has(name) ? number(name) : fallback;
}

int64_t Hyperparameters::integer(const std::string& name) const {
  const HValue& v = at(name);
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v); d && std::floor(*d) == *d) return static_cast<int64_t>(*d);
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + value_type_name(v) + ", not an integer");
}

bool Hyperparameters::boolean(const std::string& name) const {
  const HValue& v = at(name);
  if (auto b = std::get_if<bool>(&v)) return *b;
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + value_type_name(v) + ", not a bool");
}

std::string Hyperparameters::string(const std::string& name) const {
  const HValue& v = at(name);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (std::holds_alternative<HNone>(v)) return "none";
  throw std::invalid_argument("hyperparameter '" + name + "' is a " + value_type_name(v) + ", not a string");
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

}  // namespace trainperf
