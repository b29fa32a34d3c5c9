// main.cpp: the nanogpt command line: prepare, train, eval, sample, serve, export, insights.
// Each folder registers its own commands; `train` joins the trainer and the dashboard
// (train_command.h).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/train_command.h"
#include "common/error.h"
#include "data/commands.h"
#include "trainer/commands.h"
#include "viz/commands.h"

int main(int argc, char** argv) {
    CLI::App app{"nanogpt: train GPT-2 models and watch them learn"};
    app.require_subcommand(1);
    int exit_code = 0;
    nanogpt::add_prepare_command(app);
    nanogpt::app::add_train_command(app, exit_code);
    nanogpt::add_eval_command(app);
    nanogpt::add_sample_command(app);
    nanogpt::viz::add_serve_command(app);
    nanogpt::viz::add_export_command(app);
    nanogpt::viz::add_insights_command(app);
    nanogpt::viz::add_report_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const nanogpt::Error& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "error: %s\n", e.what());
        if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "error: out of memory\nhint: use a smaller batch_size, block_size or model\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return exit_code;
}
