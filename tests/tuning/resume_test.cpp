// A whole-suite run killed with SIGKILL mid-way and rerun: every trial ends complete exactly once and
// finished trials' files are never modified.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/cli.h"

namespace fs = std::filesystem;
using namespace trainperf::testing;

namespace {

std::string slurp_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> finished_trials(const fs::path& exp) {
  std::vector<fs::path> out;
  if (!fs::exists(exp)) return out;
  for (const auto& e : fs::recursive_directory_iterator(exp))
    if (e.path().filename() == "trial_result.json") out.push_back(e.path().parent_path());
  return out;
}

std::string bench_args(const fs::path& exp) {
  return std::string("bench --workloads fmnist_mlp --submissions nadamw,") + TRAINPERF_EXAMPLE_PLUGIN +
         " --ruleset external --studies 2 --trials 2 --max-steps 400 --threads 1 --jobs 1 --experiment-dir " +
         exp.string();
}

}  // namespace

TEST(Resume, KilledSuiteResumesWithoutLosingOrRepeatingTrials) {
  const fs::path exp = fs::temp_directory_path() / ("trainperf_resume_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  // Start the suite in its own process group, wait until a few trials are done, kill the group.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setpgid(0, 0);
    const std::string cmd = std::string(TRAINPERF_CLI) + " " + bench_args(exp) + " > /dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  for (int i = 0; i < 1200 && finished_trials(exp).size() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Let the next trial get under way, then kill everything at once.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);

  const auto before = finished_trials(exp);
  ASSERT_GE(before.size(), 3u);
  ASSERT_LT(before.size(), 8u) << "the suite finished before it could be killed";
  std::map<fs::path, std::pair<std::string, fs::file_time_type>> snapshot;
  for (const auto& dir : before)
    for (const auto& f : fs::directory_iterator(dir)) snapshot[f.path()] = {slurp_file(f.path()), fs::last_write_time(f.path())};

  auto rerun = run_cli(bench_args(exp));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("finished earlier; kept"), std::string::npos);

  const auto after = finished_trials(exp);
  EXPECT_EQ(after.size(), 8u);  // 2 submissions x 1 workload x 2 studies x 2 trials, each once
  for (const auto& [path, content] : snapshot) {
    EXPECT_EQ(slurp_file(path), content.first) << path;
    EXPECT_EQ(fs::last_write_time(path), content.second) << path;
  }
  for (const auto& dir : after) {
    // Complete and not appended twice: steps strictly increase and end at max_steps.
    std::ifstream csv(dir / "eval_measurements.csv");
    std::string line;
    std::getline(csv, line);
    long last = 0;
    while (std::getline(csv, line)) {
      const long step = std::stol(line.substr(0, line.find(',')));
      EXPECT_GT(step, last) << dir;
      last = step;
    }
    // The last row is the trial's final step (400, or earlier if it reached both targets).
    const auto result = slurp_file(dir / "trial_result.json");
    EXPECT_NE(result.find("\"global_step\": " + std::to_string(last)), std::string::npos) << dir << result;
    EXPECT_LE(last, 400) << dir;
  }
  // A third run has nothing left to do.
  auto third = run_cli(bench_args(exp));
  EXPECT_NE(third.output.find("0 of 8 trials to run"), std::string::npos) << third.output;
  fs::remove_all(exp);
}

TEST(Resume, ExperimentDirOfAnotherConfigurationIsRefused) {
  const fs::path exp = fs::temp_directory_path() / ("trainperf_mix_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  auto first = run_cli("run -w fmnist_mlp -s nadamw --ruleset self --max-steps 5 --threads 1 --experiment-dir " +
                       exp.string());
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto second = run_cli("run -w fmnist_mlp -s nadamw --ruleset external --trials 1 --max-steps 5 --threads 1 "
                        "--experiment-dir " + exp.string());
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("holds trials of a different configuration"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find("ruleset: \"self\" -> \"external\""), std::string::npos) << second.output;
  fs::remove_all(exp);
}
