#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runner/trial_logs.h"

using namespace trainperf;
namespace fs = std::filesystem;

namespace {
fs::path logs_fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_logs_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}
EvalRecord record(int64_t step) {
  EvalRecord r;
  r.global_step = step;
  r.submission_time = step * 0.5;
  r.total_duration = step;
  r.metrics["train"] = {{"accuracy", 0.5}, {"loss", 1.25}};
  r.metrics["validation"] = {{"accuracy", 0.25}, {"loss", 2.0}, {"num_examples", 100}};
  r.metrics["test"] = {{"accuracy", 0.125}, {"loss", 3.0}, {"num_examples", 100}};
  return r;
}
}  // namespace

TEST(TrialLogs, AlgoPerfLayoutAndColumns) {
  const fs::path exp = logs_fresh_dir("layout");
  const fs::path dir = trial_dir(exp, "nadamw", 0, "fmnist_mlp", 3);
  EXPECT_EQ(dir, exp / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_3");
  TrialLog log(dir);
  log.append_eval(record(1));
  // Flushed row by row: readable before the log is closed.
  auto lines = lines_of(dir / "eval_measurements.csv");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "global_step,score,total_duration,accumulated_submission_time,accumulated_eval_time,"
            "accumulated_logging_time,preemption_count,train/accuracy,train/loss,validation/accuracy,"
            "validation/loss,validation/num_examples,test/accuracy,test/loss,test/num_examples");
  EXPECT_EQ(lines[1], "1,0.5,1,0.5,0,0,0,0.5,1.25,0.25,2,100,0.125,3,100");
  EXPECT_FALSE(TrialLog::is_finished(dir));
  log.append_eval(record(7));
  TrialResult result;
  result.status = TrialStatus::ReachedTargets;
  result.time_to_target = 3.5;
  result.step_to_target = 7;
  log.finish(result);
  EXPECT_EQ(lines_of(dir / "eval_measurements.csv").size(), 3u);
  EXPECT_TRUE(TrialLog::is_finished(dir));
  auto j = TrialLog::read_result(dir);
  EXPECT_EQ(j["status"], "reached_targets");
  EXPECT_DOUBLE_EQ(j["time_to_target"].get<double>(), 3.5);
  // A finished trial is never reopened (its files are kept).
  EXPECT_THROW(TrialLog{dir}, std::logic_error);
  fs::remove_all(exp);
}

TEST(TrialLogs, UnfinishedAttemptRestartsClean) {
  const fs::path dir = logs_fresh_dir("restart") / "trial_1";
  {
    TrialLog log(dir);
    log.append_eval(record(1));
    log.append_eval(record(2));
  }  // "killed": no trial_result.json
  TrialLog again(dir);
  EXPECT_EQ(lines_of(dir / "eval_measurements.csv").size(), 0u);
  fs::remove_all(dir.parent_path());
}

TEST(TrialLogs, UnwritableDirectoryIsNamed) {
  const fs::path base = logs_fresh_dir("unwritable");
  fs::create_directories(base);
  std::ofstream(base / "file") << "x";
  try {
    ensure_directory(base / "file" / "sub", "experiment directory");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create experiment directory '" + (base / "file" / "sub").string()),
              std::string::npos);
  }
  fs::remove_all(base);
}

TEST(TrialLogs, ACorruptResultMarksAnUnfinishedTrialAndNamesTheFile) {
  const fs::path d = logs_fresh_dir("corrupt");
  fs::create_directories(d);
  const fs::path file = d / "trial_result.json";
  for (const std::string& text : {std::string("{\"status\": \"reached_tar"), std::string("[1, 2]"),
                                  std::string("{\"time_to_target\": 3}")}) {
    std::ofstream(file) << text;
    EXPECT_FALSE(TrialLog::is_finished(d)) << text;
    const auto problem = TrialLog::corrupt_result(d);
    ASSERT_TRUE(problem.has_value()) << text;
    EXPECT_NE(problem->find(file.string()), std::string::npos) << *problem;
    try {
      TrialLog::read_result(d);
      ADD_FAILURE() << "read_result accepted " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
    }
  }
  // The rerun starts clean (the corrupt file goes with the rest of the attempt).
  { TrialLog log(d); }
  EXPECT_FALSE(fs::exists(file));
  std::ofstream(file) << R"({"status": "reached_targets", "time_to_target": 1.5})";
  EXPECT_TRUE(TrialLog::is_finished(d));
  EXPECT_FALSE(TrialLog::corrupt_result(d).has_value());
  EXPECT_EQ(TrialLog::read_result(d)["status"], "reached_targets");
  fs::remove_all(d);
}
