// HValue <-> JSON, shared by the point and search-space readers.
#pragma once

#include <trainperf/hparams.h>

#include <nlohmann/json.hpp>

#include <string>

namespace trainperf {

const char* value_type_name(const HValue& v);  // "number", "integer", "bool", "string", "null"
HValue to_hvalue(const nlohmann::json& j, const std::string& where);
nlohmann::json to_json_value(const HValue& v);
Hyperparameters point_from_json(const nlohmann::json& j, const std::string& where);

}  // namespace trainperf
