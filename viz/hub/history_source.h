// history_source.h: what the hub asks of recorded history (implemented by RunStore's reader,
// faked in hub tests). Every method returns a complete JSON document or frame payload, or
// nullopt when the session/step does not exist. Thread-safe: called from the hub's threads.
#pragma once
#include <optional>
#include <string>

namespace nanogpt::viz::hub {

class HistorySource {
public:
    virtual ~HistorySource() = default;
    // GET /api/sessions -> {"sessions":[{"session":..,"live":bool,"start_time":..,"steps":N,...}]}
    virtual std::string sessions_json() const = 0;
    // GET /api/sessions/<id>/run -> run.json as stored
    virtual std::optional<std::string> run_json(const std::string& session) const = 0;
    // GET /api/sessions/<id>/metrics -> {"session":..,"metrics":[{metrics message}, ...]}
    virtual std::optional<std::string> metrics_json(const std::string& session) const = 0;
    // GET /api/sessions/<id>/events -> {"session":..,"events":[{event message}, ...]}
    virtual std::optional<std::string> events_json(const std::string& session) const = 0;
    // GET /api/sessions/<id>/frames -> {"session":..,"frames":[{"step":N,"bytes":B,"annotated":bool}, ...]}
    virtual std::optional<std::string> frame_index_json(const std::string& session) const = 0;
    // GET /api/sessions/<id>/frames/<step> -> the binary frame (docs/protocol.md), exact step
    virtual std::optional<std::string> frame(const std::string& session, int step) const = 0;
    // GET /api/sessions/<id>/probes -> {"session":..,"probes":[{probe message}, ...]}
    virtual std::optional<std::string> probe_index_json(const std::string& session) const = 0;
    // GET /api/sessions/<id>/probes/<step> -> the probe record (an NGVF frame with meta.probe)
    virtual std::optional<std::string> probe(const std::string& session, int step) const = 0;
};

}  // namespace nanogpt::viz::hub
