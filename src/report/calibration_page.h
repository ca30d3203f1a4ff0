// The calibration page of `trainperf report` (docs/calibration.md): read from a calibration.json, one
// static HTML page with every candidate's score and interval, the chosen point, successive halving's
// rungs and leave-one-workload-out.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace trainperf::report {

std::string render_calibration_page(const nlohmann::json& calibration);
// Reads <dir>/calibration.json (throws naming the file when it is unreadable) and writes the page.
void write_calibration_page(const std::filesystem::path& calibration_json, const std::filesystem::path& out);

}  // namespace trainperf::report
