// Data parallelism over c10d (docs/distributed.md): the communicator's collectives between two ranks
// in one process, and real `trainperf run` groups of two processes on 127.0.0.1 with Gloo.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "distributed/c10d_communicator.h"
#include "distributed/launcher.h"
#include "support/cli.h"
#include "workloads/registry.h"

namespace fs = std::filesystem;
using namespace trainperf;
using trainperf::testing::run_cli;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("trainperf_dist_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// One rank of a group started by hand, as torchrun would: its own environment, output to a file.
struct Rank {
  pid_t pid = -1;
  fs::path log;
  bool reaped = false;
};

// Kills and reaps the ranks a test started that are still running when it ends (a failed assertion
// returns early): no process outlives its test.
struct Reaper {
  std::vector<Rank*> ranks;
  ~Reaper() {
    for (Rank* r : ranks)
      if (!r->reaped && r->pid > 0) {
        ::kill(r->pid, SIGKILL);
        ::waitpid(r->pid, nullptr, 0);
      }
  }
};

Rank start_rank(int rank, int world, int port, const std::string& args, const fs::path& log) {
  Rank r{-1, log, false};
  r.pid = ::fork();
  if (r.pid == 0) {
    ::setenv("RANK", std::to_string(rank).c_str(), 1);
    ::setenv("WORLD_SIZE", std::to_string(world).c_str(), 1);
    ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
    ::setenv("TRAINPERF_GROUP_TIMEOUT_S", "60", 1);
    const std::string cmd = "exec " + std::string(TRAINPERF_CLI) + " " + args + " > " + log.string() + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return r;
}

// The exit status of `rank` if it ends within `seconds`; otherwise it is killed (no process is left
// behind) and nullopt returned.
std::optional<int> wait_for(Rank& rank, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(rank.pid, &status, WNOHANG) == rank.pid) {
      rank.reaped = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(rank.pid, SIGKILL);
  ::waitpid(rank.pid, nullptr, 0);
  rank.reaped = true;
  return std::nullopt;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The last row's value of `column` in a trial's eval_measurements.csv.
double last_value(const fs::path& trial, const std::string& column) {
  std::ifstream in(trial / "eval_measurements.csv");
  std::string header, line, last;
  std::getline(in, header);
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  std::vector<std::string> names, values;
  for (std::stringstream h(header); std::getline(h, line, ',');) names.push_back(line);
  for (std::stringstream v(last); std::getline(v, line, ',');) values.push_back(line);
  for (size_t i = 0; i < names.size() && i < values.size(); ++i)
    if (names[i] == column) return std::stod(values[i]);
  ADD_FAILURE() << "no column " << column << " in " << (trial / "eval_measurements.csv");
  return 0;
}

// One fixed search-space point (no dropout, no label smoothing) and a fixed seed.
fs::path write_point(const fs::path& dir) {
  const fs::path file = dir / "point.json";
  std::ofstream(file) << R"([{"learning_rate": 2e-3, "one_minus_beta1": 0.1, "beta2": 0.999, "weight_decay": 0.01,
                             "warmup_factor": 0.05, "label_smoothing": 0.0, "dropout_rate": 0.0}])";
  return file;
}

std::string run_args(const std::string& workload, const fs::path& exp, const fs::path& point, int steps) {
  return "run -w " + workload + " -s nadamw --ruleset external --trials 1 --seed 7 --search-space " + point.string() +
         " --max-steps " + std::to_string(steps) + " --threads 1 --reference-step-s 0.01 --max-runtime 1000 "
         "--experiment-dir " + exp.string();
}

fs::path trial_of(const fs::path& exp, const std::string& workload_folder) {
  return exp / "nadamw" / "study_0" / workload_folder / "trial_1";
}

}  // namespace

TEST(LaunchEnvironment, ReadsTorchrunsVariablesAndNamesABadOne) {
  ScopedEnv w("WORLD_SIZE", nullptr);
  EXPECT_FALSE(launch_environment_from_env());
  ScopedEnv w2("WORLD_SIZE", "2"), r("RANK", "1"), l("LOCAL_RANK", nullptr), a("MASTER_ADDR", "10.0.0.1"),
      p("MASTER_PORT", "29500");
  const auto e = launch_environment_from_env();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rank, 1);
  EXPECT_EQ(e->world_size, 2);
  EXPECT_EQ(e->local_rank, 1);  // LOCAL_RANK defaults to RANK
  EXPECT_EQ(e->master_addr, "10.0.0.1");
  EXPECT_EQ(e->master_port, 29500);
  {
    ScopedEnv bad("RANK", "2");
    try {
      launch_environment_from_env();
      FAIL() << "RANK 2 of 2 accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("RANK='2'"), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv bad("MASTER_PORT", "29500x");
    EXPECT_THROW(launch_environment_from_env(), std::invalid_argument);
  }
  {
    ScopedEnv none("MASTER_ADDR", nullptr);
    EXPECT_THROW(launch_environment_from_env(), std::invalid_argument);
  }
}

// Two ranks in two threads: sums in buckets of mixed dtypes (one past the bucket size), the max, and a
// broadcast from rank 1.
TEST(C10dCommunicator, GlooCollectivesBetweenTwoRanks) {
  const int port = free_loopback_port();
  std::vector<std::vector<torch::Tensor>> sums(2), casts(2);
  std::vector<double> maxima(2);
  std::vector<std::string> errors(2);
  auto rank_main = [&](int rank) {
    try {
      C10dCommunicator comm({rank, 2, rank, "127.0.0.1", port}, torch::kCPU, std::chrono::seconds(30));
      EXPECT_EQ(comm.backend(), "gloo");
      const double v = rank + 1;
      sums[rank] = {torch::full({3, 2}, v), torch::full({5}, 10 * v, torch::kDouble), torch::full({4}, v),
                    torch::full({C10dCommunicator::kBucketBytes / 4 + 1}, v)};
      comm.all_reduce_sum(sums[rank]);
      maxima[rank] = comm.all_reduce_max(rank == 0 ? 3.5 : -1.0);
      casts[rank] = {torch::full({2}, v), torch::full({1}, static_cast<int64_t>(7 * v), torch::kLong)};
      comm.broadcast(casts[rank], 1);
      comm.barrier();
    } catch (const std::exception& e) {
      errors[rank] = e.what();
    }
  };
  std::thread r0(rank_main, 0), r1(rank_main, 1);
  r0.join();
  r1.join();
  ASSERT_EQ(errors[0] + errors[1], "");
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_TRUE(torch::equal(sums[rank][0], torch::full({3, 2}, 3.0)));
    EXPECT_TRUE(torch::equal(sums[rank][1], torch::full({5}, 30.0, torch::kDouble)));
    EXPECT_TRUE(torch::equal(sums[rank][2], torch::full({4}, 3.0)));
    EXPECT_TRUE(torch::equal(sums[rank][3], torch::full({C10dCommunicator::kBucketBytes / 4 + 1}, 3.0)));
    EXPECT_EQ(maxima[rank], 3.5);
    EXPECT_TRUE(torch::equal(casts[rank][0], torch::full({2}, 2.0)));
    EXPECT_EQ(casts[rank][1].item<int64_t>(), 14);
  }
}

// The issue's test: `run -w fmnist_mlp` as two Gloo ranks (trainperf launch) for 40 steps ends with
// the validation loss of one process with the same global batch.
TEST(DataParallel, TwoRanksMatchOneProcessOnFmnistMlp) {
  const fs::path root = scratch("mlp");
  const fs::path point = write_point(root);
  const auto one = run_cli(run_args("fmnist_mlp", root / "one", point, 40));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run_cli("launch --nproc-per-node 2 " + run_args("fmnist_mlp", root / "two", point, 40));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const fs::path t1 = trial_of(root / "one", "fmnist_mlp_cpp"), t2 = trial_of(root / "two", "fmnist_mlp_cpp");
  EXPECT_EQ(last_value(t2, "global_step"), 40);
  EXPECT_NEAR(last_value(t2, "validation/loss"), last_value(t1, "validation/loss"), 1e-4);
  EXPECT_NEAR(last_value(t2, "validation/accuracy"), last_value(t1, "validation/accuracy"), 1e-3);
  EXPECT_NE(two.output.find("rank 1 of 2 (gloo): following rank 0"), std::string::npos) << two.output;
  fs::remove_all(root);
}

// A Python submission file sees the model as AlgoPerf's DDP submissions do: its own loss.backward()
// ends with the gradients averaged over the ranks, so two ranks follow the one-process trajectory
// (without the averaging each rank would train on its half alone and the ranks' models would part).
TEST(DataParallel, PythonSubmissionFileTwoRanksMatchOneProcess) {
  const fs::path root = scratch("python");
  const fs::path point = write_point(root);
  const fs::path file = root / "nadamw_equations.py";
  fs::copy_file(fs::path(TRAINPERF_TESTS_DIR) / ".." / "bench" / "python_nadamw_submission.py", file);
  auto args = [&](const fs::path& exp) {
    std::string a = run_args("fmnist_mlp", exp, point, 40);
    a.replace(a.find("-s nadamw"), 9, "-s " + file.string());
    return a;
  };
  const auto one = run_cli(args(root / "one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run_cli("launch --nproc-per-node 2 " + args(root / "two"));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  auto trial = [](const fs::path& exp) { return exp / "nadamw_equations" / "study_0" / "fmnist_mlp_cpp" / "trial_1"; };
  EXPECT_EQ(last_value(trial(root / "two"), "global_step"), 40);
  EXPECT_NEAR(last_value(trial(root / "two"), "validation/loss"), last_value(trial(root / "one"), "validation/loss"),
              1e-4);
  EXPECT_NEAR(last_value(trial(root / "two"), "validation/accuracy"),
              last_value(trial(root / "one"), "validation/accuracy"), 1e-3);
  fs::remove_all(root);
}

// Started by hand with torchrun's variables, each rank with its own --experiment-dir: only rank 0's
// holds logs, and its meta_data_0.json records the group.
TEST(DataParallel, OnlyRankZeroWritesLogsAndMetaRecordsTheGroup) {
  const fs::path root = scratch("logs");
  const fs::path point = write_point(root);
  const int port = free_loopback_port();
  Rank r0 = start_rank(0, 2, port, run_args("fmnist_mlp", root / "rank0", point, 4), root / "rank0.log");
  Rank r1 = start_rank(1, 2, port, run_args("fmnist_mlp", root / "rank1", point, 4), root / "rank1.log");
  Reaper reaper{{&r0, &r1}};
  const auto s0 = wait_for(r0, 120), s1 = wait_for(r1, 30);
  ASSERT_EQ(s0, 0) << read_text(r0.log);
  ASSERT_EQ(s1, 0) << read_text(r1.log);
  const fs::path trial = trial_of(root / "rank0", "fmnist_mlp_cpp");
  EXPECT_TRUE(fs::exists(trial / "eval_measurements.csv"));
  EXPECT_FALSE(fs::exists(root / "rank1")) << "rank 1 wrote into its experiment folder";
  const auto meta = nlohmann::json::parse(read_text(trial / "meta_data_0.json"));
  EXPECT_EQ(meta.value("world_size", 0), 2);
  EXPECT_EQ(meta.value("backend", ""), "gloo");
  fs::remove_all(root);
}

// A rank killed mid-trial: the other stops on its own within the timeout, naming it, and rank 0
// records the trial as failed. Both directions; no process is left behind.
TEST(DataParallel, KillingOneRankStopsTheOtherNamingIt) {
  for (const int victim : {1, 0}) {
    SCOPED_TRACE("killed rank " + std::to_string(victim));
    const fs::path root = scratch("kill" + std::to_string(victim));
    const fs::path point = write_point(root);
    const int port = free_loopback_port();
    const std::string args = run_args("fmnist_mlp", root / "exp", point, 1000000);
    Rank ranks[2] = {start_rank(0, 2, port, args, root / "rank0.log"), start_rank(1, 2, port, args, root / "rank1.log")};
    Reaper reaper{{&ranks[0], &ranks[1]}};
    // Killed once training runs: rank 0 has logged its first evaluation (the file, with its header
    // only, is there before the trial is announced to the other rank).
    const fs::path trial = trial_of(root / "exp", "fmnist_mlp_cpp");
    auto evaluated = [&] {
      const std::string csv = read_text(trial / "eval_measurements.csv");
      return std::count(csv.begin(), csv.end(), '\n') >= 2;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!evaluated() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(evaluated()) << read_text(root / "rank0.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(ranks[victim].pid, SIGKILL);
    EXPECT_EQ(wait_for(ranks[victim], 10), 128 + SIGKILL);
    Rank& survivor = ranks[1 - victim];
    const auto t0 = std::chrono::steady_clock::now();
    const auto status = wait_for(survivor, 30);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string log = read_text(survivor.log);
    ASSERT_TRUE(status) << "the surviving rank did not stop within 30 s:\n" << log;
    EXPECT_NE(*status, 0) << log;
    EXPECT_LT(took, 15) << log;
    EXPECT_NE(log.find("rank " + std::to_string(victim) + " stopped"), std::string::npos) << log;
    if (victim == 1) {
      ASSERT_TRUE(fs::exists(trial / "trial_result.json")) << "rank 0 recorded no result:\n" << log;
      const auto result = nlohmann::json::parse(read_text(trial / "trial_result.json"));
      EXPECT_EQ(result.value("status", ""), "failed") << result.dump();
    }
    fs::remove_all(root);
  }
}

// The Gloo backend is made by the embedded Python's torch.distributed (src/python/c10d_gloo.h):
// without the wheel's torch both ranks stop at once, saying so, instead of waiting for each other.
TEST(DataParallel, GlooWithoutTheWheelsTorchStopsBothRanksSayingWhy) {
  const fs::path root = scratch("nopython");
  const fs::path point = write_point(root);
  const int port = free_loopback_port();
  const ScopedEnv no_torch("TRAINPERF_PYTHON_SITE_PACKAGES", (root / "no-venv").c_str());
  const std::string args = run_args("fmnist_mlp", root / "exp", point, 5);
  Rank ranks[2] = {start_rank(0, 2, port, args, root / "rank0.log"), start_rank(1, 2, port, args, root / "rank1.log")};
  Reaper reaper{{&ranks[0], &ranks[1]}};
  for (int rank : {0, 1}) {
    const auto status = wait_for(ranks[rank], 60);
    const std::string log = read_text(ranks[rank].log);
    ASSERT_TRUE(status) << "rank " << rank << " did not stop within 60 s:\n" << log;
    EXPECT_NE(*status, 0) << log;
    EXPECT_NE(log.find("rank " + std::to_string(rank) + " of 2: the gloo group did not form"), std::string::npos)
        << log;
    EXPECT_NE(log.find("embedded Python's torch.distributed, which did not start"), std::string::npos) << log;
    EXPECT_NE(log.find("no torch in '" + (root / "no-venv").string() + "'"), std::string::npos) << log;
  }
  fs::remove_all(root);
}

TEST(DataParallel, PlanPrintsATorchrunLinePerTrial) {
  const fs::path root = scratch("plan");
  const auto r = run_cli("plan --workloads fmnist_mlp --submissions nadamw --threads 1 --nproc-per-trial 2 "
                         "--experiment-dir " + (root / "exp").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("torchrun --standalone --nproc-per-node 2 --no-python " + std::string(TRAINPERF_CLI) +
                          " run "),
            std::string::npos)
      << r.output;
  fs::remove_all(root);
}

// The BatchNorm rule (docs/distributed.md): per-rank statistics. Two ranks' step on fmnist_resnet
// gives the mean of the two half batches' gradients, each computed alone with its own BatchNorm
// statistics, and after the runner's broadcast of buffers before an evaluation every rank holds rank
// 0's running statistics (those of the first half).
TEST(DataParallel, BatchNormStatisticsArePerRankAndRunningOnesRankZeros) {
  std::unique_ptr<Workload> workload = make_workload("fmnist_resnet");
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({16, 1, 28, 28});
  const torch::Tensor y = torch::randint(0, 10, {16}, torch::kLong);
  auto half = [&](int rank) {
    Batch b;
    b.inputs = x.narrow(0, rank * 8, 8);
    b.targets = y.narrow(0, rank * 8, 8);
    return b;
  };
  auto step = [&](Model& model, const Batch& b) {
    torch::Tensor loss = workload->loss(workload->model_fn(model, b, ForwardMode::Train), b, 0.0).mean();
    loss.backward();
  };
  // Alone: each half with its own model copy.
  std::vector<std::vector<torch::Tensor>> alone_grads(2);
  std::vector<torch::Tensor> rank0_buffers;
  for (int rank = 0; rank < 2; ++rank) {
    ModelPtr model = workload->init_model(5, ModelOptions{});
    step(*model, half(rank));
    for (const auto& p : model->parameters()) alone_grads[rank].push_back(p.grad().clone());
    if (rank == 0)
      for (const auto& b : model->buffers()) rank0_buffers.push_back(b.clone());
  }
  // Together: two ranks of a Gloo group.
  const int port = free_loopback_port();
  std::vector<std::vector<torch::Tensor>> grads(2), buffers(2);
  std::vector<std::string> errors(2);
  // The models are made before the threads start: init_model seeds and draws from the process's one
  // global generator, which two threads would race on (ranks are processes outside this test).
  std::vector<ModelPtr> models = {workload->init_model(5, ModelOptions{}), workload->init_model(5, ModelOptions{})};
  auto rank_main = [&](int rank) {
    try {
      C10dCommunicator comm({rank, 2, rank, "127.0.0.1", port}, torch::kCPU, std::chrono::seconds(30));
      ModelPtr model = models[static_cast<size_t>(rank)];
      step(*model, half(rank));
      average_gradients(comm, model->parameters());
      std::vector<torch::Tensor> bufs = model->buffers();
      comm.broadcast(bufs, 0);
      for (const auto& p : model->parameters()) grads[rank].push_back(p.grad().clone());
      for (const auto& b : model->buffers()) buffers[rank].push_back(b.clone());
    } catch (const std::exception& e) {
      errors[rank] = e.what();
    }
  };
  std::thread r0(rank_main, 0), r1(rank_main, 1);
  r0.join();
  r1.join();
  ASSERT_EQ(errors[0] + errors[1], "");
  for (int rank = 0; rank < 2; ++rank) {
    ASSERT_EQ(grads[rank].size(), alone_grads[0].size());
    for (size_t i = 0; i < grads[rank].size(); ++i)
      EXPECT_TRUE(torch::allclose(grads[rank][i], (alone_grads[0][i] + alone_grads[1][i]) / 2, 1e-5, 1e-6))
          << "parameter " << i << " on rank " << rank;
    ASSERT_EQ(buffers[rank].size(), rank0_buffers.size());
    for (size_t i = 0; i < buffers[rank].size(); ++i)
      EXPECT_TRUE(torch::equal(buffers[rank][i], rank0_buffers[i])) << "buffer " << i << " on rank " << rank;
  }
}
