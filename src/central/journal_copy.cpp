#include "journal_copy.h"

#include <charconv>

#include "pg_connection.h"

namespace ledger::central {
namespace {

void append_hex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
}

void append_integer(std::string& out, std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

std::string journal_copy_text(const std::string& ledger_id, const std::vector<EdgeRow>& rows,
                      const std::string& first_prev) {
  std::string data;
  data.reserve(rows.size() * 320);
  const std::string* prev = &first_prev;
  for (const EdgeRow& edge : rows) {
    const detail::JournalRow& row = edge.row;
    data += ledger_id;
    data += '\t';
    append_integer(data, edge.seq);
    for (const std::string* text : {&row.kind, &row.debit_code, &row.credit_code}) {
      data += '\t';
      append_copy_text(data, *text);
    }
    data += '\t';
    append_integer(data, row.amount_minor);
    for (const std::string* text : {&row.currency, &row.memo, &row.principal, &row.key}) {
      data += '\t';
      append_copy_text(data, *text);
    }
    data += '\t';
    append_integer(data, row.created_at_ms);
    data += '\t';
    if (row.ref_seq) {
      append_integer(data, *row.ref_seq);
    } else {
      data += "\\N";
    }
    data += '\t';
    append_integer(data, row.clock_behind_ms);
    data += "\t\\\\x";
    append_hex(data, *prev);
    data += "\t\\\\x";
    append_hex(data, edge.hash);
    data += '\n';
    prev = &edge.hash;
  }
  return data;
}

}  // namespace ledger::central
