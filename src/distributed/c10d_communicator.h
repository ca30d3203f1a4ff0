// Data parallelism over processes: a Communicator backed by LibTorch's c10d process groups (Gloo on
// CPU, NCCL for a CUDA device in CUDA builds), joined by the torchrun environment contract
// (docs/distributed.md). The c10d headers stay in the .cpp; no Gloo header is included anywhere (the
// Gloo backend is made by torch.distributed: src/python/c10d_gloo.h).
#pragma once

#include <trainperf/distributed.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace trainperf {

// What torchrun, srun (through the README's wrapper) or a hand-written launch line gives each process.
struct LaunchEnvironment {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  int master_port = 0;
};

// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. nullopt when WORLD_SIZE is unset (a single
// process); std::invalid_argument naming the variable when one is missing, malformed or out of range.
// LOCAL_RANK defaults to RANK.
std::optional<LaunchEnvironment> launch_environment_from_env();

// The timeout of the group's collectives and rendezvous: TRAINPERF_GROUP_TIMEOUT_S seconds, else
// kDefaultGroupTimeoutS. A killed rank is noticed at once (its sockets close); the timeout bounds the
// wait for one that hangs.
inline constexpr double kDefaultGroupTimeoutS = 300;
std::chrono::milliseconds group_timeout_from_env();

class C10dCommunicator final : public Communicator {
 public:
  // Joins the group: rank 0 hosts a c10d::TCPStore at MASTER_ADDR:MASTER_PORT, every rank connects to
  // it, and the backend forms over it ("gloo" for a CPU device, "nccl" for a CUDA one). Throws
  // GroupFailure when the group does not form within `timeout`.
  C10dCommunicator(const LaunchEnvironment& env, torch::Device device, std::chrono::milliseconds timeout);
  ~C10dCommunicator() override;
  C10dCommunicator(const C10dCommunicator&) = delete;
  C10dCommunicator& operator=(const C10dCommunicator&) = delete;

  DistInfo info() const override;
  // In buckets of up to kBucketBytes per dtype (as DDP's 25 MiB), each flattened into one buffer.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override;
  double all_reduce_max(double value) override;
  void broadcast(std::vector<torch::Tensor>& tensors, int root) override;
  void barrier() override;

  const std::string& backend() const;
  // Leaves `message` where the other ranks read it when their next collective fails, so their
  // GroupFailure says why this rank stopped. Never throws (the store may be gone).
  void report_failure(const std::string& message) noexcept;
  // Wall time spent inside this communicator's collectives (the benchmark's all-reduce share).
  double seconds_in_collectives() const;

  static constexpr int64_t kBucketBytes = 25 << 20;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainperf
