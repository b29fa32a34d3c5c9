// frame_reader.h: what the benchmarks share about watching a run: a loopback WebSocket client that
// reads every message as a page does and times each frame's delivery, the step loop both
// benchmarks train with, and small statistics.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <rapidjson/document.h>

namespace nanogpt::bench {

inline int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

inline double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

inline double percentile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, (size_t)(q * (v.size() - 1) + 0.5))];
}

// Reads every message on its own thread; for each "frame" announcement, the binary frame follows:
// the latency is taken when the binary message has fully arrived. Ends when the hub closes.
class FrameReader {
public:
    explicit FrameReader(int port, std::string target = "/ws") {
        thread_ = std::thread([this, port, target] {
            namespace beast = boost::beast;
            namespace net = boost::asio;
            try {
                net::io_context ioc;
                net::ip::tcp::resolver resolver(ioc);
                beast::websocket::stream<net::ip::tcp::socket> ws(ioc);
                net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
                ws.handshake("127.0.0.1:" + std::to_string(port), target);
                ws.read_message_max(64 << 20);
                int64_t ready = 0;
                for (;;) {
                    beast::flat_buffer buf;
                    ws.read(buf);
                    if (ws.got_text()) {
                        rapidjson::Document d;
                        std::string s = beast::buffers_to_string(buf.data());
                        d.Parse(s.c_str());
                        if (d.IsObject() && d.HasMember("type") && std::string(d["type"].GetString()) == "frame")
                            ready = d["ready_us"].GetInt64();
                    } else if (ready) {
                        std::lock_guard<std::mutex> lock(mu_);
                        latency_ms_.push_back((now_us() - ready) / 1000.0);
                        ready = 0;
                    }
                }
            } catch (const std::exception&) {
                // the hub closed at the end of the run
            }
        });
    }
    ~FrameReader() { thread_.join(); }
    std::vector<double> latencies() {
        std::lock_guard<std::mutex> lock(mu_);
        return latency_ms_;
    }

private:
    std::thread thread_;
    std::mutex mu_;
    std::vector<double> latency_ms_;
};

}  // namespace nanogpt::bench
