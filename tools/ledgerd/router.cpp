#include "router.h"

#include "http_errors.h"
#include "ledger/error.h"
#include "request_parsing.h"

namespace ledgerd {

void send_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

void guarded(httplib::Response& res, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiException& refused) {
    send_error(res, refused.error());
  } catch (const ledger::Error& error) {
    send_error(res, operating_error(error));
  } catch (const std::exception& error) {
    send_error(res, internal_error(error.what()));
  }
}

void Router::get(const std::string& pattern, GetHandler handler) {
  server_.Get(pattern,
              [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
                guarded(res, [&] { handler(req, res); });
              });
}

void Router::post(const std::string& pattern, PostHandler handler) {
  // The content-reader form, so that the body limit also holds for chunked bodies, which
  // httplib's own limit (set_payload_max_length) does not see.
  server_.Post(pattern,
               [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
                 guarded(res, [&] { handler(req, res, read_body(reader, res)); });
               });
}

}  // namespace ledgerd
