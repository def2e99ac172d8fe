// Routes on an httplib::Server with ledgerd's rules applied to every handler: POST bodies
// are read with the 64 KiB limit before the handler runs, and whatever a handler throws
// becomes an error response (ApiException as it says, ledger::Error by its code, anything
// else 500), so that no handler writes its own catch blocks.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

namespace ledgerd {

using GetHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
using PostHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const std::string& body)>;

class Router {
 public:
  explicit Router(httplib::Server& server) : server_(server) {}
  // `pattern` is an httplib (std::regex) path pattern; its groups land in req.matches.
  void get(const std::string& pattern, GetHandler handler);
  void post(const std::string& pattern, PostHandler handler);

 private:
  httplib::Server& server_;
};

// Sets `res` to `status` with the JSON text `body`.
void send_json(httplib::Response& res, int status, std::string body);

// Runs `fn`, turning what it throws into an error response on `res`.
void guarded(httplib::Response& res, const std::function<void()>& fn);

}  // namespace ledgerd
