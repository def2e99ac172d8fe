// One client connection relayed to the server, with a fault decided per request burst.
//
// Why bursts: the proxy must not parse HTTP, yet it must hit single requests. An HTTP/1.1
// client (without pipelining, which no client here uses) sends one request and then
// waits for the whole reply before it sends the next. So the bytes the client sends while
// no reply has started form one request (however many segments it arrives in), and the
// first client byte after reply bytes have flowed starts the next request. Each burst gets
// one draw from the FaultPlan:
//   drop_request  its first segment is read and never forwarded; both connections closed
//   cut           forwarded; both connections closed after the fault's wait, or as soon as
//                 the server starts to answer, whichever comes first: the client never
//                 sees a reply byte, and the server may or may not have committed
//   drop_reply    forwarded; when the server's first reply bytes arrive (so it has
//                 committed) both connections are closed without passing them on
//   delay_*       sleep before forwarding the request, or before passing on the reply
// When the server closes or resets its side, the client's connection is closed too; when
// no server accepts the connection (killed, restarting) the client's is closed at once.
#pragma once

#include <atomic>

#include "endpoint.h"
#include "fault_plan.h"
#include "stats.h"

namespace chaos {

struct RelayContext {
  Endpoint upstream;
  FaultPlan* plan;
  FaultCounts* counts;
  const std::atomic<bool>* stopping;  // set at SIGTERM/SIGINT: the relay returns soon
};

// Connects to the server and relays until either side closes, a fault closes both, or
// `stopping` is set. Blocks the calling thread; closes both sockets before it returns.
void relay_connection(Socket client, const RelayContext& context);

}  // namespace chaos
