// Collectives used by the runner and by submissions under data parallelism.
// A single process uses LocalCommunicator; a c10d-backed one (Gloo on CPU, NCCL on GPU) plugs in
// behind the same interface, launched with torchrun-style RANK / WORLD_SIZE / MASTER_ADDR / MASTER_PORT.
#pragma once

#include <trainperf/types.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace trainperf {

// A collective could not complete: another rank failed, was killed or stopped answering within the
// group's timeout. The message names the rank (src/distributed/c10d_communicator.h).
class GroupFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual DistInfo info() const = 0;
  // In-place sums over ranks.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  virtual double all_reduce_max(double value) = 0;
  virtual void broadcast(std::vector<torch::Tensor>& tensors, int root) = 0;
  virtual void barrier() = 0;
};

class LocalCommunicator final : public Communicator {
 public:
  DistInfo info() const override { return {}; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  double all_reduce_max(double value) override { return value; }
  void broadcast(std::vector<torch::Tensor>&, int) override {}
  void barrier() override {}
};

// Averages the gradients of `params` over ranks (a no-op for one process).
void average_gradients(Communicator& comm, const std::vector<torch::Tensor>& params);

}  // namespace trainperf
