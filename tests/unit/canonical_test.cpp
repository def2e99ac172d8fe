// Goal: the fingerprint and hash-chain inputs are exact: SHA-256 matches its published test
// vectors, canonical encodings decode back to their fields, and the first differing field
// is named in encoding order.
// Method: known-answer vectors and hand-built encodings.
#include <doctest/doctest.h>

#include "canonical.h"
#include "crypto.h"

using namespace ledger::detail;

TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors, also split across two parts") {
  CHECK(to_hex(as_bytes(sha256("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(as_bytes(sha256(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256("ab", "c") == sha256("abc"));
}

TEST_CASE("random bytes are random and of the asked length") {
  auto a = random_bytes(16);
  auto b = random_bytes(16);
  CHECK(a.size() == 16);
  CHECK(a != b);
}

TEST_CASE("a canonical encoding decodes back to its typed fields") {
  CanonicalWriter writer(kTransferRequestHeader);
  writer.text(kFieldOperation, "transfer").integer(kFieldAmount, -42).text(kFieldMemo, std::string("a\0b", 3));
  auto fields = decode_canonical(writer.bytes(), kTransferRequestHeader);
  REQUIRE(fields);
  REQUIRE(fields->size() == 3);
  CHECK(std::get<std::string>((*fields)[0].value) == "transfer");
  CHECK(std::get<std::int64_t>((*fields)[1].value) == -42);
  CHECK(std::get<std::string>((*fields)[2].value) == std::string("a\0b", 3));
  CHECK_FALSE(decode_canonical(writer.bytes().substr(0, writer.bytes().size() - 1),
                               kTransferRequestHeader));
  CHECK_FALSE(decode_canonical("garbage", kTransferRequestHeader));
}

TEST_CASE("text and integer fields cannot be confused, and field boundaries are explicit") {
  auto encode = [](std::string_view a, std::string_view b) {
    CanonicalWriter writer(kTransferRequestHeader);
    return writer.text(kFieldDebitAccount, a).text(kFieldCreditAccount, b).bytes();
  };
  // "ab"+"c" and "a"+"bc" concatenate to the same text but must not encode the same.
  CHECK(encode("ab", "c") != encode("a", "bc"));
  CanonicalWriter as_text(kTransferRequestHeader);
  CanonicalWriter as_integer(kTransferRequestHeader);
  CHECK(as_text.text(kFieldAmount, "5").bytes() != as_integer.integer(kFieldAmount, 5).bytes());
}

TEST_CASE("the first differing field is named in encoding order") {
  auto request = [](std::string debit, std::int64_t amount, std::string memo) {
    CanonicalWriter writer(kTransferRequestHeader);
    return writer.text(kFieldOperation, "transfer")
        .text(kFieldDebitAccount, debit)
        .integer(kFieldAmount, amount)
        .text(kFieldMemo, memo)
        .bytes();
  };
  CHECK(first_differing_field(request("a", 1, "m"), request("a", 1, "m")).empty());
  CHECK(first_differing_field(request("a", 1, "m"), request("b", 2, "n")) == "debit_account");
  CHECK(first_differing_field(request("a", 1, "m"), request("a", 2, "n")) == "amount");
  CHECK(first_differing_field(request("a", 1, "m"), request("a", 1, "n")) == "memo");
  CanonicalWriter post(kPostRequestHeader);
  CHECK(first_differing_field(request("a", 1, "m"), post.integer(kFieldAmount, 1).bytes()) ==
        "operation");
}
