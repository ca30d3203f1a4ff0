// The trainperf command end to end: listing, a short run's files, and bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "support/cli.h"

using namespace trainperf::testing;
namespace fs = std::filesystem;

namespace {
fs::path cli_fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_cli_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}
bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST(Cli, ListsWorkloadsAndSubmissions) {
  auto r = run_cli("list");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "fmnist_mlp"));
  EXPECT_TRUE(contains(r.output, "nadamw"));
  EXPECT_TRUE(contains(r.output, "source:"));
}

TEST(Cli, ShortRunWritesTheAlgoPerfLayout) {
  const fs::path exp = cli_fresh_dir("run");
  auto r = run_cli("run -w fmnist_mlp -s nadamw --trials 2 --max-steps 30 --threads 1 --study 1 --seed 3 "
                   "--experiment-dir " + exp.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "step      1 |"));
  EXPECT_TRUE(contains(r.output, "summary: "));
  for (int trial : {1, 2}) {
    const fs::path dir = exp / "nadamw" / "study_1" / "fmnist_mlp_cpp" / ("trial_" + std::to_string(trial));
    for (auto f : {"eval_measurements.csv", "hparams.json", "meta_data_0.json", "flags_0.json", "trial_result.json"})
      EXPECT_TRUE(fs::exists(dir / f)) << dir / f;
    std::ifstream csv(dir / "eval_measurements.csv");
    std::string header;
    std::getline(csv, header);
    for (auto col : {"global_step", "score", "total_duration", "accumulated_submission_time", "accumulated_eval_time",
                     "accumulated_logging_time", "preemption_count", "validation/accuracy", "validation/loss",
                     "test/accuracy", "train/loss", "validation/num_examples"})
      EXPECT_TRUE(contains(header, col)) << col;
    auto meta = nlohmann::json::parse(std::ifstream(dir / "meta_data_0.json"));
    for (auto key : {"trainperf_version", "git_hash", "libtorch_version", "device", "cpu_model", "intra_op_threads", "blas"})
      EXPECT_TRUE(meta.contains(key)) << key;
    EXPECT_EQ(meta["intra_op_threads"], 1);
    // flags_0.json records the effective value of the flags left at their defaults.
    auto flags = nlohmann::json::parse(std::ifstream(dir / "flags_0.json"));
    EXPECT_EQ(flags["ruleset"], "external");
    EXPECT_EQ(flags["rules"], "v0.6");
    EXPECT_EQ(flags["device"], "cpu");
    EXPECT_EQ(flags["trials"], "2");
    auto result = nlohmann::json::parse(std::ifstream(dir / "trial_result.json"));
    EXPECT_EQ(result["global_step"], 30);
    EXPECT_EQ(result["status"], "max_steps");
  }
  // Trial 2 used point 2 of the published list.
  auto h2 = nlohmann::json::parse(std::ifstream(exp / "nadamw/study_1/fmnist_mlp_cpp/trial_2/hparams.json"));
  EXPECT_DOUBLE_EQ(h2["learning_rate"].get<double>(), 8.445074561975979e-4);  // the published digits

  // Rerun: finished trials are skipped and their files left untouched.
  const auto stamp = fs::last_write_time(exp / "nadamw/study_1/fmnist_mlp_cpp/trial_1/eval_measurements.csv");
  auto again = run_cli("run -w fmnist_mlp -s nadamw --trials 2 --max-steps 30 --study 1 --seed 3 --experiment-dir " +
                       exp.string());
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "already finished"));
  EXPECT_EQ(fs::last_write_time(exp / "nadamw/study_1/fmnist_mlp_cpp/trial_1/eval_measurements.csv"), stamp);
  fs::remove_all(exp);
}

TEST(Cli, UnknownNamesListTheKnownOnes) {
  auto w = run_cli("run -w imagenet -s nadamw --max-steps 1");
  EXPECT_EQ(w.exit_code, 1);
  EXPECT_TRUE(contains(w.output, "unknown workload 'imagenet'; known workloads: fmnist_mlp")) << w.output;
  auto s = run_cli("run -w fmnist_mlp -s sgd9000 --max-steps 1");
  EXPECT_EQ(s.exit_code, 1);
  EXPECT_TRUE(contains(s.output, "unknown submission 'sgd9000'; known submissions: ")) << s.output;
  EXPECT_TRUE(contains(s.output, "nadamw")) << s.output;
}

TEST(Cli, AnUnknownDeviceIsExplainedWithoutAStackTrace) {
  const fs::path exp = fs::temp_directory_path() / ("trainperf_cli_device_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  auto r = run_cli("run -w fmnist_mlp -s nadamw --ruleset self --max-steps 1 --device tpu --experiment-dir " +
                   exp.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "unknown device 'tpu' (cpu, cuda or cuda:N)")) << r.output;
  EXPECT_FALSE(contains(r.output, "frame #")) << r.output;
  fs::remove_all(exp);
}

TEST(Cli, MalformedSearchSpaceNamesFileAndPosition) {
  const fs::path dir = cli_fresh_dir("space");
  fs::create_directories(dir);
  std::ofstream(dir / "bad.json") << "{\"learning_rate\": {\"min\": 0.1, \"max\": }}";
  auto r = run_cli("run -w fmnist_mlp -s nadamw --max-steps 1 --search-space " + (dir / "bad.json").string() +
                   " --experiment-dir " + (dir / "exp").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, (dir / "bad.json").string() + ": not valid JSON")) << r.output;
  EXPECT_TRUE(contains(r.output, "line 1, column")) << r.output;

  auto self = run_cli("run -w fmnist_mlp -s nadamw --ruleset self --max-steps 1 --search-space " +
                      (dir / "bad.json").string());
  EXPECT_EQ(self.exit_code, 1);
  EXPECT_TRUE(contains(self.output, "self-tuning takes no search space")) << self.output;
  fs::remove_all(dir);
}

TEST(Cli, AMisspeltHyperparameterIsRefusedBeforeTraining) {
  const fs::path dir = cli_fresh_dir("misspelt");
  fs::create_directories(dir);
  std::ofstream(dir / "space.json") << R"([{"learning_rate": 1e-3, "one_minus_beta1": 0.1, "beta2": 0.999,
                                           "weight_decay": 0.1, "warmup_fator": 0.05}])";
  // Data that does not exist: the refusal must come before any data is read or file written.
  auto r = run_cli("run -w fmnist_mlp -s nadamw --trials 1 --max-steps 1 --data-dir /nonexistent/data "
                   "--search-space " + (dir / "space.json").string() + " --experiment-dir " + (dir / "exp").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, (dir / "space.json").string() + ": point 1 (submission nadamw)")) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown key 'warmup_fator' (did you mean 'warmup_factor'?)")) << r.output;
  EXPECT_FALSE(contains(r.output, "/nonexistent/data")) << r.output;
  EXPECT_FALSE(fs::exists(dir / "exp")) << "a refused study wrote " << (dir / "exp");

  std::ofstream(dir / "missing.json") << R"([{"learning_rate": 1e-3}])";
  auto m = run_cli("run -w fmnist_mlp -s adamw --trials 1 --max-steps 1 --search-space " +
                   (dir / "missing.json").string() + " --experiment-dir " + (dir / "exp").string());
  EXPECT_EQ(m.exit_code, 1) << m.output;
  EXPECT_TRUE(contains(m.output, "missing required key 'one_minus_beta1'")) << m.output;
  fs::remove_all(dir);
}

TEST(Cli, ListPrintsASubmissionsHyperparameters) {
  auto r = run_cli("list --submission nadamw");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* key : {"learning_rate", "one_minus_beta1", "beta2", "weight_decay", "warmup_factor",
                          "step_hint_factor", "label_smoothing", "grad_clip", "dropout_rate", "aux_dropout_rate"})
    EXPECT_TRUE(contains(r.output, key)) << key << "\n" << r.output;
  EXPECT_TRUE(contains(r.output, "(required)")) << r.output;
  EXPECT_TRUE(contains(r.output, "src/submissions/nadamw/search_space.json (5 points, used in order)")) << r.output;
  auto unknown = run_cli("list --submission nadamv");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "unknown submission 'nadamv'")) << unknown.output;
}

// docs/hyperparameters.md is generated from the declared schemas; a new key or submission without
// regenerating it fails here (regenerate: build/trainperf list --hparams-markdown > docs/hyperparameters.md).
TEST(Cli, HyperparameterDocsAreGeneratedFromTheSchemas) {
  auto r = run_cli("list --hparams-markdown");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/../docs/hyperparameters.md");
  const std::string committed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.output, committed) << "docs/hyperparameters.md is stale: regenerate it with "
                                    "build/trainperf list --hparams-markdown > docs/hyperparameters.md";
  EXPECT_TRUE(contains(committed, "## nadamw_ema")) << committed;
}

TEST(Cli, MissingDatasetNamesThePackage) {
  const fs::path dir = cli_fresh_dir("nodata");
  auto r = run_cli("run -w fmnist_mlp -s nadamw --max-steps 1 --data-dir /nonexistent/data --experiment-dir " +
                   dir.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "/nonexistent/data/train-images-idx3-ubyte.gz")) << r.output;
  EXPECT_TRUE(contains(r.output, "apt-get install dataset-fashion-mnist")) << r.output;
  fs::remove_all(dir);
}

TEST(Cli, UnwritableExperimentDirIsNamed) {
  const fs::path dir = cli_fresh_dir("unwritable");
  fs::create_directories(dir);
  std::ofstream(dir / "afile") << "x";
  auto r = run_cli("run -w fmnist_mlp -s nadamw --max-steps 1 --experiment-dir " + (dir / "afile" / "exp").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "cannot create experiment directory '" + (dir / "afile" / "exp").string()))
      << r.output;
  fs::remove_all(dir);
}

TEST(Cli, NumbersAreBoundedWithShortMessages) {
  // Before: --seed -1 and 1e26 both became 18446744073709551615, --threads 100000 spun with no
  // output, and --trials 0 printed a 300-digit bound.
  const std::string run = "run -w fmnist_mlp -s nadamw --max-steps 1 --experiment-dir /nonexistent/never ";
  const struct {
    std::string args, message;
  } cases[] = {
      {"--seed -1", "--seed: '-1' is not a seed: a whole number from 0 to 18446744073709551615"},
      {"--seed 1e26", "--seed: '1e26' is not a seed"},
      {"--seed 18446744073709551616", "--seed: '18446744073709551616' is not a seed"},
      {"--seed 2.5", "--seed: '2.5' is not a seed"},
      {"--trials 0", "--trials: 0 is out of range: a whole number from 1 to 10000"},
      {"--trials 1e3", "--trials: '1e3' is not a whole number from 1 to 10000"},
      {"--study -1", "--study: -1 is out of range: a whole number from 0 to 999"},
      {"--threads 100000", "--threads: '100000' is not a thread count here: 0 (all cores) up to"},
      {"--threads -2", "--threads: '-2' is not a thread count here"},
      {"--max-runtime 1e400", "--max-runtime: '1e400' is not a number of seconds above 0"},
      {"--max-runtime 0", "--max-runtime: '0' is not a number of seconds above 0"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(run + c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_TRUE(contains(r.output, c.message)) << c.args << "\n" << r.output;
    EXPECT_LT(r.output.size(), 300u) << c.args << "\n" << r.output;
  }
  const auto jobs = run_cli("bench --workloads fmnist_mlp --submissions nadamw --jobs 0 --experiment-dir /nonexistent/x");
  EXPECT_TRUE(contains(jobs.output, "--jobs: 0 is out of range: a whole number from 1 to")) << jobs.output;
  const auto studies = run_cli("plan --workloads fmnist_mlp --submissions nadamw --studies 0 --threads 1 "
                               "--experiment-dir /nonexistent/x");
  EXPECT_TRUE(contains(studies.output, "--studies: 0 is out of range: a whole number from 1 to 1000")) << studies.output;
  const auto resamples = run_cli("score /nonexistent/x --bootstrap -1");
  EXPECT_TRUE(contains(resamples.output, "--bootstrap: -1 is out of range: a whole number from 0 to 1000000"))
      << resamples.output;
  EXPECT_LT(resamples.output.size(), 300u) << resamples.output;
  const auto resample_seed = run_cli("score /nonexistent/x --bootstrap-seed -1");
  EXPECT_TRUE(contains(resample_seed.output, "--bootstrap-seed: '-1' is not a seed")) << resample_seed.output;
  // The largest seed is a seed: it reaches the planned line unchanged.
  const auto largest = run_cli("plan --workloads fmnist_mlp --submissions nadamw --ruleset self --threads 1 "
                               "--seed 18446744073709551615 --experiment-dir /nonexistent/x");
  EXPECT_EQ(largest.exit_code, 0) << largest.output;
  EXPECT_TRUE(contains(largest.output, "--seed 18446744073709551615 ")) << largest.output;
}

TEST(Cli, PlanLinesStateTheirThreadsAndAbsolutePaths) {
  const auto no_threads = run_cli("plan --workloads fmnist_mlp --submissions nadamw --experiment-dir exp");
  EXPECT_NE(no_threads.exit_code, 0);
  EXPECT_TRUE(contains(no_threads.output, "--threads is required")) << no_threads.output;
  const auto r = run_cli("plan --workloads fmnist_mlp --submissions nadamw --ruleset external --trials 1 --threads 3 "
                         "--experiment-dir rel/exp --data-dir rel/data");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string cwd = fs::current_path().string();
  EXPECT_TRUE(contains(r.output, " --experiment-dir " + cwd + "/rel/exp ")) << r.output;
  EXPECT_TRUE(contains(r.output, " --threads 3 ")) << r.output;
  EXPECT_TRUE(contains(r.output, " --data-dir " + cwd + "/rel/data")) << r.output;
}

TEST(Cli, AlgoPerfFlagSpellingsAreAliases) {
  const fs::path exp = cli_fresh_dir("algoperf");
  // submission_runner.py's spellings, in its --flag=value form.
  auto r = run_cli("run --workload=fmnist_mlp --submission_path=nadamw --tuning_ruleset=external "
                   "--num_tuning_trials=1 --rng_seed=5 --max_global_steps=3 --experiment_dir=" + exp.string() +
                   " --experiment_name=baseline --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path dir = exp / "baseline" / "nadamw" / "study_0" / "fmnist_mlp_cpp" / "trial_1";
  auto result = nlohmann::json::parse(std::ifstream(dir / "trial_result.json"));
  EXPECT_EQ(result["global_step"], 3);
  auto config = nlohmann::json::parse(std::ifstream(exp / "baseline" / "nadamw" / "experiment.json"));
  EXPECT_EQ(config["seed"], 5);
  EXPECT_EQ(config["trials"], 1);
  EXPECT_EQ(config["ruleset"], "external");
  // --overwrite: the finished trial runs again (AlgoPerf's meaning), under the same configuration.
  auto again = run_cli("run --workload=fmnist_mlp --submission_path=nadamw --num_tuning_trials=1 --rng_seed=5 "
                       "--max_global_steps=3 --experiment_dir=" + exp.string() + " --experiment_name=baseline "
                       "--threads 1 --overwrite");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "--overwrite runs it again")) << again.output;

  auto help = run_cli("run --help");
  EXPECT_TRUE(contains(help.output, "--seed,--rng_seed")) << help.output;
  EXPECT_TRUE(contains(help.output, "These have no equivalent:")) << help.output;
  for (const char* flag : {"--framework:", "--torch_compile:", "--resume_last_run:", "--save_checkpoints",
                           "--hparam_start_index"})
    EXPECT_TRUE(contains(help.output, flag)) << flag << "\n" << help.output;
  fs::remove_all(exp);
}

TEST(Cli, BenchNamesTheCauseBeforeTheFirstTrial) {
  // Before: every trial was spawned and failed, and the last error was a misleading scoring message.
  const fs::path dir = cli_fresh_dir("benchcheck");
  const std::string bench = "bench --submissions nadamw --ruleset self --max-steps 1 --threads 1 ";
  auto data = run_cli(bench + "--workloads fmnist_mlp,fmnist_mlp_tanh,austen_lm --data-dir /nonexistent/data "
                      "--experiment-dir " + (dir / "exp").string());
  EXPECT_EQ(data.exit_code, 1) << data.output;
  EXPECT_TRUE(contains(data.output, "the data of some workloads is not ready; no trial was started")) << data.output;
  EXPECT_TRUE(contains(data.output, "apt-get install dataset-fashion-mnist")) << data.output;
  const size_t first = data.output.find("Fashion-MNIST file not found");
  EXPECT_EQ(data.output.find("Fashion-MNIST file not found", first + 1), std::string::npos)
      << "one line for the files two workloads share\n" << data.output;
  EXPECT_TRUE(contains(data.output, "Run: trainperf data prepare --workload austen_lm --data-dir /nonexistent/data"))
      << data.output;
  EXPECT_FALSE(contains(data.output, "[start]")) << data.output;
  EXPECT_FALSE(fs::exists(dir / "exp")) << "a refused bench left a folder";

  fs::create_directories(dir);
  std::ofstream(dir / "afile") << "x";
  auto folder = run_cli(bench + "--workloads fmnist_mlp --experiment-dir " + (dir / "afile" / "exp").string());
  EXPECT_EQ(folder.exit_code, 1) << folder.output;
  EXPECT_TRUE(contains(folder.output, "cannot create experiment directory '" + (dir / "afile" / "exp").string()))
      << folder.output;
  EXPECT_FALSE(contains(folder.output, "[start]")) << folder.output;

  auto device = run_cli(bench + "--workloads fmnist_mlp --device tpu --experiment-dir " + (dir / "exp").string());
  EXPECT_EQ(device.exit_code, 1) << device.output;
  EXPECT_TRUE(contains(device.output, "unknown device 'tpu'")) << device.output;
  EXPECT_FALSE(contains(device.output, "[start]")) << device.output;
  fs::remove_all(dir);
}

TEST(Cli, VersionPrintsVersionAndGitHash) {
  auto r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "trainperf ")) << r.output;
  EXPECT_TRUE(contains(r.output, "(git ")) << r.output;
}

TEST(Cli, HelpShowsDefaultsAndWhyTheyDiffer) {
  auto run = run_cli("run --help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "=external")) << run.output;  // the ruleset's default
  EXPECT_TRUE(contains(run.output, "=experiments")) << run.output;
  EXPECT_TRUE(contains(run.output, "=v0.6")) << run.output;
  EXPECT_TRUE(contains(run.output, "bench and plan default to self")) << run.output;
  EXPECT_FALSE(contains(run.output, "--max-steps INT=0")) << "a 0 that means 'not given' is not a default";
  auto bench = run_cli("bench --help");
  EXPECT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_TRUE(contains(bench.output, "=self")) << bench.output;
  EXPECT_TRUE(contains(bench.output, "`run` defaults to external")) << bench.output;
  EXPECT_TRUE(contains(bench.output, "unlike run's 0 = all cores")) << bench.output;
  EXPECT_FALSE(contains(bench.output, "=-1")) << bench.output;
}

TEST(Cli, BenchShowsTimeLeftAndSaysHowToResumeWhenInterrupted) {
  const fs::path dir = cli_fresh_dir("progress");
  const std::string bench = std::string(TRAINPERF_CLI) +
                            " bench --workloads fmnist_mlp --submissions nadamw --ruleset self --threads 1 "
                            "--experiment-dir " + (dir / "exp").string();
  // Two short trials: each finished line has its wall time, the elapsed time and the time left.
  auto done = run_cli(bench.substr(std::string(TRAINPERF_CLI).size() + 1) + " --studies 2 --max-steps 5");
  ASSERT_EQ(done.exit_code, 0) << done.output;
  EXPECT_TRUE(contains(done.output, "[1/2] nadamw / study_0")) << done.output;
  EXPECT_TRUE(contains(done.output, "elapsed ")) << done.output;
  EXPECT_TRUE(contains(done.output, " left)")) << done.output;
  EXPECT_TRUE(contains(done.output, "all done)")) << done.output;

  // A long study interrupted with SIGTERM once its trial has started: the message counts the kept
  // trials and prints the command to resume.
  const fs::path trial = dir / "exp2/nadamw/study_0/fmnist_mlp_cpp/trial_1";
  const std::string long_bench = std::string(TRAINPERF_CLI) +
                                 " bench --workloads fmnist_mlp --submissions nadamw --ruleset self --threads 1 "
                                 "--max-steps 1000000 --experiment-dir " + (dir / "exp2").string();
  const std::string script = long_bench + " > " + (dir / "out.txt").string() + " 2>&1 & pid=$!; " +
                             "for i in $(seq 600); do [ -e " + trial.string() + " ] && break; sleep 0.1; done; " +
                             "sleep 0.5; kill -TERM $pid; wait $pid; echo \"rc=$?\" >> " + (dir / "out.txt").string();
  fs::create_directories(dir);
  ASSERT_EQ(std::system(("bash -c '" + script + "'").c_str()), 0);
  std::ifstream in(dir / "out.txt");
  const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(contains(out, "terminated (SIGTERM): 0 finished trial(s) are kept")) << out;
  EXPECT_TRUE(contains(out, "the 1 running trial(s) stop; on resume they go on from their last checkpoint, or from step 0")) << out;
  EXPECT_TRUE(contains(out, "run the same command again:\n  cd ")) << out;
  EXPECT_TRUE(contains(out, "--max-steps 1000000 --experiment-dir " + (dir / "exp2").string())) << out;
  EXPECT_TRUE(contains(out, "rc=143")) << out;  // it still dies of the signal
  EXPECT_FALSE(fs::exists(trial / "trial_result.json"));
  fs::remove_all(dir);
}

TEST(Cli, DataListNamesADamagedFashionMnistFile) {
  const fs::path dir = cli_fresh_dir("datalist");
  const fs::path fm = dir / "fashion-mnist";
  fs::create_directories(fm);
  const fs::path pkg = "/usr/share/datasets/fashion-mnist";
  for (auto f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"})
    fs::create_symlink(pkg / f, fm / f);
  std::ifstream in(pkg / "t10k-labels-idx1-ubyte.gz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 8u);
  bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 0x01);  // the stored CRC-32
  std::ofstream(fm / "t10k-labels-idx1-ubyte.gz", std::ios::binary) << bytes;
  auto r = run_cli("data list --data-dir " + dir.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "fashion-mnist    corrupt")) << r.output;
  EXPECT_TRUE(contains(r.output, (fm / "t10k-labels-idx1-ubyte.gz").string() + ": gzip CRC error")) << r.output;
  fs::remove_all(dir);
}
