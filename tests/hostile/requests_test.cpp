// Goal: hostile requests (control characters in keys, oversized memos, unicode and
// look-alike account codes, amounts at the int64 limits, SQL meta-characters in every
// field, one principal using another's key) get the outcome SPEC 4 documents, and a
// refused request stores nothing: not a key, not a journal row, not a cent.
// Method: every request runs against a small ledger; "nothing stored" is a raw-SQL
// snapshot of every table, taken before and after, that must be equal.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>

#include "hostile_support.h"

using namespace ledger;
using namespace hostile;

namespace {

struct Bench {
  TempDir dir{"requests"};
  std::string path = dir.file("requests.db");
  Ledger book;
  explicit Bench(Options options = {}) : book(open_with_accounts(path, options)) {}
};

// Runs `request`; it must be refused as `expected` with nothing stored, and its body must
// be a JSON object that says so.
void expect_refused_unstored(Bench& bench, const TransferRequest& request, Outcome expected) {
  const Snapshot before = snapshot(bench.path);
  TransferResult result = bench.book.transfer(request);
  CHECK(to_string(result.outcome) == std::string(to_string(expected)));
  CHECK_FALSE(result.replayed);
  CHECK_FALSE(result.message.empty());
  auto body = nlohmann::json::parse(result.body);
  CHECK(body.is_object());
  REQUIRE(body["error"].is_object());
  CHECK(body["error"].value("code", "") == to_string(expected));
  CHECK(snapshot(bench.path) == before);
}

std::string journal_memo(Bench& bench, std::int64_t sequence) {
  auto rows = bench.book.journal(sequence, 1);
  REQUIRE(rows.size() == 1);
  return rows[0].memo;
}

}  // namespace

TEST_CASE("keys with control or non-ASCII characters are malformed and store nothing") {
  Bench bench;
  for (const std::string& key :
       {std::string("a\nb"), std::string("a\tb"), std::string("a\0b", 3), std::string("a\x7f"),
        std::string("\x1b[31mred"), std::string("a\rb"), std::string("cl\xc3\xa9"), std::string(""),
        std::string(256, 'k')}) {
    CAPTURE(key);
    expect_refused_unstored(bench, transfer(key, "world", "till", 1), Outcome::invalid_request);
  }
  SUBCASE("the longest key (255 printable characters, spaces and quotes included) works") {
    std::string key = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" + std::string(222, 'z');
    REQUIRE(key.size() == 255);
    auto result = bench.book.transfer(transfer(key, "world", "till", 1));
    CHECK(result.ok());
    CHECK(bench.book.find_key("till:1", key).has_value());
    CHECK(bench.book.transfer(transfer(key, "world", "till", 1)).replayed);
  }
}

TEST_CASE("memos up to 4096 bytes are stored byte for byte, and longer ones store nothing") {
  Bench bench;
  std::string euro = "\xe2\x82\xac";  // 3 bytes
  std::string multibyte;
  while (multibyte.size() + euro.size() <= 4096) multibyte += euro;
  multibyte.append(4096 - multibyte.size(), 'x');
  int n = 0;
  for (const std::string& memo :
       {std::string(4096, 'm'), multibyte, std::string("line\nbreak\ttab \x1b[0m \"quoted\" \\")}) {
    CAPTURE(memo.size());
    auto request = transfer("memo-" + std::to_string(n++), "world", "till", 1);
    request.memo = memo;
    auto result = bench.book.transfer(request);
    REQUIRE(result.ok());
    CHECK(journal_memo(bench, *result.sequence) == memo);
    CHECK(nlohmann::json::parse(result.body).value("memo", "") == memo);
  }
  for (const std::string& memo : {std::string(4097, 'm'), multibyte + "y",
                                  std::string(1 << 20, 'm'), std::string("nul\0inside", 10)}) {
    CAPTURE(memo.size());
    auto request = transfer("memo-long", "world", "till", 1);
    request.memo = memo;
    expect_refused_unstored(bench, request, Outcome::invalid_request);
  }
  // The refused key stayed usable.
  CHECK(bench.book.transfer(transfer("memo-long", "world", "till", 1)).ok());
}

// The engine echoes request fields into a JSON body; nlohmann::json refuses to serialise
// invalid UTF-8 and throws json::type_error (316). Before bd213db that escaped
// Ledger::transfer as a non-ledger exception instead of the documented invalid_request
// outcome (ledgerctl: "unexpected failure ... this is a bug", exit 5).
TEST_CASE("invalid UTF-8 in any request field is malformed, not a thrown JSON error") {
  Bench bench;
  const std::string bad = "\xff\xfe";
  for (int field = 0; field < 6; ++field) {
    CAPTURE(field);
    auto request = transfer("utf8-" + std::to_string(field), "world", "till", 1);
    std::string* target[] = {&request.memo,          &request.principal,      &request.key,
                             &request.debit_account, &request.credit_account, &request.currency};
    *target[field] = bad;
    try {
      expect_refused_unstored(bench, request, Outcome::invalid_request);
    } catch (const Error& e) {
      FAIL("ledger::Error instead of an outcome: " << std::string(e.what()));
    } catch (const std::exception& e) {
      FAIL("a non-ledger exception escaped Ledger::transfer: " << std::string(e.what()));
    }
  }
}

TEST_CASE("unicode account codes are exact byte strings that work end to end") {
  Bench bench;
  const std::string cafe = "caf\xc3\xa9:1";       // precomposed e-acute (NFC)
  const std::string cafe_nfd = "cafe\xcc\x81:1";  // e + combining acute (NFD), looks the same
  const std::string smile = "till:\xf0\x9f\x98\x80";
  const std::string cyrillic = "\xd1\x81\xd1\x87\xd1\x91\xd1\x82";
  std::string longest;
  for (int i = 0; i < 32; ++i) longest += "\xf0\x9f\x92\xb6";  // 32 x 4 bytes = 128
  for (const auto& code : {cafe, smile, cyrillic, longest}) {
    CAPTURE(code);
    CHECK_NOTHROW(bench.book.create_account({code, "EUR", OverdraftRule::none, 0, code}));
  }
  // A spelling that only looks like an existing code is refused, never made its twin.
  CHECK_THROWS_AS(bench.book.create_account({cafe_nfd, "EUR", OverdraftRule::none, 0, ""}),
                  Error);
  CHECK(bench.book.transfer(transfer("u1", "world", cafe, 100)).ok());
  auto result = bench.book.transfer(transfer("u2", cafe, smile, 40));
  REQUIRE(result.ok());
  CHECK(balance(bench.book, cafe) == 60);
  CHECK(balance(bench.book, smile) == 40);
  CHECK_FALSE(bench.book.find_account(cafe_nfd).has_value());  // not normalised into cafe
  CHECK_FALSE(bench.book.find_account("CAF\xc3\x89:1").has_value());
  auto body = nlohmann::json::parse(result.body);
  CHECK(body.value("from", "") == cafe);
  CHECK(body.value("to", "") == smile);
  auto entries = bench.book.journal(*result.sequence, 1);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].debit_account == cafe);
  CHECK(entries[0].credit_account == smile);
  CHECK(bench.book.verify().ok());
  SUBCASE("malformed codes are refused when the account is created") {
    for (const std::string& code :
         {longest + "a", std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
          std::string("\xf4\x90\x80\x80"), std::string("\x80"), std::string("a b"),
          std::string("a\tb"), std::string("a\0b", 3), std::string("")}) {
      CAPTURE(code);
      const Snapshot before = snapshot(bench.path);
      try {
        bench.book.create_account({code, "EUR", OverdraftRule::none, 0, ""});
        FAIL("a malformed account code was accepted");
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
      }
      CHECK(snapshot(bench.path) == before);
    }
  }
}

TEST_CASE("amounts at the int64 limits never wrap around") {
  Bench bench;
  constexpr std::int64_t kMax = INT64_MAX;
  for (std::int64_t amount : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{INT64_MIN}}) {
    CAPTURE(amount);
    expect_refused_unstored(bench, transfer("bad-amount", "world", "till", amount),
                            Outcome::invalid_request);
  }
  REQUIRE(bench.book.transfer(transfer("max", "world", "till", kMax)).ok());
  CHECK(balance(bench.book, "till") == kMax);
  CHECK(balance(bench.book, "world") == -kMax);
  // One more cent on `till` would pass INT64_MAX: a stored rejection, nothing moved.
  auto overflow = bench.book.transfer(transfer("one-more", "world", "till", 1));
  CHECK(overflow.outcome == Outcome::balance_overflow);
  CHECK(bench.book.transfer(transfer("one-more", "world", "till", 1)).replayed);
  CHECK(balance(bench.book, "till") == kMax);
  // `world` (unlimited) reaches INT64_MIN exactly, and not one cent below.
  bench.book.create_account({"sink", "EUR", OverdraftRule::unlimited, 0, ""});
  REQUIRE(bench.book.transfer(transfer("to-min", "world", "sink", 1)).ok());
  CHECK(balance(bench.book, "world") == INT64_MIN);
  auto below = bench.book.transfer(transfer("below-min", "world", "sink", 1));
  CHECK(outcome_class(below.outcome) == OutcomeClass::rejected);
  CHECK(balance(bench.book, "world") == INT64_MIN);
  // (verify at these limits: see the next test case)
  SUBCASE("decimal text at the limits parses exactly or is refused with a reason") {
    CHECK(parse_amount("92233720368547758.07", 2).minor == kMax);
    CHECK_FALSE(parse_amount("92233720368547758.08", 2).ok());
    CHECK(parse_amount("9223372036854775807", 0).minor == kMax);
    CHECK_FALSE(parse_amount("9223372036854775808", 0).error.empty());
    CHECK(format_amount(INT64_MIN, 2) == "-92233720368547758.08");
    CHECK(format_amount(kMax, 3) == "9223372036854775.807");
    for (const char* text : {"1e3", "-1", "+1", " 1", "1 ", "1,00", "0x10", "1..2", ".5", "5.",
                             "NaN", "inf", "\xd9\xa1", "1.2.3", "1.234"}) {
      CAPTURE(text);
      auto parsed = parse_amount(text, 2);
      CHECK_FALSE(parsed.ok());
      CHECK(parsed.error.find("invalid amount") != std::string::npos);
    }
  }
}

// verify used to add the balances of a currency in account-code order with checked_add and
// report a zero_sum violation ("balances of EUR sum to 0 minor units, not 0") as soon as a
// running sum overflowed, although the total is exactly zero (fixed in bd213db: 128 bits).
TEST_CASE("verify sums balances at the int64 limits without a false alarm") {
  Bench bench;
  SUBCASE("two accounts at -INT64_MAX and two at +INT64_MAX") {
    for (const char* code : {"w1", "w2"}) {
      bench.book.create_account({code, "EUR", OverdraftRule::unlimited, 0, ""});
    }
    for (const char* code : {"p1", "p2"}) {
      bench.book.create_account({code, "EUR", OverdraftRule::none, 0, ""});
    }
    REQUIRE(bench.book.transfer(transfer("m1", "w1", "p1", INT64_MAX)).ok());
    REQUIRE(bench.book.transfer(transfer("m2", "w2", "p2", INT64_MAX)).ok());
  }
  SUBCASE("one account at INT64_MIN, one at INT64_MAX and one at 1") {
    bench.book.create_account({"sink", "EUR", OverdraftRule::unlimited, 0, ""});
    REQUIRE(bench.book.transfer(transfer("max", "world", "till", INT64_MAX)).ok());
    REQUIRE(bench.book.transfer(transfer("to-min", "world", "sink", 1)).ok());
  }
  VerifyReport report = bench.book.verify();
  for (const auto& v : report.violations) MESSAGE(v.kind << " at " << v.where << ": " << v.detail);
  CHECK(report.ok());
}

TEST_CASE("SQL meta-characters in every field are bound as data, never run as SQL") {
  Bench bench;
  const std::string drop = "'); DROP TABLE journal; --";
  const std::vector<std::string> codes = {
      "x');DROP/**/TABLE/**/journal;--", "a%", "a_", "O'Brien", "\"quoted\"", "semi;colon"};
  for (const auto& code : codes) {
    bench.book.create_account({code, "EUR", OverdraftRule::unlimited, 0, drop});
  }
  bench.book.create_account({"ab", "EUR", OverdraftRule::none, 0, ""});
  const std::vector<std::string> texts = {drop,
                                          "\" OR 1=1 --",
                                          "'; DELETE FROM accounts; --",
                                          "%",
                                          "_",
                                          "\\",
                                          "*/ /*",
                                          "NULL",
                                          "' || (SELECT hex(hash) FROM journal) || '"};
  int created = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::string principal = texts[i];  // principals are identifiers: no spaces
    std::replace(principal.begin(), principal.end(), ' ', '_');
    TransferRequest request{principal,
                            texts[(i + 1) % texts.size()],
                            codes[i % codes.size()],
                            codes[(i + 1) % codes.size()],
                            1 + static_cast<std::int64_t>(i),
                            "EUR",
                            texts[(i + 2) % texts.size()]};
    auto result = bench.book.transfer(request);
    REQUIRE(result.ok());
    ++created;
    auto entry = bench.book.journal(*result.sequence, 1).at(0);
    CHECK(entry.principal == request.principal);
    CHECK(entry.key == request.key);
    CHECK(entry.memo == request.memo);
    CHECK(entry.debit_account == request.debit_account);
    auto key = bench.book.find_key(request.principal, request.key);
    REQUIRE(key.has_value());
    CHECK(key->response == result.body);
  }
  expect_refused_unstored(bench, TransferRequest{"p", "k", "world", "till", 1, "EUR'--", ""},
                          Outcome::invalid_request);
  // Every table is still there and holds exactly what was written.
  CHECK(raw_value(bench.path,
                  "SELECT count(*) FROM sqlite_schema WHERE name IN ('journal', "
                  "'accounts', 'idempotency_keys', 'meta', 'pending_transfers')") == "5");
  CHECK(raw_value(bench.path, "SELECT count(*) FROM journal") == std::to_string(created));
  CHECK(raw_value(bench.path, "PRAGMA integrity_check") == "ok");
  // Wildcards are not patterns: '%' and '_' match only themselves.
  CHECK(bench.book.find_account("a_")->code == "a_");
  CHECK_FALSE(bench.book.find_account("a%b").has_value());
  KeyFilter filter;
  filter.principal = "%";
  CHECK(bench.book.list_keys(filter).size() == 1);
  filter.principal = "%%";
  CHECK(bench.book.list_keys(filter).empty());
  const std::string drop_principal = "');DROP/**/TABLE/**/journal;--";  // no spaces
  CHECK(bench.book.issue_key(drop_principal, "transfer").principal == drop_principal);
  CHECK(bench.book.verify().ok());
}

TEST_CASE("with client keys allowed, another principal's key is a different key") {
  Bench bench;
  const std::string key = bench.book.issue_key("till:A", "transfer").key;
  // B presents A's issued key: to the engine it is B's own new client key.
  auto b = bench.book.transfer(transfer(key, "world", "till", 5, "till:B"));
  CHECK(b.ok());
  auto a_record = bench.book.find_key("till:A", key);
  REQUIRE(a_record.has_value());
  CHECK(a_record->state == KeyState::issued);  // A's key was not consumed
  CHECK(a_record->issued);
  auto b_record = bench.book.find_key("till:B", key);
  REQUIRE(b_record.has_value());
  CHECK_FALSE(b_record->issued);
  // A's use executes on its own; each principal replays only its own response.
  auto a = bench.book.transfer(transfer(key, "world", "till", 5, "till:A"));
  CHECK(a.ok());
  CHECK_FALSE(a.replayed);
  CHECK(a.sequence != b.sequence);
  CHECK(bench.book.transfer(transfer(key, "world", "till", 5, "till:A")).body == a.body);
  CHECK(bench.book.transfer(transfer(key, "world", "till", 5, "till:B")).body == b.body);
  CHECK(a.body != b.body);
  KeyFilter filter;
  filter.principal = "till:B";
  for (const KeyRecord& record : bench.book.list_keys(filter)) CHECK(record.principal == "till:B");
  CHECK(balance(bench.book, "till") == 10);
}

TEST_CASE("with client keys forbidden, another principal's key is unknown and stores nothing") {
  Options options;
  options.allow_client_keys = false;
  Bench bench(options);
  const std::string key = bench.book.issue_key("till:A", "transfer").key;
  expect_refused_unstored(bench, transfer(key, "world", "till", 5, "till:B"), Outcome::key_unknown);
  CHECK_FALSE(bench.book.find_key("till:B", key).has_value());
  // A's key is intact and executes for A.
  auto a = bench.book.transfer(transfer(key, "world", "till", 5, "till:A"));
  CHECK(a.ok());
  // After A completed it, B still cannot replay A's stored response.
  const Snapshot before = snapshot(bench.path);
  auto b = bench.book.transfer(transfer(key, "world", "till", 5, "till:B"));
  CHECK(b.outcome == Outcome::key_unknown);
  CHECK_FALSE(b.replayed);
  CHECK(b.body != a.body);
  CHECK(b.body.find("\"sequence\"") == std::string::npos);
  CHECK(snapshot(bench.path) == before);
}

TEST_CASE("principals, currencies and account pairs outside the rules store nothing") {
  Bench bench;
  auto with = [](auto change) {
    auto request = transfer("field", "world", "till", 1);
    change(request);
    return request;
  };
  const std::vector<TransferRequest> malformed = {
      with([](TransferRequest& r) { r.principal = ""; }),
      with([](TransferRequest& r) { r.principal = std::string(256, 'p'); }),
      with([](TransferRequest& r) { r.principal = "till\n1"; }),
      with([](TransferRequest& r) { r.currency = "eur"; }),
      with([](TransferRequest& r) { r.currency = "EU"; }),
      with([](TransferRequest& r) { r.currency = "EURO"; }),
      with([](TransferRequest& r) { r.currency = std::string("EUR\0", 4); }),
      with([](TransferRequest& r) { r.credit_account = "world"; }),
      with([](TransferRequest& r) { r.debit_account = std::string(129, 'd'); }),
  };
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    CAPTURE(i);
    expect_refused_unstored(bench, malformed[i], Outcome::invalid_request);
  }
  auto longest = with([](TransferRequest& r) { r.principal = std::string(255, 'p'); });
  CHECK(bench.book.transfer(longest).ok());
  // A wrong but well-formed currency is a business rejection: stored and replayed.
  auto usd = with([](TransferRequest& r) { r.key = "usd", r.currency = "USD"; });
  CHECK(bench.book.transfer(usd).outcome == Outcome::currency_mismatch);
  CHECK(bench.book.transfer(usd).replayed);
}

// Durations were multiplied by 1000 (to milliseconds) without a range check:
// purge_keys(INT64_MAX) overflowed int64 (undefined behaviour; in practice the cutoff
// wrapped to "now + 1 s" and every stored rejection was purged, the opposite of what was
// asked). Fixed in bd213db (saturating durations); UBSan builds run this case too.
TEST_CASE("purging with an enormous retention purges nothing and never overflows") {
  Bench bench;
  CHECK(bench.book.transfer(transfer("poor", "customer", "till", 1)).outcome ==
        Outcome::insufficient_funds);
  std::optional<PurgeReport> report;
  try {
    report = bench.book.purge_keys(INT64_MAX);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
  if (report) CHECK(report->purged_rejections == 0);
  CHECK(bench.book.find_key("till:1", "poor")->state == KeyState::completed);
}

// journal() refuses a negative limit; list_keys and list_pending used to pass it to SQL,
// where LIMIT -1 means "no limit": every row came back (fixed in bd213db).
TEST_CASE("negative listing limits are refused like journal()'s, not read as unlimited") {
  Bench bench;
  for (int i = 0; i < 3; ++i) (void)bench.book.issue_key("till:1", "transfer");
  CHECK_THROWS_AS((void)bench.book.journal(1, -1), Error);
  KeyFilter filter;
  filter.limit = -1;
  try {
    auto keys = bench.book.list_keys(filter);
    CHECK(keys.empty());
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
  try {
    auto pending = bench.book.list_pending(std::nullopt, -1);
    CHECK(pending.empty());
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
}
