// The "movielens" prepared dataset: dslabs::movielens (r-cran-dslabs, 100,004 ratings) exported with
// Rscript, framed as click-through prediction (label = rating >= 4.5), split 80/10/10 in time,
// with categorical and dense features computed causally. Files (docs/workloads/ctr_dlrm.md):
//   movielens.tsv                         the export (src/data/r_export.h format); never committed
//   {train,validation,test}_sparse.bin    [N, 9] int64 categorical indices
//   {train,validation,test}_dense.bin     [N, 8 + genres] float32 dense features
//   {train,validation,test}_label.bin     [N] float32 labels
//   meta.json                             vocabulary sizes, genre columns, split sizes
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "data/dataset_cache.h"
#include "data/r_export.h"
#include "workloads/ctr_dlrm/ctr_dlrm.h"

namespace trainperf::workload::ctr_dlrm {

namespace {

constexpr const char* kPackageDir = "/usr/lib/R/site-library/dslabs";
constexpr const char* kInstall = "install the data with: apt-get install --no-install-recommends r-base-core r-cran-dslabs";
constexpr const char* kSplitNames[3] = {"train", "validation", "test"};
constexpr double kPriorPositiveRate = 0.23;

std::string where(const std::string& origin, size_t row) { return origin + ":" + std::to_string(row + 3); }

int64_t parse_int(const std::optional<std::string>& field, const std::string& column, const std::string& origin,
                  size_t row) {
  if (!field) throw DataError(where(origin, row) + ": " + column + " is NA");
  int64_t v = 0;
  const char* b = field->data();
  const char* e = b + field->size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || field->empty())
    throw DataError(where(origin, row) + ": " + column + " '" + *field + "' is not an integer");
  return v;
}

double parse_double(const std::optional<std::string>& field, const std::string& column, const std::string& origin,
                    size_t row) {
  if (!field) throw DataError(where(origin, row) + ": " + column + " is NA");
  char* end = nullptr;
  const double v = std::strtod(field->c_str(), &end);
  if (field->empty() || end != field->c_str() + field->size() || !std::isfinite(v))
    throw DataError(where(origin, row) + ": " + column + " '" + *field + "' is not a number");
  return v;
}

std::vector<std::string> split_genres(const std::string& g) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t bar = g.find('|', start);
    out.push_back(g.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

template <typename K>
std::map<K, int64_t> vocabulary(const std::set<K>& keys) {  // sorted keys -> 1.. (0 = OOV)
  std::map<K, int64_t> v;
  for (const auto& k : keys) v.emplace(k, static_cast<int64_t>(v.size()) + 1);
  return v;
}

template <typename K>
int64_t lookup(const std::map<K, int64_t>& v, const K& k) {
  auto it = v.find(k);
  return it == v.end() ? 0 : it->second;
}

int64_t count_bucket(int64_t n) {
  int64_t b = 0;
  while ((int64_t{1} << (b + 1)) <= n + 1 && b < 15) ++b;  // floor(log2(1 + n)), at most 15
  return b;
}

struct History {
  int64_t n = 0, pos = 0;
  double rating_sum = 0;
};

}  // namespace

std::vector<MovieLensRating> parse_movielens_rows(const RTable& table, const std::string& origin) {
  const size_t c_user = table.column("userId", origin), c_movie = table.column("movieId", origin),
               c_year = table.column("year", origin), c_genres = table.column("genres", origin),
               c_rating = table.column("rating", origin), c_time = table.column("timestamp", origin);
  std::vector<MovieLensRating> rows;
  rows.reserve(table.rows.size());
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const auto& r = table.rows[i];
    MovieLensRating m;
    m.user_id = parse_int(r[c_user], "userId", origin, i);
    m.movie_id = parse_int(r[c_movie], "movieId", origin, i);
    if (r[c_year]) m.year = parse_int(r[c_year], "year", origin, i);
    if (!r[c_genres] || r[c_genres]->empty()) throw DataError(where(origin, i) + ": genres is NA or empty");
    m.genres = *r[c_genres];
    m.rating = parse_double(r[c_rating], "rating", origin, i);
    if (m.rating < 0 || m.rating > 5)
      throw DataError(where(origin, i) + ": rating " + *r[c_rating] + " is outside [0, 5]");
    m.timestamp = parse_int(r[c_time], "timestamp", origin, i);
    if (m.timestamp < 0) throw DataError(where(origin, i) + ": negative timestamp");
    rows.push_back(std::move(m));
  }
  return rows;
}

MovieLensFeatures build_movielens_features(std::vector<MovieLensRating> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const MovieLensRating& a, const MovieLensRating& b) {
    if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
    if (a.user_id != b.user_id) return a.user_id < b.user_id;
    return a.movie_id < b.movie_id;
  });
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t n_train = n * 8 / 10, n_val = n / 10;
  const std::array<int64_t, 4> bounds = {0, n_train, n_train + n_val, n};

  // Vocabularies from the training split only.
  std::set<int64_t> users, movies;
  std::set<std::string> first_genres, combos, genre_set;
  for (int64_t i = 0; i < n_train; ++i) {
    users.insert(rows[i].user_id);
    movies.insert(rows[i].movie_id);
    combos.insert(rows[i].genres);
    const auto g = split_genres(rows[i].genres);
    first_genres.insert(g.front());
    genre_set.insert(g.begin(), g.end());
  }
  const auto user_v = vocabulary(users), movie_v = vocabulary(movies);
  const auto first_v = vocabulary(first_genres), combo_v = vocabulary(combos);
  MovieLensFeatures f;
  f.genres.assign(genre_set.begin(), genre_set.end());
  std::map<std::string, int64_t> genre_col;
  for (size_t g = 0; g < f.genres.size(); ++g) genre_col[f.genres[g]] = kNumCtrDense + static_cast<int64_t>(g);
  f.vocab_sizes = {static_cast<int64_t>(users.size()) + 1, static_cast<int64_t>(movies.size()) + 1,
                   static_cast<int64_t>(first_genres.size()) + 1, static_cast<int64_t>(combos.size()) + 1,
                   25, 24, 7, 16, 16};
  const int64_t d = kNumCtrDense + static_cast<int64_t>(f.genres.size());

  torch::Tensor sparse = torch::zeros({n, kNumSparse}, torch::kLong);
  torch::Tensor dense = torch::zeros({n, d}, torch::kFloat);
  torch::Tensor label = torch::zeros({n}, torch::kFloat);
  auto s = sparse.accessor<int64_t, 2>();
  auto x = dense.accessor<float, 2>();
  auto y = label.accessor<float, 1>();
  torch::Tensor stamps = torch::empty({n}, torch::kLong);
  auto ts = stamps.accessor<int64_t, 1>();
  for (int64_t i = 0; i < n; ++i) ts[i] = rows[i].timestamp;
  std::unordered_map<int64_t, History> user_h, movie_h;
  auto rate = [](const History& h) { return (h.pos + kPriorPositiveRate) / (h.n + 1.0); };
  auto mean = [](const History& h) { return h.n ? h.rating_sum / h.n - 3.5 : 0.0; };
  for (int64_t begin = 0; begin < n;) {
    int64_t end = begin;
    while (end < n && rows[end].timestamp == rows[begin].timestamp) ++end;
    for (int64_t i = begin; i < end; ++i) {  // features from strictly earlier ratings
      const MovieLensRating& r = rows[i];
      const History uh = user_h.count(r.user_id) ? user_h.at(r.user_id) : History{};
      const History mh = movie_h.count(r.movie_id) ? movie_h.at(r.movie_id) : History{};
      const auto g = split_genres(r.genres);
      s[i][kUser] = lookup(user_v, r.user_id);
      s[i][kMovie] = lookup(movie_v, r.movie_id);
      s[i][kFirstGenre] = lookup(first_v, g.front());
      s[i][kGenreCombo] = lookup(combo_v, r.genres);
      s[i][kYearBucket] = r.year ? 1 + std::clamp<int64_t>((*r.year - 1900) / 5, 0, 23) : 0;
      s[i][kHour] = (r.timestamp % 86400) / 3600;
      s[i][kWeekday] = (r.timestamp / 86400) % 7;
      s[i][kUserCountBucket] = count_bucket(uh.n);
      s[i][kMovieCountBucket] = count_bucket(mh.n);
      x[i][0] = static_cast<float>(std::log1p(static_cast<double>(uh.n)));
      x[i][1] = static_cast<float>(std::log1p(static_cast<double>(mh.n)));
      x[i][2] = static_cast<float>(rate(uh));
      x[i][3] = static_cast<float>(rate(mh));
      x[i][4] = static_cast<float>(mean(uh));
      x[i][5] = static_cast<float>(mean(mh));
      x[i][6] = r.year ? static_cast<float>((*r.year - 1990) / 20.0) : 0.0f;
      x[i][7] = r.year ? 0.0f : 1.0f;
      for (const auto& name : g) {
        auto it = genre_col.find(name);
        if (it != genre_col.end()) x[i][it->second] = 1.0f;
      }
      y[i] = r.rating >= 4.5 ? 1.0f : 0.0f;
    }
    for (int64_t i = begin; i < end; ++i) {
      const MovieLensRating& r = rows[i];
      for (History* h : {&user_h[r.user_id], &movie_h[r.movie_id]}) {
        h->n += 1;
        h->pos += r.rating >= 4.5 ? 1 : 0;
        h->rating_sum += r.rating;
      }
    }
    begin = end;
  }
  for (int k = 0; k < 3; ++k) {
    const int64_t b = bounds[k], len = bounds[k + 1] - bounds[k];
    f.splits[k] = {sparse.narrow(0, b, len).clone(), dense.narrow(0, b, len).clone(), label.narrow(0, b, len).clone(),
                  stamps.narrow(0, b, len).clone()};
  }
  return f;
}

nlohmann::json MovieLensFeatures::summary() const {
  nlohmann::json j = {{"vocab_sizes", vocab_sizes}, {"genres", genres}, {"num_sparse", int(kNumSparse)},
                      {"num_dense", kNumCtrDense + static_cast<int64_t>(genres.size())}};
  for (int k = 0; k < 3; ++k) {
    j[std::string(kSplitNames[k]) + "_examples"] = splits[k].label.size(0);
    j[std::string(kSplitNames[k]) + "_positive_rate"] =
        splits[k].label.numel() ? splits[k].label.to(torch::kDouble).mean().item<double>() : 0.0;
  }
  return j;
}

void write_tensor_file(const std::string& path, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.contiguous();
  uint32_t dtype;
  if (t.scalar_type() == torch::kLong) dtype = 0;
  else if (t.scalar_type() == torch::kFloat) dtype = 1;
  else throw std::invalid_argument(path + ": only int64 and float32 tensors are stored");
  std::string bytes = "TPTENSOR";
  auto put = [&bytes](const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); };
  const uint32_t version = 1, rank = static_cast<uint32_t>(t.dim());
  put(&version, 4);
  put(&dtype, 4);
  put(&rank, 4);
  for (int64_t i = 0; i < t.dim(); ++i) {
    const int64_t size = t.size(i);
    put(&size, 8);
  }
  put(t.data_ptr(), t.numel() * t.element_size());
  write_file(path, bytes);
}

torch::Tensor read_tensor_file(const std::string& path) {
  const std::string bytes = read_file(path);
  size_t pos = 0;
  auto take = [&](void* out, size_t n, const char* what) {
    if (bytes.size() - pos < n) throw DataError(path + ": truncated (" + what + ")");
    std::memcpy(out, bytes.data() + pos, n);
    pos += n;
  };
  char magic[8];
  take(magic, 8, "header");
  if (std::memcmp(magic, "TPTENSOR", 8) != 0) throw DataError(path + ": not a trainperf tensor file");
  uint32_t version = 0, dtype = 0, rank = 0;
  take(&version, 4, "header");
  take(&dtype, 4, "header");
  take(&rank, 4, "header");
  if (version != 1 || dtype > 1 || rank > 8)
    throw DataError(path + ": unsupported tensor file (version " + std::to_string(version) + ", dtype " +
                    std::to_string(dtype) + ", rank " + std::to_string(rank) + ")");
  std::vector<int64_t> sizes(rank);
  int64_t numel = 1;
  for (auto& s : sizes) {
    take(&s, 8, "sizes");
    if (s < 0 || s > (int64_t{1} << 40)) throw DataError(path + ": bad size " + std::to_string(s));
    numel *= s;
  }
  torch::Tensor t = torch::empty(sizes, dtype == 0 ? torch::kLong : torch::kFloat);
  const size_t n = static_cast<size_t>(numel) * t.element_size();
  if (bytes.size() - pos != n)
    throw DataError(path + ": " + std::to_string(bytes.size() - pos) + " bytes of data, expected " +
                    std::to_string(n) + (bytes.size() - pos < n ? " (truncated)" : ""));
  if (n) std::memcpy(t.data_ptr(), bytes.data() + pos, n);
  return t;
}

nlohmann::json build_movielens_dataset(PrepareContext& ctx) {
  for (const char* f : {"/data/Rdata.rdb", "/data/Rdata.rdx", "/data/Rdata.rds"})
    ctx.source(std::string(kPackageDir) + f, "r-cran-dslabs");
  const std::string export_path = ctx.out_dir + "/movielens.tsv";
  ctx.log("exporting dslabs::movielens with Rscript");
  export_r_table("dslabs::movielens", {"movieId", "year", "genres", "userId", "rating", "timestamp"}, export_path,
                 kInstall);
  std::vector<MovieLensRating> rows = parse_movielens_rows(read_r_export(export_path), export_path);
  if (rows.size() < 1000)
    throw DataError(export_path + ": only " + std::to_string(rows.size()) + " ratings (expected 100,004)");
  ctx.log("building features of " + std::to_string(rows.size()) + " ratings");
  const MovieLensFeatures f = build_movielens_features(std::move(rows));
  for (int k = 0; k < 3; ++k) {
    const std::string base = ctx.out_dir + "/" + kSplitNames[k];
    write_tensor_file(base + "_sparse.bin", f.splits[k].sparse);
    write_tensor_file(base + "_dense.bin", f.splits[k].dense);
    write_tensor_file(base + "_label.bin", f.splits[k].label);
  }
  const nlohmann::json summary = f.summary();
  write_file(ctx.out_dir + "/meta.json", summary.dump(2) + "\n");
  return summary;
}

MovieLensFeatures load_movielens_features(const std::string& dir) {
  const std::string meta_path = dir + "/meta.json";
  MovieLensFeatures f;
  int64_t num_dense = 0;
  try {
    const nlohmann::json meta = nlohmann::json::parse(read_file(meta_path));
    f.vocab_sizes = meta.at("vocab_sizes").get<std::vector<int64_t>>();
    f.genres = meta.at("genres").get<std::vector<std::string>>();
    num_dense = meta.at("num_dense").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw DataError(meta_path + ": " + e.what());
  }
  if (static_cast<int64_t>(f.vocab_sizes.size()) != kNumSparse)
    throw DataError(meta_path + ": expected " + std::to_string(int(kNumSparse)) + " vocabulary sizes");
  for (int k = 0; k < 3; ++k) {
    const std::string base = dir + "/" + kSplitNames[k];
    MovieLensSplit& s = f.splits[k];
    s.sparse = read_tensor_file(base + "_sparse.bin");
    s.dense = read_tensor_file(base + "_dense.bin");
    s.label = read_tensor_file(base + "_label.bin");
    const int64_t n = s.label.dim() == 1 ? s.label.size(0) : -1;
    if (s.sparse.dim() != 2 || s.sparse.size(0) != n || s.sparse.size(1) != kNumSparse ||
        s.sparse.scalar_type() != torch::kLong || s.dense.dim() != 2 || s.dense.size(0) != n ||
        s.dense.size(1) != num_dense || s.dense.scalar_type() != torch::kFloat)
      throw DataError(base + "_{sparse,dense,label}.bin: shapes disagree with each other or with " + meta_path);
    for (int64_t c = 0; c < kNumSparse; ++c) {
      torch::Tensor col = s.sparse.select(1, c);
      if (n > 0 && (col.min().item<int64_t>() < 0 || col.max().item<int64_t>() >= f.vocab_sizes[c]))
        throw DataError(base + "_sparse.bin: column " + std::to_string(c) + " outside its vocabulary");
    }
  }
  return f;
}

DatasetEntry movielens_dataset() {
  DatasetEntry e;
  e.name = kMovieLensDataset;
  e.description = "MovieLens ratings (dslabs) as click-through data: rating >= 4.5, time split 80/10/10";
  e.format_version = 1;
  e.packages = {"r-base-core", "r-cran-dslabs"};
  e.build = build_movielens_dataset;
  return e;
}

}  // namespace trainperf::workload::ctr_dlrm
