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
