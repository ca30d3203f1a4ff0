#include "distributed/c10d_communicator.h"

// Only headers the torch wheel ships: the Gloo backend is made by the embedded Python's
// torch.distributed (src/python/c10d_gloo.h) and used here as a c10d::Backend. c10d's NCCL header is
// compiled only when its macro is defined (LibTorch's own build defines it).
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef TRAINPERF_WITH_CUDA
#define USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <limits>
#include <map>
#include <thread>

#include "python/c10d_gloo.h"

namespace trainperf {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v) return std::nullopt;
  return std::string(v);
}

int env_int(const char* name, int lo, int hi) {
  const std::optional<std::string> text = env(name);
  if (!text) throw std::invalid_argument(std::string(name) + " is not set (torchrun's environment: RANK, WORLD_SIZE, " +
                                         "MASTER_ADDR, MASTER_PORT; docs/distributed.md)");
  size_t used = 0;
  long value = 0;
  try {
    value = std::stol(*text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text->size() || value < lo || value > hi)
    throw std::invalid_argument(fmt::format("{}='{}' is not a whole number in {}..{}", name, *text, lo, hi));
  return static_cast<int>(value);
}

using MonotonicClock = std::chrono::steady_clock;  // not Clock: runner/clock.h has one (unity builds)

}  // namespace

std::optional<LaunchEnvironment> launch_environment_from_env() {
  if (!env("WORLD_SIZE")) return std::nullopt;
  LaunchEnvironment e;
  e.world_size = env_int("WORLD_SIZE", 1, 1 << 20);
  e.rank = env_int("RANK", 0, e.world_size - 1);
  e.local_rank = env("LOCAL_RANK") ? env_int("LOCAL_RANK", 0, e.world_size - 1) : e.rank;
  if (e.world_size == 1) return e;
  e.master_addr = env("MASTER_ADDR").value_or("");
  if (e.master_addr.empty())
    throw std::invalid_argument("MASTER_ADDR is not set: the address of rank 0's host, where the group meets");
  e.master_port = env_int("MASTER_PORT", 1, 65535);
  return e;
}

std::chrono::milliseconds group_timeout_from_env() {
  double seconds = kDefaultGroupTimeoutS;
  if (const auto text = env("TRAINPERF_GROUP_TIMEOUT_S")) {
    size_t used = 0;
    try {
      seconds = std::stod(*text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text->size() || !(seconds > 0) || seconds > 86400)
      throw std::invalid_argument("TRAINPERF_GROUP_TIMEOUT_S='" + *text + "' is not a number of seconds in (0, 86400]");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

struct C10dCommunicator::Impl {
  LaunchEnvironment env;
  torch::Device device = torch::kCPU;
  std::chrono::milliseconds timeout{0};
  std::string backend_name;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::Backend> backend;
  double collective_s = 0;

  static std::string error_key(int rank) { return "trainperf/error/" + std::to_string(rank); }
  static std::string alive_key(int rank) { return "trainperf/alive/" + std::to_string(rank); }

  // Runs one collective; a failure becomes a GroupFailure naming the rank that caused it.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw GroupFailure(diagnose(what, e.what()));
    }
  }

  // Every rank that sees a collective fail checks in at the store; the ranks that do not within a few
  // seconds are the ones that stopped. A rank that stopped on an error of its own left the error there.
  // The store lives in rank 0's process: unreachable, it is rank 0 that is gone.
  std::string diagnose(const char* what, const std::string& backend_error) {
    std::string first_line = backend_error.substr(0, backend_error.find('\n'));
    const std::string prefix = fmt::format("rank {} of {}: {} failed: ", env.rank, env.world_size, what);
    const std::string suffix = fmt::format(" ({}: {})", backend_name, first_line);
    try {
      store->set(alive_key(env.rank), std::vector<uint8_t>{1});
      const auto deadline = MonotonicClock::now() + std::chrono::seconds(3);
      while (true) {
        std::vector<std::string> gone;
        for (int r = 0; r < env.world_size; ++r) {
          if (r == env.rank) continue;
          if (store->check({error_key(r)})) {
            const std::vector<uint8_t> msg = store->get(error_key(r));
            return prefix + fmt::format("rank {} stopped with an error: {}", r, std::string(msg.begin(), msg.end())) +
                   suffix;
          }
          if (!store->check({alive_key(r)})) gone.push_back(std::to_string(r));
        }
        if (gone.empty())
          return prefix + "every other rank is still running; the collective itself failed or timed out after " +
                 fmt::format("{:.0f} s", timeout.count() / 1e3) + suffix;
        if (MonotonicClock::now() > deadline)
          return prefix + fmt::format("rank {} stopped (killed, crashed or not answering within {:.0f} s)",
                                      fmt::join(gone, ", "), timeout.count() / 1e3) +
                 suffix;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    } catch (const std::exception&) {
      if (env.rank == 0) return prefix + "the group's store is unusable" + suffix;
      return prefix + fmt::format("rank 0 stopped (killed or crashed: the group's store at {}:{} that it hosts is gone)",
                                  env.master_addr, env.master_port) +
             suffix;
    }
  }

  // Same-dtype runs of `tensors` of at most kBucketBytes, each as one flat buffer on the backend's
  // device: f(buffer) runs the collective, then the results are copied back.
  template <typename F>
  void in_buckets(std::vector<torch::Tensor>& tensors, F&& f) {
    size_t i = 0;
    while (i < tensors.size()) {
      size_t j = i;
      int64_t bytes = 0;
      const auto dtype = tensors[i].scalar_type();
      while (j < tensors.size() && tensors[j].scalar_type() == dtype &&
             (j == i || bytes + static_cast<int64_t>(tensors[j].nbytes()) <= kBucketBytes)) {
        bytes += static_cast<int64_t>(tensors[j].nbytes());
        ++j;
      }
      const bool single_in_place = j == i + 1 && tensors[i].is_contiguous() && tensors[i].device() == device;
      if (single_in_place) {
        f(tensors[i]);
      } else {
        std::vector<torch::Tensor> flat;
        for (size_t k = i; k < j; ++k) flat.push_back(tensors[k].reshape(-1).to(device));
        torch::Tensor buffer = torch::cat(flat);
        f(buffer);
        int64_t offset = 0;
        for (size_t k = i; k < j; ++k) {
          const int64_t n = tensors[k].numel();
          tensors[k].copy_(buffer.narrow(0, offset, n).view(tensors[k].sizes()));
          offset += n;
        }
      }
      i = j;
    }
  }

  struct Timed {
    double& total;
    MonotonicClock::time_point t0 = MonotonicClock::now();
    ~Timed() { total += std::chrono::duration<double>(MonotonicClock::now() - t0).count(); }
  };
};

C10dCommunicator::C10dCommunicator(const LaunchEnvironment& env, torch::Device device,
                                   std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.env = env;
  m.device = device;
  m.timeout = timeout;
  m.backend_name = device.is_cuda() ? "nccl" : "gloo";
  const std::string where = fmt::format("{}:{}", env.master_addr, env.master_port);
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(env.master_port);
    o.isServer = env.rank == 0;
    o.numWorkers = env.world_size;
    o.waitWorkers = true;
    o.timeout = timeout;
    m.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    throw GroupFailure(fmt::format("rank {} of {}: the group did not meet at {} within {:.0f} s ({}): {}", env.rank,
                                   env.world_size, where, timeout.count() / 1e3,
                                   env.rank == 0 ? "as rank 0, hosting the store: is the port free and did every "
                                                   "rank start?"
                                                 : "is rank 0 running, and MASTER_ADDR/MASTER_PORT the same everywhere?",
                                   msg.substr(0, msg.find('\n'))));
  }
  try {
    if (device.is_cuda()) {
#ifdef TRAINPERF_WITH_CUDA
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      m.backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(m.store, env.rank, env.world_size, o);
#else
      throw std::invalid_argument("device " + device.str() + " needs NCCL: this trainperf is a CPU build (make build-cuda)");
#endif
    } else {
      GlooGroupRequest r;
      r.master_addr = env.master_addr;
      r.master_port = env.master_port;
      r.rank = env.rank;
      r.world_size = env.world_size;
      r.timeout_s = timeout.count() / 1e3;
      // GLOO_SOCKET_IFNAME's interface when set (as in PyTorch); else the loopback one when MASTER_ADDR
      // is 127.0.0.1 or localhost; else the one the host name resolves to, as torchrun's default.
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
        r.interface = ifname;
      else if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost")
        r.hostname = "127.0.0.1";
      m.backend = make_gloo_backend_through_python(r);
    }
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    throw GroupFailure(fmt::format("rank {} of {}: the {} group did not form at {}: {}", env.rank, env.world_size,
                                   m.backend_name, where, msg.substr(0, msg.find('\n'))));
  }
  // Short store operations from here on: the store serves only diagnose() and report_failure().
  m.store->setTimeout(std::chrono::seconds(5));
}

C10dCommunicator::~C10dCommunicator() = default;

DistInfo C10dCommunicator::info() const { return {impl_->env.rank, impl_->env.world_size}; }

const std::string& C10dCommunicator::backend() const { return impl_->backend_name; }

double C10dCommunicator::seconds_in_collectives() const { return impl_->collective_s; }

void C10dCommunicator::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  Impl& m = *impl_;
  Impl::Timed timed{m.collective_s};
  torch::NoGradGuard no_grad;
  m.in_buckets(tensors, [&](torch::Tensor& buffer) {
    std::vector<at::Tensor> one{buffer};
    m.wait(m.backend->allreduce(one, c10d::AllreduceOptions{}), "all-reduce");
  });
}

double C10dCommunicator::all_reduce_max(double value) {
  Impl& m = *impl_;
  Impl::Timed timed{m.collective_s};
  std::vector<at::Tensor> one{torch::full({1}, value, torch::TensorOptions().dtype(torch::kDouble).device(m.device))};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::MAX;
  m.wait(m.backend->allreduce(one, o), "all-reduce (max)");
  return one[0].item<double>();
}

void C10dCommunicator::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  Impl& m = *impl_;
  Impl::Timed timed{m.collective_s};
  torch::NoGradGuard no_grad;
  m.in_buckets(tensors, [&](torch::Tensor& buffer) {
    std::vector<at::Tensor> one{buffer};
    c10d::BroadcastOptions o;
    o.rootRank = root;
    m.wait(m.backend->broadcast(one, o), "broadcast");
  });
}

void C10dCommunicator::barrier() {
  Impl& m = *impl_;
  Impl::Timed timed{m.collective_s};
  m.wait(m.backend->barrier(c10d::BarrierOptions{}), "barrier");
}

void C10dCommunicator::report_failure(const std::string& message) noexcept {
  try {
    impl_->store->set(Impl::error_key(impl_->env.rank), std::vector<uint8_t>(message.begin(), message.end()));
  } catch (...) {
  }
}

}  // namespace trainperf
