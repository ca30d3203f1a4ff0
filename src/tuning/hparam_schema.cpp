// Declared hyperparameters: resolving a point against a submission's schema, and its table.
#include <trainperf/hparams.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tuning/hvalue_json.h"

namespace trainperf {

const char* to_string(HType t) {
  switch (t) {
    case HType::Number: return "number";
    case HType::Integer: return "integer";
    case HType::Boolean: return "bool";
    case HType::String: return "string";
  }
  return "?";
}

std::string to_display(const HValue& v) { return to_json_value(v).dump(); }

namespace {

HParamDecl decl(std::string name, HType type, std::optional<HValue> value, std::string doc) {
  HParamDecl d;
  d.name = std::move(name);
  d.type = type;
  d.default_value = std::move(value);
  d.doc = std::move(doc);
  return d;
}

// Levenshtein distance, for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The value converted to the declared type, or nullopt when it does not fit.
std::optional<HValue> conform(const HParamDecl& d, const HValue& v) {
  if (std::holds_alternative<HNone>(v)) return d.nullable ? std::optional<HValue>(v) : std::nullopt;
  switch (d.type) {
    case HType::Number:
      if (std::holds_alternative<double>(v)) return v;
      if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
      return std::nullopt;
    case HType::Integer:
      if (std::holds_alternative<int64_t>(v)) return v;
      if (const auto* x = std::get_if<double>(&v); x && std::isfinite(*x) && std::floor(*x) == *x)
        return static_cast<int64_t>(*x);
      return std::nullopt;
    case HType::Boolean:
      return std::holds_alternative<bool>(v) ? std::optional<HValue>(v) : std::nullopt;
    case HType::String:
      return std::holds_alternative<std::string>(v) ? std::optional<HValue>(v) : std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

HParamSchema& HParamSchema::declare(HParamDecl d) {
  if (find(d.name)) throw std::logic_error("hyperparameter '" + d.name + "' declared twice");
  if (d.default_value && !conform(d, *d.default_value))
    throw std::logic_error("hyperparameter '" + d.name + "': default " + to_display(*d.default_value) + " is not a " +
                           to_string(d.type));
  keys_.push_back(std::move(d));
  return *this;
}

HParamSchema& HParamSchema::number(std::string name, std::string doc) {
  return declare(decl(std::move(name), HType::Number, std::nullopt, std::move(doc)));
}
HParamSchema& HParamSchema::integer(std::string name, std::string doc) {
  return declare(decl(std::move(name), HType::Integer, std::nullopt, std::move(doc)));
}
HParamSchema& HParamSchema::boolean(std::string name, std::string doc) {
  return declare(decl(std::move(name), HType::Boolean, std::nullopt, std::move(doc)));
}
HParamSchema& HParamSchema::string(std::string name, std::string doc) {
  return declare(decl(std::move(name), HType::String, std::nullopt, std::move(doc)));
}
HParamSchema& HParamSchema::number(std::string name, double value, std::string doc) {
  return declare(decl(std::move(name), HType::Number, value, std::move(doc)));
}
HParamSchema& HParamSchema::integer(std::string name, int64_t value, std::string doc) {
  return declare(decl(std::move(name), HType::Integer, value, std::move(doc)));
}
HParamSchema& HParamSchema::boolean(std::string name, bool value, std::string doc) {
  return declare(decl(std::move(name), HType::Boolean, value, std::move(doc)));
}
HParamSchema& HParamSchema::string(std::string name, std::string value, std::string doc) {
  return declare(decl(std::move(name), HType::String, std::move(value), std::move(doc)));
}
HParamSchema& HParamSchema::optional(std::string name, HType type, std::string doc) {
  HParamDecl d = decl(std::move(name), type, std::nullopt, std::move(doc));
  d.optional = true;
  return declare(std::move(d));
}

HParamSchema& HParamSchema::nullable() {
  if (keys_.empty()) throw std::logic_error("nullable() before any key");
  keys_.back().nullable = true;
  return *this;
}

HParamSchema& HParamSchema::add(const HParamSchema& block) {
  for (const auto& d : block.keys_) declare(d);
  return *this;
}

const HParamDecl* HParamSchema::find(const std::string& name) const {
  for (const auto& d : keys_)
    if (d.name == name) return &d;
  return nullptr;
}

Hyperparameters HParamSchema::resolve(const Hyperparameters& point, const std::string& where) const {
  std::string problems;
  for (const auto& [name, value] : point.values()) {
    const HParamDecl* d = find(name);
    if (!d) {
      const HParamDecl* closest = nullptr;
      size_t best = 0;
      for (const auto& k : keys_) {
        const size_t dist = edit_distance(name, k.name);
        if (!closest || dist < best) closest = &k, best = dist;
      }
      const bool near = closest && best <= std::max<size_t>(2, name.size() / 4);
      problems += "\n  unknown key '" + name + "'" + (near ? " (did you mean '" + closest->name + "'?)" : "");
      continue;
    }
    if (!conform(*d, value))
      problems += fmt::format("\n  '{}' must be a {}{}, got {} ({})", name, to_string(d->type),
                              d->nullable ? " or null" : "", to_display(value), value_type_name(value));
  }
  for (const auto& d : keys_)
    if (!d.default_value && !d.optional && !point.has(d.name))
      problems += "\n  missing required key '" + d.name + "' (" + d.doc + ")";
  if (!problems.empty())
    throw SearchSpaceError(where + ": does not fit the submission's hyperparameters:" + problems +
                           (keys_.empty() ? "\naccepted keys: none (the submission declares none)"
                                          : "\naccepted keys:\n" + table()));

  Hyperparameters resolved;
  for (const auto& d : keys_) {
    if (point.has(d.name)) {
      resolved.set(d.name, *conform(d, point.values().at(d.name)));
    } else if (d.default_value) {
      resolved.set(d.name, *d.default_value);
    }
  }
  return resolved;
}

std::string HParamSchema::table() const {
  size_t name_width = 4, default_width = 7;
  auto default_text = [](const HParamDecl& d) {
    return d.default_value ? to_display(*d.default_value) : std::string(d.optional ? "(optional)" : "(required)");
  };
  for (const auto& d : keys_) {
    name_width = std::max(name_width, d.name.size());
    default_width = std::max(default_width, default_text(d).size());
  }
  std::string out = fmt::format("{:<{}}  {:<8}  {:<{}}  {}\n", "name", name_width, "type", "default", default_width,
                                "description");
  for (const auto& d : keys_)
    out += fmt::format("{:<{}}  {:<8}  {:<{}}  {}\n", d.name, name_width,
                       std::string(to_string(d.type)) + (d.nullable ? "?" : ""), default_text(d), default_width, d.doc);
  return out;
}

std::string HParamSchema::markdown() const {
  std::string out = "| key | type | default | description |\n|---|---|---|---|\n";
  for (const auto& d : keys_) {
    const std::string value = d.default_value ? "`" + to_display(*d.default_value) + "`"
                                              : std::string(d.optional ? "optional" : "**required**");
    out += fmt::format("| `{}` | {}{} | {} | {} |\n", d.name, to_string(d.type), d.nullable ? " or null" : "", value,
                       d.doc);
  }
  return out;
}

}  // namespace trainperf
