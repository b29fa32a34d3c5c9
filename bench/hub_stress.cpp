// hub_stress.cpp: the dashboard's hub under load and abuse while training runs. In one process,
// side by side in alternating rounds (as bench_viz_overhead): training steps with the dashboard on
// (default interval 10) and one page-like client reading every message ("quiet"), then the same
// with, in addition,
//   fuzz   a client sending malformed messages (tests/viz/hub_fuzz.h); --fuzz of them over all
//          rounds, training going on until each round's share is sent
//   churn  --churn clients connecting, reading their hello and disconnecting, over and over
//   idle   --idle TCP connections that never send a byte, a slowloris client (a request header
//          trickling in, a byte every 100 ms) and a WebSocket client that never reads
// Prints, per mode: step time (median) and its ratio to quiet, what the load did, whether the
// reading client kept up (frames received, delivery p50/p99), the time of one REST request made
// under the load, and the process's RSS. Then a never-reading client beside a run with a frame
// every step: the RSS every --steps steps (it must level off) and whether the hub cut the client off.
// Exit status 1 when the fuzzer saw an unexpected answer or the hub stopped answering.
// Usage: bench_hub_stress [--shape char-small|tiny] [--B 12] [--T 64] [--steps 30] [--rounds 3]
//                         [--fuzz 1000000] [--churn 200] [--idle 1000]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_args.h"
#include "bench/frame_reader.h"
#include "bench/watched_training.h"
#include "kernels/cpu/cpu_backend.h"
#include "tests/viz/hub_fuzz.h"
#include "tests/viz/hub_test_client.h"

using namespace nanogpt;
namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using bench::FrameReader;
using bench::percentile;

// The resident set of this process, in MiB (/proc/self/status).
double rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            double kib = 0;
            in >> kib;
            return kib / 1024.0;
        }
        std::getline(in, key);
    }
    return NAN;
}

// `n` clients, each in a loop: connect, upgrade, read the hello, close. All on one thread.
class Churn {
public:
    Churn(int port, int n) : port_(port) {
        for (int i = 0; i < n; ++i) std::make_shared<Loop>(*this)->start();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~Churn() {
        stop_ = true;
        thread_.join();
    }
    uint64_t cycles() const { return cycles_; }
    uint64_t failures() const { return failures_; }

private:
    struct Loop : std::enable_shared_from_this<Loop> {
        explicit Loop(Churn& c) : churn(c) {}
        Churn& churn;
        std::unique_ptr<beast::websocket::stream<beast::tcp_stream>> ws;
        beast::flat_buffer buffer;

        void start() {
            if (churn.stop_) return;
            ws = std::make_unique<beast::websocket::stream<beast::tcp_stream>>(churn.ioc_);
            buffer.clear();
            beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(20));
            beast::get_lowest_layer(*ws).async_connect(
                tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(churn.port_)),
                [self = shared_from_this()](beast::error_code ec) { self->on_connect(ec); });
        }
        void again(bool ok) {
            ++(ok ? churn.cycles_ : churn.failures_);
            start();
        }
        void on_connect(beast::error_code ec) {
            if (ec) return again(false);
            ws->async_handshake("127.0.0.1:" + std::to_string(churn.port_), "/ws",
                                [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
        }
        void on_handshake(beast::error_code ec) {
            if (ec) return again(false);
            ws->async_read(buffer, [self = shared_from_this()](beast::error_code e, size_t) { self->on_hello(e); });
        }
        void on_hello(beast::error_code ec) {
            if (ec) return again(false);
            ws->async_close(beast::websocket::close_code::normal,
                            [self = shared_from_this()](beast::error_code e) { self->again(!e || e == beast::websocket::error::closed); });
        }
    };

    int port_;
    net::io_context ioc_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> cycles_{0}, failures_{0};
    std::thread thread_;
};

// Connections that never send a byte, a slowloris request and a WebSocket client that never reads.
class Idle {
public:
    Idle(int port, int n) {
        const tcp::endpoint at(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
        for (int i = 0; i < n; ++i) {
            idle_.push_back(std::make_unique<tcp::socket>(ioc_));
            beast::error_code ec;
            idle_.back()->connect(at, ec);
            if (ec) ++refused_;
        }
        never_reads_ = std::make_unique<hubtest::WsClient>(port);
        slowloris_ = std::thread([this, at] {
            const std::string head = "GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
            while (!stop_) {
                tcp::socket s(ioc_);
                beast::error_code ec;
                s.connect(at, ec);
                for (size_t i = 0; !ec && !stop_; ++i) {
                    const char c = i < head.size() ? head[i] : 'a';
                    net::write(s, net::buffer(&c, 1), ec);  // fails once the hub's 30 s deadline cut it off
                    if (!ec) ++slow_bytes_;
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
                if (ec) ++slow_cut_;
            }
        });
    }
    ~Idle() {
        stop_ = true;
        slowloris_.join();
    }
    int refused() const { return refused_; }
    uint64_t slow_bytes() const { return slow_bytes_; }
    uint64_t slow_cut() const { return slow_cut_; }

private:
    net::io_context ioc_;
    std::vector<std::unique_ptr<tcp::socket>> idle_;
    std::unique_ptr<hubtest::WsClient> never_reads_;
    std::thread slowloris_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> slow_bytes_{0}, slow_cut_{0};
    int refused_ = 0;
};

enum Mode { kQuiet, kFuzz, kChurn, kIdle, kModes };
const char* kNames[kModes] = {"quiet (one reading client)", "fuzz", "churn", "idle + slowloris + never-reader"};

struct Result {
    std::vector<double> step_ms, latency_ms, rest_ms;
    double rss_mib = 0;
    hubtest::FuzzStats fuzz;
    uint64_t churn_cycles = 0, churn_failures = 0, slow_bytes = 0;
    int refused = 0;
    bool failed = false;
    std::string failure;
};

// One round of one mode: a fresh dashboard, the load, training, one timed REST request.
void run_mode(Mode mode, GPT2& model, AdamW& opt, int B, int T, int steps, int round, uint64_t fuzz_quota, int churn_n,
              int idle_n, Result& r) {
    const std::string runs = (std::filesystem::temp_directory_path() / "nanogpt-bench-hub-stress").string();
    std::unique_ptr<viz::Dashboard> obs = bench::bench_dashboard(model, 10, runs, B, T);
    const int port = obs->port();
    auto reader = std::make_unique<FrameReader>(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the reader connect

    std::atomic<bool> fuzz_done{mode != kFuzz};
    std::thread fuzzer;
    if (mode == kFuzz) {
        fuzzer = std::thread([&] {
            try {
                const hubtest::FuzzStats s = hubtest::fuzz_hub(port, "/ws", fuzz_quota, 1000 + round);
                r.fuzz.sent += s.sent;
                r.fuzz.replies += s.replies;
                r.fuzz.closed += s.closed;
                r.fuzz.unexpected += s.unexpected;
                r.fuzz.bytes += s.bytes;
            } catch (const std::exception& e) {
                r.failed = true;
                r.failure = e.what();
            }
            fuzz_done = true;
        });
    }
    std::unique_ptr<Churn> churn = mode == kChurn ? std::make_unique<Churn>(port, churn_n) : nullptr;
    std::unique_ptr<Idle> idle = mode == kIdle ? std::make_unique<Idle>(port, idle_n) : nullptr;

    bench::WatchedTraining training(model, opt, B, T);
    for (int s = 0; s < steps || !fuzz_done; ++s) r.step_ms.push_back(training.step(obs.get(), s, round * 100000 + s));

    const auto t0 = std::chrono::steady_clock::now();
    try {
        const hubtest::HttpResult res = hubtest::http_request(port, "/api/sessions");
        if (res.status != 200) throw std::runtime_error("GET /api/sessions answered " + std::to_string(res.status));
        r.rest_ms.push_back(bench::ms_since(t0));
    } catch (const std::exception& e) {
        r.failed = true;
        r.failure = std::string("REST under load: ") + e.what();
    }
    r.rss_mib = std::max(r.rss_mib, rss_mib());
    if (fuzzer.joinable()) fuzzer.join();
    if (churn) {
        r.churn_cycles += churn->cycles();
        r.churn_failures += churn->failures();
    }
    if (idle) {
        r.slow_bytes += idle->slow_bytes();
        r.refused += idle->refused();
    }
    churn.reset();
    obs->drain();
    obs->run_finished(RunEnd::Finished);  // closes the hub: every client ends
    idle.reset();
    const std::vector<double> lat = reader->latencies();
    reader.reset();
    r.latency_ms.insert(r.latency_ms.end(), lat.begin(), lat.end());
    std::filesystem::remove_all(runs);
}

// A client that never reads beside a run with a frame every step: RSS every `every` steps.
void never_reader(GPT2& model, AdamW& opt, int B, int T, int steps, int every) {
    const std::string runs = (std::filesystem::temp_directory_path() / "nanogpt-bench-hub-stress-nr").string();
    std::unique_ptr<viz::Dashboard> obs = bench::bench_dashboard(model, 1, runs, B, T);
    hubtest::WsClient stuck(obs->port());
    auto reader = std::make_unique<FrameReader>(obs->port());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    bench::WatchedTraining training(model, opt, B, T);
    std::printf("\nnever-reading client, a %zu-byte frame every step: RSS (MiB) at step", obs->frame_bytes());
    const double start = rss_mib();
    std::printf(" 0: %.1f", start);
    double last = start;
    for (int s = 0; s < steps; ++s) {
        training.step(obs.get(), s, 900000 + s);
        if ((s + 1) % every == 0) {
            last = rss_mib();
            std::printf(", %d: %.1f", s + 1, last);
        }
    }
    obs->drain();
    std::printf("\n(growth %.1f MiB over %d frames of %.1f MiB in all)\n", last - start, steps,
                steps * obs->frame_bytes() / 1048576.0);
    obs->run_finished(RunEnd::Finished);
    reader.reset();
    std::filesystem::remove_all(runs);
}

}  // namespace

static int run(int argc, char** argv) {
    bench::Args args("bench_hub_stress [--shape char-small|tiny] [--B 12] [--T 64] [--steps 30] [--rounds 3] "
                     "[--fuzz 1000000] [--churn 200] [--idle 1000]",
                     {{"shape", "char-small"}, {"B", "12"}, {"T", "64"}, {"steps", "30"}, {"rounds", "3"},
                      {"fuzz", "1000000"}, {"churn", "200"}, {"idle", "1000"}});
    args.parse(argc, argv);
    const ModelConfig mc = bench::shape_arg(args, "shape");
    const int B = args.positive("B"), T = args.positive("T"), steps = args.positive("steps");
    const int rounds = args.positive("rounds"), churn_n = args.positive("churn"), idle_n = args.positive("idle");
    const uint64_t fuzz_total = static_cast<uint64_t>(args.positive("fuzz"));
    // Two descriptors per idle connection live in this process (ours and the hub's).
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);

    CpuBackend be;
    GPT2 model(be, mc);
    model.init_random(1);
    AdamW opt(model, AdamWSettings{});
    Result results[kModes];
    for (int round = 0; round < rounds; ++round) {
        for (int m = 0; m < kModes; ++m) {
            Result r;
            const uint64_t quota = fuzz_total / rounds + (round == 0 ? fuzz_total % rounds : 0);
            run_mode(Mode(m), model, opt, B, T, steps, round, quota, churn_n, idle_n, r);
            Result& all = results[m];
            all.step_ms.insert(all.step_ms.end(), r.step_ms.begin() + std::min<size_t>(2, r.step_ms.size()), r.step_ms.end());
            all.latency_ms.insert(all.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
            all.rest_ms.insert(all.rest_ms.end(), r.rest_ms.begin(), r.rest_ms.end());
            all.rss_mib = std::max(all.rss_mib, r.rss_mib);
            all.fuzz.sent += r.fuzz.sent;
            all.fuzz.replies += r.fuzz.replies;
            all.fuzz.closed += r.fuzz.closed;
            all.fuzz.unexpected += r.fuzz.unexpected;
            all.fuzz.bytes += r.fuzz.bytes;
            all.churn_cycles += r.churn_cycles;
            all.churn_failures += r.churn_failures;
            all.slow_bytes += r.slow_bytes;
            all.refused += r.refused;
            if (r.failed) all.failed = true, all.failure = r.failure;
        }
    }
    std::printf("shape %s, B=%d T=%d, >= %d steps x %d rounds per mode, dashboard interval 10\n", args.str("shape").c_str(),
                B, T, steps, rounds);
    std::printf("| mode | ms/step (median) | vs quiet | load | reading client: frames, delivery p50 / p99 ms | "
                "GET /api/sessions under load (max ms) | RSS max (MiB) |\n|---|---|---|---|---|---|---|\n");
    const double quiet = percentile(results[kQuiet].step_ms, 0.5);
    bool ok = true;
    for (int m = 0; m < kModes; ++m) {
        const Result& r = results[m];
        char load[256] = "-";
        if (m == kFuzz)
            std::snprintf(load, sizeof load, "%llu messages (%.0f MiB): %llu answered, %llu closed as they must, %llu unexpected",
                          (unsigned long long)r.fuzz.sent, r.fuzz.bytes / 1048576.0, (unsigned long long)r.fuzz.replies,
                          (unsigned long long)r.fuzz.closed, (unsigned long long)r.fuzz.unexpected);
        if (m == kChurn)
            std::snprintf(load, sizeof load, "%d clients: %llu connect-hello-close cycles, %llu failed", churn_n,
                          (unsigned long long)r.churn_cycles, (unsigned long long)r.churn_failures);
        if (m == kIdle)
            std::snprintf(load, sizeof load, "%d idle connections (%d refused), slowloris %llu bytes, 1 never-reader", idle_n,
                          r.refused, (unsigned long long)r.slow_bytes);
        const double med = percentile(r.step_ms, 0.5);
        double rest_max = 0;
        for (double v : r.rest_ms) rest_max = std::max(rest_max, v);
        std::printf("| %s | %.2f | %.3f | %s | %zu, %.2f / %.2f | %s | %.0f |\n", kNames[m], med, med / quiet, load,
                    r.latency_ms.size(), percentile(r.latency_ms, 0.5), percentile(r.latency_ms, 0.99),
                    r.rest_ms.size() == size_t(rounds) ? std::to_string(rest_max).substr(0, 6).c_str() : "FAILED", r.rss_mib);
        if (r.failed) std::printf("FAILED: %s: %s\n", kNames[m], r.failure.c_str());
        ok = ok && !r.failed && r.fuzz.unexpected == 0;
    }
    never_reader(model, opt, B, T, steps * rounds, steps);
    return ok ? 0 : 1;
}

int main(int argc, char** argv) { return bench::run_main(argc, argv, run); }
