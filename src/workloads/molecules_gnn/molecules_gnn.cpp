// molecules_gnn: AlgoPerf's ogbg GraphNetwork (Jraph) on the "molecules" dataset, masked sigmoid
// cross-entropy over MACCS-key tasks, mean average precision. docs/workloads/molecules_gnn.md.
#include <trainperf/distributed.h>
#include <trainperf/seeding.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "data/dataset_cache.h"
#include "workloads/molecules_gnn/molecules.h"
#include "workloads/registry.h"
#include "workloads/common/targets.h"

namespace trainperf::workload::molecules_gnn {

// ----------------------------------------------------------------------------- loss and metric

LossOutput masked_sigmoid_bce(const torch::Tensor& logits, const torch::Tensor& targets,
                              const torch::Tensor& weights) {
  torch::Tensor per = torch::binary_cross_entropy_with_logits(logits, targets, {}, {}, at::Reduction::None);
  LossOutput out;
  if (weights.defined()) {
    per = per * weights;
    out.count = weights.sum();
  } else {
    out.count = torch::tensor(static_cast<float>(per.numel()), logits.options());
  }
  out.per_example = per.sum(-1);
  out.summed = per.sum();
  return out;
}

double average_precision(const std::vector<double>& scores, const std::vector<int>& labels) {
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double positives = 0;
  for (int l : labels) positives += l > 0 ? 1 : 0;
  if (positives == 0) return std::numeric_limits<double>::quiet_NaN();
  double tp = 0, seen = 0, ap = 0, last_recall = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;  // the block of scores tied with scores[order[i]] is one threshold
    while (j < n && scores[order[j]] == scores[order[i]]) {
      tp += labels[order[j]] > 0 ? 1 : 0;
      ++seen;
      ++j;
    }
    const double recall = tp / positives;
    ap += (recall - last_recall) * (tp / seen);
    last_recall = recall;
    i = j;
  }
  return ap;
}

double mean_average_precision(const torch::Tensor& scores_in, const torch::Tensor& labels_in) {
  torch::Tensor scores = scores_in.detach().to(torch::kCPU, torch::kDouble).contiguous();
  torch::Tensor labels = labels_in.detach().to(torch::kCPU, torch::kInt).contiguous();
  const int64_t n = scores.size(0), T = scores.size(1);
  const double* s = scores.data_ptr<double>();
  const int* l = labels.data_ptr<int>();
  double sum = 0;
  int64_t used = 0;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<double> ts;
    std::vector<int> tl;
    bool pos = false, neg = false;
    for (int64_t i = 0; i < n; ++i) {
      const int v = l[i * T + t];
      if (v < 0) continue;
      ts.push_back(s[i * T + t]);
      tl.push_back(v);
      pos |= v > 0;
      neg |= v == 0;
    }
    if (!pos || !neg) continue;
    sum += average_precision(ts, tl);
    ++used;
  }
  return used == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(used);
}

// ----------------------------------------------------------------------------- model

namespace {

// Linear -> LayerNorm -> activation -> dropout for each hidden dim (AlgoPerf's ogbg MLP).
struct GnnMlpImpl : torch::nn::Module {
  GnnMlpImpl(int64_t in, const std::vector<int64_t>& dims, const GnnConfig& c) : act(c.activation), p(c.dropout_rate) {
    for (size_t i = 0; i < dims.size(); ++i) {
      linears.push_back(register_module("linear" + std::to_string(i), torch::nn::Linear(in, dims[i])));
      if (c.layer_norm)
        norms.push_back(register_module("norm" + std::to_string(i),
                                        torch::nn::LayerNorm(torch::nn::LayerNormOptions({dims[i]}))));
      in = dims[i];
    }
  }
  torch::Tensor forward(torch::Tensor x) {
    for (size_t i = 0; i < linears.size(); ++i) {
      x = linears[i]->forward(x);
      if (!norms.empty()) x = norms[i]->forward(x);
      x = nn::activate(x, act);
      if (p > 0) x = torch::dropout(x, p, is_training());
    }
    return x;
  }
  std::vector<torch::nn::Linear> linears;
  std::vector<torch::nn::LayerNorm> norms;
  nn::Activation act;
  double p;
};
TORCH_MODULE(GnnMlp);

// Sum of one embedding per categorical feature.
struct CategoricalEmbedImpl : torch::nn::Module {
  CategoricalEmbedImpl(const std::vector<int64_t>& vocab, int64_t dim) {
    for (size_t i = 0; i < vocab.size(); ++i)
      tables.push_back(register_module("feature" + std::to_string(i), torch::nn::Embedding(vocab[i], dim)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor out = tables[0]->forward(x.select(1, 0));
    for (size_t i = 1; i < tables.size(); ++i) out = out + tables[i]->forward(x.select(1, static_cast<int64_t>(i)));
    return out;
  }
  std::vector<torch::nn::Embedding> tables;
};
TORCH_MODULE(CategoricalEmbed);

// Jraph GraphNetwork, AlgoPerf's ogbg configuration: edges <- MLP([e, v_src, v_dst, u]),
// nodes <- MLP([v, sum of sent edges, sum of received edges, u]), globals <- MLP([sum of nodes,
// sum of edges, u]); decoder Linear(globals) -> task logits. Globals start at zero.
class GraphNetwork final : public Model {
 public:
  explicit GraphNetwork(const GnnConfig& c) : c_(c) {
    const int64_t L = c.latent_dim;
    node_embed_ = register_module("node_embed", CategoricalEmbed(c.node_vocab, L));
    edge_embed_ = register_module("edge_embed", CategoricalEmbed(c.edge_vocab, L));
    const int64_t H = c.hidden_dims.back();
    int64_t de = L, dn = L, dg = L;  // current edge / node / global widths
    for (int64_t s = 0; s < c.num_message_passing_steps; ++s) {
      const std::string k = std::to_string(s);
      edge_mlps_.push_back(register_module("edge_mlp" + k, GnnMlp(de + 2 * dn + dg, c.hidden_dims, c)));
      node_mlps_.push_back(register_module("node_mlp" + k, GnnMlp(dn + 2 * H + dg, c.hidden_dims, c)));
      global_mlps_.push_back(register_module("global_mlp" + k, GnnMlp(2 * H + dg, c.hidden_dims, c)));
      de = dn = dg = H;
    }
    decoder_ = register_module("decoder", torch::nn::Linear(dg, c.num_tasks));
  }

  torch::Tensor forward(const Batch& b) override {
    const torch::Tensor& ei = b.extras.at("edge_index");
    const torch::Tensor& node_graph = b.extras.at("node_graph");
    const int64_t G = b.extras.at("num_graphs").item<int64_t>();
    torch::Tensor src = ei[0], dst = ei[1];
    torch::Tensor edge_graph = node_graph.index_select(0, src);
    torch::Tensor v = node_embed_->forward(b.inputs);
    torch::Tensor e = edge_embed_->forward(b.extras.at("edge_features"));
    torch::Tensor u = torch::zeros({G, c_.latent_dim}, v.options());
    const int64_t N = v.size(0);
    for (size_t s = 0; s < edge_mlps_.size(); ++s) {
      e = edge_mlps_[s]->forward(
          torch::cat({e, v.index_select(0, src), v.index_select(0, dst), u.index_select(0, edge_graph)}, 1));
      const int64_t H = e.size(1);
      torch::Tensor sent = torch::zeros({N, H}, e.options()).index_add_(0, src, e);
      torch::Tensor received = torch::zeros({N, H}, e.options()).index_add_(0, dst, e);
      v = node_mlps_[s]->forward(torch::cat({v, sent, received, u.index_select(0, node_graph)}, 1));
      torch::Tensor node_sum = torch::zeros({G, H}, v.options()).index_add_(0, node_graph, v);
      torch::Tensor edge_sum = torch::zeros({G, H}, e.options()).index_add_(0, edge_graph, e);
      u = global_mlps_[s]->forward(torch::cat({node_sum, edge_sum, u}, 1));
    }
    return decoder_->forward(u);
  }

 private:
  GnnConfig c_;
  CategoricalEmbed node_embed_{nullptr}, edge_embed_{nullptr};
  std::vector<GnnMlp> edge_mlps_, node_mlps_, global_mlps_;
  torch::nn::Linear decoder_{nullptr};
};

}  // namespace

GnnConfig full_scale_gnn_config(int64_t num_tasks) {
  GnnConfig c;
  c.latent_dim = 256;
  c.hidden_dims = {256};
  c.num_message_passing_steps = 5;
  c.num_tasks = num_tasks;
  c.dropout_rate = 0.1;
  c.layer_norm = true;
  return c;
}

int64_t gnn_param_count(const GnnConfig& c) {
  const int64_t L = c.latent_dim, H = c.hidden_dims.back();
  int64_t n = 0;
  for (int64_t v : c.node_vocab) n += v * L;
  for (int64_t v : c.edge_vocab) n += v * L;
  auto mlp = [&](int64_t in) {
    int64_t p = 0;
    for (int64_t d : c.hidden_dims) {
      p += in * d + d + (c.layer_norm ? 2 * d : 0);
      in = d;
    }
    return p;
  };
  int64_t de = L, dn = L, dg = L;
  for (int64_t s = 0; s < c.num_message_passing_steps; ++s) {
    n += mlp(de + 2 * dn + dg) + mlp(dn + 2 * H + dg) + mlp(2 * H + dg);
    de = dn = dg = H;
  }
  return n + dg * c.num_tasks + c.num_tasks;
}

ModelPtr make_gnn(const GnnConfig& c) { return std::make_shared<GraphNetwork>(c); }

// ----------------------------------------------------------------------------- workload

namespace {

// Reshuffled every epoch; each rank takes its slice [rank*b/w, (rank+1)*b/w) of every global batch.
class GraphBatchStream final : public BatchStream {
 public:
  GraphBatchStream(std::shared_ptr<const MoleculeGraphs> data, int64_t global_batch, uint64_t seed, DistInfo dist,
                   torch::Device device)
      : data_(std::move(data)),
        global_(global_batch),
        begin_(global_batch * dist.rank / dist.world_size),
        end_(global_batch * (dist.rank + 1) / dist.world_size),
        device_(device),
        gen_(at::make_generator<at::CPUGeneratorImpl>(torch_seed(seed))) {
    if (global_batch <= 0 || global_batch > data_->size())
      throw std::invalid_argument("molecules_gnn: batch size must be in [1, " + std::to_string(data_->size()) + "]");
  }
  Batch next() override {
    if (!order_.defined() || cursor_ + global_ > order_.size(0)) {
      order_ = torch::randperm(data_->size(), gen_, torch::kLong);
      cursor_ = 0;
    }
    torch::Tensor ids = order_.narrow(0, cursor_ + begin_, end_ - begin_);
    cursor_ += global_;
    Batch b = make_graph_batch(*data_, ids);
    return device_.is_cpu() ? b : b.to(device_, true);
  }

 private:
  std::shared_ptr<const MoleculeGraphs> data_;
  int64_t global_, begin_, end_;
  torch::Device device_;
  at::Generator gen_;
  torch::Tensor order_;
  int64_t cursor_ = 0;
};

constexpr int64_t kEvalTrainSize = 768;

GnnConfig cpu_config() { return GnnConfig{}; }  // latent 64, hidden [64], 3 steps, ReLU, LayerNorm

class MoleculesGnn final : public Workload {
 public:
  MoleculesGnn(WorkloadSpec spec, GnnConfig config) : spec_(std::move(spec)), config_(std::move(config)) {}

  const WorkloadSpec& spec() const override { return spec_; }

  void load_data(const DataOptions& options) override {
    const std::string dir = require_dataset(molecules_dataset(), options, spec_.name);
    set_data(read_molecule_graphs(dir + "/train.graphs"), read_molecule_graphs(dir + "/validation.graphs"),
             read_molecule_graphs(dir + "/test.graphs"), options.device);
  }

  void set_data(MoleculeGraphs train, MoleculeGraphs validation, MoleculeGraphs test, torch::Device device) {
    if (validation.num_tasks() != train.num_tasks() || test.num_tasks() != train.num_tasks())
      throw DataError("molecules: the splits disagree on the number of tasks (rebuild with `trainperf data prepare "
                      "--workload " + spec_.name + " --force`)");
    device_ = device;
    config_.num_tasks = train.num_tasks();
    auto gen = at::make_generator<at::CPUGeneratorImpl>(torch_seed(derive_seed(0, "eval_train_subset")));
    // Smaller than validation (AlgoPerf uses as many): keeps evaluation under 10% of the time.
    const int64_t n_eval_train = std::min<int64_t>({kEvalTrainSize, validation.size(), train.size()});
    eval_ids_[0] = std::get<0>(torch::randperm(train.size(), gen, torch::kLong).narrow(0, 0, n_eval_train).sort());
    eval_ids_[1] = torch::arange(validation.size(), torch::kLong);
    eval_ids_[2] = torch::arange(test.size(), torch::kLong);
    train_ = std::make_shared<const MoleculeGraphs>(std::move(train));
    validation_ = std::make_shared<const MoleculeGraphs>(std::move(validation));
    test_ = std::make_shared<const MoleculeGraphs>(std::move(test));
    spec_.num_train_examples = train_->size();
    spec_.num_eval_train_examples = n_eval_train;
    spec_.num_validation_examples = validation_->size();
    spec_.num_test_examples = test_->size();
  }

  std::unique_ptr<BatchStream> train_stream(int64_t global_batch_size, uint64_t seed, const DistInfo& dist) override {
    if (!train_) throw std::logic_error(spec_.name + ": train_stream before load_data");
    return make_graph_stream(train_, global_batch_size, seed, dist, device_);
  }

  ModelPtr init_model(uint64_t seed, const ModelOptions& options) override {
    if (config_.num_tasks <= 0) throw std::logic_error(spec_.name + ": init_model before load_data");
    torch::manual_seed(torch_seed(seed));
    GnnConfig c = config_;
    c.dropout_rate = options.dropout_rate;
    ModelPtr m = make_gnn(c);
    m->to(device_);
    return m;
  }

  LossOutput loss(const torch::Tensor& logits, const Batch& batch, double label_smoothing) const override {
    torch::Tensor targets = batch.targets;
    // Label smoothing as in AlgoPerf's ogbg: targets * (1 - ls) + ls / 2.
    if (label_smoothing > 0) targets = targets * (1.0 - label_smoothing) + 0.5 * label_smoothing;
    return masked_sigmoid_bce(logits, targets, batch.weights);
  }

  Metrics evaluate(Model& model, Split split, Communicator& comm) override {
    if (!train_) throw std::logic_error(spec_.name + ": evaluate before load_data");
    const MoleculeGraphs& g = split == Split::EvalTrain ? *train_ : split == Split::Validation ? *validation_ : *test_;
    const torch::Tensor& ids = eval_ids_[static_cast<int>(split)];
    const DistInfo dist = comm.info();
    const int64_t n = ids.size(0), T = g.num_tasks();
    const int64_t begin = n * dist.rank / dist.world_size, end = n * (dist.rank + 1) / dist.world_size;
    torch::NoGradGuard no_grad;
    // Every rank fills its rows of the logits; the sum over ranks gives all of them (AP is not a sum).
    torch::Tensor logits = torch::zeros({n, T}, torch::TensorOptions().dtype(torch::kFloat).device(device_));
    torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device_));
    torch::Tensor count = torch::zeros({}, loss_sum.options());
    for (int64_t i = begin; i < end; i += eval_batch_) {
      const int64_t len = std::min(eval_batch_, end - i);
      Batch b = make_graph_batch(g, ids.narrow(0, i, len));
      if (!device_.is_cpu()) b = b.to(device_);
      torch::Tensor out = model_fn(model, b, ForwardMode::Eval);
      LossOutput l = masked_sigmoid_bce(out, b.targets, b.weights);
      loss_sum += l.summed.to(torch::kDouble);
      count += l.count.to(torch::kDouble);
      logits.narrow(0, i, len).copy_(out);
    }
    std::vector<torch::Tensor> sums = {logits, loss_sum, count};
    comm.all_reduce_sum(sums);
    const double map = mean_average_precision(sums[0], g.labels.index_select(0, ids));
    return {{"mean_average_precision", map},
            {"loss", sums[1].item<double>() / std::max(1.0, sums[2].item<double>())},
            {"num_examples", static_cast<double>(n)}};
  }

  const GnnConfig& config() const { return config_; }

 private:
  WorkloadSpec spec_;
  GnnConfig config_;
  torch::Device device_ = torch::kCPU;
  std::shared_ptr<const MoleculeGraphs> train_, validation_, test_;
  std::array<torch::Tensor, 3> eval_ids_;
  int64_t eval_batch_ = 512;
};

WorkloadSpec base_spec() {
  WorkloadSpec s;
  s.name = "molecules_gnn";
  s.description = "GraphNetwork (latent 64, 3 steps) predicting MACCS keys of rdkit-data molecules; AlgoPerf ogbg analog";
  s.target_metric = "mean_average_precision";
  s.goal = Goal::Maximize;
  s.eval_period_reference_steps = 135;  // ~10 evaluations per budget
  s.reference_batch_size = 128;
  return with_targets(s);  // targets, budget, step hint: targets/molecules_gnn.json
}

// Held-out variants (AlgoPerf's ogbg_gelu, ogbg_model_size).
WorkloadSpec gelu_spec() {
  return held_out_variant(base_spec(), "gelu", "molecules_gnn with GELU activations (held-out variant)");
}
GnnConfig gelu_config() {
  GnnConfig c = cpu_config();
  c.activation = nn::Activation::GELU;
  return c;
}

WorkloadSpec model_size_spec() {
  return held_out_variant(base_spec(), "model_size",
                          "molecules_gnn with latent 96, MLPs [96, 96], 2 message-passing steps (held-out variant)");
}
GnnConfig model_size_config() {
  GnnConfig c = cpu_config();
  c.latent_dim = 96;
  c.hidden_dims = {96, 96};
  c.num_message_passing_steps = 2;
  return c;
}

}  // namespace

std::unique_ptr<Workload> make_molecules_gnn(const std::string& name) {
  if (name == "molecules_gnn") return std::make_unique<MoleculesGnn>(base_spec(), cpu_config());
  if (name == "molecules_gnn_gelu") return std::make_unique<MoleculesGnn>(gelu_spec(), gelu_config());
  if (name == "molecules_gnn_model_size") return std::make_unique<MoleculesGnn>(model_size_spec(), model_size_config());
  throw std::invalid_argument("make_molecules_gnn: unknown workload '" + name + "'");
}

std::unique_ptr<Workload> make_molecules_gnn(const std::string& name, MoleculeGraphs train, MoleculeGraphs validation,
                                             MoleculeGraphs test) {
  std::unique_ptr<Workload> w = make_molecules_gnn(name);
  static_cast<MoleculesGnn&>(*w).set_data(std::move(train), std::move(validation), std::move(test), torch::kCPU);
  return w;
}

std::unique_ptr<BatchStream> make_graph_stream(std::shared_ptr<const MoleculeGraphs> data, int64_t global_batch,
                                               uint64_t seed, DistInfo dist, torch::Device device) {
  return std::make_unique<GraphBatchStream>(std::move(data), global_batch, seed, dist, device);
}

void register_workloads(WorkloadRegistry& registry) {
  for (const WorkloadSpec& s : {base_spec(), gelu_spec(), model_size_spec()})
    registry.add({s.name, s.description, [name = s.name] { return make_molecules_gnn(name); }, {molecules_dataset()}});
}

}  // namespace trainperf::workload::molecules_gnn
