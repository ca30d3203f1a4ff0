// The Gloo backend of a data-parallel trial, constructed by the embedded Python's torch.distributed
// (python/trainperf_c10d.py says why): Gloo's headers are not in the torch wheel, and trainperf
// includes none.
#pragma once

#include <torch/csrc/distributed/c10d/Backend.hpp>

#include <string>

namespace trainperf {

struct GlooGroupRequest {
  std::string master_addr;  // rank 0's TCPStore
  int master_port = 0;
  int rank = 0;
  int world_size = 1;
  double timeout_s = 300;
  std::string interface;  // Gloo's network interface, or
  std::string hostname;   // the address to bind, or (both empty) the host name's address
};

// Starts the embedded interpreter if it is not running, forms the group (blocking until every rank
// has joined, without holding the GIL) and hands its Gloo backend over through c10d's group
// registry. Throws std::runtime_error with Python's message when the interpreter or the group fails.
c10::intrusive_ptr<c10d::Backend> make_gloo_backend_through_python(const GlooGroupRequest& request);

}  // namespace trainperf
