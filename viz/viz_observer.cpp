#include "viz/viz_observer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <variant>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/error.h"
#include "viz/bounded_queue.h"
#include "viz/frame_builder.h"
#include "viz/hub.h"
#include "viz/run_store.h"

namespace nanogpt::viz {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

template <typename F>
std::string json(F&& fill) {
    rapidjson::StringBuffer sb;
    Writer w(sb);
    w.StartObject();
    fill(w);
    w.EndObject();
    return sb.GetString();
}

void opt_float(Writer& w, const char* key, const std::optional<float>& v) {
    if (!v) return;
    w.Key(key);
    if (std::isfinite(*v)) w.Double(*v);
    else w.Null();  // JSON has no NaN/inf: a diverged loss travels as null
}

// A sample buffer: the request the trainer fills, and the gathered values and gradients.
// `pending` is the copy into values/grads, queued on the training thread and waited for on the
// viz thread: until it is waited for, values and grads must not be read.
struct SampleSlot {
    SampleRequest request;
    std::vector<float> values, grads;
    std::unique_ptr<PendingCopy> pending;
    std::atomic<bool> busy{false};
};

struct TextItem {
    std::string json;
    bool is_metrics;
    int step;
    bool annotate;
};
struct SampleItem {
    SampleSlot* slot;
};
struct EndItem {
    std::string status;
};
using Item = std::variant<TextItem, SampleItem, EndItem>;

}  // namespace

std::string new_session_id() {
    std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&t));
    std::random_device rd;
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%04x", rd() & 0xffff);
    return std::string(buf) + suffix;
}

struct VizObserver::Impl {
    VizOptions opt;
    std::string session;
    ModelDesc model;
    SamplePlan plan;
    std::unique_ptr<FrameBuilder> builder;
    std::unique_ptr<RunStore> store;
    std::unique_ptr<Hub> hub;
    SampleSlot slots[2];
    BoundedQueue<Item> queue{1 << 16};
    std::thread worker;
    bool started = false;
    std::atomic<bool> finished{false};  // read by the hub's thread (hello)
    std::atomic<int> last_step{0};

    // Histogram ranges for the next sample: the last exact min/max of each slab, widened.
    // Histograms are the costly statistic (a scattered count per parameter), so each slab's is
    // refreshed at most every kHistogramEverySteps steps, round robin; frames carry the
    // latest one with its step.
    static constexpr int kHistogramEverySteps = 10;
    std::mutex range_mu;
    std::vector<std::pair<float, float>> ranges;
    std::vector<TensorStats> last_hist;
    std::vector<int> last_hist_step;

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

    void handle(TextItem& t) {
        if (store) {
            try {
                fault("store");
                if (t.is_metrics) store->append_metrics(t.json);
                else store->append_event(t.json);
                if (t.annotate) store->annotate(t.step);
            } catch (const std::exception& e) {
                failure("store", e.what());
                store.reset();
            }
        }
        if (hub) {
            try {
                fault("send");
                hub->broadcast_text(std::make_shared<const std::string>(std::move(t.json)));
            } catch (const std::exception& e) {
                failure("send", e.what());
            }
        }
    }

    void handle(SampleItem& s) {
        SampleSlot& slot = *s.slot;
        // The copy queued by the training thread lands here, on the viz thread (a device
        // backend: its event is waited for, then the pinned buffer is copied out).
        try {
            if (slot.pending) slot.pending->wait();
            slot.pending.reset();
        } catch (const std::exception& e) {
            slot.pending.reset();
            failure("gather", e.what());
            slot.busy = false;
            return;
        }
        // The slot goes back to the trainer exactly once: as soon as the frame owns its data,
        // or on failure before that. Releasing it twice would let the trainer refill a slot
        // this thread still reads (its stats and its pending copy).
        bool released = false;
        try {
            fault("build");
            auto t0 = std::chrono::steady_clock::now();
            std::vector<int> hist_steps(slot.request.stats.size(), slot.request.step);
            {
                std::lock_guard<std::mutex> lock(range_mu);
                for (size_t i = 0; i < slot.request.stats.size(); i++) {
                    TensorStats& st = slot.request.stats[i];
                    if (st.want_hist) {
                        last_hist[i] = st;
                        last_hist_step[i] = slot.request.step;
                    } else {
                        std::copy(std::begin(last_hist[i].hist), std::end(last_hist[i].hist), st.hist);
                        st.hist_lo = last_hist[i].hist_lo;
                        st.hist_hi = last_hist[i].hist_hi;
                        hist_steps[i] = last_hist_step[i];
                    }
                }
            }
            Frame f = builder->build(slot.request.step, slot.values, slot.grads, slot.request.stats, hist_steps);
            {
                std::lock_guard<std::mutex> lock(range_mu);
                for (size_t i = 0; i < ranges.size() && i < slot.request.stats.size(); i++) {
                    const TensorStats& st = slot.request.stats[i];
                    if (st.count == 0) continue;
                    float pad = 0.05f * (st.max - st.min) + 1e-6f;
                    ranges[i] = {st.min - pad, st.max + pad};
                }
            }
            slot.busy = false;  // the frame owns its data now; the trainer may refill the slot
            released = true;
            auto bytes = std::make_shared<const std::string>(encode_frame(f));
            {
                double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                std::lock_guard<std::mutex> lock(timing_mu);
                build_ms_total += ms;
                build_ms_max = std::max(build_ms_max, ms);
            }
            frames++;
            if (store) {
                try {
                    fault("store");
                    store->write_frame(f.step, *bytes);
                } catch (const std::exception& e) {
                    failure("store", e.what());
                    store.reset();
                }
            }
            if (hub) {
                fault("send");
                std::string info = json([&](Writer& w) {
                    w.Key("type"); w.String("frame");
                    w.Key("session"); w.String(session.c_str());
                    w.Key("step"); w.Int(f.step);
                    w.Key("bytes"); w.Uint64(bytes->size());
                    w.Key("ready_us"); w.Int64(now_us());
                });
                hub->broadcast_text(std::make_shared<const std::string>(std::move(info)));
                hub->broadcast_frame(bytes);
            }
        } catch (const std::exception& e) {
            failure("frame building", e.what());
        }
        if (!released) slot.busy = false;
    }

    void run() {
        for (;;) {
            std::optional<Item> item = queue.pop(std::chrono::milliseconds(200));
            if (!item) {
                if (queue.closed_and_empty()) return;
                continue;
            }
            bool end = std::holds_alternative<EndItem>(*item);
            if (auto* t = std::get_if<TextItem>(&*item)) handle(*t);
            else if (auto* s = std::get_if<SampleItem>(&*item)) handle(*s);
            handled++;
            if (end) return;
        }
    }

    std::string hello() const {
        return json([&](Writer& w) {
            w.Key("type"); w.String("hello");
            w.Key("protocol"); w.Int(1);
            w.Key("session"); w.String(session.c_str());
            w.Key("live"); w.Bool(!finished.load());
            w.Key("step"); w.Int(last_step.load());
            w.Key("interval"); w.Int(opt.interval);
            w.Key("frame_bytes"); w.Uint64(plan.frame_bytes);
            w.Key("model");
            write_model_shape(w, model);
        });
    }
};

std::unique_ptr<VizObserver> make_viz_observer(const VizOptions& options) {
    return std::make_unique<VizObserver>(options);
}

VizObserver::VizObserver(VizOptions options) : impl_(std::make_unique<Impl>()) {
    if (options.interval <= 0) throw Error("viz.interval must be > 0");
    impl_->opt = std::move(options);
    impl_->session = impl_->opt.session.empty() ? new_session_id() : impl_->opt.session;
}

VizObserver::~VizObserver() {
    if (impl_->started && !impl_->finished) run_finished("stopped");
}

const std::string& VizObserver::session() const { return impl_->session; }
size_t VizObserver::frame_bytes() const { return impl_->plan.frame_bytes; }
int VizObserver::port() const { return impl_->hub ? impl_->hub->port() : 0; }
std::string VizObserver::url() const { return impl_->hub ? impl_->hub->url() : ""; }

VizCounters VizObserver::counters() const {
    VizCounters c{impl_->frames.load(), impl_->skipped.load(), impl_->dropped.load(), impl_->errors.load()};
    std::lock_guard<std::mutex> lock(impl_->timing_mu);
    c.build_ms_total = impl_->build_ms_total;
    c.build_ms_max = impl_->build_ms_max;
    return c;
}

void VizObserver::run_started(const ModelDesc& model, const std::string& run_json) {
    Impl& m = *impl_;
    m.model = model;
    m.plan = SamplePlan::make(m.model, m.opt.sampling);  // budget errors stop the run here
    m.builder = std::make_unique<FrameBuilder>(m.model, m.plan, m.session);
    size_t slabs = 0;
    for (const TensorDesc& t : model.tensors) slabs += t.layers;
    m.ranges.assign(slabs, {-0.1f, 0.1f});
    m.last_hist.assign(slabs, TensorStats{});
    m.last_hist_step.assign(slabs, -1);
    for (SampleSlot& s : m.slots) {
        s.values.resize(m.plan.indices.size());
        s.grads.resize(m.plan.indices.size());
        s.request.stats.resize(slabs);
    }
    try {
        m.store = std::make_unique<RunStore>(m.opt.runs_dir, m.session, run_json,
                                             m.opt.history_mb * 1024 * 1024);
    } catch (const std::exception& e) {
        m.failure("store", std::string("opening ") + m.opt.runs_dir + ": " + e.what());
    }
    if (m.opt.serve) {
        try {
            HubOptions ho;
            ho.host = m.opt.host;
            ho.port = m.opt.port;
            ho.token = m.opt.token;
            ho.static_dir = m.opt.files.frontend_dir;
            ho.static_mounts = m.opt.files.libraries;
            m.hub = std::make_unique<Hub>(ho, std::make_shared<RunStoreReader>(m.opt.runs_dir, m.session));
            m.hub->set_hello([&m] { return m.hello(); });
            m.hub->start();
        } catch (const Error& e) {
            std::fprintf(stderr, "viz: dashboard not served: %s%s%s\n", e.what(),
                         e.hint().empty() ? "" : "; ", e.hint().c_str());
            m.hub.reset();
        }
    }
    m.worker = std::thread([&m] {
        // Training comes first: on a machine whose cores all train, the viz thread runs in the
        // gaps (at worst a sample is skipped), instead of taking a core from an OpenMP team.
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
        m.run();
    });
    m.started = true;
}

void VizObserver::step_finished(const StepMetrics& s) {
    Impl& m = *impl_;
    m.last_step = s.step;
    if (!m.push(TextItem{json([&](Writer& w) {
                        w.Key("type"); w.String("metrics");
                        w.Key("session"); w.String(m.session.c_str());
                        w.Key("step"); w.Int(s.step);
                        opt_float(w, "train_loss", s.train_loss);
                        opt_float(w, "val_loss", s.val_loss);
                        opt_float(w, "lr", s.lr);
                        opt_float(w, "grad_norm", s.grad_norm);
                        opt_float(w, "ms", s.ms);
                        opt_float(w, "tokens_per_s", s.tokens_per_s);
                        opt_float(w, "mfu", s.mfu);
                    }),
                    true, s.step, false}))
        m.dropped++;
}

void VizObserver::event(int step, const std::string& kind, const std::string& text) {
    Impl& m = *impl_;
    if (!m.push(TextItem{json([&](Writer& w) {
                        w.Key("type"); w.String("event");
                        w.Key("session"); w.String(m.session.c_str());
                        w.Key("step"); w.Int(step);
                        w.Key("kind"); w.String(kind.c_str());
                        w.Key("text"); w.String(text.c_str());
                    }),
                    false, step, kind == "eval" || kind == "checkpoint"}))
        m.dropped++;
}

SampleRequest* VizObserver::sample_due(int step, bool final_state) {
    Impl& m = *impl_;
    if (!m.started || (step % m.opt.interval != 0 && !final_state)) return nullptr;
    if (final_state) {
        // Wait (bounded) for the worker to free a buffer; it frees one per frame it finishes.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (m.slots[0].busy.load() && m.slots[1].busy.load() &&
               std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (SampleSlot& s : m.slots) {
        bool expected = false;
        if (s.busy.compare_exchange_strong(expected, true)) {
            s.request.step = step;
            const int every = std::max(1, (Impl::kHistogramEverySteps + m.opt.interval - 1) / m.opt.interval);
            const int sample_index = step / m.opt.interval;
            std::lock_guard<std::mutex> lock(m.range_mu);
            for (size_t i = 0; i < s.request.stats.size(); i++) {
                s.request.stats[i] = TensorStats{};
                s.request.stats[i].hist_lo = m.ranges[i].first;
                s.request.stats[i].hist_hi = m.ranges[i].second;
                s.request.stats[i].want_hist =
                    m.last_hist_step[i] < 0 || (sample_index + (int)i) % every == 0;
            }
            return &s.request;
        }
    }
    m.skipped++;  // both buffers still in flight: skip this sample, never wait
    return nullptr;
}

void VizObserver::sample_ready(SampleRequest* request, ParamReader& reader) {
    Impl& m = *impl_;
    SampleSlot* slot = nullptr;
    for (SampleSlot& s : m.slots)
        if (&s.request == request) slot = &s;
    if (!slot) return;
    // Only queues the copy: the viz worker waits for it (handle(SampleItem)).
    try {
        m.fault("gather");
        slot->pending = reader.gather(m.plan.indices, slot->values.data(), slot->grads.data());
    } catch (const std::exception& e) {
        m.failure("gather", e.what());
        slot->pending.reset();
        slot->busy = false;
        return;
    }
    if (!m.push(SampleItem{slot})) {
        m.skipped++;
        slot->pending.reset();  // abandoned unread: a device copy may finish, nobody reads it
        slot->busy = false;
    }
}

void VizObserver::drain() {
    Impl& m = *impl_;
    while (m.started && !m.finished && m.handled.load() < m.queued.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void VizObserver::run_finished(const std::string& status) {
    Impl& m = *impl_;
    if (!m.started || m.finished) return;
    m.push(EndItem{status});
    m.queue.close();
    if (m.worker.joinable()) m.worker.join();
    m.finished = true;
    if (m.store) {
        try {
            m.store->finish(status);
        } catch (const std::exception& e) {
            m.failure("store", e.what());
        }
    }
    if (m.hub) m.hub->stop();
}

}  // namespace nanogpt::viz
