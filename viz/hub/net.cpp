// net.cpp: classification and reporting of network errors.
#include "viz/hub/net.h"

#include <string>

#include "viz/hub/shared_state.h"

namespace nanogpt::viz::hub {

bool is_normal_close(const beast::error_code& ec) {
    return ec == net::error::operation_aborted || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::not_connected || ec == net::error::bad_descriptor ||
           ec == net::error::connection_aborted || ec == websocket::error::closed ||
           ec == http::error::end_of_stream || ec == beast::error::timeout;
}

void fail(HubState& state, const beast::error_code& ec, const char* what) {
    if (is_normal_close(ec)) return;
    state.report(what, ec.message());
}

}  // namespace nanogpt::viz::hub
