// The example plugin (examples/plugin_submission), built by the build, run through the CLI.
#include <gtest/gtest.h>

#include <filesystem>

#include <trainperf/trainperf.h>

#include "support/cli.h"

namespace fs = std::filesystem;
using namespace trainperf::testing;

TEST(Plugin, ExampleRunsInBothRulesets) {
  const fs::path exp = fs::temp_directory_path() / ("trainperf_plugin_" + std::to_string(::getpid()));
  fs::remove_all(exp);
  auto self = run_cli(std::string("run -w fmnist_mlp --submission ") + TRAINPERF_EXAMPLE_PLUGIN +
                      " --ruleset self --max-steps 60 --threads 1 --experiment-dir " + (exp / "self").string());
  ASSERT_EQ(self.exit_code, 0) << self.output;
  EXPECT_NE(self.output.find("example_adamw"), std::string::npos);
  EXPECT_TRUE(fs::exists(exp / "self/example_adamw/study_0/fmnist_mlp_cpp/trial_1/trial_result.json"));
  // The summary names where the logs are, not the plugin's .so path under the experiment folder.
  EXPECT_NE(self.output.find("logs: " + (exp / "self/example_adamw/study_0/fmnist_mlp_cpp").string()),
            std::string::npos)
      << self.output;
  // External tuning draws quasi-random points from the plugin's own search space.
  auto ext = run_cli(std::string("run -w fmnist_mlp --submission ") + TRAINPERF_EXAMPLE_PLUGIN +
                     " --trials 2 --max-steps 30 --threads 1 --experiment-dir " + (exp / "ext").string());
  ASSERT_EQ(ext.exit_code, 0) << ext.output;
  EXPECT_TRUE(fs::exists(exp / "ext/example_adamw/study_0/fmnist_mlp_cpp/trial_2/hparams.json"));
  fs::remove_all(exp);
}

TEST(Plugin, OtherApiVersionIsRefused) {
  auto r = run_cli(std::string("run -w fmnist_mlp --submission ") + TRAINPERF_EXAMPLE_PLUGIN_API0 + " --max-steps 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("was built against trainperf API version 0, but this trainperf has API version " +
                          std::to_string(TRAINPERF_API_VERSION)),
            std::string::npos)
      << r.output;
}

TEST(Plugin, MissingOrForeignLibraryIsNamed) {
  auto missing = run_cli("run -w fmnist_mlp --submission /nonexistent/libx.so --max-steps 1");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("plugin '/nonexistent/libx.so': file not found"), std::string::npos) << missing.output;
  auto foreign = run_cli("run -w fmnist_mlp --submission /usr/lib/x86_64-linux-gnu/libz.so.1 --max-steps 1");
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.output.find("not a trainperf plugin"), std::string::npos) << foreign.output;
}

TEST(Plugin, DeclaresItsHyperparameters) {
  auto r = run_cli(std::string("list --submission ") + TRAINPERF_EXAMPLE_PLUGIN);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* key : {"learning_rate", "one_minus_beta1", "warmup_factor", "label_smoothing", "dropout_rate"})
    EXPECT_NE(r.output.find(key), std::string::npos) << key << "\n" << r.output;
}
