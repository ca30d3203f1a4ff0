// One study over a group of processes (docs/distributed.md): rank 0 runs run_study, which writes the
// logs and announces each trial it runs; every other rank follows, running the announced trials with
// no logs of its own.
#pragma once

#include <trainperf/distributed.h>

#include <iosfwd>
#include <optional>

#include "runner/experiment.h"

namespace trainperf {

class C10dCommunicator;

// What rank 0 tells the others before a trial: its number (0: the study is over) and the reference
// step rank 0 measured (its measurement sets every rank's budget).
struct TrialAnnouncement {
  int trial = 0;
  std::optional<double> reference_step_s;
};

// Rank 0 sends, the others receive (a broadcast from rank 0).
void announce_trial(Communicator& comm, const TrialAnnouncement& announcement);
TrialAnnouncement receive_trial(Communicator& comm);

// A rank other than 0: loads the workload's data and runs the trials rank 0 announces, writing
// nothing, until rank 0 says the study is over. A trial that fails on this rank is reported to the
// others (C10dCommunicator::report_failure) and thrown as std::runtime_error.
void follow_study(const StudyRequest& request, C10dCommunicator& comm, std::ostream& out);

}  // namespace trainperf
