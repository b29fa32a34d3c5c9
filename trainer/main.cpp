// main.cpp: the nanogpt command line: prepare, train, eval, sample, serve, export.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "data/prepare_cli.h"
#include "trainer/commands.h"
#include "viz/viz_cli.h"

int main(int argc, char** argv) {
    CLI::App app{"nanogpt: train GPT-2 models and watch them learn"};
    app.require_subcommand(1);
    nanogpt::add_prepare_command(app);
    nanogpt::add_train_command(app);
    nanogpt::add_eval_command(app);
    nanogpt::add_sample_command(app);
    nanogpt::viz::add_serve_command(app);
    nanogpt::viz::add_export_command(app);
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
    return 0;
}
