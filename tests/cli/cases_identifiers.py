"""End-to-end cases of identifiers and wording: account codes and principals that only look
like others are refused, and the small messages a new user reads first. Imported by
cli_test.py, which runs them."""

from common import case, setup_shop, transfer
from harness import check

# Each prints like an ordinary code but is another string (U+00A0 no-break space, U+200B
# zero width space, U+FEFF, a private-use character, "café" with a combining accent).
LOOK_ALIKES = ["till\u00a07", "till:1\u200b", "\ufefftill:1", "till\ue000", "cafe\u0301"]


@case
def look_alike_codes(ctl):
    """`account create` refuses codes with invisible, separator, private-use or unassigned
    code points, and codes not in Unicode NFC, with exit 2 and a sentence naming the rule;
    a transfer naming such a code or principal is malformed (exit 2) and stores nothing;
    composed non-ASCII codes still work."""
    setup_shop(ctl)
    before = ctl.snapshot()
    for code in LOOK_ALIKES:
        refused = ctl.run("account", "create", code, "--currency", "EUR").expect_error(2)
        check("account code must" in refused.stderr, "the rule is named", refused)
        sent = transfer(ctl, "k1", "world", code, "1").expect_transfer_refusal(2)
        check("credit account code must" in sent.stderr, "the transfer is malformed", sent)
        by = transfer(ctl, "k1", "world", "till:1", "1", principal=code)
        by.expect_transfer_refusal(2)
        check("principal must" in by.stderr, "the principal rule is named", by)
        ctl.expect_unchanged(before, by)
    check("NFC" in ctl.run("account", "create", "cafe\u0301", "--currency", "EUR").stderr,
          "a decomposed code is told to compose")
    ctl.ok("account", "create", "caf\u00e9", "--currency", "EUR")
    ctl.ok("account", "create", "\u5e97:1", "--currency", "EUR")
    transfer(ctl, "k2", "world", "caf\u00e9", "1", principal="caisse:\u00e9t\u00e9").expect(0)


@case
def first_run_wording(ctl):
    """An unknown option is called an option, not a command; counts of one are singular;
    every replay line starts with `ledgerctl:` like every other status line."""
    unknown = ctl.run("--colour").expect_error(2)
    check('unknown option "--colour"' in unknown.stderr, "an option is an option", unknown)
    unknown = ctl.run("bogus").expect_error(2)
    check('unknown command "bogus"' in unknown.stderr, "a command is a command", unknown)
    setup_shop(ctl)
    transfer(ctl, "w1", "world", "till:1", "1").expect(0)
    verified = ctl.run("verify").expect(0)
    check("1 journal row," in verified.stdout and "0 violations" in verified.stdout,
          "one journal row, zero violations", verified)
    replay = transfer(ctl, "w1", "world", "till:1", "1").expect(0)
    check(replay.stderr.startswith("ledgerctl: replayed:"), "the replay line is prefixed",
          replay)
