// dashboard.cpp: the training run as the dashboard sees it (contract in dashboard.h).
#include "viz/dashboard.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <variant>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/error.h"
#include "viz/bounded_queue.h"
#include "viz/hub/hub.h"
#include "viz/insights/engine.h"
#include "viz/insights/probe_analysis.h"
#include "viz/insights/probe_record.h"
#include "viz/insights/spectra.h"
#include "viz/protocol.h"
#include "viz/session_id.h"
#include "viz/snapshot/frame_builder.h"
#include "viz/snapshot/histogram_schedule.h"
#include "viz/store/files.h"
#include "viz/store/reader.h"
#include "viz/store/resume.h"
#include "viz/store/run_record.h"
#include "viz/store/run_store.h"

namespace nanogpt::viz {

namespace {

// A taken --viz-port: the next ports are tried, then any free one (the banner says so).
constexpr int kPortRetries = 10;

int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

// A snapshot buffer: the request the trainer fills, and the gathered values and gradients.
// `pending` is the copy into values/grads, queued on the training thread and waited for on the
// viz thread: until it is waited for, values and grads must not be read.
struct SnapshotSlot {
    SnapshotRequest request;
    std::vector<float> values, grads;
    std::unique_ptr<PendingCopy> pending;
    std::atomic<bool> busy{false};
};

struct TextItem {
    std::string json;
    bool is_metrics;
    int step;
    bool annotate;  // keep this step's frame through pruning
    std::optional<StepMetrics> metrics;  // for the insights engine
};
struct SnapshotItem {
    SnapshotSlot* slot;
};
struct ProbeItem {
    ProbeResult result;
};
struct EndItem {};
using Item = std::variant<TextItem, SnapshotItem, ProbeItem, EndItem>;

}  // namespace

struct Dashboard::Impl {
    VizOptions opt;
    std::string session;
    ModelDesc model;
    snapshot::SnapshotPlan plan;
    std::unique_ptr<snapshot::FrameBuilder> builder;
    std::unique_ptr<snapshot::HistogramSchedule> histograms;
    std::unique_ptr<store::RunStore> store;
    std::unique_ptr<hub::Hub> hub;
    RunInfo run_info;
    std::unique_ptr<insights::Engine> engine;  // on the worker thread only; null when off
    std::unique_ptr<insights::MatrixCopy> matrices;  // whole block matrices at evaluations (spectra.h)
    std::unique_ptr<insights::SigmaSchedule> sigma;   // which matrices get sigma_max when (spectra.h)
    int snapshots_asked = 0;                          // training thread: snapshot_due's count
    std::atomic<bool> insights_alive{false};   // engine is set: read by the training thread
    std::set<int> announced;                   // insight ids already printed to the log
    bool holding_insights = false;             // worker: inside observe_snapshot (build_frame)
    std::vector<insights::Insight> held_insights;
    int last_seen_step = 0;                    // worker: the last metrics step handled
    ProbeRequest probe;                        // the trainer fills it while probe_busy
    std::atomic<bool> probe_busy{false};
    SnapshotSlot slots[2];
    BoundedQueue<Item> queue{1 << 16};
    std::thread worker;
    bool started = false;
    std::atomic<bool> finished{false};  // read by the hub's thread (hello)
    std::atomic<int> last_step{0};

    std::atomic<uint64_t> frames{0}, skipped{0}, dropped{0}, errors{0};
    std::atomic<uint64_t> queued{0}, handled{0};
    std::mutex timing_mu;
    double build_ms_total = 0, build_ms_max = 0;
    std::mutex log_mu;
    std::set<std::string> logged;

    // Logs the first failure at each place with its context; counts them all.
    void failure(const std::string& where, const std::string& what) {
        errors++;
        std::lock_guard<std::mutex> lock(log_mu);
        if (logged.insert(where).second)
            std::fprintf(stderr, "viz: %s failed (%s); training continues%s\n", where.c_str(), what.c_str(),
                         where == "store" ? ", the run is no longer recorded" : "");
    }
    void fault(const char* where) {
        if (opt.fault) opt.fault(where);
    }

    bool push(Item item) {
        queued++;
        if (queue.try_push(std::move(item))) return true;
        queued--;
        return false;
    }

    // The store switches itself off at its first failure: a full disk must not cost a failure
    // per step, and the run goes on being served live.
    template <typename F>
    void to_store(F&& write) {
        if (!store) return;
        try {
            fault("store");
            write(*store);
        } catch (const std::exception& e) {
            failure("store", e.what());
            store.reset();
        }
    }

    void broadcast_text(std::string json) {
        if (!hub) return;
        fault("send");
        hub->broadcast_text(std::make_shared<const std::string>(std::move(json)));
    }

    void handle(TextItem& t) {
        to_store([&](store::RunStore& s) {
            if (t.is_metrics) s.append_metrics(t.json);
            else s.append_event(t.json);
            if (t.annotate) s.annotate(t.step);
        });
        try {
            broadcast_text(std::move(t.json));
        } catch (const std::exception& e) {
            failure("send", e.what());
        }
        if (t.metrics) {
            last_seen_step = std::max(last_seen_step, t.metrics->step);
            if (engine) guarded("insights", [&] { engine->observe_metrics(*t.metrics); });
        }
    }

    // A detector's failure is logged once and switches the insights off; training goes on.
    template <typename F>
    void guarded(const char* where, F&& f) {
        try {
            f();
        } catch (const std::exception& e) {
            failure(where, e.what());
            insights_alive = false;
            engine.reset();
        }
    }

    // What the engine found: recorded with the run's events, streamed, and one line in the
    // training log when it first appears and when a span closes.
    void publish_insight(const insights::Insight& in) {
        if (holding_insights) {  // found in a snapshot: sent once its slot is back (build_frame)
            held_insights.push_back(in);
            return;
        }
        std::string json = protocol::insight(session, in);
        const bool annotate = in.severity != insights::Severity::Info && !in.open;
        to_store([&](store::RunStore& s) {
            s.append_event(json);
            if (annotate) s.annotate(in.step_start);
        });
        try {
            broadcast_text(std::move(json));
        } catch (const std::exception& e) {
            failure("send", e.what());
        }
        const bool first = announced.insert(in.id).second;
        if (first || !in.open) {
            std::printf("insight: %s%s\n", in.title.c_str(), in.open ? " (ongoing)" : "");
            std::fflush(stdout);
        }
    }

    void handle(ProbeItem& p) {
        if (p.result.B == 0) return;  // the trainer refused the request
        if (engine) guarded("probe", [&] { engine->observe_probe(p.result); });
        publish_probe(p.result);
    }

    // The probe's record on disk (probes/<step>.bin), then its scores to the store's index and
    // to every client, who fetch the record over REST (docs/protocol.md, Probe).
    void publish_probe(const ProbeResult& r) {
        std::string bytes, json;
        try {
            const insights::ProbeScores scores = insights::score_probe(r);
            bytes = encode_frame(insights::probe_record(session, model, r, scores));
            json = protocol::probe(session, scores, bytes.size());
        } catch (const std::exception& e) {
            failure("probe record", e.what());
            return;
        }
        to_store([&](store::RunStore& s) { s.write_probe(r.step, json, bytes); });
        try {
            broadcast_text(std::move(json));
        } catch (const std::exception& e) {
            failure("send", e.what());
        }
    }

    void handle(EndItem&) {
        if (engine) guarded("insights", [&] { engine->finish(last_seen_step, false); });
    }

    // Waits for the copy the training thread queued (a device backend: its event, then the
    // pinned buffer is copied out). False when it failed; the slot is then free again.
    bool wait_for_copy(SnapshotSlot& slot) {
        try {
            if (slot.pending) slot.pending->wait();
            slot.pending.reset();
            return true;
        } catch (const std::exception& e) {
            slot.pending.reset();
            failure("gather", e.what());
            slot.busy = false;
            return false;
        }
    }

    // Values and statistics -> an encoded frame. The slot goes back to the trainer as soon as
    // the frame owns its data (exactly once: a second release would let the trainer refill a
    // slot this thread still reads).
    std::shared_ptr<const std::string> build_frame(SnapshotSlot& slot, int& step) {
        bool released = false;
        try {
            fault("build");
            const auto t0 = std::chrono::steady_clock::now();
            const std::vector<int> hist_steps = histograms->complete(slot.request.stats, slot.request.step);
            Frame f = builder->build(slot.request.step, slot.values, slot.grads, slot.request.stats, hist_steps);
            // The engine reads the slot; what it finds waits until the slot is back with the
            // trainer, so no disk write or send holds a snapshot buffer.
            holding_insights = true;
            if (engine) guarded("insights", [&] { engine->observe_snapshot(snapshot_view(slot)); });
            holding_insights = false;
            slot.busy = false;
            released = true;
            for (const insights::Insight& in : held_insights) publish_insight(in);
            held_insights.clear();
            auto bytes = std::make_shared<const std::string>(encode_frame(f));
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            {
                std::lock_guard<std::mutex> lock(timing_mu);
                build_ms_total += ms;
                build_ms_max = std::max(build_ms_max, ms);
            }
            frames++;
            step = f.step;
            return bytes;
        } catch (const std::exception& e) {
            failure("frame building", e.what());
            holding_insights = false;
            held_insights.clear();
            if (!released) slot.busy = false;
            return nullptr;
        }
    }

    insights::SnapshotView snapshot_view(const SnapshotSlot& slot) const {
        insights::SnapshotView v;
        v.step = slot.request.step;
        v.stats = &slot.request.stats;
        v.values = &slot.values;
        v.grads = &slot.grads;
        for (const snapshot::SnapshotBlock& b : plan.blocks) {
            if (b.kind != snapshot::SnapshotBlock::kEmbedding) continue;
            v.token_ids = &b.row_ids;
            v.wte_offset = b.start;
        }
        v.matrices = matrices.get();
        return v;
    }

    void publish_frame(int step, const std::shared_ptr<const std::string>& bytes) {
        to_store([&](store::RunStore& s) { s.write_frame(step, *bytes); });
        if (!hub) return;
        try {
            broadcast_text(protocol::frame_notice(session, step, bytes->size(), now_us()));
            hub->broadcast_frame(bytes);
        } catch (const std::exception& e) {
            failure("frame building", e.what());
        }
    }

    // As a Beast on_read: wait, build, release, publish.
    void handle(SnapshotItem& s) {
        SnapshotSlot& slot = *s.slot;
        if (!wait_for_copy(slot)) return;
        int step = 0;
        if (auto bytes = build_frame(slot, step)) publish_frame(step, bytes);
    }

    void run() {
        for (;;) {
            std::optional<Item> item = queue.pop(std::chrono::milliseconds(200));
            if (!item) {
                if (queue.closed_and_empty()) return;
                continue;
            }
            const bool end = std::holds_alternative<EndItem>(*item);
            std::visit([this](auto& it) { handle(it); }, *item);
            handled++;
            if (end) return;
        }
    }

    std::string hello() const {
        protocol::LiveHello h;
        h.session = session;
        h.live = !finished.load();
        h.step = last_step.load();
        h.interval = opt.interval;
        h.frame_bytes = plan.frame_bytes;
        h.model = &model;
        return protocol::hello(h);
    }

    void start_hub() {
        try {
            hub::HubOptions ho;
            ho.host = opt.host;
            ho.port = opt.port;
            ho.port_retries = kPortRetries;
            ho.token = opt.token;
            ho.no_token = opt.no_token;
            ho.allowed_hosts = opt.allow_hosts;
            ho.static_dir = opt.files.frontend_dir;
            ho.static_mounts = opt.files.libraries;
            hub = std::make_unique<hub::Hub>(ho, std::make_shared<store::RunStoreReader>(opt.runs_dir, session));
            hub->set_hello([this] { return hello(); });
            hub->start();
        } catch (const Error& e) {
            std::fprintf(stderr, "viz: dashboard not served: %s%s%s\n", e.what(), e.hint().empty() ? "" : "; ",
                         e.hint().c_str());
            hub.reset();
        }
    }
};

std::unique_ptr<Dashboard> make_dashboard(const VizOptions& options) {
    if (options.off) return nullptr;
    return std::make_unique<Dashboard>(options);
}

Dashboard::Dashboard(VizOptions options) : impl_(std::make_unique<Impl>()) {
    options.validate();
    impl_->opt = std::move(options);
    impl_->session = impl_->opt.session.empty() ? new_session_id() : impl_->opt.session;
}

Dashboard::~Dashboard() {
    if (impl_->started && !impl_->finished) run_finished(RunEnd::Stopped);
}

const std::string& Dashboard::session() const { return impl_->session; }
size_t Dashboard::frame_bytes() const { return impl_->plan.frame_bytes; }
int Dashboard::port() const { return impl_->hub ? impl_->hub->port() : 0; }
std::string Dashboard::url() const { return impl_->hub ? impl_->hub->url() : ""; }
std::string Dashboard::banner() const {
    if (!impl_->hub) return "";
    const std::string note = impl_->hub->port_note();
    return "dashboard: " + url() + " (run " + impl_->session + "; " + (note.empty() ? "" : note + "; ") +
           "parameter snapshots every " + std::to_string(impl_->opt.interval) + " steps)";
}

VizCounters Dashboard::counters() const {
    VizCounters c{impl_->frames.load(), impl_->skipped.load(), impl_->dropped.load(), impl_->errors.load()};
    std::lock_guard<std::mutex> lock(impl_->timing_mu);
    c.build_ms_total = impl_->build_ms_total;
    c.build_ms_max = impl_->build_ms_max;
    return c;
}

void Dashboard::run_started(const ModelDesc& model, const RunInfo& run) {
    Impl& m = *impl_;
    m.model = model;
    // A resumed run continues the session that recorded it (viz/store/resume.h).
    const std::optional<std::string> continued =
        run.start_step > 0 && m.opt.session.empty() ? store::resumable_session(m.opt.runs_dir, run.out_dir) : std::nullopt;
    if (continued) m.session = *continued;
    m.plan = snapshot::SnapshotPlan::make(m.model, m.opt.snapshot);  // budget errors stop the run here
    m.builder = std::make_unique<snapshot::FrameBuilder>(m.model, m.plan, m.session);
    size_t slabs = 0;
    for (const TensorDesc& t : model.tensors) slabs += t.layers;
    m.histograms = std::make_unique<snapshot::HistogramSchedule>(slabs, m.opt.interval);
    m.sigma = std::make_unique<insights::SigmaSchedule>(insights::SigmaSchedule::for_device(model, run.device));
    m.run_info = run;
    if (m.opt.insights)
        m.engine = std::make_unique<insights::Engine>(m.model, m.run_info,
                                                      [&m](const insights::Insight& in) { m.publish_insight(in); });
    m.insights_alive = m.engine != nullptr;
    if (m.engine) m.matrices = std::make_unique<insights::MatrixCopy>(insights::MatrixCopyPlan::make(m.model));
    for (SnapshotSlot& s : m.slots) {
        s.values.resize(m.plan.indices.size());
        s.grads.resize(m.plan.indices.size());
        s.request.stats.resize(slabs);
    }
    try {
        std::string record = store::run_record_json(run, model, m.opt.interval);
        if (continued)
            record = store::continue_session(store::join_path(m.opt.runs_dir, m.session), run.start_step, record);
        m.store = std::make_unique<store::RunStore>(m.opt.runs_dir, m.session, record, m.opt.history_mb * 1024 * 1024);
        if (continued)
            event(run.start_step, EventKind::Info,
                  "resumed from the checkpoint at step " + std::to_string(run.start_step) +
                      "; what this session recorded after it is recorded again");
    } catch (const std::exception& e) {
        m.failure("store", std::string("opening ") + m.opt.runs_dir + ": " + e.what());
    }
    if (m.opt.serve) m.start_hub();
    m.worker = std::thread([&m] {
        // Training comes first: on a machine whose cores all train, the viz thread runs in the
        // gaps (at worst a snapshot is skipped), instead of taking a core from an OpenMP team.
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
        m.run();
    });
    m.started = true;
}

void Dashboard::step_finished(const StepMetrics& s) {
    Impl& m = *impl_;
    m.last_step = s.step;
    if (!m.push(TextItem{protocol::metrics(m.session, s), true, s.step, false, s})) m.dropped++;
}

void Dashboard::event(int step, EventKind kind, const std::string& text) {
    Impl& m = *impl_;
    const bool landmark = kind == EventKind::Eval || kind == EventKind::Checkpoint;
    if (!m.push(TextItem{protocol::event(m.session, step, kind, text), false, step, landmark, std::nullopt}))
        m.dropped++;
}

SnapshotRequest* Dashboard::snapshot_due(int step, bool final_state) {
    Impl& m = *impl_;
    if (!m.started || (step % m.opt.interval != 0 && !final_state)) return nullptr;
    if (final_state) {
        // Wait (bounded) for the worker to free a buffer; it frees one per frame it finishes.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (m.slots[0].busy.load() && m.slots[1].busy.load() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (SnapshotSlot& s : m.slots) {
        bool expected = false;
        if (s.busy.compare_exchange_strong(expected, true)) {
            s.request.step = step;
            m.histograms->prepare(s.request.stats, step);
            m.sigma->request(s.request.stats, m.snapshots_asked++);
            return &s.request;
        }
    }
    m.skipped++;  // both buffers still in flight: skip this snapshot, never wait
    return nullptr;
}

void Dashboard::snapshot_ready(SnapshotRequest* request, ParamReader& reader) {
    Impl& m = *impl_;
    SnapshotSlot* slot = nullptr;
    for (SnapshotSlot& s : m.slots)
        if (&s.request == request) slot = &s;
    if (!slot) return;
    // Only queues the copy: the viz worker waits for it (handle(SnapshotItem)). At evaluations
    // also the whole block matrices, unless the other slot's copy is still in flight (a device
    // backend has two pinned buffers: a third copy would make this thread wait).
    bool matrices = false;
    try {
        m.fault("gather");
        slot->pending = reader.gather(m.plan.indices, slot->values.data(), slot->grads.data());
        const SnapshotSlot& other = &m.slots[0] == slot ? m.slots[1] : m.slots[0];
        if (m.matrices && m.insights_alive && !other.busy)
            matrices = m.matrices->start(request->step, m.run_info.eval_interval, reader);
    } catch (const std::exception& e) {
        m.failure("gather", e.what());
        slot->pending.reset();
        slot->busy = false;
        return;
    }
    if (!m.push(SnapshotItem{slot})) {
        m.skipped++;
        slot->pending.reset();  // abandoned unread: a device copy may finish, nobody reads it
        if (matrices) m.matrices->abandon();
        slot->busy = false;
    }
}

ProbeRequest* Dashboard::probe_due(int step) {
    Impl& m = *impl_;
    if (!m.started || !m.opt.probe || !m.insights_alive) return nullptr;
    bool expected = false;
    if (!m.probe_busy.compare_exchange_strong(expected, true)) return nullptr;  // one at a time
    m.probe = ProbeRequest{};
    if (!insights::make_probe_request(m.model, m.run_info, step, m.probe)) {
        m.probe_busy = false;
        return nullptr;
    }
    m.probe.step = step;
    return &m.probe;
}

void Dashboard::probe_ready(ProbeResult&& result) {
    Impl& m = *impl_;
    m.probe_busy = false;  // the result is ours now: the request may be reused
    if (!m.push(ProbeItem{std::move(result)})) m.dropped++;
}

void Dashboard::drain() {
    Impl& m = *impl_;
    while (m.started && !m.finished && m.handled.load() < m.queued.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Dashboard::run_finished(RunEnd how) {
    Impl& m = *impl_;
    if (!m.started || m.finished) return;
    m.push(EndItem{});
    m.queue.close();
    if (m.worker.joinable()) m.worker.join();
    m.finished = true;
    if (m.store) {
        try {
            m.store->finish(protocol::run_end_name(how));
        } catch (const std::exception& e) {
            m.failure("store", e.what());
        }
    }
    if (m.hub) m.hub->stop();
}

}  // namespace nanogpt::viz
