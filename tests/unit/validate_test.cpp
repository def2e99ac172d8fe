// Goal: an account code or a principal that looks like another is refused, so that one
// visible spelling names one account: no-break and zero-width spaces, other invisible,
// separator, private-use and unassigned code points, and text not in Unicode NFC ("café"
// decomposed). Ordinary non-ASCII codes (composed accents, CJK, emoji) stay valid.
// Method: the real engine: create_account and transfer with such codes and principals.
#include <doctest/doctest.h>

#include <string>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

const char* const kLookAlikes[] = {
    "till\xc2\xa0" "7",      // U+00A0 no-break space
    "till\xe2\x80\x8b",      // U+200B zero width space
    "till\xe2\x80\x8d" "7",  // U+200D zero width joiner
    "\xef\xbb\xbftill",      // U+FEFF byte order mark
    "till\xe3\x80\x80" "7",  // U+3000 ideographic space
    "till\xe2\x80\xa8",      // U+2028 line separator
    "till\xee\x80\x80",      // U+E000 private use
    "till\xf3\xb0\x80\x80",  // U+F0000 supplementary private use
    "till\xcd\xb8",          // U+0378 unassigned
    "till\xef\xbf\xbe",      // U+FFFE noncharacter
    "cafe\xcc\x81",          // "café" decomposed: e + U+0301 combining acute accent
    "till\xc2\x85",          // U+0085 next line (a C1 control)
    "till 7",                // a plain space
};

}  // namespace

TEST_CASE("look-alike account codes are refused, visible Unicode codes are not") {
  TempDir dir;
  Ledger ledger = Ledger::open(dir.file("codes.db"));
  for (const char* code : kLookAlikes) {
    CAPTURE(code);
    try {
      ledger.create_account({code, "EUR", OverdraftRule::none, 0, ""});
      FAIL("created an account with a look-alike code");
    } catch (const Error& error) {
      CHECK(error.code() == ErrorCode::invalid_argument);
      CHECK(std::string(error.what()).find("account code must") != std::string::npos);
    }
  }
  CHECK(ledger.list_accounts().empty());
  for (const char* code : {"caf\xc3\xa9", "\xe5\xba\x97:1", "till:\xf0\x9f\x98\x80", "till:7"}) {
    CAPTURE(code);
    CHECK_NOTHROW(ledger.create_account({code, "EUR", OverdraftRule::none, 0, ""}));
  }
  // The composed spelling exists; the decomposed one is refused rather than made a twin.
  TransferRequest request = make_transfer("k", "caf\xc3\xa9", "cafe\xcc\x81", 1);
  TransferResult refused = ledger.transfer(request);
  CHECK(refused.outcome == Outcome::invalid_request);
  CHECK(refused.message.find("NFC") != std::string::npos);
}

TEST_CASE("principals follow the same identifier rule") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("principals.db"));
  for (const char* principal : kLookAlikes) {
    CAPTURE(principal);
    TransferResult refused = ledger.transfer(make_transfer("k", "world", "till", 1, principal));
    CHECK(refused.outcome == Outcome::invalid_request);
    CHECK(refused.message.find("principal must") != std::string::npos);
    CHECK_THROWS_AS((void)ledger.issue_key(principal, "transfer"), Error);
  }
  CHECK(ledger.transfer(make_transfer("k", "world", "till", 1, "caisse:\xc3\xa9t\xc3\xa9")).ok());
  CHECK(ledger.journal().size() == 1);
}
