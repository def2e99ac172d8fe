"""The ledger Python package against the real libledger (LEDGER_LIBRARY), in a temporary
directory: every call goes through ctypes into the C ABI and the engine.

Each test opens a fresh ledger file with a customer (who may go 1000.00 EUR below zero)
and a till, moves money and checks the outcome, the replayed flag, the exact body bytes and
the balances the engine reports afterwards.
"""

import decimal
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

import ledger


class LedgerTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory(prefix="ledger-python-")
        self.path = os.path.join(self.directory.name, "shop.ledger")
        self.book = ledger.Ledger.open(self.path)
        self.book.create_account("customer:42", "EUR", overdraft="limit", limit=100000,
                                 name="Customer 42")
        self.book.create_account("till:1", "EUR")

    def tearDown(self):
        self.book.close()
        self.directory.cleanup()

    def sell(self, key, amount_minor, memo="receipt 1001"):
        return self.book.transfer("till:1", key, "customer:42", "till:1", amount_minor, "EUR",
                                  memo)


class TransferTest(LedgerTestCase):
    def test_a_transfer_moves_the_money_and_returns_its_stored_body(self):
        key = self.book.issue_key("till:1", "transfer")
        result = self.sell(key, 1999)
        self.assertEqual(result.outcome, "created")
        self.assertEqual(result.outcome_code, 0)
        self.assertEqual(result.outcome_class, "done")
        self.assertTrue(result.ok)
        self.assertFalse(result.replayed)
        self.assertIsInstance(result.sequence, int)
        self.assertGreater(result.sequence, 0)
        self.assertEqual(result.message, "")
        body = result.json()
        self.assertEqual(body["amount_minor"], 1999)
        self.assertEqual(body["key"], key)
        self.assertEqual(body["sequence"], result.sequence)
        self.assertEqual(self.book.balance("till:1"), (1999, 0))
        self.assertEqual(self.book.balance("customer:42"), (-1999, 0))

    def test_a_retry_with_the_same_key_replays_the_byte_identical_body_and_moves_nothing(self):
        key = self.book.issue_key("till:1", "transfer")
        first = self.sell(key, 1999)
        retry = self.sell(key, 1999)
        self.assertEqual(retry.outcome, "created")
        self.assertTrue(retry.replayed)
        self.assertEqual(retry.body, first.body)
        self.assertEqual(retry.sequence, first.sequence)
        self.assertEqual(self.book.balance("till:1"), (1999, 0))
        self.assertEqual(len(self.book.journal()), 1)

    def test_a_refusal_is_stored_and_replayed_like_a_success(self):
        first = self.book.transfer("till:1", "refund-too-big", "till:1", "customer:42", 5000,
                                   "EUR")
        self.assertEqual(first.outcome, "insufficient_funds")
        self.assertEqual(first.outcome_class, "rejected")
        self.assertFalse(first.ok)
        self.assertIsNone(first.sequence)
        self.assertIn("till:1", first.message)
        retry = self.book.transfer("till:1", "refund-too-big", "till:1", "customer:42", 5000,
                                   "EUR")
        self.assertEqual(retry.outcome, "insufficient_funds")
        self.assertTrue(retry.replayed)
        self.assertEqual(retry.body, first.body)
        self.assertEqual(self.book.balance("till:1"), (0, 0))

    def test_a_key_reused_with_a_different_amount_is_a_conflict_naming_the_amount(self):
        key = self.book.issue_key("till:1", "transfer")
        self.sell(key, 1999)
        result = self.sell(key, 2999)
        self.assertEqual(result.outcome, "key_reused_with_different_request")
        self.assertEqual(result.outcome_code, 14)
        self.assertEqual(result.outcome_class, "conflict")
        self.assertEqual(result.differing_field, "amount")
        self.assertFalse(result.replayed)
        self.assertNotEqual(result.message, "")
        self.assertEqual(self.book.balance("till:1"), (1999, 0))

    def test_issued_keys_only_refuses_a_key_the_ledger_did_not_issue(self):
        self.book.close()
        self.book = ledger.Ledger.open(self.path, issued_keys_only=True)
        result = self.sell("made-up-by-the-client", 100)
        self.assertEqual(result.outcome, "key_unknown")
        self.assertEqual(self.book.balance("till:1"), (0, 0))
        self.assertTrue(self.sell(self.book.issue_key("till:1", "transfer"), 100).ok)


class BatchTest(LedgerTestCase):
    def items(self):
        return [
            dict(principal="till:1", key="sale-1", debit="customer:42", credit="till:1",
                 amount_minor=500, currency="EUR"),
            ledger.Transfer("till:1", "refund-1", "till:1", "customer:42", 10**9, "EUR",
                            memo="too much"),
        ]

    def test_an_independent_batch_commits_each_item_with_its_own_outcome(self):
        results = self.book.transfer_batch(self.items())
        self.assertEqual([r.outcome for r in results], ["created", "insufficient_funds"])
        self.assertEqual(self.book.balance("till:1"), (500, 0))
        again = self.book.transfer_batch(self.items())
        self.assertEqual([r.replayed for r in again], [True, True])
        self.assertEqual([r.body for r in again], [r.body for r in results])
        self.assertEqual(self.book.balance("till:1"), (500, 0))

    def test_a_linked_batch_is_all_or_nothing(self):
        results = self.book.transfer_batch(self.items(), linked=True)
        self.assertEqual([r.outcome for r in results],
                         ["linked_batch_failed", "insufficient_funds"])
        self.assertEqual(self.book.balance("till:1"), (0, 0))

    def test_an_item_with_an_unknown_field_is_refused_before_anything_runs(self):
        with self.assertRaises(TypeError):
            self.book.transfer_batch([dict(self.items()[0], amount=5)])
        self.assertEqual(self.book.journal(), [])


class TwoPhaseAndRefundTest(LedgerTestCase):
    def test_a_reserve_holds_and_a_partial_post_captures_and_releases_the_rest(self):
        hold = self.book.reserve("till:1", "auth-1", "customer:42", "till:1", 5000, "EUR",
                                 timeout_seconds=3600)
        self.assertEqual(hold.outcome, "created")
        self.assertEqual(self.book.balance("customer:42"), (0, 5000))
        post = self.book.post("till:1", "capture-1", hold.sequence, amount_minor=3000)
        self.assertEqual(post.outcome, "created")
        self.assertEqual(post.json()["released_minor"], 2000)
        self.assertEqual(self.book.balance("customer:42"), (-3000, 0))
        self.assertEqual(self.book.balance("till:1"), (3000, 0))
        again = self.book.post("till:1", "capture-2", hold.sequence)
        self.assertEqual(again.outcome, "pending_already_posted")

    def test_a_void_releases_the_hold(self):
        hold = self.book.reserve("till:1", "auth-1", "customer:42", "till:1", 5000, "EUR")
        result = self.book.void("till:1", "release-1", hold.sequence, memo="customer left")
        self.assertEqual(result.outcome, "created")
        self.assertEqual(self.book.balance("customer:42"), (0, 0))

    def test_a_reverse_refunds_a_sale_once(self):
        sale = self.sell("sale-1", 1999)
        refund = self.book.reverse("till:1", "refund-1", sale.sequence)
        self.assertEqual(refund.outcome, "created")
        self.assertEqual(refund.json()["reversed_minor"], 1999)
        self.assertEqual(self.book.balance("till:1"), (0, 0))
        more = self.book.reverse("till:1", "refund-2", sale.sequence, amount_minor=1)
        self.assertEqual(more.outcome, "reversal_exceeds_original")


class InspectionTest(LedgerTestCase):
    def test_verify_reports_ok_after_money_moved(self):
        self.sell("sale-1", 1999)
        report = self.book.verify()
        self.assertIs(report["ok"], True)
        self.assertEqual(report["violations"], [])
        self.assertEqual(report["accounts_checked"], 2)
        self.assertEqual(report["journal_rows_checked"], 1)

    def test_accounts_and_journal_are_lists_of_dicts_with_integer_money(self):
        self.sell("sale-1", 1999)
        self.sell("sale-2", 1)
        accounts = {a["code"]: a for a in self.book.accounts()}
        self.assertEqual(set(accounts), {"customer:42", "till:1"})
        self.assertEqual(accounts["customer:42"]["balance_minor"], -2000)
        self.assertEqual(accounts["customer:42"]["overdraft_limit_minor"], 100000)
        self.assertEqual(accounts["customer:42"]["name"], "Customer 42")
        rows = self.book.journal(since=2, limit=10)
        self.assertEqual([(r["sequence"], r["amount_minor"]) for r in rows], [(2, 1)])
        self.assertEqual(len(self.book.journal(limit=1)), 1)

    def test_versions_are_the_library_s(self):
        self.assertEqual(ledger.abi_version(), ledger.ABI_VERSION)
        self.assertRegex(ledger.version(), r"^\d+\.\d+\.\d+")
        self.assertGreaterEqual(ledger.file_format_version(), 1)


class ErrorTest(LedgerTestCase):
    def test_opening_a_file_that_is_not_a_ledger_says_so(self):
        other = os.path.join(self.directory.name, "notes.txt")
        with open(other, "wb") as file:
            file.write(b"shopping list: bread, milk\n" * 100)
        with self.assertRaises(ledger.LedgerError) as caught:
            ledger.Ledger.open(other)
        self.assertEqual(caught.exception.code, 6)
        self.assertEqual(caught.exception.name, "not_a_ledger")
        self.assertIn(other, caught.exception.message)
        self.assertFalse(caught.exception.transient)

    def test_opening_a_missing_file_without_create_is_not_found(self):
        missing = os.path.join(self.directory.name, "missing.ledger")
        with self.assertRaises(ledger.LedgerError) as caught:
            ledger.Ledger.open(missing, create=False)
        self.assertEqual((caught.exception.code, caught.exception.name), (2, "not_found"))
        self.assertNotEqual(caught.exception.message, "")
        self.assertFalse(os.path.exists(missing))

    def test_a_second_account_with_the_same_code_is_already_exists(self):
        with self.assertRaises(ledger.LedgerError) as caught:
            self.book.create_account("till:1", "EUR")
        self.assertEqual((caught.exception.code, caught.exception.name), (3, "already_exists"))
        self.assertIn("till:1", caught.exception.message)

    def test_the_balance_of_an_unknown_account_is_not_found(self):
        with self.assertRaises(ledger.LedgerError) as caught:
            self.book.balance("till:99")
        self.assertEqual(caught.exception.name, "not_found")

    def test_a_writer_blocked_by_another_is_busy_transient_and_stored_nothing(self):
        other = sqlite3.connect(self.path, isolation_level=None)
        self.addCleanup(other.close)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        blocked = ledger.Ledger.open(self.path, busy_timeout_ms=1)
        self.addCleanup(blocked.close)
        with self.assertRaises(ledger.BusyError) as caught:
            blocked.transfer("till:1", "sale-1", "customer:42", "till:1", 1999, "EUR")
        self.assertEqual((caught.exception.code, caught.exception.name), (4, "busy"))
        self.assertTrue(caught.exception.transient)
        other.execute("ROLLBACK")
        retry = blocked.transfer("till:1", "sale-1", "customer:42", "till:1", 1999, "EUR")
        self.assertEqual((retry.outcome, retry.replayed), ("created", False))

    def test_a_read_only_ledger_refuses_to_write(self):
        reader = ledger.Ledger.open(self.path, read_only=True)
        self.addCleanup(reader.close)
        self.assertEqual(reader.balance("till:1"), (0, 0))
        with self.assertRaises(ledger.LedgerError) as caught:
            reader.transfer("till:1", "sale-1", "customer:42", "till:1", 1999, "EUR")
        self.assertEqual(caught.exception.name, "invalid_argument")
        self.assertIn("read-only", caught.exception.message)
        self.assertEqual(self.book.journal(), [])

    def test_a_closed_ledger_refuses_calls(self):
        self.book.close()
        self.book.close()  # a second close is harmless
        self.assertTrue(self.book.closed)
        with self.assertRaises(ValueError):
            self.book.balance("till:1")

    def test_a_with_block_closes_the_ledger(self):
        with ledger.Ledger.open(self.path) as book:
            self.assertEqual(book.balance("till:1"), (0, 0))
        self.assertTrue(book.closed)


class MoneyTypeTest(LedgerTestCase):
    def test_a_float_amount_is_a_type_error_and_moves_nothing(self):
        with self.assertRaises(TypeError) as caught:
            self.sell("sale-1", 19.99)
        self.assertIn("amount_minor", str(caught.exception))
        self.assertEqual(self.book.journal(), [])

    def test_bool_and_decimal_amounts_are_type_errors(self):
        for amount in (True, decimal.Decimal("1999"), "1999"):
            with self.subTest(amount=amount):
                with self.assertRaises(TypeError):
                    self.sell("sale-1", amount)
                with self.assertRaises(TypeError):
                    self.book.reserve("till:1", "auth-1", "customer:42", "till:1", amount,
                                      "EUR")
                with self.assertRaises(TypeError):
                    self.book.create_account("card:1", "EUR", "limit", limit=amount)
        self.assertEqual(self.book.journal(), [])

    def test_an_amount_beyond_int64_is_refused_not_wrapped(self):
        with self.assertRaises(ValueError):
            self.sell("sale-1", 2**64 + 1999)
        self.assertEqual(self.book.journal(), [])

    def test_an_invalid_amount_of_the_right_type_is_the_engine_s_invalid_request(self):
        result = self.sell("sale-1", -5)
        self.assertEqual((result.outcome, result.outcome_class), ("invalid_request", "malformed"))
        self.assertTrue(self.sell("sale-1", 5).ok)  # the key stays usable


class LoadingTest(unittest.TestCase):
    def import_with(self, library):
        environment = dict(os.environ, LEDGER_LIBRARY=library)
        return subprocess.run([sys.executable, "-c", "import ledger"], env=environment,
                              capture_output=True, text=True, check=False)

    def test_a_missing_library_is_an_import_error_saying_how_to_point_at_it(self):
        run = self.import_with("/nonexistent/libledger.so.1")
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("ImportError", run.stderr)
        self.assertIn("LEDGER_LIBRARY", run.stderr)
        self.assertIn("/nonexistent/libledger.so.1", run.stderr)

    def test_a_library_that_is_not_libledger_is_refused(self):
        run = self.import_with(sys.executable)  # a file, but no shared library
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("ImportError", run.stderr)
        self.assertIn("cannot load", run.stderr)


if __name__ == "__main__":
    unittest.main()
