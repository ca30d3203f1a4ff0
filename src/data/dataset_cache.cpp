#include "data/dataset_cache.h"

#include <fcntl.h>
#include <signal.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "util/environment.h"

namespace trainperf {

namespace fs = std::filesystem;

namespace {

constexpr const char* kManifest = "manifest.json";

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 init failed");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const char* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, digest, &len);
    std::string out;
    for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

int64_t mtime_seconds(const fs::path& p) {
  const auto t = fs::last_write_time(p);
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Debian package version, or "" when dpkg-query is unavailable or the package is not installed.
std::string package_version(const std::string& package) {
  const std::string cmd = "dpkg-query -W -f='${Version}' " + package + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return "";
  std::string out;
  std::array<char, 256> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  pclose(pipe);
  return out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string packages_hint(const DatasetEntry& entry) {
  if (entry.packages.empty()) return "";
  std::string list;
  for (const auto& p : entry.packages) list += (list.empty() ? "" : " ") + p;
  return fmt::format(" (it is built from the Debian packages {}: apt-get install {})", list, list);
}

// Holds an exclusive flock on a file for its lifetime.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR, 0644);
    if (fd_ < 0) throw DataError(fmt::format("cannot create lock file {}: {}", path.string(), std::strerror(errno)));
    ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

std::string default_data_root() {
  if (auto d = env_or_empty("TRAINPERF_DATA_DIR"); !d.empty()) return d;
  if (auto d = env_or_empty("XDG_CACHE_HOME"); !d.empty()) return (fs::path(d) / "trainperf").string();
  if (auto d = env_or_empty("HOME"); !d.empty()) return (fs::path(d) / ".cache" / "trainperf").string();
  return (fs::current_path() / ".trainperf-data").string();
}

std::string data_root(const DataOptions& options) {
  return options.data_dir.empty() ? default_data_root() : options.data_dir;
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw DataError(fmt::format("error reading {}", path));
  return h.hex();
}

std::string sha256_bytes(const std::string& bytes) {
  Sha256 h;
  h.update(bytes.data(), bytes.size());
  return h.hex();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw DataError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw DataError(fmt::format("error writing {}", path));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void PrepareContext::add_source(const std::string& path) {
  if (std::find(sources.begin(), sources.end(), path) == sources.end()) sources.push_back(path);
}

std::string PrepareContext::source(const std::string& path, const std::string& package) {
  if (!fs::exists(path))
    throw DataError(fmt::format("{} not found: install the Debian package {} (apt-get install {})", path, package,
                                package));
  add_source(path);
  return path;
}

void DatasetRegistry::add(DatasetEntry entry) {
  for (const auto& e : entries_)
    if (e.name == entry.name) throw std::logic_error("dataset '" + entry.name + "' registered twice");
  entries_.push_back(std::move(entry));
}

const DatasetEntry& DatasetRegistry::find(const std::string& name) const {
  for (const auto& e : entries_)
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown dataset '" + name + "'; known datasets: " + (known.empty() ? "none" : known));
}

const char* to_string(DatasetStatus s) {
  switch (s) {
    case DatasetStatus::Ok: return "ok";
    case DatasetStatus::Missing: return "missing";
    case DatasetStatus::Stale: return "stale";
    case DatasetStatus::Corrupt: return "corrupt";
  }
  return "?";
}

DatasetCheck check_dataset(const DatasetEntry& entry, const std::string& root) {
  DatasetCheck c;
  const fs::path dir = fs::path(root) / entry.name;
  const fs::path manifest_path = dir / kManifest;
  if (!fs::exists(manifest_path)) {
    c.status = DatasetStatus::Missing;
    c.problem = fmt::format("{} does not exist", manifest_path.string());
    return c;
  }
  try {
    c.manifest = nlohmann::json::parse(read_file(manifest_path.string()));
    const int version = c.manifest.at("format_version").get<int>();
    if (version != entry.format_version) {
      c.status = DatasetStatus::Stale;
      c.problem = fmt::format("{} was built by format version {}; this trainperf reads version {}",
                              manifest_path.string(), version, entry.format_version);
      return c;
    }
    for (const auto& s : c.manifest.at("sources")) {
      const fs::path p = s.at("path").get<std::string>();
      if (!fs::exists(p)) continue;  // the cache is self-contained once built
      if (static_cast<int64_t>(fs::file_size(p)) != s.at("bytes").get<int64_t>() ||
          mtime_seconds(p) != s.at("mtime").get<int64_t>()) {
        c.status = DatasetStatus::Stale;
        c.problem = fmt::format("the package file {} changed since the cache was built", p.string());
        return c;
      }
    }
    for (const auto& f : c.manifest.at("files")) {
      const fs::path p = dir / f.at("name").get<std::string>();
      if (!fs::exists(p)) {
        c.status = DatasetStatus::Corrupt;
        c.problem = fmt::format("{} is missing", p.string());
        return c;
      }
      const auto bytes = static_cast<int64_t>(fs::file_size(p));
      if (bytes != f.at("bytes").get<int64_t>()) {
        c.status = DatasetStatus::Corrupt;
        c.problem = fmt::format("{} has {} bytes, the manifest says {}", p.string(), bytes,
                                f.at("bytes").get<int64_t>());
        return c;
      }
      if (sha256_file(p.string()) != f.at("sha256").get<std::string>()) {
        c.status = DatasetStatus::Corrupt;
        c.problem = fmt::format("{} does not match its SHA-256 in the manifest", p.string());
        return c;
      }
    }
  } catch (const nlohmann::json::exception& e) {
    c.status = DatasetStatus::Corrupt;
    c.problem = fmt::format("{} is unreadable: {}", manifest_path.string(), e.what());
    return c;
  }
  c.status = DatasetStatus::Ok;
  return c;
}

namespace {
// Scratch folders `.<name>.building-<pid>` of builders that died (SIGKILL, power loss) before they
// could remove them; called under the dataset's lock, so no live builder of this dataset on this
// machine is writing one. A folder whose pid is alive (or not ours to signal) is left alone.
void remove_stale_scratch(const DatasetEntry& entry, const std::string& root) {
  const std::string prefix = "." + entry.name + ".building-";
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const long pid = std::stol(digits);
    // Only a pid that no longer exists (ESRCH); EPERM means alive under another user.
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    stale.push_back(e.path());
  }
  for (const auto& p : stale) fs::remove_all(p, ec);
}
}  // namespace

bool prepare_dataset(const DatasetEntry& entry, const std::string& root, bool force,
                     const std::function<void(const std::string&)>& log) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw DataError(fmt::format("cannot create the data folder {}: {}", root, ec.message()));
  FileLock lock(fs::path(root) / ("." + entry.name + ".lock"));
  remove_stale_scratch(entry, root);
  if (!force && check_dataset(entry, root).status == DatasetStatus::Ok) return false;

  const fs::path dir = fs::path(root) / entry.name;
  const fs::path scratch = fs::path(root) / fmt::format(".{}.building-{}", entry.name, ::getpid());
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  PrepareContext ctx;
  ctx.out_dir = scratch.string();
  ctx.log = log ? log : [](const std::string&) {};
  nlohmann::json info;
  try {
    info = entry.build(ctx);
  } catch (...) {
    fs::remove_all(scratch, ec);
    throw;
  }

  nlohmann::json manifest;
  manifest["dataset"] = entry.name;
  manifest["format_version"] = entry.format_version;
  manifest["created"] = utc_now();
  manifest["trainperf"] = trainperf_version() + " " + git_hash();
  manifest["info"] = info.is_null() ? nlohmann::json::object() : info;
  nlohmann::json packages = nlohmann::json::object();
  for (const auto& p : entry.packages) packages[p] = package_version(p);
  manifest["packages"] = packages;
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : ctx.sources)
    sources.push_back({{"path", s},
                       {"bytes", static_cast<int64_t>(fs::file_size(s))},
                       {"mtime", mtime_seconds(s)},
                       {"sha256", sha256_file(s)}});
  manifest["sources"] = sources;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(scratch))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), scratch));
  std::sort(files.begin(), files.end());
  nlohmann::json listed = nlohmann::json::array();
  int64_t total = 0;
  for (const auto& f : files) {
    const auto bytes = static_cast<int64_t>(fs::file_size(scratch / f));
    total += bytes;
    listed.push_back({{"name", f.string()}, {"bytes", bytes}, {"sha256", sha256_file((scratch / f).string())}});
  }
  manifest["files"] = listed;
  manifest["total_bytes"] = total;
  write_file((scratch / kManifest).string(), manifest.dump(2) + "\n");

  const fs::path old = fs::path(root) / fmt::format(".{}.old-{}", entry.name, ::getpid());
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(scratch, dir);
  fs::remove_all(old, ec);
  return true;
}

std::string require_dataset(const DatasetEntry& entry, const DataOptions& options, const std::string& workload) {
  const std::string& dataset = entry.name;
  const std::string root = data_root(options);
  const DatasetCheck c = check_dataset(entry, root);
  const std::string data_dir_flag = options.data_dir.empty() ? "" : " --data-dir " + options.data_dir;
  switch (c.status) {
    case DatasetStatus::Ok: return (fs::path(root) / entry.name).string();
    case DatasetStatus::Missing:
      throw DataError(fmt::format("workload {} needs the dataset '{}', which is not prepared ({}). Run: trainperf "
                                  "data prepare --workload {}{}{}",
                                  workload, dataset, c.problem, workload, data_dir_flag, packages_hint(entry)));
    case DatasetStatus::Stale:
      throw DataError(fmt::format("the dataset '{}' is stale: {}. Rebuild it: trainperf data prepare --workload {}{} "
                                  "--force",
                                  dataset, c.problem, workload, data_dir_flag));
    case DatasetStatus::Corrupt:
      throw DataError(fmt::format("the dataset '{}' is corrupt: {}. It will not be used; rebuild it: trainperf data "
                                  "prepare --workload {}{} --force",
                                  dataset, c.problem, workload, data_dir_flag));
  }
  throw std::logic_error("unreachable");
}

}  // namespace trainperf
