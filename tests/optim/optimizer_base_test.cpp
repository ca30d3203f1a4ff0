// LibTorch 2.x gives a custom optimizer's parameter groups the default options; OptimizerBase keeps
// the ones each group was given (src/optim/optimizer_base.h).
#include <gtest/gtest.h>

#include <optional>
#include <sstream>

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

namespace {
// Every kind of field a field list takes: numbers and flags, a tensor, a tensor list, a tensor only
// some variants keep, and an optional number with a stand-in.
struct EveryKindOfField : public SerializedParamState<EveryKindOfField> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(bool, flag) = false;
  TORCH_ARG(double, rate) = 0.0;
  TORCH_ARG(torch::Tensor, moment);
  TORCH_ARG(std::vector<torch::Tensor>, blocks);
  TORCH_ARG(torch::Tensor, sometimes);
  TORCH_ARG(std::optional<double>, beta);

 public:
  template <class F>
  void fields(F&& f) {
    f("step", step_), f("flag", flag_), f("rate", rate_), f("moment", moment_), f("block", blocks_),
    f("sometimes", if_defined(sometimes_)), f("beta", or_none(beta_, -1.0));
  }
};

// The fields read back; `written` tells which of `names` the archive holds.
EveryKindOfField round_trip(const EveryKindOfField& in, const std::vector<std::string>& names = {},
                            std::vector<std::string>* written = nullptr) {
  torch::serialize::OutputArchive out;
  in.serialize(out);
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive archive;
  archive.load_from(bytes);
  for (const auto& name : names) {
    torch::Tensor t;
    c10::IValue v;
    if (archive.try_read(name, t, /*is_buffer=*/true) || archive.try_read(name, v)) written->push_back(name);
  }
  EveryKindOfField back;
  back.serialize(archive);
  return back;
}
}  // namespace

TEST(SerializedFields, EveryKindOfFieldSurvivesARoundTrip) {
  EveryKindOfField full;
  full.step(7).flag(true).rate(0.25).moment(torch::arange(3.0)).sometimes(torch::ones({2})).beta(0.5);
  full.blocks({torch::eye(2), torch::full({3}, 4.0)});
  const EveryKindOfField back = round_trip(full);
  EXPECT_EQ(back.step(), 7);
  EXPECT_TRUE(back.flag());
  EXPECT_EQ(back.rate(), 0.25);
  EXPECT_TRUE(torch::equal(back.moment(), full.moment()));
  ASSERT_EQ(back.blocks().size(), 2u);
  EXPECT_TRUE(torch::equal(back.blocks()[0], full.blocks()[0]) && torch::equal(back.blocks()[1], full.blocks()[1]));
  EXPECT_TRUE(torch::equal(back.sometimes(), full.sometimes()));
  ASSERT_TRUE(back.beta().has_value());
  EXPECT_EQ(*back.beta(), 0.5);
}

TEST(SerializedFields, AbsentFieldsStayAbsent) {
  // A variant that keeps no `sometimes` tensor writes no entry for it (its checkpoints are the same as
  // before the family shared one state), and an unset optional is written as its stand-in.
  EveryKindOfField sparse;
  sparse.moment(torch::zeros({1}));
  std::vector<std::string> written;
  const EveryKindOfField back = round_trip(sparse, {"sometimes", "block_count", "beta"}, &written);
  EXPECT_EQ(written, (std::vector<std::string>{"block_count", "beta"}));
  EXPECT_FALSE(back.sometimes().defined());
  EXPECT_FALSE(back.beta().has_value());
  EXPECT_TRUE(back.blocks().empty());
}
