#include "ledger_id.h"

#include "crypto.h"
#include "db.h"

namespace ledger::detail {
namespace {

std::string random_uuid() {
  std::string bytes = random_bytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  const std::string hex = to_hex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace

void record_ledger_id(Db& db) {
  auto& insert = db.statement("INSERT INTO meta (name, value) VALUES ('ledger_id', ?)");
  insert.bind(1, random_uuid());
  insert.exec();
}

std::string read_ledger_id(Db& db) {
  auto& query = db.statement("SELECT value FROM meta WHERE name = 'ledger_id'");
  std::string id;
  if (query.executeStep()) id = query.getColumn(0).getString();
  query.tryReset();
  return id;
}

}  // namespace ledger::detail
