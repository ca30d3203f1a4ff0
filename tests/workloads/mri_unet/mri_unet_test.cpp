// mri_unet: the NIfTI-1 reader, the "mri" slices and their file format, fastMRI's mask function, the
// simulated k-space, SSIM against the independent numpy golden values (tests/golden/ssim), the L1 loss,
// the training stream, the U-Net (shapes, parameter kinds, the AlgoPerf full-scale count) and a tiny overfit.
#include <gtest/gtest.h>
#include <trainperf/distributed.h>
#include <zlib.h>

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/dataset_cache.h"
#include "data/nifti.h"
#include "util/environment.h"
#include "workloads/mri_unet/mri_unet.h"
#include "workloads/registry.h"

using namespace trainperf;
namespace mri = trainperf::workload::mri_unet;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_mri_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

template <typename T>
void put(std::string& s, size_t at, T v, bool big_endian) {
  char raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  if (big_endian)
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(raw[i], raw[sizeof(T) - 1 - i]);
  std::memcpy(&s[at], raw, sizeof(T));
}

// A single-file NIfTI-1 image: 348-byte header, 4 extension bytes, voxels (already in file byte order).
std::string nifti_bytes(std::vector<int16_t> dims, int16_t datatype, int16_t bitpix, const std::string& voxels,
                        bool big_endian, float slope = 0, float inter = 0) {
  std::string s(352, '\0');
  put<int32_t>(s, 0, 348, big_endian);
  put<int16_t>(s, 40, static_cast<int16_t>(dims.size()), big_endian);
  for (size_t i = 0; i < dims.size(); ++i) put<int16_t>(s, 42 + 2 * i, dims[i], big_endian);
  put<int16_t>(s, 70, datatype, big_endian);
  put<int16_t>(s, 72, bitpix, big_endian);
  for (int i = 0; i < 4; ++i) put<float>(s, 80 + 4 * i, 1.0f, big_endian);
  put<float>(s, 108, 352.0f, big_endian);
  put<float>(s, 112, slope, big_endian);
  put<float>(s, 116, inter, big_endian);
  std::memcpy(&s[344], "n+1\0", 4);
  return s + voxels;
}

void write_plain(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

void write_gzip(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

template <typename F>
void expect_data_error(F&& f, const std::string& must_contain1, const std::string& must_contain2) {
  try {
    f();
    ADD_FAILURE() << "no DataError (expected one mentioning " << must_contain2 << ")";
  } catch (const DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(must_contain1), std::string::npos) << msg;
    EXPECT_NE(msg.find(must_contain2), std::string::npos) << msg;
  }
}

// Synthetic "slices": a blob on a dark background, different per slice.
mri::SliceSet synthetic_slices(int64_t n, int64_t size, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  torch::Tensor yy = torch::arange(size, torch::kFloat).view({1, size, 1}) / size;
  torch::Tensor xx = torch::arange(size, torch::kFloat).view({1, 1, size}) / size;
  torch::Tensor c = torch::rand({n, 2, 1, 1}, gen) * 0.4 + 0.3;
  torch::Tensor img = torch::exp(-((yy - c.select(1, 0)).pow(2) + (xx - c.select(1, 1)).pow(2)) * 20.0);
  img = img + 0.3 * torch::rand({n, size, size}, gen) * (img > 0.2).to(torch::kFloat);
  mri::SliceSet s;
  s.images = (img / img.max()).contiguous();
  s.volume_max = torch::ones({n});
  return s;
}

std::unique_ptr<Workload> synthetic_workload(const std::string& name = "mri_unet", int64_t size = 32) {
  auto w = mri::make_mri_unet(name);
  mri::set_slices(*w, synthetic_slices(24, size, 1), synthetic_slices(6, size, 2), synthetic_slices(6, size, 3));
  return w;
}

}  // namespace

TEST(MriNifti, ReadsPlainGzipAndBigEndianFixtures) {
  const fs::path d = temp_dir("nifti");
  // uint8 2x3x2, little-endian, plain.
  std::string u8;
  for (int i = 0; i < 12; ++i) u8.push_back(static_cast<char>(i * 20));
  write_plain(d / "u8.nii", nifti_bytes({2, 3, 2}, 2, 8, u8, false));
  NiftiImage a = read_nifti((d / "u8.nii").string());
  EXPECT_EQ(a.ndim, 3);
  EXPECT_EQ(a.dim[0], 2);
  EXPECT_EQ(a.dim[1], 3);
  EXPECT_EQ(a.dim[2], 2);
  ASSERT_EQ(a.data.size(), 12u);
  EXPECT_FLOAT_EQ(a.at(1, 2, 1), 220.0f);  // index (1*3+2)*2+1 = 11
  EXPECT_FALSE(a.big_endian);

  // int16 big-endian, gzip, with scl_slope/scl_inter.
  std::string i16(8, '\0');
  const int16_t vals[4] = {-300, 0, 7, 1000};
  for (int i = 0; i < 4; ++i) put<int16_t>(i16, 2 * i, vals[i], true);
  write_gzip(d / "i16.nii.gz", nifti_bytes({2, 2}, 4, 16, i16, true, 2.0f, 1.0f));
  NiftiImage b = read_nifti((d / "i16.nii.gz").string());
  EXPECT_TRUE(b.big_endian);
  EXPECT_EQ(b.ndim, 2);
  ASSERT_EQ(b.data.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(b.data[i], vals[i] * 2.0f + 1.0f);

  // float32 and float64, int32, little-endian gzip.
  std::string f32(3 * 4, '\0'), f64(3 * 8, '\0'), i32(3 * 4, '\0');
  for (int i = 0; i < 3; ++i) {
    put<float>(f32, 4 * i, 0.5f * i - 1, false);
    put<double>(f64, 8 * i, 1e-3 * i, false);
    put<int32_t>(i32, 4 * i, -70000 * i, false);
  }
  write_gzip(d / "f32.nii.gz", nifti_bytes({3}, 16, 32, f32, false));
  write_plain(d / "f64.nii", nifti_bytes({3}, 64, 64, f64, false));
  write_plain(d / "i32.nii", nifti_bytes({3, 1}, 8, 32, i32, false));
  EXPECT_EQ(read_nifti((d / "f32.nii.gz").string()).data, (std::vector<float>{-1.0f, -0.5f, 0.0f}));
  EXPECT_EQ(read_nifti((d / "f64.nii").string()).data, (std::vector<float>{0.0f, 1e-3f, 2e-3f}));
  EXPECT_EQ(read_nifti((d / "i32.nii").string()).data, (std::vector<float>{0.0f, -70000.0f, -140000.0f}));
  fs::remove_all(d);
}

TEST(MriNifti, ErrorsNameTheFileAndTheProblem) {
  const fs::path d = temp_dir("nifti_err");
  std::string u8(12, '\x01');
  const std::string good = nifti_bytes({2, 3, 2}, 2, 8, u8, false);
  const std::string missing = (d / "missing.nii.gz").string();
  expect_data_error([&] { read_nifti(missing); }, missing, "cannot open");

  write_plain(d / "short_header.nii", good.substr(0, 200));
  expect_data_error([&] { read_nifti((d / "short_header.nii").string()); }, "short_header.nii", "truncated");
  write_gzip(d / "short_data.nii.gz", good.substr(0, good.size() - 3));
  expect_data_error([&] { read_nifti((d / "short_data.nii.gz").string()); }, "short_data.nii.gz", "truncated");
  std::string bad_size = good;
  put<int32_t>(bad_size, 0, 540, false);  // a NIfTI-2 size
  write_plain(d / "bad_size.nii", bad_size);
  expect_data_error([&] { read_nifti((d / "bad_size.nii").string()); }, "bad_size.nii", "sizeof_hdr");
  std::string bad_magic = good;
  std::memcpy(&bad_magic[344], "ni1\0", 4);
  write_plain(d / "bad_magic.nii", bad_magic);
  expect_data_error([&] { read_nifti((d / "bad_magic.nii").string()); }, "bad_magic.nii", "magic");
  write_plain(d / "complex.nii", nifti_bytes({2}, 32, 64, std::string(16, '\0'), false));
  expect_data_error([&] { read_nifti((d / "complex.nii").string()); }, "complex.nii", "unsupported NIfTI datatype 32");
  // A gzip file cut in the middle of its deflate stream.
  write_gzip(d / "whole.nii.gz", good);
  std::ifstream in(d / "whole.nii.gz", std::ios::binary);
  std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_plain(d / "cut.nii.gz", gz.substr(0, gz.size() / 2));
  expect_data_error([&] { read_nifti((d / "cut.nii.gz").string()); }, "cut.nii.gz", "");
  fs::remove_all(d);
}

TEST(MriNifti, RealCh2WhenInstalled) {
  if (!fs::exists(mri::kSourceFile)) GTEST_SKIP() << mri::kSourceFile << " not installed (mricron-data)";
  NiftiImage v = read_nifti(mri::kSourceFile);
  EXPECT_EQ(v.ndim, 3);
  EXPECT_EQ(v.dim[0], 181);
  EXPECT_EQ(v.dim[1], 217);
  EXPECT_EQ(v.dim[2], 181);
  EXPECT_EQ(v.datatype, 2);
  EXPECT_FLOAT_EQ(v.pixdim[1], 1.0f);
  EXPECT_EQ(v.data.size(), 181u * 217u * 181u);
}

TEST(MriData, BuilderIsDeterministicAndSplitsByOrientation) {
  if (!fs::exists(mri::kSourceFile)) GTEST_SKIP() << mri::kSourceFile << " not installed (mricron-data)";
  set_threads(1);
  std::vector<std::string> digests[2];
  for (int run = 0; run < 2; ++run) {
    const fs::path d = temp_dir("build" + std::to_string(run));
    PrepareContext ctx;
    ctx.out_dir = d.string();
    ctx.log = [](const std::string&) {};
    nlohmann::json summary = mri::build_mri_dataset(ctx);
    EXPECT_EQ(summary["train_slices"].get<int64_t>(), summary["axial"].get<int64_t>() + summary["coronal"].get<int64_t>());
    EXPECT_EQ(summary["train_slices"].get<int64_t>(), 363);
    EXPECT_EQ(summary["validation_slices"].get<int64_t>(), 85);
    EXPECT_EQ(summary["test_slices"].get<int64_t>(), 85);
    for (const char* f : {"train.slices", "validation.slices", "test.slices"}) digests[run].push_back(sha256_file((d / f).string()));
    mri::SliceSet val = mri::read_slices((d / "validation.slices").string());
    EXPECT_EQ(val.images.sizes(), (std::vector<int64_t>{85, 64, 64}));
    EXPECT_GE(val.images.min().item<float>(), 0.0f);
    EXPECT_LE(val.images.max().item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(val.volume_max[0].item<float>(), val.images.max().item<float>());
    fs::remove_all(d);
  }
  EXPECT_EQ(digests[0], digests[1]);
}

TEST(MriData, ResizeSquareIsAreaInterpolationOfThePaddedSlice) {
  torch::Tensor s = torch::ones({2, 4});
  torch::Tensor r = mri::resize_square(s, 2);  // padded to 4x4: a row of zeros above and below
  EXPECT_TRUE(torch::allclose(r, torch::full({2, 2}, 0.5f)));
}

TEST(MriData, SliceFileRoundTripAndTruncation) {
  const fs::path d = temp_dir("slices");
  mri::SliceSet s = synthetic_slices(3, 8, 5);
  s.volume_max = torch::tensor({0.5f, 1.0f, 0.75f});
  mri::write_slices((d / "a.slices").string(), s);
  mri::SliceSet r = mri::read_slices((d / "a.slices").string());
  EXPECT_TRUE(torch::equal(r.images, s.images));
  EXPECT_TRUE(torch::equal(r.volume_max, s.volume_max));
  std::string bytes = read_file((d / "a.slices").string());
  write_plain(d / "cut.slices", bytes.substr(0, bytes.size() - 4));
  expect_data_error([&] { mri::read_slices((d / "cut.slices").string()); }, "cut.slices", "truncated");
  write_plain(d / "magic.slices", "XXXXXXXX" + bytes.substr(8));
  expect_data_error([&] { mri::read_slices((d / "magic.slices").string()); }, "magic.slices", "bad magic");
  fs::remove_all(d);
}

TEST(MriKspace, MaskKeepsCenterHasExpectedAccelerationAndIsDeterministic) {
  const int64_t n = 64;
  mri::MaskOptions o;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  double kept = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    torch::Tensor m = mri::random_mask(n, o, gen);
    ASSERT_EQ(m.size(0), n);
    // round(0.08 * 64) = 5 centre columns, from (64 - 5 + 1) / 2 = 30.
    EXPECT_TRUE(m.narrow(0, 30, 5).all().item<bool>());
    kept += m.sum().item<double>();
  }
  EXPECT_NEAR(kept / trials / n, 0.25, 0.01);  // expected acceleration 4
  auto g1 = at::make_generator<at::CPUGeneratorImpl>(3), g2 = at::make_generator<at::CPUGeneratorImpl>(3);
  EXPECT_TRUE(torch::equal(mri::random_mask(n, o, g1), mri::random_mask(n, o, g2)));
}

TEST(MriKspace, RoundTripAndFullySampledReconstructsTarget) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  torch::Tensor x = torch::complex(torch::randn({2, 16, 12}, gen), torch::randn({2, 16, 12}, gen));
  EXPECT_TRUE(torch::allclose(mri::ifft2c(mri::fft2c(x)), x, 1e-5, 1e-5));
  // The DC coefficient sits at the centre (fftshift) and is sum / sqrt(N) (orthonormal).
  torch::Tensor ones = torch::ones({16, 12}, torch::kComplexFloat);
  EXPECT_NEAR(torch::abs(mri::fft2c(ones)[8][6]).item<float>(), std::sqrt(192.0f), 1e-3);

  mri::SliceSet s = synthetic_slices(3, 32, 4);
  Batch full = mri::make_batch(s.images, s.volume_max, {1, 2, 3}, {}, /*fully_sampled=*/true);
  EXPECT_TRUE(torch::allclose(full.inputs, full.targets, 1e-4, 1e-4));
  Batch under = mri::make_batch(s.images, s.volume_max, {1, 2, 3});
  EXPECT_EQ(under.inputs.sizes(), (std::vector<int64_t>{3, 1, 32, 32}));
  EXPECT_FALSE(torch::allclose(under.inputs, under.targets, 1e-2, 1e-2));
  // Input normalised by its own mean/std; the target on the original scale comes back through them.
  EXPECT_NEAR(under.inputs.mean().item<float>(), 0.0f, 0.05);
  torch::Tensor back = under.targets.squeeze(1) * under.extras["std"].view({3, 1, 1}) + under.extras["mean"].view({3, 1, 1});
  // (except where the normalised target was clamped to +-6, as fastMRI's transform does)
  torch::Tensor unclamped = under.targets.squeeze(1).abs() < 5.999;
  EXPECT_GT(unclamped.to(torch::kFloat).mean().item<float>(), 0.9f);
  EXPECT_TRUE(torch::allclose(back.masked_select(unclamped), s.images.masked_select(unclamped), 1e-4, 1e-4));
  // Deterministic in the seeds.
  EXPECT_TRUE(torch::equal(mri::make_batch(s.images, s.volume_max, {1, 2, 3}).inputs, under.inputs));
  EXPECT_FALSE(torch::equal(mri::make_batch(s.images, s.volume_max, {1, 2, 4}).inputs, under.inputs));
}

TEST(MriSsim, MatchesNumpyGoldenAndIsOneOnIdenticalImages) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/ssim/ssim.json");
  ASSERT_TRUE(in) << "tests/golden/ssim/ssim.json";
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_FALSE(golden["cases"].empty());
  for (const auto& c : golden["cases"]) {
    const int64_t h = c["h"], w = c["w"];
    torch::Tensor pred = torch::tensor(c["pred"].get<std::vector<double>>(), torch::kDouble).view({1, h, w});
    torch::Tensor target = torch::tensor(c["target"].get<std::vector<double>>(), torch::kDouble).view({1, h, w});
    torch::Tensor range = torch::tensor({c["data_range"].get<double>()}, torch::kDouble);
    EXPECT_NEAR(mri::ssim(pred, target, range).item<double>(), c["ssim"].get<double>(), 1e-9) << h << "x" << w;
    EXPECT_NEAR(mri::ssim(target, target, range).item<double>(), 1.0, 1e-12);
  }
  // Per-example data ranges in one batch.
  torch::Tensor a = torch::rand({2, 1, 12, 12}, torch::kDouble);
  torch::Tensor b = a + 0.1 * torch::rand({2, 1, 12, 12}, torch::kDouble);
  torch::Tensor both = mri::ssim(a, b, torch::tensor({1.0, 2.0}, torch::kDouble));
  EXPECT_NEAR(both[1].item<double>(), mri::ssim(a[1], b[1], torch::tensor({2.0}, torch::kDouble)).item<double>(), 1e-12);
}

TEST(MriLoss, L1ByHand) {
  Batch b;
  b.targets = torch::zeros({2, 1, 2, 2});
  torch::Tensor out = torch::tensor({1.0f, -1.0f, 2.0f, 0.0f, 0.5f, 0.5f, 0.5f, 0.5f}).view({2, 1, 2, 2});
  LossOutput l = mri::l1_loss(out, b);
  EXPECT_FLOAT_EQ(l.summed.item<float>(), 1.0f + 0.5f);  // per-example means 4/4 and 2/4
  EXPECT_FLOAT_EQ(l.count.item<float>(), 2.0f);
  b.weights = torch::tensor({1.0f, 0.0f});
  l = mri::l1_loss(out, b);
  EXPECT_FLOAT_EQ(l.summed.item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(l.count.item<float>(), 1.0f);
}

TEST(MriStream, DeterministicInTheSeedAndShardedByRank) {
  auto w = synthetic_workload();
  auto a = w->train_stream(8, 42, {0, 1}), b = w->train_stream(8, 42, {0, 1}), c = w->train_stream(8, 43, {0, 1});
  auto r0 = w->train_stream(8, 42, {0, 2}), r1 = w->train_stream(8, 42, {1, 2});
  for (int step = 0; step < 4; ++step) {  // crosses an epoch (24 slices, 8 per batch)
    Batch x = a->next(), y = b->next(), z = c->next(), s0 = r0->next(), s1 = r1->next();
    EXPECT_TRUE(torch::equal(x.inputs, y.inputs));
    EXPECT_FALSE(torch::equal(x.inputs, z.inputs));
    EXPECT_EQ(s0.size(), 4);
    EXPECT_TRUE(torch::equal(torch::cat({s0.inputs, s1.inputs}), x.inputs));
    EXPECT_TRUE(torch::equal(torch::cat({s0.extras["std"], s1.extras["std"]}), x.extras["std"]));
  }
  // Fresh masks every step: the same slice twice gives different inputs (epoch 2 repeats slices).
}

TEST(MriUnet, OutputShapeParamKindsAndFullScaleCount) {
  mri::UnetConfig c;
  c.chans = 4;
  auto model = mri::make_unet(c);
  Batch b;
  b.inputs = torch::randn({2, 1, 32, 32});
  EXPECT_EQ(model->forward(b).sizes(), (std::vector<int64_t>{2, 1, 32, 32}));
  b.inputs = torch::randn({1, 1, 20, 28});  // odd sizes at the deepest level: reflect padding
  EXPECT_EQ(model->forward(b).sizes(), (std::vector<int64_t>{1, 1, 20, 28}));

  auto w = mri::make_mri_unet("mri_unet");
  auto m = w->init_model(1, {});
  int64_t conv = 0, bias = 0, numel = 0;
  for (const ParamInfo& p : w->param_infos(*m)) {
    numel += p.tensor.numel();
    if (p.type == ParamType::ConvWeight) ++conv;
    else if (p.type == ParamType::Bias) ++bias;
    else ADD_FAILURE() << p.name << " is " << to_string(p.type);
  }
  EXPECT_EQ(bias, 1);  // only the final 1x1 convolution has a bias (InstanceNorm is not affine)
  EXPECT_EQ(conv, 2 * 3 + 2 + 3 * 3 + 1);  // 3 down blocks + bottleneck (2 convs each), 3 x (transpose + 2 convs), 1x1
  mri::UnetConfig cpu;
  cpu.chans = 8;
  EXPECT_EQ(numel, mri::unet_param_count(cpu));

  auto ln = mri::make_mri_unet("mri_unet_layernorm");
  auto lm = ln->init_model(1, {});
  int64_t scales = 0, norm_bias = 0, ln_numel = 0;
  for (const ParamInfo& p : ln->param_infos(*lm)) {
    scales += p.type == ParamType::NormScale;
    norm_bias += p.type == ParamType::NormBias;
    ln_numel += p.tensor.numel();
  }
  EXPECT_EQ(scales, 2 * 4 + 3 * 3);
  EXPECT_EQ(norm_bias, scales);
  cpu.use_layer_norm = true;
  EXPECT_EQ(ln_numel, mri::unet_param_count(cpu));

  // AlgoPerf's fastmri U-Net (32 channels, 4 pool layers): 7,756,097 parameters.
  const mri::UnetConfig full = mri::UnetConfig::full_scale();
  EXPECT_EQ(mri::unet_param_count(full), 7756097);
  auto big = mri::make_unet(full);
  int64_t big_numel = 0;
  for (const auto& p : big->parameters()) big_numel += p.numel();
  EXPECT_EQ(big_numel, 7756097);
}

TEST(MriUnet, VariantsRegisteredWithBase) {
  for (const char* name : {"mri_unet_tanh", "mri_unet_layernorm"}) {
    auto w = make_workload(name);
    EXPECT_EQ(w->spec().base_workload, "mri_unet");
    EXPECT_EQ(w->spec().target_metric, "ssim");
  }
  EXPECT_EQ(make_workload("mri_unet")->spec().goal, Goal::Maximize);
}

TEST(MriUnet, OverfitsATinyProblemAndEvaluates) {
  set_threads(1);
  auto w = synthetic_workload("mri_unet", 32);
  auto model = w->init_model(3, {});
  auto stream = w->train_stream(4, 9, {});
  const Batch batch = stream->next();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    opt.zero_grad();
    LossOutput l = w->loss(w->model_fn(*model, batch, ForwardMode::Train), batch, 0.0);
    torch::Tensor mean = l.mean();
    mean.backward();
    opt.step();
    if (step == 0) first = mean.item<double>();
    last = mean.item<double>();
  }
  EXPECT_LT(last, 0.5 * first) << first << " -> " << last;
  LocalCommunicator comm;
  Metrics m = w->evaluate(*model, Split::Validation, comm);
  EXPECT_EQ(m.at("num_examples"), 6);
  EXPECT_GT(m.at("ssim"), -1.0);
  EXPECT_LE(m.at("ssim"), 1.0);
  EXPECT_GT(m.at("loss"), 0.0);
}
