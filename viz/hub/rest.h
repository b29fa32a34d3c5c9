// rest.h: the REST routes under /api, answered from a HistorySource.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "viz/hub/history_source.h"
#include "viz/hub/reply.h"

namespace nanogpt::viz::hub {

// Answers a GET for `path` (decoded, starting with "/api"):
//   /api/sessions                        -> sessions_json()
//   /api/sessions/<id>/run|metrics|events -> run_json / metrics_json / events_json
//   /api/sessions/<id>/frames            -> frame_index_json
//   /api/sessions/<id>/frames/<step>     -> frame (application/octet-stream)
//   /api/sessions/<id>/report            -> make_report(id): the `nanogpt report` HTML, as an
//                                           attachment (404 when no make_report is given)
// Bad session id or step -> 400, unknown session/step/route -> 404, all as {"error": ...}.
// Exceptions from the HistorySource propagate; the caller turns them into a 500.
using ReportMaker = std::function<std::optional<std::string>(const std::string& session)>;
HubReply serve_api(const HistorySource& history, std::string_view path, const ReportMaker& make_report = {});

}  // namespace nanogpt::viz::hub
