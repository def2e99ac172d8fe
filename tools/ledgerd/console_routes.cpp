#include "console_routes.h"

#include <string>

#include "console_assets.h"
#include "http_errors.h"

namespace ledgerd {
namespace {

const ConsoleAsset* find_asset(std::string_view name) {
  for (const ConsoleAsset& asset : console_assets()) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

void send_asset(httplib::Response& res, const ConsoleAsset& asset) {
  // The page loads only its own files and talks only to this server; no inline script,
  // no frames (clickjacking), no guessing of types, always revalidated (a new ledgerd
  // serves a new console).
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' "
                 "data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                 "form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
  res.status = 200;
  res.set_content(std::string(asset.body), std::string(asset.content_type));
}

}  // namespace

void add_console_routes(Router& router) {
  router.get("/console", [](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "/console/");
  });
  router.get("/console/", [](const httplib::Request&, httplib::Response& res) {
    send_asset(res, *find_asset("index.html"));
  });
  router.get("/console/([A-Za-z0-9_.-]+)", [](const httplib::Request& req, httplib::Response& res) {
    const ConsoleAsset* asset = find_asset(req.matches[1].str());
    if (asset == nullptr) {
      throw not_found("no such console file: open /console/");
    }
    send_asset(res, *asset);
  });
}

}  // namespace ledgerd
