// nadamw_lawa trains exactly like nadamw and evaluates at the mean of its last k snapshots.
#include <gtest/gtest.h>

#include "submissions/lr_free_fixture.h"
#include "submissions/registry.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(NadamWLawaSubmission, EvaluatesAtTheMeanOfTheLastSnapshots) {
  Hyperparameters h = submissions().find("nadamw_lawa").self_tuning_config();
  h.set("lawa_queue_len", int64_t{3});
  h.set("lawa_every_factor", 0.01);  // step_hint 200: a snapshot every 2 updates
  TinyWorkload workload;
  auto wrapped = submissions().find("nadamw_lawa").make(), plain = submissions().find("nadamw").make();
  Driver a(*wrapped, workload, h), b(*plain, workload, h);
  std::vector<std::vector<torch::Tensor>> snapshots;
  for (int t = 1; t <= 13; ++t) {
    a.update();
    b.update();
    ASSERT_TRUE(all_equal(a.weights(), b.weights())) << "the decorator changed training at step " << t;
    if (t % 2 == 0) snapshots.push_back(b.weights());
    if (t % 3 == 0) {
      a.prepare_for_eval();
      const auto eval = a.weights();
      const size_t n = std::min<size_t>(3, snapshots.size());
      for (size_t i = 0; i < eval.size(); ++i) {
        torch::Tensor mean = torch::zeros_like(eval[i]);
        for (size_t j = snapshots.size() - n; j < snapshots.size(); ++j)
          mean += snapshots[j][i] / static_cast<double>(n);
        EXPECT_TRUE(torch::allclose(eval[i], mean, 1e-5, 1e-7)) << "step " << t;
      }
    }
  }
}

// lawa_form algoperf: AlgoPerf v0.5's lawa_queue (snapshots from ceil(0.02 * 200) = 4 steps on, every
// ceil(0.01 * 200) = 2: after steps 5, 7, 9, ...; the training weights until 3 were taken).
TEST(NadamWLawaSubmission, AlgoPerfFormUsesTheTrainingWeightsUntilTheQueueIsFull) {
  Hyperparameters h = submissions().find("nadamw_lawa").self_tuning_config();
  h.set("lawa_queue_len", int64_t{3});
  h.set("lawa_every_factor", 0.01);
  h.set("lawa_form", std::string("algoperf"));
  h.set("lawa_start_factor", 0.02);
  TinyWorkload workload;
  auto wrapped = submissions().find("nadamw_lawa").make(), plain = submissions().find("nadamw").make();
  Driver a(*wrapped, workload, h), b(*plain, workload, h);
  std::vector<std::vector<torch::Tensor>> snapshots;
  for (int t = 1; t <= 9; ++t) {
    a.update();
    b.update();
    ASSERT_TRUE(all_equal(a.weights(), b.weights())) << "the decorator changed training at step " << t;
    if (t == 5 || t == 7 || t == 9) snapshots.push_back(b.weights());
    if (t == 8 || t == 9) {
      a.prepare_for_eval();
      const auto eval = a.weights(), train = b.weights();
      for (size_t i = 0; i < eval.size(); ++i) {
        const torch::Tensor expected =
            t == 8 ? train[i] : (snapshots[0][i] + snapshots[1][i] + snapshots[2][i]) / 3.0;
        EXPECT_TRUE(torch::allclose(eval[i], expected, 1e-5, 1e-7)) << "step " << t;
      }
    }
  }
}

TEST(NadamWLawaSubmission, AnUnknownFormIsRefusedNamingTheForms) {
  Hyperparameters h = submissions().find("nadamw_lawa").self_tuning_config();
  h.set("lawa_form", std::string("algoperff"));
  TinyWorkload workload;
  auto s = submissions().find("nadamw_lawa").make();
  try {
    Driver a(*s, workload, h);
    FAIL() << "accepted lawa_form algoperff";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("trainperf or algoperf"), std::string::npos) << e.what();
  }
}
