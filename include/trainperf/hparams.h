// Typed hyperparameters, and the schema a submission declares for them.
//
// A submission declares every key it reads (name, type, default or required, one line of doc); a
// search-space point or a self-tuning configuration is resolved against that schema once, before
// any data is loaded or any trial starts: unknown, missing and mistyped keys are refused, naming the
// file, the point and the key, and the resolved point carries every declared default.
#pragma once

#include <trainperf/errors.h>

#include <cstdint>
#include <map>
#include <optional>
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

enum class HType { Number, Integer, Boolean, String };
const char* to_string(HType t);

// One declared hyperparameter.
struct HParamDecl {
  std::string name;
  HType type = HType::Number;
  // Required when empty and `optional` is false; an optional key without a default stays unset
  // (the submission picks a value from the model, e.g. DoG's reps_rel).
  std::optional<HValue> default_value;
  bool optional = false;
  bool nullable = false;  // JSON null accepted (read as "none")
  std::string doc;
};

// The keys a submission accepts. Blocks that several submissions share (the schedule keys, label
// smoothing, gradient clipping, the harness's dropout keys) are schemas of their own, added with add().
class HParamSchema {
 public:
  // Required keys.
  HParamSchema& number(std::string name, std::string doc);
  HParamSchema& integer(std::string name, std::string doc);
  HParamSchema& boolean(std::string name, std::string doc);
  HParamSchema& string(std::string name, std::string doc);
  // Keys with a default.
  HParamSchema& number(std::string name, double default_value, std::string doc);
  HParamSchema& integer(std::string name, int64_t default_value, std::string doc);
  HParamSchema& boolean(std::string name, bool default_value, std::string doc);
  HParamSchema& string(std::string name, std::string default_value, std::string doc);
  // An optional key with no default (absent from the resolved point unless given).
  HParamSchema& optional(std::string name, HType type, std::string doc);
  // The last declared key also accepts JSON null.
  HParamSchema& nullable();
  // Every key of `block`; a key declared twice is a programming error (std::logic_error).
  HParamSchema& add(const HParamSchema& block);
  HParamSchema& declare(HParamDecl decl);

  const std::vector<HParamDecl>& keys() const { return keys_; }
  const HParamDecl* find(const std::string& name) const;
  bool empty() const { return keys_.empty(); }

  // `point` checked against the schema, with every default filled in. Throws SearchSpaceError
  // starting with `where` (the file and the point) for an unknown key (with the closest accepted
  // one), a missing required key or a value of the wrong type; the message lists the accepted keys.
  Hyperparameters resolve(const Hyperparameters& point, const std::string& where) const;

  // The keys as a table (name, type, default, doc), one row per key, like llm.c's parameter table.
  std::string table() const;
  // The same as a Markdown table (docs/hyperparameters.md is generated from these).
  std::string markdown() const;

 private:
  std::vector<HParamDecl> keys_;
};

// How a value is written in tables and messages ("0.001", "true", "\"x\"", "null").
std::string to_display(const HValue& v);

}  // namespace trainperf
