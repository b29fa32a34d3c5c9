// hub_fuzz.h: a WebSocket client that sends the hub malformed messages, for the hub's fuzz test
// (tests/viz/test_hub.cpp, 10^4 messages) and the stress benchmark (bench/hub_stress.cpp, 10^6
// against a live training run). Messages, drawn from a seeded generator:
//   random bytes (binary frames), random text, truncated JSON, deeply nested JSON (inside and far
//   beyond the 4 KiB limit), huge strings (up to 1 MiB; rarely past the 16 MiB read limit),
//   valid JSON of the wrong shape (bad types, hostile session ids, lone surrogates, NULs), a message
//   in fragments, and invalid UTF-8 in a text frame (which closes the connection: 1007).
// After each message it reads until the hub's reply (error, pong or subscribed), skipping the
// broadcasts of a live run; when the hub closes the connection (bad UTF-8, oversized), it counts
// that and reconnects. A message that is neither answered nor closes the connection within the
// deadline is a failure (hub_test_client.h's deadlines).
#pragma once
#include <atomic>
#include <cstdint>
#include <random>
#include <string>

namespace hubtest {

struct FuzzMessage {
    std::string bytes;
    bool binary = false;
    int fragments = 1;           // sent as this many frames
    bool closes = false;         // the hub must close the connection (bad UTF-8, past 16 MiB)
    const char* kind = "";
};

// The next message of the generator.
FuzzMessage fuzz_message(std::mt19937_64& rng);

struct FuzzStats {
    uint64_t sent = 0, replies = 0, closed = 0, unexpected = 0;  // unexpected: a reply that should have closed, or the reverse
    uint64_t bytes = 0;
};

// Sends `count` messages to the hub on 127.0.0.1:port, upgrading at `target` ("/ws?token=...").
// Stops early when `stop` becomes true. Throws when the hub stops answering.
FuzzStats fuzz_hub(int port, const std::string& target, uint64_t count, uint64_t seed,
                   const std::atomic<bool>* stop = nullptr);

}  // namespace hubtest
