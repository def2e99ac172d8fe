// The public entry points of fiscal integrity (ledger/fiscal.h): signing keys, closings,
// audit archives.
#include "ledger/fiscal.h"

#include "audit_archive.h"
#include "closings.h"
#include "exactly_once.h"
#include "impl.h"
#include "ledger/ledger.h"
#include "operations/operations.h"
#include "signing.h"
#include "verify.h"
#include "write_scope.h"

namespace ledger {

SigningKeyPair generate_signing_key() {
  detail::SigningKeyPair pair = detail::generate_signing_key();
  std::string fingerprint = detail::to_hex(
      detail::as_bytes(detail::key_fingerprint(pair.public_pem, "the new public key")));
  return {std::move(pair.private_pem), std::move(pair.public_pem), std::move(fingerprint)};
}

SigningKeyPair signing_key_pair(const std::string& private_pem) {
  std::string public_pem = detail::public_pem_of(private_pem, "the private key");
  std::string fingerprint =
      detail::to_hex(detail::as_bytes(detail::key_fingerprint(public_pem, "its public key")));
  return {private_pem, std::move(public_pem), std::move(fingerprint)};
}

std::string signing_key_fingerprint(const std::string& pem) {
  return detail::to_hex(detail::as_bytes(detail::key_fingerprint(pem, "the key")));
}

std::string Ledger::add_signing_key(const std::string& public_key_pem) {
  // Checked before the transaction: a bad PEM is the caller's mistake, not the file's.
  (void)detail::key_fingerprint(public_key_pem, "the public key");
  return detail::write_operation(*impl_, "recording a signing key", [&](std::int64_t now) {
    return detail::to_hex(
        detail::as_bytes(detail::record_signing_key(*impl_, public_key_pem, now)));
  });
}

TransferResult Ledger::close(const CloseRequest& request) {
  return detail::run_exactly_once<detail::CloseOperation>(*impl_, request);
}

std::vector<Closing> Ledger::closings() {
  return detail::guarded(impl_->db, "listing closings",
                         [&] { return detail::list_closings(impl_->db); });
}

std::optional<Closing> Ledger::find_closing(std::int64_t number) {
  return detail::guarded(impl_->db, "reading a closing",
                         [&] { return detail::find_closing(impl_->db, number); });
}

VerifyReport Ledger::verify(const VerifyOptions& options) {
  return detail::guarded(impl_->db, "verifying", [&] { return detail::verify(*impl_, options); });
}

void Ledger::export_audit(const std::string& out_path,
                          const std::optional<std::string>& signing_key_pem) {
  detail::guarded(impl_->db, "exporting an audit archive", [&] {
    detail::export_audit_archive(impl_->db, out_path, signing_key_pem);
    return 0;
  });
}

VerifyReport verify_audit_archive(const std::string& archive_path,
                                  const std::string& public_key_pem) {
  return detail::verify_audit_archive(archive_path, public_key_pem);
}

}  // namespace ledger
