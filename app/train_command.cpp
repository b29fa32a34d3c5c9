// train_command.cpp: the train subcommand (train_command.h).
#include "app/train_command.h"

#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
#include "common/error.h"
#include "dist/job.h"
#include "trainer/train_config.h"
#include "trainer/train_run.h"
#include "viz/dashboard.h"
#include "viz/options.h"

namespace nanogpt::app {

void add_train_command(CLI::App& app, int& exit_code) {
    auto cfg = std::make_shared<TrainConfig>();
    auto viz_options = std::make_shared<viz::VizOptions>();
    auto config_path = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("train", "train a GPT-2 model (keys as nanoGPT's train.py)");
    add_train_options(*cmd, *cfg, *config_path);
    viz::add_viz_options(*cmd, *viz_options);
    cmd->callback([cfg, viz_options, cmd, config_path, &exit_code]() {
        if (!config_path->empty()) apply_config_file(*cmd, *config_path);
        cfg->validate();
        // Under mpirun: this rank's place in the job. Rank 0 prints, writes and is watched; the
        // others keep quiet (their errors still reach stderr).
        dist::JobOptions jo;
        jo.collective_timeout_s = cfg->dist_timeout;
        std::unique_ptr<dist::Job> job = dist::Job::start(jo);
        if (!job->is_root() && !std::freopen("/dev/null", "w", stdout)) std::perror("stdout");
        // The dashboard is on unless --viz-off; it samples with the run's seed.
        viz::VizOptions vo = *viz_options;
        vo.validate();
        vo.snapshot.seed = cfg->seed;
        vo.files = viz::hub::source_tree_dashboard_files();
        std::unique_ptr<viz::Dashboard> dashboard = job->is_root() ? viz::make_dashboard(vo) : nullptr;
        if (dashboard) viz::hub::warn_missing_libraries(vo.files);
        try {
            // The effective configuration (file + command line), saved beside the checkpoints.
            const TrainSummary summary = run_train(*cfg, effective_config_toml(*cmd, viz::secret_option_names()),
                                                   dashboard.get(), job.get());
            if (summary.stopped_by) exit_code = 128 + summary.stopped_by;
        } catch (const std::exception& e) {
            // One rank failing must not leave the others waiting in a collective.
            if (job->size() > 1) {
                std::fprintf(stderr, "error (rank %d): %s\n", job->rank(), e.what());
                if (auto* ne = dynamic_cast<const Error*>(&e); ne && !ne->hint().empty())
                    std::fprintf(stderr, "hint: %s\n", ne->hint().c_str());
                job->abort(e.what());
            }
            throw;
        }
    });
}

}  // namespace nanogpt::app
