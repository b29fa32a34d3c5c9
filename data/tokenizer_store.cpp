// tokenizer_store.cpp: writing and reading tokenizer.json.
#include "data/tokenizer_store.h"

#include <filesystem>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/error.h"
#include "common/file_io.h"
#include "data/gpt2_tokenizer.h"
#include "data/utf8.h"

namespace nanogpt {
namespace {

namespace fs = std::filesystem;
using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

std::string join(const std::string& dir, const std::string& name) {
    return (fs::path(dir) / name).string();
}

void write_json(const std::string& path, const rapidjson::StringBuffer& buffer) {
    std::string text(buffer.GetString(), buffer.GetSize());
    text += '\n';
    write_file_atomic(path, text.data(), text.size());
}

void copy_into(const std::string& source, const std::string& destination) {
    std::error_code ec;
    if (fs::exists(destination, ec) && fs::equivalent(source, destination, ec)) return;
    const std::string bytes = read_file(source);
    write_file_atomic(destination, bytes.data(), bytes.size());
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* name,
                               const std::string& path) {
    auto it = object.FindMember(name);
    if (it == object.MemberEnd()) throw Error(path + " has no \"" + name + "\" field");
    return it->value;
}

std::string string_member(const rapidjson::Value& object, const char* name,
                          const std::string& path) {
    const rapidjson::Value& value = member(object, name, path);
    if (!value.IsString()) throw Error(path + ": \"" + name + "\" must be a string");
    return std::string(value.GetString(), value.GetStringLength());
}

std::unique_ptr<Tokenizer> load_char(const rapidjson::Value& doc, const std::string& path) {
    const rapidjson::Value& list = member(doc, "vocab", path);
    if (!list.IsArray()) throw Error(path + ": \"vocab\" must be an array of characters");
    std::vector<char32_t> vocab;
    for (const auto& entry : list.GetArray()) {
        // Each entry is one character; anything else means the file was edited or corrupted.
        size_t pos = 0;
        char32_t cp = 0;
        const std::string_view text =
            entry.IsString() ? std::string_view(entry.GetString(), entry.GetStringLength())
                             : std::string_view();
        if (!next_code_point(text, pos, cp) || pos != text.size()) {
            throw Error(path + ": vocab entry " + std::to_string(vocab.size()) +
                        " is not a single character");
        }
        vocab.push_back(cp);
    }
    return std::make_unique<CharTokenizer>(CharTokenizer::from_vocab(std::move(vocab)));
}

std::unique_ptr<Tokenizer> load_gpt2(const rapidjson::Value& doc, const std::string& path,
                                     const std::string& data_dir) {
    // Relative names are relative to the data directory (absolute ones are kept).
    const fs::path encoder = fs::path(data_dir) / string_member(doc, "encoder", path);
    const fs::path merges = fs::path(data_dir) / string_member(doc, "merges", path);
    return std::make_unique<Gpt2Tokenizer>(
        Gpt2Tokenizer::from_files(encoder.string(), merges.string()));
}

}  // namespace

void save_char_tokenizer(const std::string& data_dir, const CharTokenizer& tokenizer) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.SetFormatOptions(rapidjson::kFormatSingleLineArray);
    writer.StartObject();
    writer.Key("type");
    writer.String("char");
    writer.Key("vocab_size");
    writer.Int(tokenizer.vocab_size());
    writer.Key("vocab");
    writer.StartArray();
    for (char32_t cp : tokenizer.vocab()) {
        std::string character;
        append_utf8(character, cp);
        writer.String(character.data(), static_cast<rapidjson::SizeType>(character.size()));
    }
    writer.EndArray();
    writer.EndObject();
    write_json(join(data_dir, kTokenizerJson), buffer);
}

void save_gpt2_tokenizer(const std::string& data_dir, const std::string& encoder_json_path,
                         const std::string& vocab_bpe_path, int vocab_size) {
    copy_into(encoder_json_path, join(data_dir, kGpt2EncoderJson));
    copy_into(vocab_bpe_path, join(data_dir, kGpt2VocabBpe));
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    writer.StartObject();
    writer.Key("type");
    writer.String("gpt2");
    writer.Key("vocab_size");
    writer.Int(vocab_size);
    writer.Key("encoder");
    writer.String(kGpt2EncoderJson);
    writer.Key("merges");
    writer.String(kGpt2VocabBpe);
    writer.EndObject();
    write_json(join(data_dir, kTokenizerJson), buffer);
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& data_dir) {
    const std::string path = join(data_dir, kTokenizerJson);
    if (!file_exists(path)) {
        throw Error("no " + std::string(kTokenizerJson) + " in data directory '" + data_dir + "'",
                    "run `nanogpt prepare --out " + data_dir + "` first");
    }
    const std::string text = read_file(path);
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) {
        throw Error(path + " is not a valid JSON object" +
                        (doc.HasParseError()
                             ? std::string(": ") + rapidjson::GetParseError_En(doc.GetParseError())
                             : std::string()),
                    "re-run `nanogpt prepare` to rewrite it");
    }
    const std::string type = string_member(doc, "type", path);
    std::unique_ptr<Tokenizer> tokenizer;
    if (type == "char") {
        tokenizer = load_char(doc, path);
    } else if (type == "gpt2") {
        tokenizer = load_gpt2(doc, path, data_dir);
    } else {
        throw Error(path + " has unknown tokenizer type \"" + type + "\" (expected char or gpt2)");
    }
    // The recorded size is what the shards were written with; a mismatch means the files
    // beside them changed since.
    const rapidjson::Value& size = member(doc, "vocab_size", path);
    if (!size.IsInt() || size.GetInt() != tokenizer->vocab_size()) {
        throw Error(path + " records a vocab_size that differs from the loaded tokenizer's (" +
                        std::to_string(tokenizer->vocab_size()) + ")",
                    "re-run `nanogpt prepare` to rewrite the data directory");
    }
    return tokenizer;
}

}  // namespace nanogpt
