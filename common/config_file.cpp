// config_file.cpp: applying, writing and reading TOML config files (config_file.h).
#include "common/config_file.h"

#include <algorithm>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

void apply_config_file(CLI::App& cmd, const std::string& path) {
    if (!file_exists(path)) throw Error("config file '" + path + "' does not exist");
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML().from_file(path);
    } catch (const CLI::Error& e) {
        throw Error("cannot read config file '" + path + "': " + e.what());
    }
    for (const CLI::ConfigItem& item : items) {
        if (item.name == "++" || item.name == "--") continue;  // section open / close markers
        std::string key = item.fullname();
        CLI::Option* op = cmd.get_option_no_throw("--" + key);
        if (!op || key == "config" || key == "help")
            throw Error("unknown key '" + key + "' in config file '" + path + "'",
                        "keys are the options of nanogpt " + cmd.get_name() + " as config files spell them: see nanogpt " + cmd.get_name() + " --help");
        if (op->count() > 0) continue;  // given on the command line
        try {
            op->add_result(item.inputs);
            op->run_callback();
        } catch (const CLI::Error& e) {
            std::string value = item.inputs.empty() ? "" : item.inputs.front();
            throw Error("bad value '" + value + "' for key '" + key + "' in config file '" + path +
                        "': " + e.what());
        }
    }
}

std::string effective_config_toml(const CLI::App& cmd, const std::vector<std::string>& secrets) {
    std::string out = "# effective configuration of this run (config file + command line)\n";
    for (const CLI::Option* op : cmd.get_options()) {
        if (op->get_lnames().empty()) continue;
        std::string key = op->get_lnames().back();  // the file spelling: max_iters, viz.port
        if (key == "config" || key == "help") continue;
        for (char& ch : key)
            if (ch == '-') ch = '_';
        std::string value = op->count() > 0 ? op->results().back() : op->get_default_str();
        // config.toml and run.json (served over REST) must not hold a secret.
        if (!value.empty() && std::find(secrets.begin(), secrets.end(), key) != secrets.end()) {
            out += key + " = \"\"  # redacted\n";
            continue;
        }
        if (op->get_type_name() == "TEXT") value = "\"" + value + "\"";
        else if (value == "1" && op->get_type_name() == "BOOLEAN") value = "true";
        else if (value == "0" && op->get_type_name() == "BOOLEAN") value = "false";
        out += key + " = " + value + "\n";
    }
    return out;
}

std::map<std::string, std::string> read_config_values(const std::string& path) {
    std::map<std::string, std::string> values;
    if (!file_exists(path)) return values;
    try {
        for (const CLI::ConfigItem& item : CLI::ConfigTOML().from_file(path)) {
            if (item.name == "++" || item.name == "--" || item.inputs.empty()) continue;
            values[item.fullname()] = item.inputs.front();
        }
    } catch (const CLI::Error&) {
        return {};
    }
    return values;
}

}  // namespace nanogpt
