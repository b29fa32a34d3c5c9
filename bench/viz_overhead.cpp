// viz_overhead.cpp: what watching costs. In one process, side by side in alternating rounds:
// training steps with no observer (--viz-off), with the dashboard at the default interval and
// at interval 1, a loopback WebSocket client connected and reading. Prints one table:
// step time and its ratio to viz-off, time on the training thread per sample (gather), the
// viz thread's projection + encoding per frame, frame bytes, and delivery latency from frame
// ready to the client (p50/p99).
// Usage: bench_viz_overhead [--shape char-small|gpt2-124m] [--B 12] [--T 64] [--steps 40] [--rounds 3]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <rapidjson/document.h>

#include "bench/bench_args.h"
#include "common/counter_rng.h"
#include "kernels/cpu/cpu_backend.h"
#include "trainer/gpt2.h"
#include "trainer/optimizer.h"
#include "trainer/model_desc.h"
#include "viz/dashboard.h"

using namespace nanogpt;
using Clock = std::chrono::steady_clock;
namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, (size_t)(q * (v.size() - 1) + 0.5))];
}

// Reads every message; for each "frame" announcement, the binary frame follows: the latency is
// taken when the binary message has fully arrived.
class Client {
public:
    explicit Client(int port) {
        thread_ = std::thread([this, port] {
            try {
                net::io_context ioc;
                net::ip::tcp::resolver resolver(ioc);
                beast::websocket::stream<net::ip::tcp::socket> ws(ioc);
                net::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
                ws.handshake("127.0.0.1", "/ws");
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
    ~Client() { thread_.join(); }
    std::vector<double> latencies() {
        std::lock_guard<std::mutex> lock(mu_);
        return latency_ms_;
    }

private:
    std::thread thread_;
    std::mutex mu_;
    std::vector<double> latency_ms_;
};

struct Result {
    std::vector<double> step_ms, gather_ms, latency_ms;
    double build_ms = 0;
    uint64_t frames = 0, skipped = 0;
    size_t frame_bytes = 0;
};

// Runs `steps` training steps with the given viz interval (0: no observer).
void run_mode(GPT2& model, AdamW& opt, int interval, int B, int T, int steps,
              int round, Result& r) {
    std::unique_ptr<viz::Dashboard> obs;
    std::unique_ptr<Client> client;
    std::string runs = (std::filesystem::temp_directory_path() / "nanogpt-bench-runs").string();
    if (interval > 0) {
        viz::VizOptions o;
        o.interval = interval;
        o.port = 0;
        o.no_token = true;  // a loopback client of our own
        o.runs_dir = runs;
        obs = viz::make_dashboard(o);
        obs->run_started(describe_model(model, nullptr, nullptr), RunInfo{});
        client = std::make_unique<Client>(obs->port());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the client connect
        r.frame_bytes = obs->frame_bytes();
    }
    HostParamReader reader(model);
    std::vector<int> x, y;
    PassOptions po;
    po.dloss = 1.0f / (B * T);
    for (int s = 0; s < steps; s++) {
        bench::random_batch(B, T, model.config().vocab_size, x, y, round * 1000 + s, round * 1000 + s + 7);
        auto t0 = Clock::now();
        model.zero_grad();
        model.forward(x.data(), y.data(), B, T, po);
        model.backward();
        SnapshotRequest* req = obs ? obs->snapshot_due(s + 1) : nullptr;
        opt.step(1e-4f, s + 1, req ? req->stats.data() : nullptr);
        if (req) {
            auto g0 = Clock::now();
            obs->snapshot_ready(req, reader);
            r.gather_ms.push_back(ms_since(g0));
        }
        if (obs) {
            StepMetrics m;
            m.step = s;
            m.train_loss = 1.0f;
            obs->step_finished(m);
        }
        r.step_ms.push_back(ms_since(t0));
    }
    if (obs) {
        obs->drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));  // last frames in flight
        viz::VizCounters c = obs->counters();
        r.frames += c.frames;
        r.skipped += c.skipped_snapshots;
        r.build_ms += c.build_ms_total;
        obs->run_finished(RunEnd::Finished);  // closes the hub: the client's thread ends
        r.latency_ms = client->latencies();
        client.reset();
        std::filesystem::remove_all(runs);
    }
}

}  // namespace

static int run(int argc, char** argv) {
    bench::Args args("bench_viz_overhead [--shape char-small|gpt2-124m|tiny] [--B 12] [--T 64] [--steps 40] "
                     "[--rounds 3]",
                     {{"shape", "char-small"}, {"B", "12"}, {"T", "64"}, {"steps", "40"}, {"rounds", "3"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const std::string shape = args.str("shape");
    const int B = args.positive("B"), T = args.positive("T");
    const int steps = args.positive("steps"), rounds = args.positive("rounds");
    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    const int modes[3] = {0, 10, 1};
    Result results[3];
    for (int round = 0; round < rounds; round++)
        for (int m = 0; m < 3; m++) {
            Result r;
            run_mode(model, opt, modes[m], B, T, steps, round, r);
            // drop the first two steps of each run (warm-up, client connecting)
            results[m].step_ms.insert(results[m].step_ms.end(), r.step_ms.begin() + std::min(2, steps), r.step_ms.end());
            results[m].gather_ms.insert(results[m].gather_ms.end(), r.gather_ms.begin(), r.gather_ms.end());
            results[m].latency_ms.insert(results[m].latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
            results[m].frames += r.frames;
            results[m].skipped += r.skipped;
            results[m].build_ms += r.build_ms;
            results[m].frame_bytes = r.frame_bytes;
        }
    std::printf("shape %s, B=%d T=%d, %d steps x %d rounds per mode\n", shape.c_str(), B, T, steps, rounds);
    std::printf("| mode | ms/step (median) | vs viz-off | gather on training thread (median ms) | "
                "projection+encoding per frame (mean ms, viz thread) | frame bytes | frames (skipped) | "
                "delivery p50 / p99 ms (frames received) |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    double off = percentile(results[0].step_ms, 0.5);
    const char* names[3] = {"--viz-off", "viz interval 10 (default)", "viz interval 1"};
    for (int m = 0; m < 3; m++) {
        const Result& r = results[m];
        double med = percentile(r.step_ms, 0.5);
        if (m == 0) {
            std::printf("| %s | %.2f | 1.000 | - | - | - | - | - |\n", names[m], med);
            continue;
        }
        std::printf("| %s | %.2f | %.3f | %.3f | %.2f | %zu | %llu (%llu) | %.2f / %.2f (%zu) |\n", names[m],
                    med, med / off, percentile(r.gather_ms, 0.5), r.frames ? r.build_ms / r.frames : 0.0,
                    r.frame_bytes, (unsigned long long)r.frames, (unsigned long long)r.skipped,
                    percentile(r.latency_ms, 0.5), percentile(r.latency_ms, 0.99), r.latency_ms.size());
    }
    return 0;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }
