// Everything a submission author includes.
#pragma once

#include <trainperf/distributed.h>
#include <trainperf/errors.h>
#include <trainperf/hparams.h>
#include <trainperf/seeding.h>
#include <trainperf/submission.h>
#include <trainperf/train_state.h>
#include <trainperf/types.h>
#include <trainperf/workload.h>

// Bumped whenever a header a submission includes changes incompatibly; plugins built against another
// version are refused when loaded.
#ifndef TRAINPERF_API_VERSION
#define TRAINPERF_API_VERSION 4
#endif
