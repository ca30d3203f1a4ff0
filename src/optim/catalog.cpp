#include "optim/catalog.h"

#include "optim/adafactor.h"
#include "optim/ademamix.h"
#include "optim/adamw.h"
#include "optim/cocob.h"
#include "optim/dadapt_adam.h"
#include "optim/dadapt_sgd.h"
#include "optim/dog.h"
#include "optim/lamb.h"
#include "optim/lion.h"
#include "optim/mechanic.h"
#include "optim/muon.h"
#include "optim/nadamw.h"
#include "optim/prodigy.h"
#include "optim/sam.h"
#include "optim/schedule_free_adamw.h"
#include "optim/schedule_free_sgd.h"
#include "optim/sgd_momentum.h"
#include "optim/shampoo.h"
#include "optim/soap.h"

namespace trainperf {

namespace {

template <class Optimizer, class Options>
std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)> with(Options options) {
  return [options](std::vector<torch::Tensor> params) { return std::make_unique<Optimizer>(std::move(params), options); };
}

// Muon on the matrices, its AdamW on everything else (vectors), as the muon submission groups them.
std::unique_ptr<torch::optim::Optimizer> make_muon(std::vector<torch::Tensor> params) {
  std::vector<torch::Tensor> matrices, rest;
  for (auto& p : params) (p.dim() >= 2 ? matrices : rest).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(matrices, std::make_unique<MuonOptions>(MuonOptions(0.02)));
  groups.emplace_back(rest, std::make_unique<MuonOptions>(MuonOptions(3e-3).use_muon(false)));
  return std::make_unique<Muon>(std::move(groups), MuonOptions(0.02));
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_catalog() {
  static const std::vector<OptimizerEntry> catalog = {
      {"adamw", "adamw.h", "adamw", with<AdamW>(AdamWOptions(1e-3))},
      {"nadamw", "nadamw.h", "nadamw", with<NAdamW>(NAdamWOptions(1e-3).weight_decay(0.1))},
      {"cautious_adamw", "adamw.h", "cautious", with<AdamW>(AdamWOptions(1e-3).cautious(true))},
      {"cautious_nadamw", "nadamw.h", "cautious", with<NAdamW>(NAdamWOptions(1e-3).weight_decay(0.1).cautious(true))},
      {"sgd_momentum", "sgd_momentum.h", "sgd_momentum", with<SGDMomentum>(SGDMomentumOptions(0.1).momentum(0.9))},
      {"sgd_nesterov", "sgd_momentum.h", "sgd_momentum",
       with<SGDMomentum>(SGDMomentumOptions(0.1).momentum(0.9).nesterov(true))},
      {"lamb", "lamb.h", "lamb", with<LAMB>(LAMBOptions(1e-3).weight_decay(0.01))},
      {"adafactor", "adafactor.h", "adafactor", with<Adafactor>(AdafactorOptions(1e-3).weight_decay(0.01))},
      {"sam(adamw)", "sam.h", "sam",
       [](std::vector<torch::Tensor> params) -> std::unique_ptr<torch::optim::Optimizer> {
         return std::make_unique<SAM>(std::make_unique<AdamW>(std::move(params), AdamWOptions(1e-3)), SAMOptions(0.05));
       },
       /*needs_closure=*/true},
      {"shampoo", "shampoo.h", "shampoo", with<Shampoo>(ShampooOptions(1e-3))},
      {"lion", "lion.h", "lion", with<Lion>(LionOptions(1e-4))},
      {"muon (+adamw on vectors)", "muon.h", "muon", make_muon},
      {"soap", "soap.h", "soap", with<SOAP>(SOAPOptions(3e-3))},
      {"schedule_free_adamw", "schedule_free_adamw.h", "schedule_free",
       with<ScheduleFreeAdamW>(ScheduleFreeAdamWOptions())},
      {"schedule_free_sgd", "schedule_free_sgd.h", "schedule_free", with<ScheduleFreeSGD>(ScheduleFreeSGDOptions())},
      {"dog", "dog.h", "dog", with<DoG>(DoGOptions())},
      {"ldog", "dog.h", "dog", with<LDoG>(LDoGOptions())},
      {"dadapt_adam", "dadapt_adam.h", "dadapt", with<DAdaptAdam>(DAdaptAdamOptions())},
      {"dadapt_sgd", "dadapt_sgd.h", "dadapt", with<DAdaptSGD>(DAdaptSGDOptions())},
      {"prodigy", "prodigy.h", "prodigy", with<Prodigy>(ProdigyOptions())},
      {"mechanic", "mechanic.h", "mechanic", with<Mechanic>(MechanicOptions())},
      {"cocob", "cocob.h", "cocob", with<COCOB>(COCOBOptions())},
      {"ademamix", "ademamix.h", "ademamix",
       with<AdEMAMix>(
           AdEMAMixOptions(1e-3).beta3(0.9999).alpha(8.0).alpha_warmup(100).beta3_warmup(100).weight_decay(0.1))},
  };
  return catalog;
}

}  // namespace trainperf
