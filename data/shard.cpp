// shard.cpp: writing and validating llm.c token shards.
#include "data/shard.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "common/error.h"
#include "common/file_io.h"

namespace nanogpt {
namespace {

static_assert(std::endian::native == std::endian::little,
              "shards are little-endian on disk; a big-endian host would need byte swaps");

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

File open_for_reading(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        throw Error("cannot open shard '" + path + "': " + std::strerror(errno),
                    "run `nanogpt prepare` to create the data shards");
    }
    return File(f, &std::fclose);
}

uint64_t file_size(FILE* f, const std::string& path) {
    if (std::fseek(f, 0, SEEK_END) != 0) throw Error("cannot seek in shard '" + path + "'");
    long size = std::ftell(f);
    if (size < 0) throw Error("cannot get the size of shard '" + path + "'");
    std::rewind(f);
    return static_cast<uint64_t>(size);
}

// Reads the header and checks it against the file size; returns the token count and leaves
// the file positioned at the first token.
uint64_t read_validated_header(FILE* f, const std::string& path) {
    const uint64_t size = file_size(f, path);
    if (size < kShardHeaderBytes) {
        throw Error("shard '" + path + "' is " + std::to_string(size) +
                        " bytes, shorter than the " + std::to_string(kShardHeaderBytes) +
                        "-byte header (truncated or not a shard)",
                    "re-run `nanogpt prepare` to rewrite it");
    }
    int32_t header[kShardHeaderInts];
    if (std::fread(header, sizeof header, 1, f) != 1) {
        throw Error("cannot read the header of shard '" + path + "'");
    }
    if (header[0] != kShardMagic) {
        throw Error("shard '" + path + "' has bad magic number " + std::to_string(header[0]) +
                        " (expected " + std::to_string(kShardMagic) +
                        "): not an llm.c token shard",
                    "re-run `nanogpt prepare` to rewrite it");
    }
    if (header[1] != kShardVersion) {
        throw Error("shard '" + path + "' has unsupported version " + std::to_string(header[1]) +
                        " (expected " + std::to_string(kShardVersion) + ": uint16 tokens)",
                    "re-run `nanogpt prepare` to rewrite it");
    }
    if (header[2] < 0) {
        throw Error("shard '" + path + "' has a negative token count " +
                    std::to_string(header[2]) + " in its header");
    }
    const uint64_t count = static_cast<uint64_t>(header[2]);
    const uint64_t expected = kShardHeaderBytes + count * sizeof(uint16_t);
    if (size != expected) {
        const char* what = size < expected ? "truncated" : "has extra bytes";
        throw Error("shard '" + path + "' " + what + ": its header says " + std::to_string(count) +
                        " tokens (" + std::to_string(expected) + " bytes) but the file is " +
                        std::to_string(size) + " bytes",
                    "re-run `nanogpt prepare` to rewrite it");
    }
    return count;
}

}  // namespace

void write_shard(const std::string& path, const std::vector<uint16_t>& tokens) {
    // The header stores the count as int32, as llm.c does.
    if (tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        throw Error("cannot write shard '" + path + "': " + std::to_string(tokens.size()) +
                        " tokens is more than one shard can hold (2^31 - 1)",
                    "split the data into several shards");
    }
    std::vector<char> bytes(kShardHeaderBytes + tokens.size() * sizeof(uint16_t));
    int32_t header[kShardHeaderInts] = {};
    header[0] = kShardMagic;
    header[1] = kShardVersion;
    header[2] = static_cast<int32_t>(tokens.size());
    std::memcpy(bytes.data(), header, sizeof header);
    if (!tokens.empty()) {
        std::memcpy(bytes.data() + kShardHeaderBytes, tokens.data(),
                    tokens.size() * sizeof(uint16_t));
    }
    write_file_atomic(path, bytes.data(), bytes.size());
}

std::vector<uint16_t> read_shard(const std::string& path) {
    File f = open_for_reading(path);
    const uint64_t count = read_validated_header(f.get(), path);
    std::vector<uint16_t> tokens(count);
    if (count > 0 && std::fread(tokens.data(), sizeof(uint16_t), count, f.get()) != count) {
        throw Error("cannot read the tokens of shard '" + path + "'");
    }
    return tokens;
}

uint64_t shard_token_count(const std::string& path) {
    File f = open_for_reading(path);
    return read_validated_header(f.get(), path);
}

}  // namespace nanogpt
