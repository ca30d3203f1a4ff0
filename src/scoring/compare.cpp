#include "scoring/compare.h"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "scoring/text_table.h"

namespace trainperf::scoring {

namespace fs = std::filesystem;

ScoreResult compare_submissions(const fs::path& a, const fs::path& b, const ScoreOptions& options,
                                std::ostream* warnings_out) {
  Diagnostics diag(warnings_out, options.strict);
  TargetTable targets = load_targets(options.targets);
  std::vector<SubmissionLogs> logs;
  for (const auto& path : {a, b}) {
    auto subs = read_log_trees({path}, diag);
    if (subs.size() != 1) {
      std::string names;
      for (const auto& s : subs) names += (names.empty() ? "" : ", ") + s.name;
      throw ScoringError("'" + path.string() + "' holds " + std::to_string(subs.size()) +
                         " submissions (" + names + "); compare takes one submission folder each");
    }
    logs.push_back(std::move(subs.front()));
  }
  if (logs[0].name == logs[1].name) {
    logs[0].name = "A:" + logs[0].name;
    logs[1].name = "B:" + logs[1].name;
  }
  return score_logs(std::move(logs), std::move(targets), options, diag);
}

std::string format_comparison(const ScoreResult& r) {
  std::ostringstream o;
  const auto& a = r.submissions.at(0);
  const auto& b = r.submissions.at(1);
  o << fmt::format("A = {}   B = {}   · targets: {} · {} tuning · by {}\n\n", a, b, r.targets.name,
                   trainperf::to_string(r.options.ruleset), to_string(r.options.axis));
  TextTable t({"workload", fmt::format("A [{}]", r.unit()), fmt::format("B [{}]", r.unit()), "B / A", "reached"},
              "lrrrl");
  int a_only = 0, b_only = 0, both = 0;
  for (size_t w = 0; w < r.workloads.size(); ++w) {
    const auto& ta = r.times[0][w];
    const auto& tb = r.times[1][w];
    auto cell = [&](const WorkloadTimes& times) {
      if (times.missing()) return std::string("missing");
      return fmt::format("{} ({}/{})", format_time(times.median, r.options.axis), times.studies_reached(),
                         times.studies.size());
    };
    const bool ra = std::isfinite(ta.median), rb = std::isfinite(tb.median);
    std::string reached;
    if (ta.missing() || tb.missing())
      reached = ta.missing() && tb.missing() ? "neither logged" : ta.missing() ? "A not logged" : "B not logged";
    else
      reached = ra && rb ? "both" : ra ? "only A" : rb ? "only B" : "neither";
    if (ra && rb) ++both;
    if (ra && !rb) ++a_only;
    if (rb && !ra) ++b_only;
    const std::string ratio = ra && rb ? fmt::format("{:.3f}", tb.median / ta.median) : "-";
    t.add_row({r.workloads[w] + (r.targets.workloads[w].is_variant() ? " (variant)" : ""), cell(ta), cell(tb), ratio,
               reached});
  }
  o << t.render();
  o << fmt::format("\nA reached {} workload{} B did not; B reached {} A did not; both reached {}.\n", a_only,
                   a_only == 1 ? "" : "s", b_only, both);
  o << fmt::format("scores of the two scored together (held-out and 4x rules applied): A {:.4f}, B {:.4f}\n",
                   r.scores[0], r.scores[1]);
  return o.str();
}

}  // namespace trainperf::scoring
