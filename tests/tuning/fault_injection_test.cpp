// Fault injection over a small suite (fmnist_mlp, 2 studies x 2 trials, two at a time, checkpoints
// every 0.12 s): SIGKILL of the `bench` coordinator alone, of its whole process group, and of one trial
// process, each at a moment drawn from a fixed seed (a failure reproduces with the same seed), then a
// rerun of the same command. After the rerun every trial is finished exactly once, the trials that
// had finished before the fault are byte-identical, no process of the suite is left, and scores exist
// only once every study is complete. docs/tuning.md, "What survives which fault".
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runner/checkpoint.h"
#include "support/cli.h"

namespace fs = std::filesystem;
using namespace trainperf::testing;

namespace {

constexpr size_t kTrials = 4;  // 1 workload x 2 studies x 2 trials

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> finished_trials(const fs::path& exp) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(exp, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == "trial_result.json") out.push_back(it->path().parent_path());
  return out;
}

bool any_checkpoint(const fs::path& exp) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(exp, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == trainperf::kCheckpointFile) return true;
  return false;
}

std::string bench_args(const fs::path& exp) {
  // The reference step is given (no timing per trial), so the budget and the evaluation period are
  // the same on every run: 150 steps of about 2.5 ms, an evaluation every 0.3 s.
  return "bench --workloads fmnist_mlp --submissions nadamw --ruleset external --studies 2 --trials 2 "
         "--max-steps 150 --reference-step-s 0.0025 --checkpoint-every-min 0.002 --threads 1 --jobs 2 "
         "--experiment-dir " + exp.string();
}

struct Proc {
  pid_t pid = 0, ppid = 0;
  std::vector<std::string> argv;
};

// Every live process whose command line names `needle` (the suite's own folder: only ours).
std::vector<Proc> processes_naming(const std::string& needle) {
  std::vector<Proc> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_in(e.path() / "stat");
    std::string stat;
    std::getline(stat_in, stat);
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    Proc p;
    rest >> state >> p.ppid;
    if (state == 'Z') continue;
    const std::string cmdline = slurp(e.path() / "cmdline");
    if (cmdline.find(needle) == std::string::npos) continue;
    p.pid = static_cast<pid_t>(std::stol(name));
    std::stringstream ss(cmdline);
    for (std::string arg; std::getline(ss, arg, '\0');) p.argv.push_back(arg);
    out.push_back(p);
  }
  return out;
}

bool wait_until_gone(const std::string& needle, int ms) {
  for (int waited = 0; waited <= ms; waited += 50) {
    if (processes_naming(needle).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The trial folder a `trainperf run` command line writes.
fs::path trial_of(const Proc& p) {
  std::map<std::string, std::string> flag;
  for (size_t i = 0; i + 1 < p.argv.size(); ++i) flag[p.argv[i]] = p.argv[i + 1];
  return fs::path(flag["--experiment-dir"]) / flag["--submission"] / ("study_" + flag["--study"]) /
         (flag["--workload"] + "_cpp") / ("trial_" + flag["--only-trial"]);
}

enum class Fault { Coordinator, Group, OneTrial };

// Starts the suite, injects `fault` at a moment drawn from `seed`, reruns, and checks what must hold.
void inject_and_rerun(Fault fault, uint32_t seed) {
  const fs::path exp = fs::temp_directory_path() /
                       ("trainperf_fault_" + std::to_string(static_cast<int>(fault)) + "_" + std::to_string(seed) +
                        "_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  fs::create_directories(exp);
  const std::string needle = exp.string();
  std::mt19937 draw(seed);
  SCOPED_TRACE("fault " + std::to_string(static_cast<int>(fault)) + ", seed " + std::to_string(seed));

  // The suite in a process group of its own: the test kills only what it started.
  const fs::path out_file = exp / "bench_output.txt";
  const pid_t bench = ::fork();
  ASSERT_GE(bench, 0);
  if (bench == 0) {
    ::setpgid(0, 0);
    const std::string cmd = "exec " + std::string(TRAINPERF_CLI) + " " + bench_args(exp / "suite") + " > " +
                            out_file.string() + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(bench, bench);
  auto reap = [&] {
    int status = 0;
    ::waitpid(bench, &status, 0);
    return status;
  };

  // The moment: after the first trial has finished (Coordinator, Group) or once a running trial has a
  // checkpoint (OneTrial), plus a drawn delay.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto before_deadline = [&] { return std::chrono::steady_clock::now() < deadline; };
  // A running trial past its first checkpoint (so that the rerun resumes it) and not finishing.
  auto checkpointed_trials = [&] {
    std::vector<Proc> trials;
    for (const Proc& p : processes_naming(needle))
      if (p.ppid == bench && fs::exists(trial_of(p) / trainperf::kCheckpointFile) &&
          !fs::exists(trial_of(p) / "trial_result.json"))
        trials.push_back(p);
    return trials;
  };
  if (fault == Fault::OneTrial) {
    while (before_deadline() && !any_checkpoint(exp / "suite")) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } else {
    while (before_deadline() && finished_trials(exp / "suite").empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(draw() % (fault == Fault::OneTrial ? 300 : 1000)));

  int bench_status = 0;
  fs::path killed_trial;
  switch (fault) {
    case Fault::Coordinator:
      ::kill(bench, SIGKILL);
      bench_status = reap();
      break;
    case Fault::Group:
      ::kill(-bench, SIGKILL);
      bench_status = reap();
      break;
    case Fault::OneTrial: {
      std::vector<Proc> trials = checkpointed_trials();
      while (trials.empty() && before_deadline()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        trials = checkpointed_trials();
      }
      ASSERT_FALSE(trials.empty()) << "no checkpointed trial running to kill";
      const Proc& victim = trials[draw() % trials.size()];
      killed_trial = trial_of(victim);
      ::kill(victim.pid, SIGKILL);
      bench_status = reap();  // the coordinator goes on with the other trials and ends
      break;
    }
  }
  ASSERT_TRUE(WIFSIGNALED(bench_status) || WIFEXITED(bench_status));
  const std::string faulted_output = slurp(out_file);
  // No process of the suite outlives the fault (a trial dies with its coordinator, within 5 s).
  EXPECT_TRUE(wait_until_gone(needle, 5000)) << "processes left after the fault";
  for (const Proc& p : processes_naming(needle)) ::kill(p.pid, SIGKILL);

  const auto before = finished_trials(exp / "suite");
  ASSERT_LT(before.size(), kTrials) << "the suite finished before the fault; nothing was tested";
  if (fault == Fault::OneTrial) {
    EXPECT_TRUE(WIFEXITED(bench_status) && WEXITSTATUS(bench_status) == 1) << faulted_output;
    EXPECT_NE(faulted_output.find("(killed by signal 9)"), std::string::npos) << faulted_output;
    EXPECT_NE(faulted_output.find("not scoring"), std::string::npos) << faulted_output;
    EXPECT_FALSE(fs::exists(killed_trial / "trial_result.json")) << killed_trial;
  }
  // A faulted suite scores nothing: its studies are incomplete.
  EXPECT_FALSE(fs::exists(exp / "suite" / "scores")) << faulted_output;
  std::map<fs::path, std::string> snapshot;
  for (const auto& dir : before)
    for (const auto& f : fs::directory_iterator(dir)) snapshot[f.path()] = slurp(f.path());

  const auto rerun = run_cli(bench_args(exp / "suite"));
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find(std::to_string(kTrials - before.size()) + " of " + std::to_string(kTrials) +
                              " trials to run"),
            std::string::npos)
      << rerun.output;
  EXPECT_TRUE(processes_naming(needle).empty()) << "processes left after the rerun";

  // Every trial finished exactly once: one result each, evaluations in increasing step order ending
  // at the result's step, no checkpoint left; the ones finished before are untouched.
  const auto after = finished_trials(exp / "suite");
  EXPECT_EQ(after.size(), kTrials);
  for (const auto& [path, content] : snapshot) EXPECT_EQ(slurp(path), content) << path;
  int resumed = 0;
  for (const auto& dir : after) {
    std::ifstream csv(dir / "eval_measurements.csv");
    std::string line;
    std::getline(csv, line);
    long last = 0;
    while (std::getline(csv, line)) {
      const long step = std::stol(line.substr(0, line.find(',')));
      EXPECT_GT(step, last) << dir;
      last = step;
    }
    const auto result = nlohmann::json::parse(slurp(dir / "trial_result.json"));
    EXPECT_EQ(result["global_step"], last) << dir;
    resumed += result["preemption_count"].get<int>();
    EXPECT_FALSE(fs::exists(dir / trainperf::kCheckpointFile)) << dir;
  }
  if (fault == Fault::OneTrial) {
    EXPECT_EQ(resumed, 1) << "the killed trial resumes from its checkpoint";
  }
  EXPECT_LE(resumed, 2);  // at most the two trials running at the fault
  // Scored once complete, with nothing unfinished to warn about.
  EXPECT_TRUE(fs::exists(exp / "suite" / "scores")) << rerun.output;
  EXPECT_EQ(rerun.output.find("unfinished"), std::string::npos) << rerun.output;
  fs::remove_all(exp);
}

}  // namespace

TEST(FaultInjection, CoordinatorAloneKilled) { inject_and_rerun(Fault::Coordinator, 11); }
TEST(FaultInjection, WholeProcessGroupKilled) { inject_and_rerun(Fault::Group, 23); }
TEST(FaultInjection, OneTrialProcessKilled) { inject_and_rerun(Fault::OneTrial, 37); }
