// molecules_gnn: SMILES readers, the Open Babel wrapper (against `obabel` output kept in
// tests/golden/molecules), the graph file format, the dataset builder's determinism on a subset,
// the loss by hand, mean AP against tests/golden/mean_ap (independent numpy), batching, the
// training stream, parameter kinds and counts, and learning a toy graph property.
#include <gtest/gtest.h>

#include <trainperf/distributed.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "data/dataset_cache.h"
#include "nn/param_types.h"
#include "workloads/molecules_gnn/molecules.h"

using namespace trainperf;
using namespace trainperf::workload::molecules_gnn;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNci = "/usr/share/RDKit/Data/NCI/first_5K.smi";
constexpr const char* kWehi = "/usr/share/RDKit/Data/Pains/test_data/wehi_mols.csv";

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("trainperf_molecules_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

template <typename F>
std::string data_error_message(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

// A toy molecule: a chain of `n` atoms (element indices given), optionally closed into a ring.
MolGraph toy_graph(const std::vector<int>& elements, bool ring) {
  MolGraph g;
  g.num_atoms = static_cast<int64_t>(elements.size());
  for (int e : elements) {
    const uint8_t f[kNumNodeFeatures] = {static_cast<uint8_t>(e), 2, 0, 2, 1, 3, static_cast<uint8_t>(ring)};
    g.node_features.insert(g.node_features.end(), f, f + kNumNodeFeatures);
  }
  const int n = static_cast<int>(elements.size());
  for (int i = 0; i + 1 < n; ++i) {
    g.bond_begin.push_back(i);
    g.bond_end.push_back(i + 1);
  }
  if (ring && n > 2) {
    g.bond_begin.push_back(n - 1);
    g.bond_end.push_back(0);
  }
  for (size_t b = 0; b < g.bond_begin.size(); ++b) {
    const uint8_t f[kNumEdgeFeatures] = {0, static_cast<uint8_t>(ring), 0};
    g.bond_features.insert(g.bond_features.end(), f, f + kNumEdgeFeatures);
  }
  return g;
}

// Toy problem: task 0 = "contains nitrogen (element 1)", task 1 = "is a ring" (a graph property only
// message passing over the bond structure reveals: ring flags are zeroed), task 2 = "> 6 atoms".
MoleculeGraphs toy_dataset(int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<MolGraph> graphs;
  std::vector<std::vector<int8_t>> labels;
  for (int i = 0; i < count; ++i) {
    const int n = 3 + static_cast<int>(rng() % 7);
    std::vector<int> el;
    bool nitrogen = false;
    for (int a = 0; a < n; ++a) {
      const int e = rng() % 5 == 0 ? 1 : (rng() % 2 == 0 ? 0 : 2);
      nitrogen |= e == 1;
      el.push_back(e);
    }
    const bool ring = rng() % 2 == 0;
    MolGraph g = toy_graph(el, ring);
    for (size_t k = 6; k < g.node_features.size(); k += kNumNodeFeatures) g.node_features[k] = 0;
    for (size_t k = 1; k < g.bond_features.size(); k += kNumEdgeFeatures) g.bond_features[k] = 0;
    graphs.push_back(std::move(g));
    labels.push_back({static_cast<int8_t>(nitrogen), static_cast<int8_t>(ring), static_cast<int8_t>(n > 6)});
    if (i % 7 == 3) labels.back()[static_cast<size_t>(i % 3)] = -1;  // some missing labels
  }
  std::vector<const MolGraph*> ptrs;
  for (const auto& g : graphs) ptrs.push_back(&g);
  return pack_molecule_graphs(ptrs, labels);
}

}  // namespace

// ----------------------------------------------------------------------------- readers

TEST(MoleculesSmiles, ParsesBothFormats) {
  auto a = parse_smiles_text("CCO\t1\n\nc1ccccc1  benzene\r\n", SmilesFormat::Whitespace, "a.smi");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].smiles, "CCO");
  EXPECT_EQ(a[0].id, "1");
  EXPECT_EQ(a[1].smiles, "c1ccccc1");
  EXPECT_EQ(a[1].id, "benzene");
  EXPECT_EQ(a[1].line, 3);
  auto b = parse_smiles_text("\"N(C)C\",\"WEHI-1\"\n\"C\"\"X\",\"id, 2\"\n", SmilesFormat::QuotedCsv, "b.csv");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].smiles, "N(C)C");
  EXPECT_EQ(b[0].id, "WEHI-1");
  EXPECT_EQ(b[1].smiles, "C\"X");
  EXPECT_EQ(b[1].id, "id, 2");
}

TEST(MoleculesSmiles, MalformedOrMissingInputIsADataErrorNamingTheFile) {
  EXPECT_NE(data_error_message([] { parse_smiles_text("CCO\t1\nCCN\n", SmilesFormat::Whitespace, "x.smi"); })
                .find("x.smi:2"),
            std::string::npos);
  EXPECT_NE(data_error_message([] { parse_smiles_text("\"CCO\",\"1\"\n\"CCN,\"2\n", SmilesFormat::QuotedCsv, "y.csv"); })
                .find("y.csv:2"),
            std::string::npos);
  EXPECT_NE(data_error_message([] { parse_smiles_text("\n\n", SmilesFormat::Whitespace, "empty.smi"); })
                .find("empty.smi"),
            std::string::npos);
  EXPECT_NE(data_error_message([] { read_smiles_file("/nonexistent/dir/first_5K.smi", SmilesFormat::Whitespace); })
                .find("/nonexistent/dir/first_5K.smi"),
            std::string::npos);
  // A truncated copy of the real file: its last line lost the id column.
  const std::string dir = temp_dir("truncated");
  std::string text = read_file(kNci).substr(0, 200);
  text = text.substr(0, text.rfind('\t'));
  write_file(dir + "/first_5K.smi", text);
  EXPECT_NE(data_error_message([&] { read_smiles_file(dir + "/first_5K.smi", SmilesFormat::Whitespace); })
                .find(dir + "/first_5K.smi:"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(MoleculesSmiles, ReadsTheInstalledFiles) {
  auto nci = read_smiles_file(kNci, SmilesFormat::Whitespace);
  auto wehi = read_smiles_file(kWehi, SmilesFormat::QuotedCsv);
  EXPECT_EQ(nci.size(), 4999u);
  EXPECT_EQ(wehi.size(), 10000u);
  EXPECT_EQ(nci[0].smiles, "CC1=CC(=O)C=CC1=O");
  EXPECT_EQ(nci[0].id, "1");
  EXPECT_EQ(wehi[0].smiles, "N(NC(=O)C1CCC1)c2ccc(cc2)C(C)(C)C");
  EXPECT_EQ(wehi[0].id, "WEHI-0039854");
}

// ----------------------------------------------------------------------------- Open Babel

TEST(MoleculesOpenBabel, KnownMolecules) {
  auto benzene = parse_molecule("c1ccccc1");
  ASSERT_TRUE(benzene);
  EXPECT_EQ(benzene->num_atoms, 6);
  EXPECT_EQ(benzene->num_bonds(), 6);
  for (int a = 0; a < 6; ++a) {
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 0], 0);  // carbon
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 2], 1);  // aromatic
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 3], 2);  // two heavy neighbours
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 4], 1);  // one hydrogen
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 5], 2);  // sp2
    EXPECT_EQ(benzene->node_features[a * kNumNodeFeatures + 6], 1);  // in a ring
  }
  for (int b = 0; b < 6; ++b) {
    EXPECT_EQ(benzene->bond_features[b * kNumEdgeFeatures + 0], 3);  // aromatic bond
    EXPECT_EQ(benzene->bond_features[b * kNumEdgeFeatures + 1], 1);
  }
  auto ethanol = parse_molecule("OCC");
  ASSERT_TRUE(ethanol);
  EXPECT_EQ(ethanol->num_atoms, 3);
  EXPECT_EQ(ethanol->num_bonds(), 2);
  EXPECT_EQ(ethanol->canonical_smiles, parse_molecule("CCO")->canonical_smiles);
  EXPECT_EQ(ethanol->node_features[0 * kNumNodeFeatures + 0], 2);  // oxygen
  EXPECT_EQ(ethanol->node_features[0 * kNumNodeFeatures + 4], 1);  // OH
  EXPECT_EQ(ethanol->node_features[2 * kNumNodeFeatures + 4], 3);  // CH3
  EXPECT_EQ(ethanol->node_features[2 * kNumNodeFeatures + 5], 3);  // sp3
  auto nitrile = parse_molecule("CC#N");
  ASSERT_TRUE(nitrile);
  EXPECT_EQ(nitrile->bond_features[1 * kNumEdgeFeatures + 0], 2);  // triple
  auto ammonium = parse_molecule("[NH4+]");
  ASSERT_TRUE(ammonium);
  EXPECT_EQ(ammonium->node_features[1], 3);  // charge +1 stored + 2
  EXPECT_EQ(ammonium->node_features[4], 4);
  auto explicit_h = parse_molecule("[H]OC([H])([H])[H]");  // methanol with explicit hydrogens
  ASSERT_TRUE(explicit_h);
  EXPECT_EQ(explicit_h->num_atoms, 2);
  EXPECT_FALSE(parse_molecule("C1CC(("));
  EXPECT_FALSE(parse_molecule("not a smiles"));
}

TEST(MoleculesOpenBabel, MaccsMatchesTheObabelTool) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/molecules/maccs_obabel.txt");
  ASSERT_TRUE(in) << "missing tests/golden/molecules/maccs_obabel.txt";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t tab = line.find('\t');
    const std::string smiles = line.substr(0, tab);
    std::istringstream rest(line.substr(tab + 1));
    int bits_set = 0;
    std::string word;
    rest >> bits_set >> word >> word;  // "N bits set"
    std::vector<uint32_t> words;
    while (rest >> word) words.push_back(static_cast<uint32_t>(std::stoul(word, nullptr, 16)));
    std::reverse(words.begin(), words.end());  // obabel prints the last word first
    auto g = parse_molecule(smiles);
    ASSERT_TRUE(g) << smiles;
    int count = 0;
    for (int b = 0; b < 32 * static_cast<int>(words.size()); ++b) {
      const bool expected = (words[b / 32] >> (b % 32)) & 1u;
      EXPECT_EQ(g->maccs(b), expected) << smiles << " bit " << b;
      count += g->maccs(b) ? 1 : 0;
    }
    EXPECT_EQ(count, bits_set) << smiles;
    ++checked;
  }
  EXPECT_GE(checked, 7);
  // Benzene: MACCS keys 162 (aromatic), 163 (6-ring), 165 (ring) = Open Babel bits 161, 162, 164.
  auto benzene = parse_molecule("c1ccccc1");
  EXPECT_TRUE(benzene->maccs(161) && benzene->maccs(162) && benzene->maccs(164));
}

// ----------------------------------------------------------------------------- graph files

TEST(MoleculesGraphFile, RoundTripAndCorruptFiles) {
  std::vector<MolGraph> mols;
  for (const char* s : {"c1ccccc1O", "CCN(CC)CC", "[Na+].[Cl-]", "C"}) mols.push_back(*parse_molecule(s));
  std::vector<const MolGraph*> ptrs;
  for (auto& m : mols) ptrs.push_back(&m);
  std::vector<std::vector<int8_t>> labels = {{1, 0, -1}, {0, 0, 1}, {-1, 1, 0}, {1, 1, 1}};
  MoleculeGraphs g = pack_molecule_graphs(ptrs, labels);
  EXPECT_EQ(g.size(), 4);
  EXPECT_EQ(g.node_features.size(0), 7 + 7 + 2 + 1);
  EXPECT_EQ(g.edge_index.size(0), 2 * (7 + 6 + 0 + 0));
  const std::string dir = temp_dir("graphs");
  const std::string path = dir + "/train.graphs";
  write_molecule_graphs(path, g);
  MoleculeGraphs r = read_molecule_graphs(path);
  EXPECT_TRUE(torch::equal(r.node_offsets, g.node_offsets));
  EXPECT_TRUE(torch::equal(r.edge_offsets, g.edge_offsets));
  EXPECT_TRUE(torch::equal(r.node_features, g.node_features));
  EXPECT_TRUE(torch::equal(r.edge_index, g.edge_index));
  EXPECT_TRUE(torch::equal(r.edge_features, g.edge_features));
  EXPECT_TRUE(torch::equal(r.labels, g.labels));

  const std::string bytes = read_file(path);
  write_file(path, bytes.substr(0, bytes.size() - 5));
  EXPECT_NE(data_error_message([&] { read_molecule_graphs(path); }).find(path), std::string::npos);
  write_file(path, "XXXXXXXX" + bytes.substr(8));
  EXPECT_NE(data_error_message([&] { read_molecule_graphs(path); }).find("magic"), std::string::npos);
  std::string bad = bytes;
  bad[bad.size() - 1] = 7;  // a label outside {-1, 0, 1}
  write_file(path, bad);
  EXPECT_NE(data_error_message([&] { read_molecule_graphs(path); }).find("labels"), std::string::npos);
  EXPECT_NE(data_error_message([&] { read_molecule_graphs(dir + "/missing.graphs"); }).find("missing.graphs"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(MoleculesGraphFile, BatchConcatenatesGraphs) {
  MoleculeGraphs g = toy_dataset(10, 1);
  torch::Tensor ids = torch::tensor({3, 0, 7}, torch::kLong);
  Batch b = make_graph_batch(g, ids);
  const auto* no = g.node_offsets.data_ptr<int64_t>();
  const auto* eo = g.edge_offsets.data_ptr<int64_t>();
  int64_t N = 0, E = 0;
  for (int64_t i : {3, 0, 7}) {
    N += no[i + 1] - no[i];
    E += eo[i + 1] - eo[i];
  }
  EXPECT_EQ(b.inputs.sizes(), (std::vector<int64_t>{N, kNumNodeFeatures}));
  EXPECT_EQ(b.extras.at("edge_index").sizes(), (std::vector<int64_t>{2, E}));
  EXPECT_EQ(b.extras.at("edge_features").sizes(), (std::vector<int64_t>{E, kNumEdgeFeatures}));
  EXPECT_EQ(b.extras.at("num_graphs").item<int64_t>(), 3);
  torch::Tensor ng = b.extras.at("node_graph");
  EXPECT_EQ(ng.size(0), N);
  EXPECT_EQ(ng[0].item<int64_t>(), 0);
  EXPECT_EQ(ng[N - 1].item<int64_t>(), 2);
  // Every edge joins two nodes of the same graph.
  torch::Tensor ei = b.extras.at("edge_index");
  EXPECT_TRUE(torch::equal(ng.index_select(0, ei[0]), ng.index_select(0, ei[1])));
  // The first graph's nodes are graph 3's, in order.
  EXPECT_TRUE(torch::equal(b.inputs.narrow(0, 0, no[4] - no[3]), g.node_features.narrow(0, no[3], no[4] - no[3]).to(torch::kLong)));
  torch::Tensor labels = g.labels.index_select(0, ids);
  EXPECT_TRUE(torch::equal(b.weights, (labels >= 0).to(torch::kFloat)));
  EXPECT_TRUE(torch::equal(b.targets, (labels == 1).to(torch::kFloat)));
}

TEST(MoleculesBuilder, DeterministicOnASubset) {
  nlohmann::json summaries[2];
  std::string dirs[2] = {temp_dir("build_a"), temp_dir("build_b")};
  MoleculesBuildOptions opt;
  opt.max_per_file = 120;
  for (int i = 0; i < 2; ++i) {
    PrepareContext ctx;
    ctx.out_dir = dirs[i];
    ctx.log = [](const std::string&) {};
    summaries[i] = build_molecules_dataset(ctx, opt);
    EXPECT_EQ(ctx.sources.size(), 2u);
  }
  EXPECT_EQ(summaries[0], summaries[1]);
  for (const char* f : {"train.graphs", "validation.graphs", "test.graphs", "molecules.tsv"})
    EXPECT_EQ(sha256_file(dirs[0] + "/" + f), sha256_file(dirs[1] + "/" + f)) << f;
  const int64_t unique = summaries[0].at("unique_molecules").get<int64_t>();
  EXPECT_GT(unique, 200);
  EXPECT_LE(unique, 240);
  EXPECT_EQ(summaries[0].at("train_graphs").get<int64_t>() + summaries[0].at("validation_graphs").get<int64_t>() +
                summaries[0].at("test_graphs").get<int64_t>(),
            unique);
  const int64_t T = summaries[0].at("num_tasks").get<int64_t>();
  EXPECT_GT(T, 50);
  EXPECT_EQ(static_cast<int64_t>(summaries[0].at("tasks_maccs_bits").size()), T);
  MoleculeGraphs train = read_molecule_graphs(dirs[0] + "/train.graphs");
  EXPECT_EQ(train.num_tasks(), T);
  const double missing = (train.labels < 0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(missing, 0.3, 0.03);
  for (auto& d : dirs) fs::remove_all(d);
}

// ----------------------------------------------------------------------------- loss and metric

TEST(MoleculesLoss, MaskedSigmoidCrossEntropyByHand) {
  torch::Tensor logits = torch::tensor({{0.0, 2.0}, {-1.0, 3.0}});
  torch::Tensor targets = torch::tensor({{1.0, 0.0}, {0.0, 1.0}});
  torch::Tensor weights = torch::tensor({{1.0, 1.0}, {1.0, 0.0}});
  LossOutput l = masked_sigmoid_bce(logits, targets, weights);
  // -log(sigmoid(0)) + -log(1 - sigmoid(2)) + -log(1 - sigmoid(-1)); the masked entry is dropped.
  const double expected = std::log(2.0) + std::log1p(std::exp(2.0)) + std::log1p(std::exp(-1.0));
  EXPECT_NEAR(l.summed.item<double>(), expected, 1e-5);
  EXPECT_EQ(l.count.item<double>(), 3.0);
  EXPECT_NEAR(l.mean().item<double>(), expected / 3, 1e-6);
}

TEST(MoleculesMetric, MeanAveragePrecisionMatchesTheNumpyGolden) {
  std::ifstream in(std::string(TRAINPERF_TESTS_DIR) + "/golden/mean_ap/mean_ap_golden.json");
  ASSERT_TRUE(in) << "missing tests/golden/mean_ap/mean_ap_golden.json";
  const auto golden = nlohmann::json::parse(in);
  int cases = 0;
  for (const auto& c : golden.at("cases")) {
    const auto scores = c.at("scores").get<std::vector<std::vector<double>>>();
    const auto labels = c.at("labels").get<std::vector<std::vector<int64_t>>>();
    const int64_t n = static_cast<int64_t>(scores.size()), T = static_cast<int64_t>(scores[0].size());
    torch::Tensor s = torch::empty({n, T}, torch::kDouble), l = torch::empty({n, T}, torch::kLong);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t t = 0; t < T; ++t) {
        s[i][t] = scores[i][t];
        l[i][t] = labels[i][t];
      }
    EXPECT_NEAR(mean_average_precision(s, l), c.at("mean_ap").get<double>(), 1e-12) << "case " << cases;
    // Per task, too.
    for (int64_t t = 0; t < T; ++t) {
      if (c.at("per_task_ap")[t].is_null()) continue;
      std::vector<double> ts;
      std::vector<int> tl;
      for (int64_t i = 0; i < n; ++i)
        if (labels[i][t] >= 0) {
          ts.push_back(scores[i][t]);
          tl.push_back(static_cast<int>(labels[i][t]));
        }
      EXPECT_NEAR(average_precision(ts, tl), c.at("per_task_ap")[t].get<double>(), 1e-12);
    }
    ++cases;
  }
  EXPECT_EQ(cases, 5);
  // No qualifying task: NaN.
  EXPECT_TRUE(std::isnan(mean_average_precision(torch::ones({3, 1}), torch::zeros({3, 1}, torch::kLong))));
}

// ----------------------------------------------------------------------------- stream, model

TEST(MoleculesStream, DeterministicInTheSeedAndShardedByRank) {
  auto data = std::make_shared<const MoleculeGraphs>(toy_dataset(40, 2));
  auto ids_of = [](const Batch& b) { return b.inputs; };
  auto s1 = make_graph_stream(data, 8, 7, {});
  auto s2 = make_graph_stream(data, 8, 7, {});
  auto s3 = make_graph_stream(data, 8, 8, {});
  auto r0 = make_graph_stream(data, 8, 7, {0, 2});
  auto r1 = make_graph_stream(data, 8, 7, {1, 2});
  bool differs = false;
  for (int step = 0; step < 12; ++step) {  // crosses epochs (5 batches per epoch)
    Batch a = s1->next(), b = s2->next(), c = s3->next(), x = r0->next(), y = r1->next();
    EXPECT_TRUE(torch::equal(ids_of(a), ids_of(b)));
    EXPECT_TRUE(torch::equal(a.targets, b.targets));
    differs |= !torch::equal(a.targets, c.targets) || !ids_of(a).sizes().equals(ids_of(c).sizes()) ||
               !torch::equal(ids_of(a), ids_of(c));
    EXPECT_EQ(a.extras.at("num_graphs").item<int64_t>(), 8);
    EXPECT_EQ(x.extras.at("num_graphs").item<int64_t>(), 4);
    EXPECT_EQ(y.extras.at("num_graphs").item<int64_t>(), 4);
    // The two shards are the global batch's halves.
    EXPECT_TRUE(torch::equal(torch::cat({x.targets, y.targets}), a.targets));
    EXPECT_TRUE(torch::equal(torch::cat({x.inputs, y.inputs}), a.inputs));
  }
  EXPECT_TRUE(differs);
}

TEST(MoleculesGnn, ParameterKindsAndCounts) {
  GnnConfig c;
  c.num_tasks = 11;
  ModelPtr m = make_gnn(c);
  int64_t n = 0;
  for (const auto& p : m->parameters()) n += p.numel();
  EXPECT_EQ(n, gnn_param_count(c));
  for (const ParamInfo& p : infer_param_types(*m)) {
    const std::string& name = p.name;
    if (name.find("embed") != std::string::npos) EXPECT_EQ(p.type, ParamType::Embedding) << name;
    else if (name.find("norm") != std::string::npos)
      EXPECT_EQ(p.type, name.find("bias") != std::string::npos ? ParamType::NormBias : ParamType::NormScale) << name;
    else if (name.find("bias") != std::string::npos) EXPECT_EQ(p.type, ParamType::Bias) << name;
    else EXPECT_EQ(p.type, ParamType::Weight) << name;
  }
  // AlgoPerf's full-scale ogbg configuration, counted by formula and built.
  GnnConfig full = full_scale_gnn_config(128);
  EXPECT_EQ(full.latent_dim, 256);
  EXPECT_EQ(full.num_message_passing_steps, 5);
  EXPECT_EQ(full.hidden_dims, std::vector<int64_t>{256});
  EXPECT_DOUBLE_EQ(full.dropout_rate, 0.1);
  EXPECT_EQ(kFullScaleBatchSize, 512);
  ModelPtr fm = make_gnn(full);
  int64_t fn = 0;
  for (const auto& p : fm->parameters()) fn += p.numel();
  EXPECT_EQ(fn, gnn_param_count(full));
  // By hand: embeddings (45 + 9) * 256; step 0: edge 1024*256, node 1024*256, global 768*256 (+ bias
  // and LayerNorm 3*256 each); steps 1-4 the same widths; decoder 256*128 + 128.
  const int64_t per_step = (1024 + 1024 + 768) * 256 + 3 * 3 * 256;
  EXPECT_EQ(fn, 54 * 256 + 5 * per_step + 256 * 128 + 128);
  EXPECT_EQ(fn, 3662720);
}

TEST(MoleculesGnn, LearnsAToyGraphProperty) {
  torch::manual_seed(0);
  MoleculeGraphs train = toy_dataset(256, 3), val = toy_dataset(128, 4), test = toy_dataset(64, 5);
  std::unique_ptr<Workload> w = make_molecules_gnn("molecules_gnn", train, val, test);
  EXPECT_EQ(w->spec().num_train_examples, 256);
  EXPECT_EQ(w->spec().num_validation_examples, 128);
  ModelPtr model = w->init_model(1, {});
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(3e-3));
  auto stream = w->train_stream(32, 9, {});
  LocalCommunicator comm;
  const Metrics before = w->evaluate(*model, Split::Validation, comm);
  for (int step = 0; step < 120; ++step) {
    Batch b = stream->next();
    opt.zero_grad();
    LossOutput l = w->loss(w->model_fn(*model, b, ForwardMode::Train), b, 0.0);
    l.mean().backward();
    opt.step();
  }
  const Metrics after = w->evaluate(*model, Split::Validation, comm);
  EXPECT_EQ(after.at("num_examples"), 128);
  EXPECT_LT(after.at("loss"), 0.5 * before.at("loss"));
  EXPECT_GT(after.at("mean_average_precision"), 0.95);
  const Metrics eval_train = w->evaluate(*model, Split::EvalTrain, comm);
  EXPECT_EQ(eval_train.at("num_examples"), 128);
}
