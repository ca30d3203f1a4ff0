// fmnist_resnet / fmnist_vit: augmentation, parameter kinds, BatchNorm handling, learning, variants.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "runner/runner.h"
#include "submissions/registry.h"
#include "util/environment.h"
#include "workloads/common/classification.h"
#include "workloads/registry.h"

using namespace trainperf;

namespace {

std::map<ParamType, int> count_types(const std::vector<ParamInfo>& infos) {
  std::map<ParamType, int> n;
  for (const auto& p : infos) ++n[p.type];
  return n;
}

// Trains `steps` NAdamW steps (self-tuning point) and returns the validation accuracy.
double accuracy_after(const std::string& name, int64_t steps) {
  set_threads(1);  // ctest runs two tests at once on two cores
  auto workload = make_workload(name);
  workload->load_data({});
  auto submission = submissions().find("nadamw").make();
  const Hyperparameters h = submissions().find("nadamw").self_tuning_config();
  LocalCommunicator comm;
  TrialOptions options;
  options.seed = 3;
  options.max_steps = steps;
  options.stop_at_targets = false;
  double accuracy = 0;
  options.on_eval = [&](const EvalRecord& r) { accuracy = r.metrics.at("validation").at("accuracy"); };
  const TrialResult result = run_trial(*workload, *submission, h, options, comm);
  EXPECT_NE(result.status, TrialStatus::Diverged) << result.message;
  return accuracy;
}

}  // namespace

TEST(ImageAugmentation, CropsAreShiftsOfTheImageAndFlipsMirror) {
  // One 1x4x4 image with distinct pixels; pad 1: each crop is the image shifted by -1..1 in each axis.
  torch::Tensor img = torch::arange(1, 17, torch::kFloat).view({1, 1, 4, 4}).repeat({64, 1, 1, 1});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  torch::Tensor out = augment_images(img, ImageAugmentation{1, false}, gen);
  ASSERT_EQ(out.sizes(), img.sizes());
  int shifted = 0;
  for (int64_t i = 0; i < 64; ++i) {
    bool found = false;
    for (int dy = -1; dy <= 1 && !found; ++dy)
      for (int dx = -1; dx <= 1 && !found; ++dx) {
        // Expected: pixel (r, c) = img(r + dy, c + dx), background (the minimum, 1) outside.
        torch::Tensor e = torch::full({4, 4}, 1.0);
        for (int r = 0; r < 4; ++r)
          for (int c = 0; c < 4; ++c)
            if (r + dy >= 0 && r + dy < 4 && c + dx >= 0 && c + dx < 4)
              e[r][c] = img[0][0][r + dy][c + dx];
        if (torch::equal(out[i][0], e)) {
          found = true;
          shifted += (dy != 0 || dx != 0);
        }
      }
    EXPECT_TRUE(found) << "crop " << i << " is not a shift of the image:\n" << out[i][0];
  }
  EXPECT_GT(shifted, 32);  // 8 of 9 offsets move the image
  torch::Tensor flipped = augment_images(img, ImageAugmentation{0, true}, gen);
  int mirrored = 0;
  for (int64_t i = 0; i < 64; ++i) {
    const bool same = torch::equal(flipped[i], img[i]), mirror = torch::equal(flipped[i], img[i].flip({2}));
    EXPECT_TRUE(same || mirror);
    mirrored += mirror;
  }
  EXPECT_GT(mirrored, 16);
  EXPECT_LT(mirrored, 48);
}

// Crop and flip together, several channels: the same pixels as cropping each image with narrow()
// and then mirroring it, drawing the same random numbers (offsets first, then flips).
TEST(ImageAugmentation, OneGatherEqualsCropThenFlipPerImage) {
  torch::manual_seed(3);
  const torch::Tensor img = torch::randn({32, 3, 6, 5});
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const torch::Tensor out = augment_images(img, ImageAugmentation{2, true}, gen);

  auto ref_gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const torch::Tensor padded = torch::constant_pad_nd(img, {2, 2, 2, 2}, img.min().item<double>());
  const torch::Tensor offsets = torch::randint(0, 5, {32, 2}, ref_gen, torch::kLong);
  const torch::Tensor flip = torch::rand({32}, ref_gen) < 0.5;
  ASSERT_EQ(out.sizes(), img.sizes());
  for (int64_t i = 0; i < 32; ++i) {
    torch::Tensor e = padded[i].narrow(1, offsets[i][0].item<int64_t>(), 6).narrow(2, offsets[i][1].item<int64_t>(), 5);
    if (flip[i].item<bool>()) e = e.flip({2});
    EXPECT_TRUE(torch::equal(out[i], e)) << "image " << i;
  }
}

TEST(ImageAugmentation, TrainStreamIsDeterministicInTheSeedAndEvaluationIsNotAugmented) {
  auto w = make_workload("fmnist_resnet");
  w->load_data({});
  auto a = w->train_stream(32, 11, {})->next(), b = w->train_stream(32, 11, {})->next(),
       c = w->train_stream(32, 12, {})->next();
  EXPECT_TRUE(torch::equal(a.inputs, b.inputs));
  EXPECT_FALSE(torch::equal(a.inputs, c.inputs));
  auto m = w->init_model(1, {});
  LocalCommunicator comm;
  const Metrics m1 = w->evaluate(*m, Split::Validation, comm), m2 = w->evaluate(*m, Split::Validation, comm);
  EXPECT_EQ(m1.at("loss"), m2.at("loss"));  // fixed data, eval-mode BatchNorm
}

TEST(FmnistResNet, ParamKindsSpecAndVariant) {
  auto w = make_workload("fmnist_resnet");
  w->load_data({});
  auto model = w->init_model(1, {});
  auto types = count_types(w->param_infos(*model));
  EXPECT_EQ(types[ParamType::ConvWeight], 9);  // stem + 2 per block x 3 + 2 projections
  EXPECT_EQ(types[ParamType::NormScale], 9);
  EXPECT_EQ(types[ParamType::NormBias], 9);
  EXPECT_EQ(types[ParamType::Weight], 1);
  EXPECT_EQ(types[ParamType::Bias], 1);
  EXPECT_EQ(w->spec().num_train_examples, 50000);
  // Zero-initialised residual BatchNorm scales in the base, 8 in the held-out variant.
  auto v = make_workload("fmnist_resnet_large_bn_init");
  EXPECT_EQ(v->spec().base_workload, "fmnist_resnet");
  v->load_data({});
  auto vm = v->init_model(1, {});
  for (const auto& [name, mdl] : std::vector<std::pair<std::string, ModelPtr>>{{"base", model}, {"variant", vm}})
    for (const auto& p : mdl->named_parameters())
      if (p.key().find("bn2.weight") != std::string::npos)
        EXPECT_EQ(p.value().abs().max().item<double>(), name == "base" ? 0.0 : 8.0) << name << " " << p.key();
}

TEST(FmnistResNet, LearnsAndStaysFinite) {
  const double acc = accuracy_after("fmnist_resnet", 200);
  EXPECT_GT(acc, 0.6);  // chance is 0.1
}

TEST(FmnistVit, ParamKindsSpecAndVariant) {
  auto w = make_workload("fmnist_vit");
  w->load_data({});
  auto model = w->init_model(1, {});
  auto types = count_types(w->param_infos(*model));
  EXPECT_EQ(types[ParamType::ConvWeight], 1);    // the patch embedding
  EXPECT_EQ(types[ParamType::Embedding], 1);     // learned positions
  EXPECT_EQ(types[ParamType::AttentionQKV], 4);  // one fused projection per layer
  EXPECT_EQ(types[ParamType::AttentionOut], 4);
  EXPECT_EQ(types[ParamType::NormScale], 9);     // 2 per layer + the final norm
  // Untrained: the zero head gives uniform predictions, loss log(10).
  LocalCommunicator comm;
  const Metrics m = w->evaluate(*model, Split::Validation, comm);
  EXPECT_NEAR(m.at("loss"), std::log(10.0), 1e-5);
  auto v = make_workload("fmnist_vit_glu");
  EXPECT_EQ(v->spec().base_workload, "fmnist_vit");
  v->load_data({});
  auto vm = v->init_model(1, {});
  EXPECT_GT(count_types(v->param_infos(*vm))[ParamType::Weight], types[ParamType::Weight]);  // the gates
}

TEST(FmnistVit, LearnsAndStaysFinite) {
  const double acc = accuracy_after("fmnist_vit", 200);
  EXPECT_GT(acc, 0.6);
}
