// The "molecules" prepared dataset: rdkit-data's NCI first_5K.smi and PAINS wehi_mols.csv parsed
// with Open Babel, de-duplicated by canonical SMILES, labelled with MACCS keys, split 80/10/10 by a
// hash of the canonical SMILES. Format and choices: molecules.h, docs/workloads/molecules_gnn.md.
#include <openbabel/atom.h>
#include <openbabel/bond.h>
#include <openbabel/fingerprint.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>
#include <openbabel/oberror.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "data/dataset_cache.h"
#include "workloads/molecules_gnn/molecules.h"

namespace trainperf::workload::molecules_gnn {

namespace {

constexpr const char* kPackage = "rdkit-data";
constexpr const char* kNciFile = "/usr/share/RDKit/Data/NCI/first_5K.smi";
constexpr const char* kWehiFile = "/usr/share/RDKit/Data/Pains/test_data/wehi_mols.csv";
constexpr char kMagic[8] = {'T', 'P', 'M', 'O', 'L', 'G', 'R', '1'};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// One quoted CSV field starting at `pos` (which must be a quote); returns it and moves pos past it.
std::string quoted_field(const std::string& line, size_t& pos, const std::string& where) {
  if (pos >= line.size() || line[pos] != '"') throw DataError(where + ": expected a quoted field");
  std::string out;
  for (size_t i = pos + 1; i < line.size(); ++i) {
    if (line[i] == '"') {
      if (i + 1 < line.size() && line[i + 1] == '"') {
        out += '"';
        ++i;
        continue;
      }
      pos = i + 1;
      return out;
    }
    out += line[i];
  }
  throw DataError(where + ": unbalanced quote");
}

int element_index(unsigned z) {
  static const unsigned kElements[] = {6, 7, 8, 16, 9, 17, 35, 53, 15, 5, 14, 34, 11, 19, 3, 1};
  for (int i = 0; i < 16; ++i)
    if (kElements[i] == z) return i;
  return 16;
}

uint8_t clamp_u8(int v, int lo, int hi) { return static_cast<uint8_t>(std::min(std::max(v, lo), hi)); }

struct OpenBabelInit {
  OpenBabelInit() {
    OpenBabel::obErrorLog.StopLogging();
    OpenBabel::obErrorLog.SetOutputLevel(OpenBabel::obError);
  }
};

template <typename T>
void append(std::string& out, const T* data, size_t n) {
  out.append(reinterpret_cast<const char*>(data), n * sizeof(T));
}

}  // namespace

// ----------------------------------------------------------------------------- SMILES files

std::vector<SmilesRecord> parse_smiles_text(const std::string& text, SmilesFormat format, const std::string& origin) {
  std::vector<SmilesRecord> out;
  std::istringstream in(text);
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    const std::string where = origin + ":" + std::to_string(n);
    SmilesRecord r;
    r.line = n;
    if (format == SmilesFormat::Whitespace) {
      std::istringstream fields(line);
      fields >> r.smiles >> r.id;
      if (r.id.empty()) throw DataError(where + ": expected 'SMILES id', got '" + line + "'");
    } else {
      size_t pos = line.find_first_not_of(" \t");
      r.smiles = quoted_field(line, pos, where);
      pos = line.find_first_not_of(" \t", pos);
      if (pos == std::string::npos || line[pos] != ',') throw DataError(where + ": expected a comma after the SMILES");
      pos = line.find_first_not_of(" \t", pos + 1);
      r.id = quoted_field(line, pos, where);
      if (trim(line.substr(pos)) != "") throw DataError(where + ": unexpected text after the second field");
    }
    if (r.smiles.empty() || r.smiles.find_first_of(" \t") != std::string::npos)
      throw DataError(where + ": empty or malformed SMILES");
    out.push_back(std::move(r));
  }
  if (out.empty()) throw DataError(origin + ": no SMILES records (empty or truncated file)");
  return out;
}

std::vector<SmilesRecord> read_smiles_file(const std::string& path, SmilesFormat format) {
  return parse_smiles_text(read_file(path), format, path);
}

// ----------------------------------------------------------------------------- Open Babel

std::vector<int64_t> node_feature_vocab() { return {17, 5, 2, 7, 5, 7, 2}; }
std::vector<int64_t> edge_feature_vocab() { return {5, 2, 2}; }

bool MolGraph::maccs(int bit) const {
  const size_t w = static_cast<size_t>(bit) / 32;
  return w < maccs_words.size() && ((maccs_words[w] >> (bit % 32)) & 1u) != 0;
}

uint64_t fnv1a64(const std::string& bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::optional<MolGraph> parse_molecule(const std::string& smiles) {
  static OpenBabelInit init;
  OpenBabel::OBConversion conv;
  if (!conv.SetInAndOutFormats("smi", "can")) throw std::runtime_error("Open Babel: no SMILES format plugin");
  OpenBabel::OBMol mol;
  if (!conv.ReadString(&mol, smiles) || mol.NumAtoms() == 0) return std::nullopt;
  MolGraph g;
  OpenBabel::OBFingerprint* fp = OpenBabel::OBFingerprint::FindFingerprint("MACCS");
  if (fp == nullptr) throw std::runtime_error("Open Babel: no MACCS fingerprint plugin");
  std::vector<unsigned int> words;
  if (!fp->GetFingerprint(&mol, words)) return std::nullopt;
  g.maccs_words.assign(words.begin(), words.end());
  std::string can = conv.WriteString(&mol, /*trimWhitespace=*/true);
  g.canonical_smiles = trim(can.substr(0, can.find_first_of(" \t\n")));
  if (g.canonical_smiles.empty()) return std::nullopt;

  mol.DeleteHydrogens();  // explicit [H] atoms become hydrogen counts
  const unsigned n = mol.NumAtoms();
  if (n == 0) return std::nullopt;
  g.num_atoms = n;
  g.node_features.reserve(n * kNumNodeFeatures);
  for (unsigned i = 1; i <= n; ++i) {
    OpenBabel::OBAtom* a = mol.GetAtom(static_cast<int>(i));
    const int hs = static_cast<int>(a->GetImplicitHCount()) + static_cast<int>(a->ExplicitHydrogenCount());
    g.node_features.push_back(static_cast<uint8_t>(element_index(a->GetAtomicNum())));
    g.node_features.push_back(clamp_u8(a->GetFormalCharge() + 2, 0, 4));
    g.node_features.push_back(a->IsAromatic() ? 1 : 0);
    g.node_features.push_back(clamp_u8(static_cast<int>(a->GetExplicitDegree()), 0, 6));
    g.node_features.push_back(clamp_u8(hs, 0, 4));
    g.node_features.push_back(clamp_u8(static_cast<int>(a->GetHyb()), 0, 6));
    g.node_features.push_back(a->IsInRing() ? 1 : 0);
  }
  for (unsigned i = 0; i < mol.NumBonds(); ++i) {
    OpenBabel::OBBond* b = mol.GetBond(static_cast<int>(i));
    g.bond_begin.push_back(static_cast<int32_t>(b->GetBeginAtomIdx()) - 1);
    g.bond_end.push_back(static_cast<int32_t>(b->GetEndAtomIdx()) - 1);
    const unsigned order = b->GetBondOrder();
    const uint8_t type = b->IsAromatic() ? 3 : order == 1 ? 0 : order == 2 ? 1 : order == 3 ? 2 : 4;
    g.bond_features.push_back(type);
    g.bond_features.push_back(b->IsInRing() ? 1 : 0);
    g.bond_features.push_back(b->IsRotor() ? 1 : 0);
  }
  return g;
}

// ----------------------------------------------------------------------------- graph files

MoleculeGraphs pack_molecule_graphs(const std::vector<const MolGraph*>& graphs,
                                    const std::vector<std::vector<int8_t>>& labels) {
  const int64_t G = static_cast<int64_t>(graphs.size());
  const int64_t T = labels.empty() ? 0 : static_cast<int64_t>(labels[0].size());
  int64_t N = 0, E = 0;
  for (const MolGraph* g : graphs) {
    N += g->num_atoms;
    E += 2 * g->num_bonds();
  }
  MoleculeGraphs out;
  out.node_offsets = torch::empty({G + 1}, torch::kLong);
  out.edge_offsets = torch::empty({G + 1}, torch::kLong);
  out.node_features = torch::empty({N, kNumNodeFeatures}, torch::kUInt8);
  out.edge_index = torch::empty({E, 2}, torch::kInt);
  out.edge_features = torch::empty({E, kNumEdgeFeatures}, torch::kUInt8);
  out.labels = torch::empty({G, T}, torch::kChar);
  int64_t* no = out.node_offsets.data_ptr<int64_t>();
  int64_t* eo = out.edge_offsets.data_ptr<int64_t>();
  uint8_t* nf = out.node_features.data_ptr<uint8_t>();
  int32_t* ei = out.edge_index.data_ptr<int32_t>();
  uint8_t* ef = out.edge_features.data_ptr<uint8_t>();
  int8_t* lb = out.labels.data_ptr<int8_t>();
  int64_t n = 0, e = 0;
  for (int64_t i = 0; i < G; ++i) {
    const MolGraph& g = *graphs[i];
    no[i] = n;
    eo[i] = e;
    std::memcpy(nf + n * kNumNodeFeatures, g.node_features.data(), g.node_features.size());
    n += g.num_atoms;
    for (int64_t b = 0; b < g.num_bonds(); ++b)
      for (int dir = 0; dir < 2; ++dir) {
        ei[2 * e] = dir == 0 ? g.bond_begin[b] : g.bond_end[b];
        ei[2 * e + 1] = dir == 0 ? g.bond_end[b] : g.bond_begin[b];
        std::memcpy(ef + e * kNumEdgeFeatures, g.bond_features.data() + b * kNumEdgeFeatures, kNumEdgeFeatures);
        ++e;
      }
    if (static_cast<int64_t>(labels[i].size()) != T) throw std::invalid_argument("pack_molecule_graphs: label rows differ");
    std::memcpy(lb + i * T, labels[i].data(), T);
  }
  no[G] = n;
  eo[G] = e;
  return out;
}

void write_molecule_graphs(const std::string& path, const MoleculeGraphs& g) {
  std::string bytes(kMagic, 8);
  const int64_t header[6] = {g.size(), g.node_features.size(0), g.edge_index.size(0), kNumNodeFeatures,
                             kNumEdgeFeatures, g.num_tasks()};
  append(bytes, header, 6);
  append(bytes, g.node_offsets.data_ptr<int64_t>(), g.node_offsets.numel());
  append(bytes, g.edge_offsets.data_ptr<int64_t>(), g.edge_offsets.numel());
  append(bytes, g.node_features.data_ptr<uint8_t>(), g.node_features.numel());
  append(bytes, g.edge_index.data_ptr<int32_t>(), g.edge_index.numel());
  append(bytes, g.edge_features.data_ptr<uint8_t>(), g.edge_features.numel());
  append(bytes, g.labels.data_ptr<int8_t>(), g.labels.numel());
  write_file(path, bytes);
}

MoleculeGraphs read_molecule_graphs(const std::string& path) {
  const std::string bytes = read_file(path);
  auto fail = [&](const std::string& what) {
    return DataError(path + ": " + what + " (rebuild with `trainperf data prepare --workload molecules_gnn --force`)");
  };
  if (bytes.size() < 8 + 6 * 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw fail("not a molecule graph file (bad magic or truncated header)");
  int64_t h[6];
  std::memcpy(h, bytes.data() + 8, sizeof h);
  const int64_t G = h[0], N = h[1], E = h[2], Fn = h[3], Fe = h[4], T = h[5];
  if (G < 0 || N < 0 || E < 0 || T < 0 || Fn != kNumNodeFeatures || Fe != kNumEdgeFeatures || G > (1 << 30) ||
      N > (1LL << 34) || E > (1LL << 34) || T > 4096)
    throw fail("bad header");
  const uint64_t expected = 8 + 6 * 8 + 2 * 8 * static_cast<uint64_t>(G + 1) + static_cast<uint64_t>(N * Fn) +
                            static_cast<uint64_t>(E) * 8 + static_cast<uint64_t>(E * Fe) + static_cast<uint64_t>(G * T);
  if (bytes.size() != expected)
    throw fail("size " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expected) +
               " (truncated or corrupt)");
  size_t pos = 8 + 6 * 8;
  auto take = [&](std::vector<int64_t> shape, torch::ScalarType type, size_t elem) {
    torch::Tensor t = torch::empty(shape, type);
    const size_t n = static_cast<size_t>(t.numel()) * elem;
    std::memcpy(t.data_ptr(), bytes.data() + pos, n);
    pos += n;
    return t;
  };
  MoleculeGraphs g;
  g.node_offsets = take({G + 1}, torch::kLong, 8);
  g.edge_offsets = take({G + 1}, torch::kLong, 8);
  g.node_features = take({N, Fn}, torch::kUInt8, 1);
  g.edge_index = take({E, 2}, torch::kInt, 4);
  g.edge_features = take({E, Fe}, torch::kUInt8, 1);
  g.labels = take({G, T}, torch::kChar, 1);
  // Consistency: offsets monotone and ending at N/E, edges inside their graph, values in range.
  const int64_t* no = g.node_offsets.data_ptr<int64_t>();
  const int64_t* eo = g.edge_offsets.data_ptr<int64_t>();
  const int32_t* ei = g.edge_index.data_ptr<int32_t>();
  if (no[0] != 0 || eo[0] != 0 || no[G] != N || eo[G] != E) throw fail("offsets do not cover the nodes/edges");
  for (int64_t i = 0; i < G; ++i) {
    if (no[i + 1] < no[i] || eo[i + 1] < eo[i]) throw fail("offsets decrease at graph " + std::to_string(i));
    const int64_t nodes = no[i + 1] - no[i];
    for (int64_t e = eo[i]; e < eo[i + 1]; ++e)
      if (ei[2 * e] < 0 || ei[2 * e] >= nodes || ei[2 * e + 1] < 0 || ei[2 * e + 1] >= nodes)
        throw fail("edge " + std::to_string(e) + " leaves graph " + std::to_string(i));
  }
  const auto nv = node_feature_vocab(), ev = edge_feature_vocab();
  for (int f = 0; f < kNumNodeFeatures; ++f)
    if (N > 0 && g.node_features.select(1, f).max().item<int64_t>() >= nv[f])
      throw fail("node feature " + std::to_string(f) + " out of range");
  for (int f = 0; f < kNumEdgeFeatures; ++f)
    if (E > 0 && g.edge_features.select(1, f).max().item<int64_t>() >= ev[f])
      throw fail("edge feature " + std::to_string(f) + " out of range");
  if (G * T > 0 && (g.labels.min().item<int>() < -1 || g.labels.max().item<int>() > 1))
    throw fail("labels outside {-1, 0, 1}");
  return g;
}

Batch make_graph_batch(const MoleculeGraphs& g, const torch::Tensor& ids_in) {
  torch::Tensor ids = ids_in.to(torch::kLong).contiguous();
  const int64_t B = ids.numel();
  const int64_t* id = ids.data_ptr<int64_t>();
  const int64_t* no = g.node_offsets.data_ptr<int64_t>();
  const int64_t* eo = g.edge_offsets.data_ptr<int64_t>();
  int64_t N = 0, E = 0;
  for (int64_t i = 0; i < B; ++i) {
    N += no[id[i] + 1] - no[id[i]];
    E += eo[id[i] + 1] - eo[id[i]];
  }
  torch::Tensor nodes = torch::empty({N, kNumNodeFeatures}, torch::kLong);
  torch::Tensor node_graph = torch::empty({N}, torch::kLong);
  torch::Tensor edge_index = torch::empty({2, E}, torch::kLong);
  torch::Tensor edges = torch::empty({E, kNumEdgeFeatures}, torch::kLong);
  const uint8_t* nf = g.node_features.data_ptr<uint8_t>();
  const uint8_t* ef = g.edge_features.data_ptr<uint8_t>();
  const int32_t* ei = g.edge_index.data_ptr<int32_t>();
  int64_t* pn = nodes.data_ptr<int64_t>();
  int64_t* pg = node_graph.data_ptr<int64_t>();
  int64_t* ps = edge_index.data_ptr<int64_t>();
  int64_t* pd = ps + E;
  int64_t* pe = edges.data_ptr<int64_t>();
  int64_t n = 0, e = 0;
  for (int64_t i = 0; i < B; ++i) {
    const int64_t gi = id[i];
    const int64_t n0 = no[gi], n1 = no[gi + 1], e0 = eo[gi], e1 = eo[gi + 1];
    for (int64_t k = e0; k < e1; ++k, ++e) {
      ps[e] = n + ei[2 * k];
      pd[e] = n + ei[2 * k + 1];
      for (int f = 0; f < kNumEdgeFeatures; ++f) pe[e * kNumEdgeFeatures + f] = ef[k * kNumEdgeFeatures + f];
    }
    for (int64_t k = n0; k < n1; ++k, ++n) {
      pg[n] = i;
      for (int f = 0; f < kNumNodeFeatures; ++f) pn[n * kNumNodeFeatures + f] = nf[k * kNumNodeFeatures + f];
    }
  }
  Batch b;
  b.inputs = nodes;
  b.extras["edge_index"] = edge_index;
  b.extras["edge_features"] = edges;
  b.extras["node_graph"] = node_graph;
  b.extras["num_graphs"] = torch::tensor(B, torch::kLong);
  torch::Tensor labels = g.labels.index_select(0, ids);
  b.weights = (labels >= 0).to(torch::kFloat);
  b.targets = (labels > 0).to(torch::kFloat);
  return b;
}

// ----------------------------------------------------------------------------- builder

nlohmann::json build_molecules_dataset(PrepareContext& ctx, const MoleculesBuildOptions& options) {
  struct Source {
    const char* path;
    SmilesFormat format;
    const char* name;
  };
  const Source sources[] = {{kNciFile, SmilesFormat::Whitespace, "nci_first_5k"},
                            {kWehiFile, SmilesFormat::QuotedCsv, "wehi_mols"}};
  // canonical SMILES -> (graph, "source:id" list)
  std::map<std::string, std::pair<MolGraph, std::vector<std::string>>> unique;
  nlohmann::json summary = {{"sources", nlohmann::json::array()}};
  int64_t failed_total = 0;
  for (const Source& s : sources) {
    const std::string path = ctx.source(s.path, kPackage);
    std::vector<SmilesRecord> records = read_smiles_file(path, s.format);
    if (options.max_per_file > 0 && static_cast<int64_t>(records.size()) > options.max_per_file)
      records.resize(static_cast<size_t>(options.max_per_file));
    int64_t failed = 0, duplicates = 0;
    nlohmann::json failed_examples = nlohmann::json::array();
    for (const SmilesRecord& r : records) {
      std::optional<MolGraph> g = parse_molecule(r.smiles);
      if (!g) {
        ++failed;
        if (failed_examples.size() < 10) failed_examples.push_back(r.id + " " + r.smiles);
        continue;
      }
      auto it = unique.find(g->canonical_smiles);
      if (it != unique.end()) {
        ++duplicates;
        it->second.second.push_back(std::string(s.name) + ":" + r.id);
        continue;
      }
      std::string key = g->canonical_smiles;
      unique.emplace(std::move(key), std::make_pair(std::move(*g), std::vector<std::string>{std::string(s.name) + ":" + r.id}));
    }
    failed_total += failed;
    ctx.log(fmt::format("{}: {} records, {} not parsed, {} duplicates", path, records.size(), failed, duplicates));
    summary["sources"].push_back({{"file", path}, {"records", records.size()}, {"failed", failed},
                                  {"duplicates", duplicates}, {"failed_examples", failed_examples}});
  }
  const int64_t M = static_cast<int64_t>(unique.size());
  if (M == 0) throw DataError("no molecule could be parsed from the rdkit-data files");

  // Tasks: MACCS bits whose positive rate over all unique molecules is within [1%, 99%].
  std::vector<int64_t> positives(kMaccsBits, 0);
  for (const auto& [smi, entry] : unique)
    for (int b = 0; b < kMaccsBits; ++b) positives[b] += entry.first.maccs(b) ? 1 : 0;
  std::vector<int> tasks;
  nlohmann::json rates = nlohmann::json::array();
  for (int b = 0; b < kMaccsBits; ++b) {
    const double rate = static_cast<double>(positives[b]) / static_cast<double>(M);
    if (rate >= 0.01 && rate <= 0.99) {
      tasks.push_back(b);
      rates.push_back(std::round(rate * 1e4) / 1e4);
    }
  }
  const int64_t T = static_cast<int64_t>(tasks.size());

  // Splits and missing labels by FNV-1a 64: split = hash(smiles) % 10 (0 validation, 1 test, else
  // train); label (m, bit) missing when hash(smiles + "#" + bit) / 2^64 < missing_rate.
  std::vector<const MolGraph*> split_graphs[3];
  std::vector<std::vector<int8_t>> split_labels[3];
  std::string table = "canonical_smiles\tsplit\tsources\n";
  int64_t present = 0;
  const char* split_names[3] = {"train", "validation", "test"};
  for (const auto& [smi, entry] : unique) {
    const uint64_t h = fnv1a64(smi) % 10;
    const int split = h == 0 ? 1 : h == 1 ? 2 : 0;
    std::vector<int8_t> row(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) {
      const uint64_t hm = fnv1a64(smi + "#" + std::to_string(tasks[t]));
      const bool missing = static_cast<double>(hm >> 11) * 0x1.0p-53 < options.missing_rate;
      row[t] = missing ? -1 : (entry.first.maccs(tasks[t]) ? 1 : 0);
      present += missing ? 0 : 1;
    }
    split_graphs[split].push_back(&entry.first);
    split_labels[split].push_back(std::move(row));
    std::string ids;
    for (const auto& id : entry.second) ids += (ids.empty() ? "" : ",") + id;
    table += smi + "\t" + split_names[split] + "\t" + ids + "\n";
  }
  for (int s = 0; s < 3; ++s) {
    MoleculeGraphs g = pack_molecule_graphs(split_graphs[s], split_labels[s]);
    write_molecule_graphs(ctx.out_dir + "/" + split_names[s] + ".graphs", g);
    summary[std::string(split_names[s]) + "_graphs"] = g.size();
    summary[std::string(split_names[s]) + "_nodes"] = g.node_features.size(0);
    summary[std::string(split_names[s]) + "_edges"] = g.edge_index.size(0);
    ctx.log(fmt::format("{}: {} molecules", split_names[s], g.size()));
  }
  write_file(ctx.out_dir + "/molecules.tsv", table);
  summary["unique_molecules"] = M;
  summary["failed_molecules"] = failed_total;
  summary["tasks_maccs_bits"] = tasks;
  summary["task_positive_rates"] = rates;
  summary["num_tasks"] = T;
  summary["missing_rate"] = options.missing_rate;
  summary["present_label_fraction"] = static_cast<double>(present) / static_cast<double>(std::max<int64_t>(1, M * T));
  summary["split_hash"] = "FNV-1a 64 of the canonical SMILES % 10: 0 validation, 1 test, 2-9 train";
  summary["missing_hash"] = "FNV-1a 64 of '<canonical SMILES>#<MACCS bit>', top 53 bits / 2^53 < missing_rate";
  summary["max_per_file"] = options.max_per_file;
  return summary;
}

DatasetEntry molecules_dataset() {
  DatasetEntry e;
  e.name = kMoleculesDataset;
  e.description = "NCI first 5K + WEHI PAINS molecules (rdkit-data) as graphs, MACCS-key labels, 80/10/10 by hash";
  e.format_version = 1;
  e.packages = {kPackage, "libopenbabel-dev"};
  e.build = [](PrepareContext& ctx) { return build_molecules_dataset(ctx); };
  return e;
}

}  // namespace trainperf::workload::molecules_gnn
