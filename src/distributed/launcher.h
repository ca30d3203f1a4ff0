// `trainperf launch`: torchrun's single-node contract without Python (docs/distributed.md). Starts
// nproc copies of a command with RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1
// and a free MASTER_PORT, and supervises them: when one exits with an error or is killed, the others
// get `grace_s` seconds to notice (they stop on their own, naming the rank) and are then killed. No
// child outlives the launcher (they die with it: die_with_coordinator()).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace trainperf {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_loopback_port();

// Runs `argv` (argv[0] an absolute path) as nproc ranks; returns 0 when every rank succeeded, else
// the exit status of the first rank that failed (128 + signal for one killed). Reports each failed
// rank to `err`.
int launch_group(const std::vector<std::string>& argv, int nproc, double grace_s, std::ostream& err);

// A planned trial's `trainperf launch --nproc-per-node N run ...` as the torchrun line that does the
// same (`torchrun --standalone --nproc-per-node N --no-python trainperf run ...`); any other command
// unchanged.
std::vector<std::string> as_torchrun_command(const std::vector<std::string>& argv);

}  // namespace trainperf
