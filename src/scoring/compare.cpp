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

RatioInterval median_ratio_interval(const ScoreResult& r, size_t workload) {
  RatioInterval out;
  const double a = r.raw.t.at(0).at(workload), b = r.raw.t.at(1).at(workload);
  out.ratio = std::isfinite(a) && std::isfinite(b) ? b / a : kNaN;
  if (!r.bootstrap.available() || std::isnan(out.ratio)) return out;
  std::vector<double> ratios;
  for (const auto& rep : r.bootstrap.medians) {
    const double ma = rep[0][workload], mb = rep[1][workload];
    if (std::isnan(ma) || std::isnan(mb) || (std::isinf(ma) && std::isinf(mb))) {
      ++out.undefined;
      continue;
    }
    ratios.push_back(std::isinf(mb) ? kInf : std::isinf(ma) ? 0.0 : mb / ma);
  }
  const double tail = (1 - r.bootstrap.level) / 2 * 100;
  out.low = percentile(ratios, tail);
  out.high = percentile(ratios, 100 - tail);
  return out;
}

std::string RatioInterval::verdict() const {
  if (std::isnan(low) || std::isnan(high)) return "";
  if (high < 1) return "B faster";
  if (low > 1) return "A faster";
  return "cannot tell";
}

std::string format_comparison(const ScoreResult& r) {
  std::ostringstream o;
  const auto& a = r.submissions.at(0);
  const auto& b = r.submissions.at(1);
  const auto& boot = r.bootstrap;
  o << fmt::format("A = {}   B = {}   · targets: {} · {} tuning · by {}\n", a, b, r.targets.name,
                   trainperf::to_string(r.options.ruleset), to_string(r.options.axis));
  if (boot.available())
    o << fmt::format("B / A: ratio of the median times; {:.0f}% interval: percentile bootstrap over each one's "
                     "studies ({} resamples, seed {}); \"cannot tell\" where it holds 1\n",
                     boot.level * 100, boot.replicates, boot.seed);
  o << '\n';
  std::vector<std::string> header = {"workload", fmt::format("A [{}]", r.unit()), fmt::format("B [{}]", r.unit()),
                                     "B / A", "reached"};
  if (boot.available()) {
    header.push_back(fmt::format("{:.0f}% interval", boot.level * 100));
    header.push_back("");
  }
  TextTable t(header, "lrrrlrl");
  int a_only = 0, b_only = 0, both = 0, separated = 0, compared = 0;
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
    std::vector<std::string> row = {r.workloads[w] + (r.targets.workloads[w].is_variant() ? " (variant)" : ""),
                                    cell(ta), cell(tb), ratio, reached};
    if (boot.available()) {
      const auto interval = median_ratio_interval(r, w);
      const std::string verdict = interval.verdict();
      auto bound = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.3f}", v); };
      row.push_back(verdict.empty() ? "-" : "[" + bound(interval.low) + ", " + bound(interval.high) + "]");
      row.push_back(verdict);
      if (!verdict.empty()) ++compared;
      if (verdict == "A faster" || verdict == "B faster") ++separated;
    }
    t.add_row(row);
  }
  o << t.render();
  o << fmt::format("\nA reached {} workload{} B did not; B reached {} A did not; both reached {}.\n", a_only,
                   a_only == 1 ? "" : "s", b_only, both);
  if (boot.available())
    o << fmt::format("the data separate them on {} of the {} workload{} both reached (the interval of B / A "
                     "excludes 1){}\n",
                     separated, compared, compared == 1 ? "" : "s",
                     separated < compared ? fmt::format("; on {} they cannot tell them apart", compared - separated)
                                          : "");
  else
    o << boot.unavailable << '\n';
  o << fmt::format("scores of the two scored together (held-out and 4x rules applied): A {:.4f}, B {:.4f}\n",
                   r.scores[0], r.scores[1]);
  if (boot.available())
    o << fmt::format("  {:.0f}% intervals: A {}, B {}; P(A > B) = {:.2f}, P(B > A) = {:.2f}\n", boot.level * 100,
                     format_interval(boot.low[0], boot.high[0]), format_interval(boot.low[1], boot.high[1]),
                     boot.pairwise[0][1], boot.pairwise[1][0]);
  return o.str();
}

}  // namespace trainperf::scoring
