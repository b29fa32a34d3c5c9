// run_record.h: run.json, the record of what a run is: written by the store when the run starts
// (from the trainer's RunInfo), completed with end_time and status when it ends, served as
// /api/sessions/<id>/run.
#pragma once
#include <string>

#include "trainer/observer.h"

namespace nanogpt::viz::store {

// {"start_time", "git_revision", "device", "device_name", "precision", "data_dir", "out_dir",
//  "model": {L, NH, C, V, maxT, Vp, params}, "train": {batch_size, block_size,
//  gradient_accumulation_steps, max_iters, learning_rate, min_lr, decay_lr, warmup_iters,
//  lr_decay_iters, weight_decay, grad_clip, dropout, eval_interval, viz_interval},
//  "reference_levels": {uniform?, unigram?, bigram?, trigram?}, "config_toml"}
std::string run_record_json(const RunInfo& run, const ModelDesc& model, int snapshot_interval);

}  // namespace nanogpt::viz::store
