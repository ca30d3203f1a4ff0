// SAM's second forward/backward pass must not update BatchNorm statistics: after one SAM step the
// running statistics equal those after a single train-mode forward at the starting weights.
#include <gtest/gtest.h>

#include "submissions/registry.h"
#include "submissions/tiny_bn_workload.h"

using namespace trainperf;
using namespace trainperf::testing;

TEST(SamSubmission, UpdatesBatchNormStatisticsOnce) {
  TinyBnWorkload workload;
  workload.load_data({});
  ModelPtr model = workload.init_model(1, {});
  ModelPtr reference = workload.init_model(1, {});  // same seed: same weights and buffers
  const std::vector<ParamInfo> params = workload.param_infos(*model);
  LocalCommunicator comm;
  Hyperparameters h = submissions().find("sam").self_tuning_config();
  h.set("rho", 0.5);  // a large perturbation: a second update would visibly change the statistics
  auto sam = submissions().find("sam").make();
  sam->init_optimizer_state({workload, *model, params, h, Ruleset::Self, 7, comm});
  auto stream = workload.train_stream(32, 3, {});
  const Batch batch = stream->next();

  std::map<std::string, Metrics> last_eval;
  TrainState state;
  const StepContext ctx{workload, *model, params, h, last_eval, 0, 0, state, comm};
  sam->update_params(ctx, batch);
  {
    torch::NoGradGuard no_grad;
    workload.model_fn(*reference, batch, ForwardMode::Train);  // one pass, statistics updated once
  }
  auto& bn = *static_cast<TinyBnModel&>(*model).bn;
  auto& ref = *static_cast<TinyBnModel&>(*reference).bn;
  EXPECT_TRUE(torch::equal(bn.running_mean, ref.running_mean));
  EXPECT_TRUE(torch::equal(bn.running_var, ref.running_var));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 1);
  // and the statistics did move (the comparison is not vacuous)
  EXPECT_FALSE(torch::equal(bn.running_mean, torch::zeros_like(bn.running_mean)));
}
