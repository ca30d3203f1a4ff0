// LibTorch 2.x gives a custom optimizer's parameter groups the default options; OptimizerBase keeps
// the ones each group was given (src/optim/optimizer_base.h).
#include <gtest/gtest.h>

#include "optim/adamw.h"
#include "optim/muon.h"
#include "optim/nadamw.h"

using namespace trainperf;

namespace {
std::vector<torch::optim::OptimizerParamGroup> two_groups_of(torch::Tensor a, torch::Tensor b,
                                                             std::unique_ptr<torch::optim::OptimizerOptions> oa,
                                                             std::unique_ptr<torch::optim::OptimizerOptions> ob) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{a}, std::move(oa));
  groups.emplace_back(std::vector<torch::Tensor>{b}, std::move(ob));
  return groups;
}
}  // namespace

TEST(OptimizerBase, GroupsKeepTheirOwnOptions) {
  torch::Tensor a = torch::ones({2, 2}, torch::requires_grad()), b = torch::ones({2}, torch::requires_grad());
  AdamW adamw(two_groups_of(a, b, std::make_unique<AdamWOptions>(AdamWOptions(0.1).weight_decay(0.5)),
                            std::make_unique<AdamWOptions>(AdamWOptions(0.02))),
              AdamWOptions(1.0));
  ASSERT_EQ(adamw.param_groups().size(), 2u);
  EXPECT_DOUBLE_EQ(adamw.param_groups()[0].options().get_lr(), 0.1);
  EXPECT_DOUBLE_EQ(static_cast<const AdamWOptions&>(adamw.param_groups()[0].options()).weight_decay(), 0.5);
  EXPECT_DOUBLE_EQ(adamw.param_groups()[1].options().get_lr(), 0.02);

  NAdamW nadamw(two_groups_of(a, b, std::make_unique<NAdamWOptions>(NAdamWOptions(0.3)), nullptr),
                NAdamWOptions(0.7));
  EXPECT_DOUBLE_EQ(nadamw.param_groups()[0].options().get_lr(), 0.3);
  EXPECT_DOUBLE_EQ(nadamw.param_groups()[1].options().get_lr(), 0.7);  // no options given: the defaults

  // Muon's AdamW group (use_muon false) holds a 1-D tensor: with the defaults it would be refused.
  EXPECT_NO_THROW(Muon(two_groups_of(a, b, std::make_unique<MuonOptions>(MuonOptions(0.05)),
                                     std::make_unique<MuonOptions>(MuonOptions(0.01).use_muon(false)))));
}
