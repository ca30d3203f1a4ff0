// Prepared datasets: built once from installed Debian packages into a cache folder with a manifest
// (format version, source files, every file's size and SHA-256), verified by workloads at load time.
//
//   <root>/<dataset>/manifest.json     root = --data-dir, $TRAINPERF_DATA_DIR, $XDG_CACHE_HOME/trainperf
//   <root>/<dataset>/<files...>                    or ~/.cache/trainperf
//
// A dataset is a builder (DatasetEntry) that the workloads reading it name in their registry entries
// (src/workloads/registry.h: datasets() is the view over them); `trainperf data prepare` runs it into
// a scratch folder that replaces the old one atomically. This folder is mechanism only.
#pragma once

#include <trainperf/workload.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace trainperf {

std::string default_data_root();
// options.data_dir if set, else default_data_root().
std::string data_root(const DataOptions& options);

std::string sha256_file(const std::string& path);  // lower-case hex; throws DataError naming the file
std::string sha256_bytes(const std::string& bytes);

struct PrepareContext {
  std::string out_dir;                          // empty scratch folder: write the dataset's files here
  std::function<void(const std::string&)> log;  // progress lines
  // A package file the builder reads: recorded (size, mtime, SHA-256) for staleness checks.
  void add_source(const std::string& path);
  // The same, after checking the file exists: if not, DataError naming the file and the package.
  std::string source(const std::string& path, const std::string& package);
  std::vector<std::string> sources;
};

struct DatasetEntry {
  std::string name;                   // folder under the data root
  std::string description;
  int format_version = 1;             // bump when the builder's output changes
  std::vector<std::string> packages;  // Debian packages it reads (named in error messages)
  std::function<nlohmann::json(PrepareContext&)> build;  // writes into out_dir; returns summary info
};

class DatasetRegistry {
 public:
  void add(DatasetEntry entry);
  const std::vector<DatasetEntry>& entries() const { return entries_; }
  const DatasetEntry& find(const std::string& name) const;  // throws std::invalid_argument listing names

 private:
  std::vector<DatasetEntry> entries_;
};

enum class DatasetStatus { Ok, Missing, Stale, Corrupt };
const char* to_string(DatasetStatus s);

struct DatasetCheck {
  DatasetStatus status = DatasetStatus::Missing;
  std::string problem;  // empty when Ok; otherwise names the file and what is wrong
  nlohmann::json manifest;
};

// Checks <root>/<entry.name>: manifest present and readable, format version, source files unchanged
// (size and mtime; a source that is gone is not an error once the cache is built), every listed file
// present with its size and SHA-256. Extra files are ignored.
DatasetCheck check_dataset(const DatasetEntry& entry, const std::string& root);

// Builds the dataset unless it is already Ok (or always with force). Serialised by a lock file under
// the root; the old folder is replaced only after the new one is complete. Returns true if it built.
bool prepare_dataset(const DatasetEntry& entry, const std::string& root, bool force,
                     const std::function<void(const std::string&)>& log);

// For Workload::load_data: the verified folder of `dataset`, or a DataError that says what is wrong
// and exactly what to run (`trainperf data prepare --workload <workload> ...`) or install.
std::string require_dataset(const DatasetEntry& entry, const DataOptions& options, const std::string& workload);

// Writes bytes to a file (binary), throwing DataError naming the file on failure.
void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);  // throws DataError naming the file

}  // namespace trainperf
