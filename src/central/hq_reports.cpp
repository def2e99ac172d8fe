#include "hq_reports.h"

#include "central_schema.h"
#include "pg_connection.h"

namespace ledger::central {
namespace {

std::vector<PgParam> filter_params(const HqFilter& filter) {
  return {filter.store, filter.ledger_id, filter.from_day, filter.until_day};
}

// The account's exponent from ledger_hq.accounts (2 if the account is unknown there).
constexpr const char* kExponent =
    "coalesce((SELECT a.exponent FROM ledger_hq.accounts a WHERE a.ledger_id = v.ledger_id "
    "AND a.code = v.account), 2)";

}  // namespace

std::vector<HqBalance> hq_balances(const std::string& conninfo, const HqFilter& filter) {
  PgConnection pg(conninfo);
  require_central(pg);
  const PgResult rows = pg.exec(
      std::string("SELECT v.store, v.ledger_id, v.account, v.currency, ") + kExponent +
          ", v.balance_minor FROM ledger_hq.balances v "
          "WHERE ($1::text IS NULL OR v.store = $1) AND ($2::uuid IS NULL OR v.ledger_id = $2) "
          "ORDER BY v.store, v.ledger_id, v.account, v.currency",
      {filter.store, filter.ledger_id});
  std::vector<HqBalance> out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back({std::string(rows.text(i, 0)), std::string(rows.text(i, 1)),
                   std::string(rows.text(i, 2)), std::string(rows.text(i, 3)),
                   static_cast<int>(rows.integer(i, 4)), rows.integer(i, 5)});
  }
  return out;
}

std::vector<HqTotal> hq_totals(const std::string& conninfo, const HqFilter& filter) {
  PgConnection pg(conninfo);
  require_central(pg);
  const PgResult rows = pg.exec(
      std::string("SELECT v.store, v.ledger_id, v.account, v.currency, v.day::text, ") +
          kExponent +
          ", v.debits_minor, v.credits_minor, v.net_minor, v.rows "
          "FROM ledger_hq.daily_totals v "
          "WHERE ($1::text IS NULL OR v.store = $1) AND ($2::uuid IS NULL OR v.ledger_id = $2) "
          "AND ($3::date IS NULL OR v.day >= $3::date) AND ($4::date IS NULL OR v.day <= $4::date) "
          "ORDER BY v.store, v.ledger_id, v.day, v.account, v.currency",
      filter_params(filter));
  std::vector<HqTotal> out;
  out.reserve(static_cast<std::size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    HqTotal& total = out.emplace_back();
    total.store = rows.text(i, 0);
    total.ledger_id = rows.text(i, 1);
    total.account = rows.text(i, 2);
    total.currency = rows.text(i, 3);
    total.day = rows.text(i, 4);
    total.exponent = static_cast<int>(rows.integer(i, 5));
    total.debits_minor = rows.integer(i, 6);
    total.credits_minor = rows.integer(i, 7);
    total.net_minor = rows.integer(i, 8);
    total.rows = rows.integer(i, 9);
  }
  return out;
}

}  // namespace ledger::central
