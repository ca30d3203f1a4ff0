// Every optimizer is in the catalog and covered: a golden trajectory file, its state surviving a
// checkpoint (options and per-parameter state are field lists: a field left out of one fails here),
// and no optimizer header in src/optim without an entry.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "optim/catalog.h"
#include "optim/optim_test_support.h"

using namespace trainperf;
namespace fs = std::filesystem;

TEST(OptimizerCatalog, EveryEntryHasAGoldenTrajectory) {
  for (const auto& e : optimizer_catalog())
    EXPECT_TRUE(fs::exists(fs::path(TRAINPERF_TESTS_DIR) / "golden" / "optim" / (e.golden + ".json"))) << e.name;
}

TEST(OptimizerCatalog, EveryOptimizerHeaderHasAnEntry) {
  // Headers of src/optim that are not optimizers, and the family templates (dadapt.h,
  // schedule_free.h) whose variants each have a header of their own in the catalog.
  const std::set<std::string> helpers = {"averaging.h",      "catalog.h",       "cautious.h",      "dadapt.h",
                                         "eval_weights.h",   "optimizer_base.h", "schedule_free.h",
                                         "schedules.h",      "state_key.h",     "tensor_list_archive.h"};
  std::set<std::string> listed;
  for (const auto& e : optimizer_catalog()) listed.insert(e.header);
  for (const auto& f : fs::directory_iterator(fs::path(TRAINPERF_TESTS_DIR) / ".." / "src" / "optim")) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() != ".h" || helpers.count(name)) continue;
    EXPECT_TRUE(listed.count(name)) << "src/optim/" << name << " has no entry in optimizer_catalog()";
  }
}

TEST(OptimizerCatalog, EveryOptimizerSurvivesACheckpoint) {
  for (const auto& e : optimizer_catalog()) {
    if (e.needs_closure) continue;  // SAM: tests/optim/sam_test.cpp checkpoints it with its closure
    SCOPED_TRACE(e.name);
    trainperf::testing::expect_state_survives_save_load(e.make, 4, 3);
  }
}

// A parameter that gets no gradient (a frozen or unused one) is left exactly as it was by every
// optimizer, while the others move; a matrix and a vector of each kind, so Muon's two groups and
// Shampoo/SOAP's factored paths are both exercised.
TEST(OptimizerCatalog, EveryOptimizerLeavesParametersWithoutGradientAlone) {
  for (const auto& e : optimizer_catalog()) {
    SCOPED_TRACE(e.name);
    torch::manual_seed(0);
    torch::Tensor w = torch::randn({4, 3}, torch::kDouble).requires_grad_(),
                  b = torch::randn({3}, torch::kDouble).requires_grad_(),
                  frozen_w = torch::randn({4, 3}, torch::kDouble).requires_grad_(),
                  frozen_b = torch::randn({3}, torch::kDouble).requires_grad_();
    const torch::Tensor w0 = w.detach().clone(), frozen_w0 = frozen_w.detach().clone(),
                        frozen_b0 = frozen_b.detach().clone();
    auto opt = e.make({w, frozen_w, b, frozen_b});
    const auto gradients = [&] {
      opt->zero_grad();
      torch::Tensor loss = (w - 1.0).pow(2).sum() + (b + 0.5).pow(2).sum();
      loss.backward();
      return loss;
    };
    for (int i = 0; i < 3; ++i) {
      if (e.needs_closure) {
        gradients();
        opt->step(gradients);
      } else {
        gradients();
        opt->step();
      }
    }
    EXPECT_FALSE(frozen_w.grad().defined());
    EXPECT_TRUE(torch::equal(frozen_w.detach(), frozen_w0));
    EXPECT_TRUE(torch::equal(frozen_b.detach(), frozen_b0));
    EXPECT_FALSE(torch::equal(w.detach(), w0));
  }
}
