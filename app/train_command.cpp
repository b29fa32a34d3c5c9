// train_command.cpp: the train subcommand (train_command.h).
#include "app/train_command.h"

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/config_file.h"
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
        // The dashboard is on unless --viz-off; it samples with the run's seed.
        viz::VizOptions vo = *viz_options;
        vo.validate();
        vo.snapshot.seed = cfg->seed;
        vo.files = viz::hub::source_tree_dashboard_files();
        std::unique_ptr<viz::Dashboard> dashboard = viz::make_dashboard(vo);
        if (dashboard) viz::hub::warn_missing_libraries(vo.files);
        // The effective configuration (file + command line), saved beside the checkpoints.
        const TrainSummary summary =
            run_train(*cfg, effective_config_toml(*cmd, viz::secret_option_names()), dashboard.get());
        if (summary.stopped_by) exit_code = 128 + summary.stopped_by;
    });
}

}  // namespace nanogpt::app
