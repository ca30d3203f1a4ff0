#include "tuning/plan.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <ostream>
#include <chrono>
#include <fstream>
#include <iterator>
#include <numeric>
#include <thread>

#include "data/dataset_cache.h"
#include "runner/experiment.h"
#include "runner/run_flags.h"
#include "runner/trial_logs.h"
#include "submissions/registry.h"
#include "tuning/suites.h"
#include "workloads/registry.h"

extern char** environ;

namespace trainperf {

namespace fs = std::filesystem;

std::string self_executable() { return fs::read_symlink("/proc/self/exe").string(); }

std::string shell_command(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) {
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789_-./:=,+@%") == std::string::npos;
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    cmd += (cmd.empty() ? "" : " ") + (plain ? a : quoted);
  }
  return cmd;
}

std::vector<PlannedTrial> plan_trials(const BenchRequest& r, const std::string& exe) {
  const std::vector<std::string> workload_names = r.suite.empty() ? r.workloads : find_suite(r.suite).workloads;
  if (workload_names.empty()) throw std::invalid_argument("no workloads: give --suite or --workloads");
  for (const auto& w : workload_names) workloads().find(w);
  if (r.submissions.empty()) throw std::invalid_argument("no submissions: give --submissions a,b,c");
  if (r.studies < 1) throw std::invalid_argument("--studies must be at least 1");
  if (r.jobs < 1) throw std::invalid_argument("--jobs must be at least 1");
  const int trials = r.ruleset == Ruleset::Self ? 1 : r.trials;
  if (trials < 1) throw std::invalid_argument("--trials must be at least 1");
  if (!r.search_space_path.empty() && r.submissions.size() > 1)
    throw std::invalid_argument(fmt::format("--search-space is one submission's space; {} submissions given ({}): "
                                            "plan or bench them one at a time",
                                            r.submissions.size(), fmt::join(r.submissions, ",")));
  if (!r.self_tuning_config_path.empty() && r.submissions.size() > 1)
    throw std::invalid_argument(fmt::format("--self-tuning-config is one submission's configuration; {} submissions "
                                            "given ({}): plan or bench them one at a time",
                                            r.submissions.size(), fmt::join(r.submissions, ",")));

  // Every line runs unchanged on any machine: absolute paths, and the threads stated.
  StudyRequest base;
  base.ruleset = r.ruleset;
  base.rules = r.rules;
  base.trials = trials;
  base.seed = r.seed;
  base.experiment_dir = fs::absolute(r.experiment_dir);
  base.max_steps = r.max_steps;
  base.checkpoint_every_min = r.checkpoint_every_min;
  base.reference_step_s = r.reference_step_s;
  if (r.nproc_per_trial < 1) throw std::invalid_argument("--nproc-per-trial must be at least 1");
  base.threads = r.threads ? *r.threads
                           : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                             (r.jobs * r.nproc_per_trial));
  base.device = r.device;
  if (!r.data_dir.empty()) base.data_dir = fs::absolute(r.data_dir).string();
  if (!r.search_space_path.empty()) base.search_space_path = fs::absolute(r.search_space_path).string();
  if (!r.self_tuning_config_path.empty())
    base.self_tuning_config_path = fs::absolute(r.self_tuning_config_path).string();

  std::vector<PlannedTrial> out;
  std::string refusals;
  for (const auto& sub_arg : r.submissions) {
    const SubmissionEntry& sub = resolve_submission(sub_arg, base.search_space_path);
    StudyRequest req = base;
    const bool is_file = sub_arg.find('/') != std::string::npos ||
                         (sub_arg.size() > 3 && sub_arg.compare(sub_arg.size() - 3, 3, ".py") == 0);
    req.submission = is_file ? fs::absolute(sub_arg).string() : sub_arg;
    // Every trial's point resolved against the submission's declared hyperparameters before any
    // trial is spawned: a malformed space or a misspelt key fails the whole plan up front.
    const std::optional<SearchSpace> space = study_search_space(req, sub);
    if (space && space->is_list() && trials > static_cast<int>(space->points().size()))
      throw std::invalid_argument(fmt::format("submission '{}': {} trials per study asked for, but its search "
                                              "space lists {} points", sub.name, trials, space->points().size()));
    // The configuration `run` would refuse inside every trial, refused here once, before any runs.
    try {
      check_experiment_config(req.experiment_dir / sub.name, req, sub, space);
    } catch (const std::runtime_error& e) {
      refusals += std::string(refusals.empty() ? "" : "\n") + e.what();
    }
    for (const auto& w : workload_names)
      for (int study = 0; study < r.studies; ++study) {
        (void)study_points(sub, space ? &*space : nullptr, trials, search_seed(r.seed, study, w),
                           req.self_tuning_config_path);
        for (int trial = 1; trial <= trials; ++trial) {
          req.workload = w;
          req.study = study;
          req.only_trial = trial;
          PlannedTrial t{sub_arg, sub.name, w, study, trial, trial_dir(req.experiment_dir, sub.name, study, w, trial), {}};
          // Several processes per trial: `trainperf launch`, torchrun's contract (plan prints torchrun's line).
          t.argv = r.nproc_per_trial > 1 ? std::vector<std::string>{exe, "launch", "--nproc-per-node",
                                                                     std::to_string(r.nproc_per_trial), "run"}
                                         : std::vector<std::string>{exe, "run"};
          const auto args = run_arguments(req);
          t.argv.insert(t.argv.end(), args.begin(), args.end());
          out.push_back(std::move(t));
        }
      }
  }
  if (!refusals.empty()) throw std::runtime_error(refusals);
  return out;
}

void check_before_running(const BenchRequest& r) {
  (void)parse_device(r.device);
  const std::vector<std::string> names = r.suite.empty() ? r.workloads : find_suite(r.suite).workloads;
  const DataOptions data{r.data_dir, torch::kCPU};
  std::string missing;
  std::set<std::string> checked;  // a dataset several workloads read is verified once
  for (const auto& name : names) {
    const WorkloadEntry& entry = workloads().find(name);
    try {
      if (entry.datasets.empty())
        entry.make()->load_data(data);  // reads installed packages directly: the read is the check
      for (const auto& d : entry.datasets)
        if (checked.insert(d.name).second) (void)require_dataset(d, data, name);
    } catch (const DataError& e) {
      // Variants share their base's files: one line per problem, not per workload.
      const std::string line = std::string("\n  ") + e.what();
      if (missing.find(line) == std::string::npos) missing += line;
    }
  }
  if (!missing.empty())
    throw DataError("the data of some workloads is not ready; no trial was started:" + missing);
  ensure_directory(r.experiment_dir, "experiment directory");  // and writable
}

namespace {

pid_t spawn(const PlannedTrial& t, bool to_log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = t.dir.string() + ".log";
  if (to_log) {
    fs::create_directories(t.dir.parent_path());
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  std::vector<char*> argv;
  for (const auto& a : t.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The trial's environment: ours, and the coordinator's pid (die_with_coordinator()).
  const std::string coordinator = std::string(kCoordinatorPidVariable) + "=" + std::to_string(::getpid());
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, kCoordinatorPidVariable, std::strlen(kCoordinatorPidVariable)) != 0 ||
        (*e)[std::strlen(kCoordinatorPidVariable)] != '=')
      envp.push_back(*e);
  envp.push_back(const_cast<char*>(coordinator.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + t.argv[0] + ": " + std::strerror(rc));
  return pid;
}

std::string describe(const PlannedTrial& t) {
  return fmt::format("{} / study_{} / {} / trial_{}", t.submission_name, t.study, t.workload, t.trial);
}

}  // namespace


std::optional<double> estimate_seconds_left(const std::map<std::string, std::vector<double>>& finished_wall_s,
                                            const std::vector<std::string>& to_start,
                                            const std::vector<RunningTrial>& running, int jobs) {
  double all = 0;
  size_t n = 0;
  for (const auto& [w, times] : finished_wall_s) {
    all += std::accumulate(times.begin(), times.end(), 0.0);
    n += times.size();
  }
  if (n == 0) return std::nullopt;
  const double overall = all / static_cast<double>(n);
  auto per_trial = [&](const std::string& workload) {
    const auto it = finished_wall_s.find(workload);
    if (it == finished_wall_s.end() || it->second.empty()) return overall;
    return std::accumulate(it->second.begin(), it->second.end(), 0.0) / static_cast<double>(it->second.size());
  };
  double left = 0;
  for (const auto& w : to_start) left += per_trial(w);
  for (const auto& r : running) left += std::max(0.0, per_trial(r.workload) - r.seconds_so_far);
  return left / std::max(1, jobs);
}

std::string format_duration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
}

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  for (size_t begin = 0; begin < all.size();) {
    const size_t end = all.find('\0', begin);
    argv.push_back(all.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return argv;
}

namespace {

// What the SIGINT/SIGTERM handler prints: prepared before, and only async-signal-safe calls in it.
volatile sig_atomic_t g_kept_earlier = 0, g_kept_now = 0, g_running = 0;
std::string* g_resume_text = nullptr;

void write_all(const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}
void write_str(const char* s) { write_all(s, std::strlen(s)); }
void write_int(long v) {
  char buf[24];
  int i = sizeof buf;
  if (v < 0) v = 0;
  do {
    buf[--i] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0 && i > 0);
  write_all(buf + i, sizeof buf - i);
}

extern "C" void on_interrupt(int sig) {
  write_str(sig == SIGINT ? "\ninterrupted (SIGINT): " : "\nterminated (SIGTERM): ");
  write_int(g_kept_earlier + g_kept_now);
  write_str(" finished trial(s) are kept (");
  write_int(g_kept_now);
  write_str(" of them finished in this run); the ");
  write_int(g_running);
  write_str(" running trial(s) stop; on resume they go on from their last checkpoint, or from step 0.\n");
  if (g_resume_text) write_all(g_resume_text->data(), g_resume_text->size());
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void die_with_coordinator() {
  const char* value = std::getenv(kCoordinatorPidVariable);
  if (!value || !*value) return;
  char* end = nullptr;
  const long coordinator = std::strtol(value, &end, 10);
  if (*end != '\0' || coordinator <= 0)
    throw std::invalid_argument(fmt::format("{}='{}' is not a process id", kCoordinatorPidVariable, value));
  // The signal is armed first, then the parent checked: a coordinator that died in between is caught
  // by the check, one that dies later by the signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    throw std::runtime_error(std::string("prctl(PR_SET_PDEATHSIG): ") + std::strerror(errno));
  if (::getppid() != static_cast<pid_t>(coordinator))
    throw std::runtime_error(fmt::format("the trial's coordinator (pid {}) has exited; not starting the trial "
                                         "(rerun the bench command to run it)", coordinator));
}

int run_planned(const std::vector<PlannedTrial>& trials, int jobs, std::ostream& out, int* held,
                const std::string& resume_command) {
  using Clock = std::chrono::steady_clock;
  const auto began = Clock::now();
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  if (held) *held = 0;
  std::vector<const PlannedTrial*> todo;
  int earlier = 0;
  for (const auto& t : trials) {
    if (TrialLog::is_finished(t.dir)) {
      fmt::print(out, "[done] {} (finished earlier; kept)\n", describe(t));
      ++earlier;
      continue;
    }
    if (const auto problem = TrialLog::corrupt_result(t.dir))
      fmt::print(out, "[rerun] {}: {}; runs again\n", describe(t), *problem);
    todo.push_back(&t);
  }
  fmt::print(out, "{} of {} trials to run, {} at a time\n", todo.size(), trials.size(), jobs);
  out.flush();

  // Interrupted: say what is kept and how to resume (the handlers are restored on return).
  std::string resume_text;
  struct sigaction previous_int {}, previous_term {};
  const bool announce = !resume_command.empty();
  if (announce) {
    resume_text = "To resume (finished trials are skipped, the others run), run the same command again:\n  " +
                  resume_command + "\n";
    g_resume_text = &resume_text;
    g_kept_earlier = earlier;
    g_kept_now = 0;
    g_running = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &previous_int);
    ::sigaction(SIGTERM, &sa, &previous_term);
  }
  struct Restore {
    bool active;
    struct sigaction *i, *t;
    ~Restore() {
      if (!active) return;
      ::sigaction(SIGINT, i, nullptr);
      ::sigaction(SIGTERM, t, nullptr);
      g_resume_text = nullptr;
    }
  } restore{announce, &previous_int, &previous_term};

  struct Running {
    const PlannedTrial* trial;
    Clock::time_point started;
  };
  std::map<pid_t, Running> running;
  std::map<std::string, std::vector<double>> wall_s;  // per workload, trials finished in this run
  size_t next = 0, finished = 0;
  int failures = 0;
  auto progress = [&](double trial_s) {
    std::vector<std::string> to_start;
    for (size_t i = next; i < todo.size(); ++i) to_start.push_back(todo[i]->workload);
    std::vector<RunningTrial> now;
    for (const auto& [pid, r] : running) now.push_back({r.trial->workload, seconds_since(r.started)});
    std::string s = fmt::format("  ({}; elapsed {}", format_duration(trial_s), format_duration(seconds_since(began)));
    if (to_start.empty() && now.empty())
      s += ", all done)";
    else if (const auto left = estimate_seconds_left(wall_s, to_start, now, jobs))
      s += fmt::format(", about {} left)", format_duration(*left));
    else
      s += ", time left not known yet)";
    return s;
  };
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const PlannedTrial* t = todo[next++];
      fmt::print(out, "[start] {}{}\n", describe(*t), jobs > 1 ? "  (output: " + t->dir.string() + ".log)" : "");
      out.flush();
      try {
        running[spawn(*t, jobs > 1)] = Running{t, Clock::now()};
        g_running = static_cast<sig_atomic_t>(running.size());
      } catch (const std::exception& e) {  // counted as a failed trial; the others still run
        ++failures;
        ++finished;
        fmt::print(out, "[{}/{}] {}: failed ({})\n", finished, todo.size(), describe(*t), e.what());
        out.flush();
      }
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const PlannedTrial* t = it->second.trial;
    const double trial_s = seconds_since(it->second.started);
    running.erase(it);
    g_running = static_cast<sig_atomic_t>(running.size());
    ++finished;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::string what = "failed";
    if (TrialLog::is_finished(t->dir)) {
      g_kept_now = g_kept_now + 1;
      wall_s[t->workload].push_back(trial_s);
      const auto j = TrialLog::read_result(t->dir);
      what = j.value("status", std::string("?"));
      if (j.contains("time_to_target") && j["time_to_target"].is_number())
        what += fmt::format(", time to target {:.2f} s", j["time_to_target"].get<double>());
    } else if (ok) {
      // Not finished here: running in another process (or an orphan of a coordinator that died).
      what = "not finished: another process holds it (still running elsewhere?)";
      ++failures;
      if (held) ++*held;
    }
    if (!ok) {
      ++failures;
      what += WIFSIGNALED(status) ? fmt::format(" (killed by signal {})", WTERMSIG(status))
                                  : fmt::format(" (exit code {}{})", WEXITSTATUS(status),
                                                jobs > 1 ? "; see " + t->dir.string() + ".log" : "");
    }
    fmt::print(out, "[{}/{}] {}: {}{}\n", finished, todo.size(), describe(*t), what, progress(trial_s));
    out.flush();
  }
  return failures;
}

}  // namespace trainperf
