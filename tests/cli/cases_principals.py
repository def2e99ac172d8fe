"""End-to-end cases of `ledgerctl principal`: tokens shown once and stored only as a hash,
bad input refused with exit 2, revocation recorded. Imported by cli_test.py, which runs
them. (ledgerd's use of the tokens is tested over HTTP in tests/http.)"""

import hashlib
import os

from common import case, setup_shop
from harness import check


@case
def principals(ctl):
    """`principal add` prints a fresh token once (--json: with the principal), stores only
    its SHA-256, lists principals by name, and `revoke` records when; bad names, patterns,
    duplicates and unknown names exit 2 and change nothing."""
    setup_shop(ctl)
    token = ctl.ok("principal", "add", "till:7", "--account", "till:7", "--account",
                   "customer:*").stdout.strip()
    check(token.startswith("lt_") and len(token) == 67, "a token of 256 bits", token)
    admin = ctl.ok("--json", "principal", "add", "office", "--admin").json()
    check(admin["admin"] is True and admin["token"] != token and admin["revoked_at"] is None,
          "the admin's own token", admin)
    db_bytes = b"".join(open(path, "rb").read() for path in (ctl.db, ctl.db + "-wal")
                        if os.path.exists(path))
    check(token.encode() not in db_bytes, "the token itself is not on disk")
    check(hashlib.sha256(token.encode()).digest() in db_bytes, "its SHA-256 is")
    listed = ctl.ok("--json", "principal", "list").json()["principals"]
    check([p["name"] for p in listed] == ["office", "till:7"] and
          listed[1]["account_patterns"] == ["till:7", "customer:*"], "listed by name", listed)
    before = ctl.snapshot()
    for args in (["add", "till:7", "--account", "x"], ["add", "bad name", "--account", "x"],
                 ["add", "p", "--account", "a*b"], ["add", "p"],
                 ["add", "p", "--admin", "--account", "x"], ["revoke", "nobody"]):
        refused = ctl.run("principal", *args).expect_error(2)
        ctl.expect_unchanged(before, refused)
    revoked = ctl.ok("--json", "principal", "revoke", "till:7").json()
    check(revoked["revoked_at"] is not None, "revocation is recorded", revoked)
    again = ctl.ok("--json", "principal", "revoke", "till:7").json()
    check(again["revoked_at"] == revoked["revoked_at"], "revoking twice keeps the first time")
    text = ctl.ok("principal", "list").stdout
    check("every account (admin)" in text and "customer:*" in text, "the table says who may "
          "name what", text)
