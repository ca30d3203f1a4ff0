// `trainperf report`: one static HTML page (no server, no network, no scripts) with the scores, the
// performance-profile plot, per workload the validation curves of every trial against the target,
// time-to-target tables, every trial's hyperparameters and the environment it ran on.
#pragma once

#include <filesystem>
#include <string>

#include "scoring/scoring.h"

namespace trainperf::report {

std::string render_html_report(const scoring::ScoreResult& result);
void write_html_report(const scoring::ScoreResult& result, const std::filesystem::path& out);

// Text made safe for HTML element content and attribute values.
std::string html_escape(const std::string& text);

}  // namespace trainperf::report
