#include "optim/schedule_free_sgd.h"

namespace trainperf {

template class ScheduleFree<ScheduleFreeSGDUpdate>;

}  // namespace trainperf
