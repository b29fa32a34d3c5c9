// shard.h: token shards in llm.c's data format, the files the trainer streams batches from.
// Layout: a 1,024-byte header of 256 little-endian int32 (magic 20240520, version 1,
// token count, the rest zero), then the tokens as uint16. The same files work with llm.c.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nanogpt {

constexpr int kShardMagic = 20240520;
constexpr int kShardVersion = 1;             // version 1: uint16 tokens (GPT-2 sized vocabularies)
constexpr int kShardHeaderInts = 256;
constexpr size_t kShardHeaderBytes = kShardHeaderInts * sizeof(int32_t);

// Writes tokens as a shard, atomically (a crash never leaves a half-written shard).
void write_shard(const std::string& path, const std::vector<uint16_t>& tokens);

// Reads and validates a whole shard. Throws Error naming the file and the problem when it is
// shorter than the header, has the wrong magic or version, or its size disagrees with the
// token count in the header (truncated or extra bytes).
std::vector<uint16_t> read_shard(const std::string& path);

// Reads only the header, validated the same way against the file's size.
uint64_t shard_token_count(const std::string& path);

}  // namespace nanogpt
