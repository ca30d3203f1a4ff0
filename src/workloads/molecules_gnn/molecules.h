// molecules_gnn: a message-passing graph network predicting MACCS substructure keys of small
// molecules (the analog of AlgoPerf's ogbg-molpcba workload). Data: the "molecules" prepared
// dataset (molecules_dataset.cpp) built from rdkit-data's SMILES files with Open Babel.
// Details: docs/workloads/molecules_gnn.md.
//
// Open Babel's headers are only visible to the .cpp files of this folder: nothing here exposes
// Open Babel types.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/transformer.h"  // nn::Activation

namespace trainperf::workload::molecules_gnn {


inline constexpr const char* kMoleculesDataset = "molecules";

// ---------------------------------------------------------------------------------------------
// SMILES files.
struct SmilesRecord {
  std::string smiles;
  std::string id;
  int64_t line = 0;  // 1-based line in the file
};

enum class SmilesFormat {
  Whitespace,  // "SMILES<tab or spaces>id" per line, no header (RDKit's NCI/first_5K.smi)
  QuotedCsv,   // "\"SMILES\",\"id\"" per line, no header (RDKit's Pains/test_data/wehi_mols.csv)
};

// Blank lines are skipped; a malformed line (no SMILES, unbalanced quote, missing column) throws
// DataError "<origin>:<line>: ...". An empty or unreadable file is a DataError naming it.
std::vector<SmilesRecord> parse_smiles_text(const std::string& text, SmilesFormat format, const std::string& origin);
std::vector<SmilesRecord> read_smiles_file(const std::string& path, SmilesFormat format);

// ---------------------------------------------------------------------------------------------
// Molecules as graphs of categorical features (OGB style: each feature is an integer index
// into its own small vocabulary, embedded by the model).
//
// Node features (kNumNodeFeatures), vocabulary sizes in node_feature_vocab():
//   0 element: C N O S F Cl Br I P B Si Se Na K Li H, 16 = other
//   1 formal charge clamped to [-2, 2], stored + 2
//   2 aromatic (0/1)
//   3 heavy-atom degree (explicit bonds after removing hydrogens), clamped to 6
//   4 total hydrogen count, clamped to 4
//   5 Open Babel hybridisation (0 unknown, 1 sp, 2 sp2, 3 sp3, 4-6 others), clamped to 6
//   6 in a ring (0/1)
// Edge features (kNumEdgeFeatures), vocabulary sizes in edge_feature_vocab():
//   0 bond type: 0 single, 1 double, 2 triple, 3 aromatic, 4 other
//   1 in a ring (0/1)
//   2 rotatable (Open Babel's IsRotor) (0/1)
inline constexpr int kNumNodeFeatures = 7;
inline constexpr int kNumEdgeFeatures = 3;
std::vector<int64_t> node_feature_vocab();
std::vector<int64_t> edge_feature_vocab();
inline constexpr int kMaccsBits = 167;  // Open Babel MACCS fingerprint bits 0..166 (bit i = MACCS key i + 1)

struct MolGraph {
  std::string canonical_smiles;  // Open Babel's canonical SMILES ("can" format)
  int64_t num_atoms = 0;         // heavy atoms
  std::vector<uint8_t> node_features;  // [num_atoms * kNumNodeFeatures]
  std::vector<int32_t> bond_begin, bond_end;  // undirected bonds, 0-based atom indices
  std::vector<uint8_t> bond_features;         // [num_bonds * kNumEdgeFeatures]
  std::vector<uint32_t> maccs_words;          // Open Babel's MACCS fingerprint words
  bool maccs(int bit) const;
  int64_t num_bonds() const { return static_cast<int64_t>(bond_begin.size()); }
};

// Parses one SMILES with Open Babel (its log silenced); nullopt when it cannot be parsed or has
// no heavy atom. The fingerprint is computed on the molecule as parsed (as `obabel -ofpt -xfMACCS`).
std::optional<MolGraph> parse_molecule(const std::string& smiles);

// FNV-1a 64 of the bytes (documented hash for splits and missing labels).
uint64_t fnv1a64(const std::string& bytes);

// ---------------------------------------------------------------------------------------------
// Graph files of the prepared dataset ({train,validation,test}.graphs), little-endian:
//   char[8]  magic "TPMOLGR1"
//   int64    G (graphs), N (nodes), E (directed edges), Fn, Fe, T (tasks)
//   int64    node_offsets[G + 1]    graph g's nodes are rows node_offsets[g] .. node_offsets[g+1]
//   int64    edge_offsets[G + 1]
//   uint8    node_features[N * Fn]
//   int32    edge_index[E * 2]      (source, destination), local to the graph; both directions
//   uint8    edge_features[E * Fe]
//   int8     labels[G * T]          1 / 0 / -1 = missing
struct MoleculeGraphs {
  torch::Tensor node_offsets, edge_offsets;  // [G + 1] int64
  torch::Tensor node_features;               // [N, Fn] uint8
  torch::Tensor edge_index;                  // [E, 2] int32, local
  torch::Tensor edge_features;               // [E, Fe] uint8
  torch::Tensor labels;                      // [G, T] int8
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  int64_t num_tasks() const { return labels.defined() ? labels.size(1) : 0; }
};

// Builds the tensors from graphs and their label rows ([T] each, 1/0/-1).
MoleculeGraphs pack_molecule_graphs(const std::vector<const MolGraph*>& graphs,
                                    const std::vector<std::vector<int8_t>>& labels);
void write_molecule_graphs(const std::string& path, const MoleculeGraphs& g);
// Throws DataError naming the file when it is missing, truncated or inconsistent.
MoleculeGraphs read_molecule_graphs(const std::string& path);

// A batch of graphs `ids` (int64 indices into g), nodes and edges concatenated:
//   inputs  node features [N, Fn] int64      (so Batch::size() counts nodes, not graphs)
//   extras  "edge_index" [2, E] int64 (batch node indices, both directions),
//           "edge_features" [E, Fe] int64, "node_graph" [N] int64 (graph of each node),
//           "num_graphs" [] int64
//   targets [G, T] float (missing labels 0), weights [G, T] float (1 where the label is present)
Batch make_graph_batch(const MoleculeGraphs& g, const torch::Tensor& ids);

// ---------------------------------------------------------------------------------------------
// The dataset builder. max_per_file > 0 reads only the first records of each file (tests).
struct MoleculesBuildOptions {
  int64_t max_per_file = 0;
  double missing_rate = 0.3;
};
nlohmann::json build_molecules_dataset(PrepareContext& ctx, const MoleculesBuildOptions& options = {});
DatasetEntry molecules_dataset();  // "molecules": the prepared dataset molecules_gnn reads

// ---------------------------------------------------------------------------------------------
// Loss and metric.

// Sigmoid binary cross-entropy summed over present labels (weights = mask); count = present labels.
LossOutput masked_sigmoid_bce(const torch::Tensor& logits, const torch::Tensor& targets,
                              const torch::Tensor& weights);

// Average precision of one task (scikit-learn's average_precision_score): scores sorted in
// decreasing order, tied scores form one threshold; AP = sum over thresholds of
// (recall_k - recall_{k-1}) * precision_k. labels 0/1. NaN without a positive.
double average_precision(const std::vector<double>& scores, const std::vector<int>& labels);

// Mean over tasks with at least one present positive and one present negative of the AP over the
// present labels. scores [n, T], labels [n, T] (1 / 0 / -1 = missing). NaN when no task qualifies.
double mean_average_precision(const torch::Tensor& scores, const torch::Tensor& labels);

// ---------------------------------------------------------------------------------------------
// The model: AlgoPerf's ogbg GraphNetwork (Jraph) with categorical embeddings.
struct GnnConfig {
  int64_t latent_dim = 64;
  std::vector<int64_t> hidden_dims = {64};  // each MLP: Linear -> LayerNorm -> activation -> dropout per dim
  int64_t num_message_passing_steps = 3;
  int64_t num_tasks = 0;
  std::vector<int64_t> node_vocab = node_feature_vocab();
  std::vector<int64_t> edge_vocab = edge_feature_vocab();
  nn::Activation activation = nn::Activation::ReLU;
  bool layer_norm = true;
  double dropout_rate = 0.0;
};

// AlgoPerf's full-scale ogbg model: latent 256, hidden [256], 5 steps, dropout 0.1, LayerNorm
// (batch 512 graphs).
GnnConfig full_scale_gnn_config(int64_t num_tasks);
inline constexpr int64_t kFullScaleBatchSize = 512;

// The number of parameters of make_gnn(c), by formula.
int64_t gnn_param_count(const GnnConfig& c);

ModelPtr make_gnn(const GnnConfig& c);

std::unique_ptr<Workload> make_molecules_gnn(const std::string& name);
// The same workload on in-memory splits (tests): no prepared dataset needed.
std::unique_ptr<Workload> make_molecules_gnn(const std::string& name, MoleculeGraphs train, MoleculeGraphs validation,
                                             MoleculeGraphs test);

// The training stream: reshuffled every epoch (generator seeded with `seed`); each rank takes its
// slice [rank*b/w, (rank+1)*b/w) of every global batch of b graphs.
std::unique_ptr<BatchStream> make_graph_stream(std::shared_ptr<const MoleculeGraphs> data, int64_t global_batch,
                                               uint64_t seed, DistInfo dist, torch::Device device = torch::kCPU);

}  // namespace trainperf::workload::molecules_gnn
