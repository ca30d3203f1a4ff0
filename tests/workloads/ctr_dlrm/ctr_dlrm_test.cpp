// ctr_dlrm: the MovieLens export and row parsing, features, tensor files, log loss / AUC against
// tests/golden/logloss (numpy), the dot interaction, the stream, the model and its sizes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"
#include "data/r_export.h"
#include "util/environment.h"
#include "workloads/ctr_dlrm/ctr_dlrm.h"
#include "workloads/registry.h"

using namespace trainperf;
using namespace trainperf::workload::ctr_dlrm;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("trainperf_ctr_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

const char* kHeader = "trainperf-r-export 1\nmovieId\tyear\tgenres\tuserId\trating\ttimestamp\n";

MovieLensSplit toy_split(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  MovieLensSplit s;
  s.sparse = torch::randint(0, 10, {n, 2}, torch::kLong);
  s.dense = torch::randn({n, 3});
  // A rule the model has to learn: positive when the first category is even and dense[0] > 0.
  s.label = ((s.sparse.select(1, 0).remainder(2) == 0) & (s.dense.select(1, 0) > 0)).to(torch::kFloat);
  return s;
}

}  // namespace

TEST(CtrDlrmData, ParsesRowsWithNaYearAndRejectsBadFields) {
  const std::string ok = std::string(kHeader) + "31\t1995\tDrama\t1\t2.5\t1260759144\n" +
                         "7\t\\N\tAction|Comedy\t2\t5\t1260759145\n";
  auto rows = parse_movielens_rows(parse_r_export(ok, "ok.tsv"), "ok.tsv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].movie_id, 31);
  EXPECT_EQ(*rows[0].year, 1995);
  EXPECT_DOUBLE_EQ(rows[0].rating, 2.5);
  EXPECT_FALSE(rows[1].year.has_value());
  EXPECT_EQ(rows[1].genres, "Action|Comedy");
  EXPECT_EQ(rows[1].timestamp, 1260759145);

  auto parse = [](const std::string& body) {
    return error_of([&] { parse_movielens_rows(parse_r_export(kHeader + body, "bad.tsv"), "bad.tsv"); });
  };
  EXPECT_NE(parse("31\t1995\tDrama\t\\N\t2.5\t1\n").find("bad.tsv:3: userId is NA"), std::string::npos);
  EXPECT_NE(parse("31\t1995\tDrama\t1\t2.5\t1\n31\t1995\tDrama\t1\t4.x\t1\n").find("bad.tsv:4: rating '4.x'"),
            std::string::npos);
  EXPECT_NE(parse("31\t19x5\tDrama\t1\t2.5\t1\n").find("year '19x5' is not an integer"), std::string::npos);
  EXPECT_NE(parse("31\t1995\tDrama\t1\t7\t1\n").find("outside [0, 5]"), std::string::npos);
  EXPECT_NE(parse("31\t1995\t\\N\t1\t2\t1\n").find("genres is NA"), std::string::npos);
  const std::string no_col = "trainperf-r-export 1\nmovieId\tyear\n1\t2\n";
  EXPECT_NE(error_of([&] { parse_movielens_rows(parse_r_export(no_col, "nocol.tsv"), "nocol.tsv"); }).find("nocol.tsv"),
            std::string::npos);
}

TEST(CtrDlrmData, FeaturesAreCausalAndVocabulariesComeFromTrain) {
  // 10 ratings: 8 train, 1 validation, 1 test. User 3 and movie 99 appear only after the training split.
  std::vector<MovieLensRating> rows;
  for (int i = 0; i < 10; ++i) {
    MovieLensRating r;
    r.user_id = i < 8 ? 1 + i % 2 : 3;
    r.movie_id = i < 8 ? 10 : 99;
    r.year = 2000;
    r.genres = i % 2 ? "Drama|War" : "Comedy";
    r.rating = i % 3 == 0 ? 5.0 : 3.0;
    r.timestamp = 86400 * 3 + 3600 * 5 + (i < 2 ? 0 : i);  // the first two ratings share a second
    rows.push_back(r);
  }
  std::reverse(rows.begin(), rows.end());  // the builder sorts
  MovieLensFeatures f = build_movielens_features(rows);
  ASSERT_EQ(f.splits[0].label.size(0), 8);
  ASSERT_EQ(f.splits[1].label.size(0), 1);
  ASSERT_EQ(f.splits[2].label.size(0), 1);
  EXPECT_EQ(f.vocab_sizes[kUser], 3);   // users 1, 2 + OOV
  EXPECT_EQ(f.vocab_sizes[kMovie], 2);  // movie 10 + OOV
  EXPECT_EQ(f.genres, (std::vector<std::string>{"Comedy", "Drama", "War"}));
  const auto& tr = f.splits[0];
  // Same-second ratings do not see each other: both have no history of movie 10.
  EXPECT_EQ(tr.dense[0][1].item<float>(), 0.0f);
  EXPECT_EQ(tr.dense[1][1].item<float>(), 0.0f);
  EXPECT_NEAR(tr.dense[2][1].item<float>(), std::log1p(2.0), 1e-6);  // two earlier ratings of movie 10
  EXPECT_EQ(tr.sparse[2][kMovieCountBucket].item<int64_t>(), 1);    // floor(log2(3))
  EXPECT_EQ(tr.sparse[0][kHour].item<int64_t>(), 5);
  EXPECT_EQ(tr.sparse[0][kWeekday].item<int64_t>(), 3);
  EXPECT_EQ(tr.sparse[0][kYearBucket].item<int64_t>(), 21);
  EXPECT_EQ(tr.label[0].item<float>(), 1.0f);  // i = 0: rating 5
  EXPECT_EQ(tr.label[1].item<float>(), 0.0f);
  EXPECT_EQ(tr.dense[1][kNumCtrDense + 1].item<float>(), 1.0f);  // Drama
  EXPECT_EQ(tr.dense[1][kNumCtrDense + 2].item<float>(), 1.0f);  // War
  EXPECT_EQ(tr.dense[1][kNumCtrDense + 0].item<float>(), 0.0f);
  // Unseen user and movie map to OOV.
  EXPECT_EQ(f.splits[2].sparse[0][kUser].item<int64_t>(), 0);
  EXPECT_EQ(f.splits[2].sparse[0][kMovie].item<int64_t>(), 0);
  EXPECT_LE(f.splits[0].timestamp.max().item<int64_t>(), f.splits[1].timestamp.min().item<int64_t>());
}

TEST(CtrDlrmData, InstalledPackageExportSplitsInTimeDeterministically) {
  const fs::path dir = temp_dir("export");
  const std::string path = (dir / "movielens.tsv").string();
  export_r_table("dslabs::movielens", {"movieId", "year", "genres", "userId", "rating", "timestamp"}, path,
                 "apt-get install r-cran-dslabs");
  const RTable table = read_r_export(path);
  EXPECT_EQ(table.columns, (std::vector<std::string>{"movieId", "year", "genres", "userId", "rating", "timestamp"}));
  auto rows = parse_movielens_rows(table, path);
  ASSERT_EQ(rows.size(), 100004u);
  MovieLensFeatures a = build_movielens_features(rows);
  EXPECT_EQ(a.splits[0].label.size(0), 80003);
  EXPECT_EQ(a.splits[1].label.size(0), 10000);
  EXPECT_EQ(a.splits[2].label.size(0), 10001);
  const double rate = a.splits[0].label.mean().item<double>();
  EXPECT_GT(rate, 0.15);
  EXPECT_LT(rate, 0.35);
  EXPECT_LE(a.splits[0].timestamp.max().item<int64_t>(), a.splits[1].timestamp.min().item<int64_t>());
  EXPECT_LE(a.splits[1].timestamp.max().item<int64_t>(), a.splits[2].timestamp.min().item<int64_t>());
  EXPECT_GT(a.vocab_sizes[kUser], 400);
  EXPECT_GT(a.vocab_sizes[kMovie], 5000);
  // Deterministic: the same rows in another order give identical tensors.
  std::reverse(rows.begin(), rows.end());
  MovieLensFeatures b = build_movielens_features(rows);
  EXPECT_EQ(a.vocab_sizes, b.vocab_sizes);
  for (int k = 0; k < 3; ++k) {
    EXPECT_TRUE(torch::equal(a.splits[k].sparse, b.splits[k].sparse));
    EXPECT_TRUE(torch::equal(a.splits[k].dense, b.splits[k].dense));
    EXPECT_TRUE(torch::equal(a.splits[k].label, b.splits[k].label));
  }
  fs::remove_all(dir);
}

TEST(CtrDlrmData, TensorFilesRoundTripAndCorruptionNamesTheFile) {
  const fs::path dir = temp_dir("tensor");
  const std::string path = (dir / "x.bin").string();
  torch::Tensor t = torch::arange(12, torch::kLong).reshape({3, 4});
  write_tensor_file(path, t);
  EXPECT_TRUE(torch::equal(read_tensor_file(path), t));
  torch::Tensor f = torch::randn({5});
  write_tensor_file(path, f);
  EXPECT_TRUE(torch::equal(read_tensor_file(path), f));
  const std::string bytes = read_file(path);
  write_file(path, bytes.substr(0, bytes.size() - 3));
  std::string err = error_of([&] { read_tensor_file(path); });
  EXPECT_NE(err.find(path), std::string::npos);
  EXPECT_NE(err.find("truncated"), std::string::npos);
  write_file(path, "NOTATENSOR......");
  EXPECT_NE(error_of([&] { read_tensor_file(path); }).find(path), std::string::npos);
  fs::remove_all(dir);
}

TEST(CtrDlrmMetric, LogLossAndAucMatchNumpyGolden) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/logloss/golden.json");
  ASSERT_TRUE(in) << "missing tests/golden/logloss/golden.json";
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_EQ(golden.at("cases").size(), 3u);
  for (const auto& c : golden.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    torch::Tensor z = torch::tensor(c.at("logits").get<std::vector<double>>(), torch::kDouble);
    torch::Tensor y = torch::tensor(c.at("labels").get<std::vector<double>>(), torch::kDouble);
    torch::Tensor w = torch::tensor(c.at("weights").get<std::vector<double>>(), torch::kDouble);
    LossOutput weighted = sigmoid_bce(z, y, w);
    EXPECT_NEAR(weighted.summed.item<double>(), c.at("weighted_sum").get<double>(), 1e-9);
    EXPECT_NEAR(weighted.count.item<double>(), c.at("weighted_count").get<double>(), 1e-9);
    EXPECT_NEAR(sigmoid_bce(z, y, {}).mean().item<double>(), c.at("mean_log_loss").get<double>(), 1e-9);
    EXPECT_NEAR(roc_auc(z, y), c.at("auc").get<double>(), 1e-12);
  }
}

TEST(CtrDlrmMetric, LossByHand) {
  // Logit 0: log 2 whatever the label; logit log 3: p = 3/4, -log(3/4) for a positive, -log(1/4) else.
  torch::Tensor z = torch::tensor({0.0f, 0.0f, std::log(3.0f), std::log(3.0f)});
  torch::Tensor y = torch::tensor({1.0f, 0.0f, 1.0f, 0.0f});
  LossOutput l = sigmoid_bce(z, y, torch::tensor({1.0f, 1.0f, 1.0f, 0.0f}));
  EXPECT_NEAR(l.summed.item<double>(), 2 * std::log(2.0) - std::log(0.75), 1e-6);
  EXPECT_EQ(l.count.item<double>(), 3.0);
  auto w = make_ctr_dlrm("ctr_dlrm");
  Batch b;
  b.targets = y;
  EXPECT_NEAR(w->loss(z, b, 0.0).summed.item<double>(), 2 * std::log(2.0) - std::log(0.75) - std::log(0.25), 1e-5);
  EXPECT_TRUE(std::isnan(roc_auc(z, torch::zeros({4}))));
  EXPECT_EQ(roc_auc(torch::tensor({0.1, 0.2}), torch::tensor({1.0, 0.0})), 0.0);
}

TEST(CtrDlrmModel, DotInteractionByHand) {
  torch::Tensor f = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).reshape({1, 3, 2});
  f = torch::cat({f, 2 * f});  // batch of 2
  torch::Tensor z = dot_interaction(f);
  ASSERT_EQ(z.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(torch::equal(z[0], torch::tensor({11.0f, 17.0f, 39.0f})));  // (0,1), (0,2), (1,2)
  EXPECT_TRUE(torch::equal(z[1], torch::tensor({44.0f, 68.0f, 156.0f})));
}

TEST(CtrDlrmModel, SizesFullScaleAndParamKinds) {
  DlrmConfig full = dlrm_full_scale();
  EXPECT_EQ(full.interaction_dim(), 128 + 27 * 26 / 2);
  // 4,194,304 x 128 embedding + bottom 171,392 + top 2,197,505.
  EXPECT_EQ(full.parameter_count(), 536870912 + 171392 + 2197505);
  full.vocab_sizes = {1000};  // the same layout, buildable in a test
  DlrmImpl small_full(full);
  int64_t n = 0;
  for (const auto& p : small_full.parameters()) n += p.numel();
  EXPECT_EQ(n, full.parameter_count());
  Batch b;
  b.inputs = torch::randn({4, 13});
  b.extras["sparse"] = torch::randint(0, 1 << 30, {4, 26}, torch::kLong);
  EXPECT_EQ(small_full.forward(b).sizes(), (std::vector<int64_t>{4}));

  DlrmConfig c;
  c.num_dense = 3;
  c.vocab_sizes = {10, 7};
  c.layer_norm = true;
  c.dropout_rate = 0.1;
  auto model = std::make_shared<DlrmImpl>(c);
  n = 0;
  for (const auto& p : model->parameters()) n += p.numel();
  EXPECT_EQ(n, c.parameter_count());
  auto w = make_ctr_dlrm("ctr_dlrm_layernorm");
  std::map<ParamType, int> kinds;
  for (const ParamInfo& p : w->param_infos(*model)) kinds[p.type] += 1;
  EXPECT_EQ(kinds[ParamType::Embedding], 2);
  EXPECT_EQ(kinds[ParamType::Weight], 5);  // 2 bottom + 3 top
  EXPECT_EQ(kinds[ParamType::Bias], 5);
  EXPECT_EQ(kinds[ParamType::NormScale], 4);  // after 2 bottom + 2 hidden top layers
  EXPECT_EQ(kinds[ParamType::NormBias], 4);
  EXPECT_EQ(kinds[ParamType::Other], 0);
  bool has_dropout = false;
  for (const auto& m : model->modules()) has_dropout |= dynamic_cast<torch::nn::DropoutImpl*>(m.get()) != nullptr;
  EXPECT_TRUE(has_dropout);
}

TEST(CtrDlrmModel, LearnsAToyRule) {
  set_threads(1);
  torch::manual_seed(3);
  MovieLensSplit data = toy_split(2048, 1);
  DlrmConfig c;
  c.num_dense = 3;
  c.vocab_sizes = {10, 10};
  DlrmImpl model(c);
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(0.01));
  auto stream = make_ctr_stream(data, 256, 7, {});
  Batch all;
  all.inputs = data.dense;
  all.extras["sparse"] = data.sparse;
  const double before = sigmoid_bce(model.forward(all), data.label, {}).mean().item<double>();
  for (int step = 0; step < 300; ++step) {
    Batch b = stream->next();
    opt.zero_grad();
    sigmoid_bce(model.forward(b), b.targets, {}).mean().backward();
    opt.step();
  }
  const double after = sigmoid_bce(model.forward(all), data.label, {}).mean().item<double>();
  EXPECT_GT(before, 0.5);
  EXPECT_LT(after, 0.15);
}

TEST(CtrDlrmStream, DeterministicInTheSeedAndShardedByRank) {
  MovieLensSplit data = toy_split(100, 2);
  auto a = make_ctr_stream(data, 20, 5, {}), b = make_ctr_stream(data, 20, 5, {}), c = make_ctr_stream(data, 20, 6, {});
  auto r0 = make_ctr_stream(data, 20, 5, {0, 2}), r1 = make_ctr_stream(data, 20, 5, {1, 2});
  bool differs = false;
  for (int i = 0; i < 7; ++i) {  // crosses an epoch
    Batch x = a->next(), y = b->next(), z = c->next(), s0 = r0->next(), s1 = r1->next();
    ASSERT_EQ(x.size(), 20);
    EXPECT_TRUE(torch::equal(x.inputs, y.inputs));
    EXPECT_TRUE(torch::equal(x.extras.at("sparse"), y.extras.at("sparse")));
    differs |= !torch::equal(x.inputs, z.inputs);
    ASSERT_EQ(s0.size(), 10);
    EXPECT_TRUE(torch::equal(torch::cat({s0.inputs, s1.inputs}), x.inputs));
    EXPECT_TRUE(torch::equal(torch::cat({s0.extras.at("sparse"), s1.extras.at("sparse")}), x.extras.at("sparse")));
    EXPECT_TRUE(torch::equal(torch::cat({s0.targets, s1.targets}), x.targets));
  }
  EXPECT_TRUE(differs);
}

TEST(CtrDlrmWorkload, RegisteredWithVariantsAndMissingDataSaysWhatToRun) {
  for (const char* name : {"ctr_dlrm", "ctr_dlrm_layernorm", "ctr_dlrm_embed_init"}) {
    const WorkloadEntry& e = workloads().find(name);
    ASSERT_EQ(e.datasets.size(), 1u);
    EXPECT_EQ(e.datasets[0].name, kMovieLensDataset);
    auto w = make_workload(name);
    EXPECT_EQ(w->spec().target_metric, "loss");
    EXPECT_EQ(w->spec().goal, Goal::Minimize);
    EXPECT_EQ(w->spec().base_workload, std::string(name) == "ctr_dlrm" ? "" : "ctr_dlrm");
    EXPECT_GT(w->spec().validation_target, 0.0);
    EXPECT_GT(w->spec().budget_reference_steps, 1000);  // 4/3 of 2,000 steps, at about one reference step each
    EXPECT_LT(w->spec().budget_reference_steps, 4000);
  }
  const fs::path empty = temp_dir("empty");
  auto w = make_workload("ctr_dlrm");
  DataOptions o;
  o.data_dir = empty.string();
  EXPECT_NE(error_of([&] { w->load_data(o); }).find("trainperf data prepare --workload ctr_dlrm"), std::string::npos);
  EXPECT_EQ(datasets().find(kMovieLensDataset).packages, (std::vector<std::string>{"r-base-core", "r-cran-dslabs"}));
  fs::remove_all(empty);
}
