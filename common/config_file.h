// config_file.h: TOML config files for the CLI's commands (configs/*.toml), read with CLI11's
// TOML parser everywhere. Keys are the option names as config files spell them (max_iters,
// viz.port); a command-line flag always wins over the file.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace CLI { class App; }

namespace nanogpt {

// Applies a TOML config file to the options of `cmd` that the command line did not set
// (the command line wins). An unknown key or a value of the wrong type is an Error naming it.
// (CLI11 2.1 ignores set_config() on subcommands, so config files are applied here.)
void apply_config_file(CLI::App& cmd, const std::string& path);

// The effective configuration of `cmd` as TOML (key = value lines, the file spelling of each
// key). The values of `secrets` (e.g. "viz.token") are written as "" with a "redacted" note:
// no file a run writes may hold them.
std::string effective_config_toml(const CLI::App& cmd, const std::vector<std::string>& secrets);

// Every key = value of a TOML file, values as text (strings unquoted); {} when the file is
// missing or unreadable.
std::map<std::string, std::string> read_config_values(const std::string& path);

}  // namespace nanogpt
