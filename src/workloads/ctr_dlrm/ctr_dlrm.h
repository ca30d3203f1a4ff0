// ctr_dlrm: click-through-rate prediction with a DLRM-small model on MovieLens ratings, the analog of
// AlgoPerf's criteo1tb. Data: the "movielens" prepared dataset (movielens_data.cpp). Sizes, features
// and how they were chosen: docs/workloads/ctr_dlrm.md.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include "data/dataset_cache.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trainperf {
struct RTable;
}  // namespace trainperf

namespace trainperf::workload::ctr_dlrm {

inline constexpr const char* kMovieLensDataset = "movielens";

// ---- data ---------------------------------------------------------------------------------------

// One row of dslabs::movielens (title is not used). year may be NA in the package (7 rows).
struct MovieLensRating {
  int64_t user_id = 0;
  int64_t movie_id = 0;
  std::optional<int64_t> year;
  std::string genres;  // "Action|Adventure|Sci-Fi"; "(no genres listed)" in the package
  double rating = 0;
  int64_t timestamp = 0;  // seconds since the Unix epoch
};

// The exported table's rows, checked: a missing column, an NA or a malformed number in userId,
// movieId, rating, timestamp or genres (or a malformed year) throws DataError naming `origin` and
// the line (line 3 is the first row, as in the file). An NA year is kept as missing.
std::vector<MovieLensRating> parse_movielens_rows(const RTable& table, const std::string& origin);

// Categorical (sparse) features, in column order of MovieLensFeatures::sparse.
enum CtrSparse : int {
  kUser = 0,         // userId -> train vocabulary, 0 = OOV
  kMovie,            // movieId -> train vocabulary, 0 = OOV
  kFirstGenre,       // first listed genre -> train vocabulary, 0 = OOV
  kGenreCombo,       // the whole genre string -> train vocabulary, 0 = OOV
  kYearBucket,       // 0 = NA, 1 + clamp((year - 1900) / 5, 0, 23)
  kHour,             // hour of day of the rating (UTC)
  kWeekday,          // day of week of the rating (UTC), 0 = Thursday (1970-01-01)
  kUserCountBucket,  // min(floor(log2(1 + earlier ratings of the user)), 15)
  kMovieCountBucket, // the same for the movie
  kNumSparse
};
inline constexpr int kNumCtrDense = 8;  // plus one multi-hot column per training genre
// Dense features: 0 log1p(user's earlier ratings), 1 log1p(movie's earlier ratings),
// 2 user's earlier positive rate (smoothed: (pos + 0.23) / (n + 1)), 3 the same for the movie,
// 4 user's earlier mean rating - 3.5 (0 without history), 5 the same for the movie,
// 6 (year - 1990) / 20 (0 when NA), 7 year is NA; then the genre multi-hot.
// "Earlier" means a strictly earlier timestamp (ratings in the same second do not see each other).

struct MovieLensSplit {
  torch::Tensor sparse;  // [N, kNumSparse] int64
  torch::Tensor dense;   // [N, D] float32
  torch::Tensor label;   // [N] float32, 1 = rating >= 4.5
  torch::Tensor timestamp;  // [N] int64, only from build_movielens_features (not in the cache)
};

struct MovieLensFeatures {
  std::array<MovieLensSplit, 3> splits;  // train, validation, test (time ordered)
  std::vector<int64_t> vocab_sizes;      // per sparse column, OOV included
  std::vector<std::string> genres;       // the multi-hot columns, sorted
  nlohmann::json summary() const;
};

// Sorts by (timestamp, userId, movieId), splits 80/10/10 in time and builds the features; the
// vocabularies come from the training split only.
MovieLensFeatures build_movielens_features(std::vector<MovieLensRating> rows);

// Tensor files of the cache: "TPTENSOR" (8 bytes), u32 version = 1, u32 dtype (0 = int64,
// 1 = float32), u32 rank, rank x i64 sizes, then the elements, little-endian, row-major.
void write_tensor_file(const std::string& path, const torch::Tensor& t);
torch::Tensor read_tensor_file(const std::string& path);  // DataError naming the file

nlohmann::json build_movielens_dataset(PrepareContext& ctx);
DatasetEntry movielens_dataset();  // "movielens": the prepared dataset ctr_dlrm reads
// Reads a prepared folder (already verified by require_dataset).
MovieLensFeatures load_movielens_features(const std::string& dir);

// ---- model --------------------------------------------------------------------------------------

struct DlrmConfig {
  int64_t num_dense = 0;
  std::vector<int64_t> vocab_sizes;  // one table per sparse feature ...
  bool shared_table = false;         // ... or AlgoPerf's one hashed table of vocab_sizes[0] rows
  int64_t num_sparse = 0;            // with shared_table: the number of sparse features
  int64_t embed_dim = 16;
  std::vector<int64_t> bottom = {64, 16};    // last = embed_dim
  std::vector<int64_t> top = {64, 32, 1};    // last = 1 logit
  bool layer_norm = false;                   // LayerNorm after every hidden activation (variant)
  double embed_init_scale = 0.0;             // 0: tables ~ U(-1/sqrt(rows), 1/sqrt(rows)) (AlgoPerf);
                                             // else U(-s, s) (the embed_init variant)
  double dropout_rate = 0.0;                 // before the last top layer, as AlgoPerf
  int64_t interaction_dim() const;           // embed_dim + T(T-1)/2, T = 1 + sparse features
  int64_t parameter_count() const;           // by formula
};

// AlgoPerf's criteo1tb DLRM-small: 13 dense, 26 sparse features hashed into one table of 4,194,304
// rows x 128, bottom [512, 256, 128], top [1024, 1024, 512, 256, 1].
DlrmConfig dlrm_full_scale();

// Upper triangle (i < j) of the pairwise dot products of features [B, T, d] -> [B, T(T-1)/2], in
// row-major order (0,1), (0,2), ..., (T-2,T-1).
torch::Tensor dot_interaction(const torch::Tensor& features);

class DlrmImpl : public Model {
 public:
  explicit DlrmImpl(const DlrmConfig& config);
  // batch.inputs = dense [B, num_dense] float, batch.extras["sparse"] = [B, num_sparse] int64.
  torch::Tensor forward(const Batch& batch) override;  // [B] logits
  const DlrmConfig& config() const { return config_; }

 private:
  DlrmConfig config_;
  torch::nn::Sequential bottom_{nullptr}, top_{nullptr};
  std::vector<torch::nn::Embedding> tables_;
};

// Summed sigmoid binary cross-entropy (weights respected) and the count of examples.
LossOutput sigmoid_bce(const torch::Tensor& logits, const torch::Tensor& labels, const torch::Tensor& weights);
// Area under the ROC curve (Mann-Whitney, ties count 1/2); NaN when a class is absent.
double roc_auc(const torch::Tensor& scores, const torch::Tensor& labels);

// The training stream: TensorBatchStream's shuffling and sharding over row indices, then a gather:
// inputs = dense, targets = label, extras["sparse"] = sparse.
std::unique_ptr<BatchStream> make_ctr_stream(const MovieLensSplit& data, int64_t global_batch_size, uint64_t seed,
                                             const DistInfo& dist);

std::unique_ptr<Workload> make_ctr_dlrm(const std::string& name);

}  // namespace trainperf::workload::ctr_dlrm
