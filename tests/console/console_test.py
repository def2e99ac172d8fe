#!/usr/bin/env python3
"""The back-office console in a real browser (issue 21): Debian's headless Chromium driven
by Selenium (python3-selenium, chromium-driver) against a real ledgerd on 127.0.0.1:0 and a
ledger made with the real ledgerctl.

    python3 console_test.py --ledgerctl L --ledgerd D --screenshots DIR [--case NAME]...

Every case signs in through the page, clicks what an operator clicks and checks the page
and the ledger itself (ledgerctl journal/closing list), so that each can fail. Screenshots
of each page go to --screenshots.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
from ledgerd_harness import Server, check, scaled_timeout, store_ledger, TestFailure  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import (NoSuchElementException,  # noqa: E402
                                        StaleElementReferenceException)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOTS = "."


class Browser:
    """Headless Chromium at a given window size; quits when the block ends."""

    def __init__(self, width=1280, height=800):
        options = Options()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", f"--window-size={width},{height}"):
            options.add_argument(argument)
        options.binary_location = "/usr/bin/chromium"
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(scaled_timeout(30))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.driver.quit()

    def wait(self, condition, what, seconds=20):
        # The page redraws its tables every 2 s: an element read just as it was replaced is
        # stale, which means "not yet", so the condition is asked again.
        try:
            return WebDriverWait(self.driver, scaled_timeout(seconds), poll_frequency=0.1,
                                 ignored_exceptions=(NoSuchElementException,
                                                     StaleElementReferenceException)).until(
                lambda d: condition())
        except Exception as error:
            self.shot("failure-" + what.replace(" ", "-")[:40])
            raise TestFailure(f"the page never showed {what} within {seconds} s "
                              f"({type(error).__name__})") from None

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector):
        # As text(): a button redrawn between finding and clicking it is found again.
        for _ in range(20):
            try:
                self.find(selector).click()
                return
            except StaleElementReferenceException:
                time.sleep(0.05)
        raise TestFailure(f"{selector} was redrawn on every click for a second")

    def all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector):
        # A table redrawn between finding a cell and reading it leaves a stale element: read
        # the new one (bounded; a page that redraws faster than this is itself a finding).
        for _ in range(20):
            try:
                found = self.all(selector)
                return found[0].text if found else None
            except StaleElementReferenceException:
                time.sleep(0.05)
        raise TestFailure(f"{selector} was redrawn on every read for a second")

    def shot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SCREENSHOTS, f"console-{name}.png"))

    def sign_in(self, server, token):
        self.driver.get(server.url + "/console/")
        self.find("#token").send_keys(token)
        self.click("#signin-button")
        self.wait(lambda: self.all("#accounts-table tbody tr"), "the accounts after sign-in")

    def balance(self, account, column="balance"):
        return self.text(f'#accounts-table tr[data-account="{account}"] td.{column}')


def ledgerctl_json(ledger, *args):
    proc = subprocess.run([ledger.ledgerctl, "--db", ledger.db, "--json", *args],
                          capture_output=True, text=True, timeout=scaled_timeout(60))
    check(proc.returncode == 0, f"ledgerctl {' '.join(args)}: {proc.returncode} {proc.stderr}")
    return json.loads(proc.stdout)


def journal(ledger):
    proc = subprocess.run([ledger.ledgerctl, "--db", ledger.db, "journal", "--format", "jsonl"],
                          capture_output=True, text=True, timeout=scaled_timeout(60))
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def remote_transfer(ledgerctl, server, token, amount, memo):
    proc = subprocess.run([ledgerctl, "--remote", server.url, "--token", token, "transfer",
                           "--from", "customer:1", "--to", "till:7", "--amount", amount,
                           "--currency", "EUR", "--memo", memo],
                          capture_output=True, text=True, timeout=scaled_timeout(60))
    check(proc.returncode == 0, f"ledgerctl --remote transfer: {proc.returncode} {proc.stderr}")


def signin_and_live_balance(ledgerctl, ledgerd, workdir):
    """Sign in, see the balances, and see customer:1's balance change without a reload after
    a sale made by `ledgerctl --remote`; a till principal sees only its accounts."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server, Browser() as browser:
        browser.sign_in(server, ledger.tokens["admin"])
        check(browser.balance("customer:1") == "100.00", f"balance {browser.balance('customer:1')}")
        check(browser.balance("till:8") == "0.00", "the admin does not see till:8")
        remote_transfer(ledgerctl, server, ledger.tokens["till7"], "12.50", "receipt 1002")
        browser.wait(lambda: browser.balance("customer:1") == "87.50",
                     "customer:1 at 87.50 after the remote sale")
        check(browser.balance("till:7") == "12.50", f"till:7 {browser.balance('till:7')}")
        browser.shot("accounts")
        browser.click("#signout")
        browser.wait(lambda: browser.find("#signin-form").is_displayed(), "the sign-in form")
        browser.sign_in(server, ledger.tokens["till7"])
        check(browser.all('#accounts-table tr[data-account="till:8"]') == [],
              "a till:7 principal sees till:8")


def find_sale_by_memo(ledgerctl, ledgerd, workdir):
    """Search the journal by a receipt number (a memo): only that sale is shown."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        remote_transfer(ledgerctl, server, ledger.tokens["till7"], "3.00", "receipt 1001")
        remote_transfer(ledgerctl, server, ledger.tokens["till7"], "4.00", "receipt 1002")
        sale = [row for row in journal(ledger) if row["memo"] == "receipt 1002"][0]
        with Browser() as browser:
            browser.sign_in(server, ledger.tokens["admin"])
            browser.click("#nav-journal")
            browser.wait(lambda: len(browser.all("#journal-table tbody tr")) == len(journal(ledger)),
                         "every journal row")
            browser.find("#journal-search").send_keys("1002")
            browser.wait(lambda: [r.get_attribute("data-seq")
                                  for r in browser.all("#journal-table tbody tr")]
                         == [str(sale["sequence"])], "only the sale of receipt 1002")
            check(browser.text("#journal-table tbody tr td.memo") == "receipt 1002", "memo cell")
            browser.shot("journal")
            # Its detail: the refund made meanwhile, and the sale's key record (the till's key,
            # read by the admin).
            ledger.run("reverse", "--principal", "till:7", "--key", "refund-1002", "--transfer",
                       sale["sequence"], "--amount", "1.50", "--memo", "one item back")
            browser.wait(lambda: any("one item back" == r.text for r in
                                     browser.all("#journal-table td.memo")) or
                         len(journal(ledger)) == 0, "the refund row")
            browser.find("#journal-search").clear()
            browser.find("#journal-search").send_keys("1002")
            browser.click(f'#journal-table tr[data-seq="{sale["sequence"]}"] button.detail')
            browser.wait(lambda: browser.find("#sale-detail").is_displayed(), "the sale's detail")
            browser.wait(lambda: "1.50 EUR" in (browser.text("#sale-refunds") or ""),
                         "the refund in the sale's detail")
            browser.wait(lambda: "completed" in (browser.text("#sale-key") or ""),
                         "the sale's key record")
            check(sale["key"] in browser.text("#sale-fields"), "the detail lacks the key")
            browser.shot("sale-detail")


def void_twice_quickly(ledgerctl, ledgerd, workdir):
    """Void a hold by clicking Confirm twice quickly: exactly one void row in the journal;
    the hold leaves the list; the key shown in the dialog is the void's key."""
    ledger = store_ledger(ledgerctl, workdir)
    ledger.run("pending", "reserve", "--principal", "till:7", "--key", "hold-1", "--from",
               "customer:1", "--to", "till:7", "--amount", "20.00", "--currency", "EUR",
               "--memo", "pump 3")
    with Server(ledgerd, ledger.db) as server, Browser() as browser:
        browser.sign_in(server, ledger.tokens["admin"])
        check(browser.balance("customer:1", "held") == "20.00", "the hold is not shown as held")
        browser.click("#nav-holds")
        browser.wait(lambda: browser.all("#holds-table button.void"), "the hold's Void button")
        browser.click("#holds-table button.void")
        browser.wait(lambda: browser.find("#action-dialog").is_displayed(), "the void dialog")
        key = browser.text("#action-key").split(": ", 1)[1]
        browser.shot("void-dialog")
        confirm = browser.find("#action-confirm")
        browser.driver.execute_script("arguments[0].click(); arguments[0].click();", confirm)
        browser.wait(lambda: "Voided hold" in (browser.text("#action-result") or ""),
                     "the void's answer")
        browser.wait(lambda: browser.all("#holds-table tbody tr") == [], "the empty hold list")
        voids = [row for row in journal(ledger) if row["kind"] == "void"]
        check(len(voids) == 1 and voids[0]["key"] == key,
              f"one click-twice void must be one void row with the dialog's key: {voids}")
        # A reload with the dialog open brings the same key back: the retry replays.
        ledger.run("pending", "reserve", "--principal", "till:7", "--key", "hold-2", "--from",
                   "customer:1", "--to", "till:7", "--amount", "5.00", "--currency", "EUR")
        hold2 = [r for r in journal(ledger) if r["key"] == "hold-2"][0]["sequence"]
        browser.wait(lambda: browser.all("#holds-table button.void"), "the second hold")
        browser.click("#holds-table button.void")
        browser.wait(lambda: browser.find("#action-dialog").is_displayed(), "the second dialog")
        key2 = browser.text("#action-key").split(": ", 1)[1]
        browser.click("#action-confirm")
        browser.wait(lambda: "Voided hold" in (browser.text("#action-result") or ""), "void 2")
        browser.driver.execute_script(
            "sessionStorage.setItem('ledger.intent', JSON.stringify(arguments[0]))",
            {"action": "void", "seq": hold2, "amount": "5.00",
             "currency": "EUR", "from": "customer:1", "to": "till:7", "key": key2})
        browser.driver.refresh()
        browser.wait(lambda: browser.find("#action-dialog").is_displayed(),
                     "the dialog again after a reload with the action unanswered")
        check(browser.text("#action-key").endswith(key2), "the reload made a new key")
        browser.click("#action-confirm")
        browser.wait(lambda: "replay" in (browser.text("#action-result") or ""),
                     "the replay said after the reload")
        check(len([r for r in journal(ledger) if r["kind"] == "void"]) == 2, "a replay voided again")


def close_the_day_and_verify(ledgerctl, ledgerd, workdir):
    """Close the day by clicking Confirm twice: one closing; the Integrity page checks its
    signature; the takings chart draws the day's sales."""
    ledger = store_ledger(ledgerctl, workdir)
    key = os.path.join(workdir, "operator.pem")
    ledger.run("signing-key", "create", "--private-out", key, "--public-out",
               os.path.join(workdir, "operator.pub.pem"))
    with Server(ledgerd, ledger.db, "--signing-key", key) as server, Browser() as browser:
        remote_transfer(ledgerctl, server, ledger.tokens["till7"], "9.99", "receipt 7")
        browser.sign_in(server, ledger.tokens["admin"])
        browser.click("#nav-takings")
        browser.wait(lambda: browser.all("#takings-chart rect"), "a bar in the takings chart")
        check("till:7" in (browser.text("#chart-legend") or ""), "the legend names till:7")
        browser.shot("takings")
        browser.click("#nav-closings")
        browser.wait(lambda: browser.find("#close-day").is_enabled(), "Close the day enabled")
        browser.click("#close-day")
        browser.wait(lambda: browser.find("#action-dialog").is_displayed(), "the close dialog")
        confirm = browser.find("#action-confirm")
        browser.driver.execute_script("arguments[0].click(); arguments[0].click();", confirm)
        browser.wait(lambda: "Closed" in (browser.text("#closing-result") or ""), "Closed")
        browser.wait(lambda: len(browser.all("#closings-table tbody tr")) == 1, "one closing")
        browser.shot("closings")
        closings = ledgerctl_json(ledger, "closing", "list")["closings"]
        check(len(closings) == 1, f"a double click made {len(closings)} closings")
        browser.click("#nav-verify")
        browser.click("#verify-run")
        browser.wait(lambda: (browser.text("#verify-status") or "").startswith("Intact"),
                     "the integrity check")
        check("1 signatures valid" in browser.text("#verify-status"), browser.text("#verify-status"))
        browser.shot("integrity")


def wrong_token_refused(ledgerctl, ledgerd, workdir):
    """A wrong token is refused in words; nothing is shown or kept."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server, Browser() as browser:
        browser.driver.get(server.url + "/console/")
        browser.find("#token").send_keys("lt_" + "0" * 64)
        browser.click("#signin-button")
        browser.wait(lambda: browser.find("#signin-error").is_displayed(), "the sign-in error")
        check("refused" in browser.text("#signin-error"), browser.text("#signin-error"))
        check(not browser.find("#app").is_displayed(), "the app is shown after a refusal")
        check(browser.all("#accounts-table tbody tr") == [], "rows shown after a refusal")
        stored = browser.driver.execute_script("return sessionStorage.getItem('ledger.token')")
        check(stored is None, f"a refused token was kept: {stored!r}")
        browser.shot("signin-refused")


def keyboard_and_tablet(ledgerctl, ledgerd, workdir):
    """Keyboard only: Tab reaches the token field and Enter signs in; every control has an
    accessible name; at a 10-inch tablet's width nothing scrolls sideways."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server, Browser(800, 1280) as browser:
        browser.driver.get(server.url + "/console/")
        browser.driver.execute_script("document.activeElement.blur()")
        body = browser.find("body")
        for _ in range(10):
            if browser.driver.switch_to.active_element.get_attribute("id") == "token":
                break
            body.send_keys(Keys.TAB)
        check(browser.driver.switch_to.active_element.get_attribute("id") == "token",
              "Tab never reached the token field")
        browser.driver.switch_to.active_element.send_keys(ledger.tokens["admin"], Keys.ENTER)
        browser.wait(lambda: browser.all("#accounts-table tbody tr"), "sign-in by keyboard")
        unnamed = browser.driver.execute_script("""
            return [...document.querySelectorAll('input, button, select')].filter(e => {
              if (e.closest('[hidden]')) return false;
              const label = e.id && document.querySelector('label[for="' + e.id + '"]');
              return !(label || e.getAttribute('aria-label') || e.textContent.trim());
            }).map(e => e.outerHTML);""")
        check(unnamed == [], f"controls without an accessible name: {unnamed}")
        for page in ("accounts", "journal", "holds", "takings", "closings", "verify"):
            browser.click(f"#nav-{page}")
            wide = browser.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(wide <= 0, f"the {page} page scrolls sideways by {wide}px at 800px")
        browser.click("#nav-accounts")
        browser.shot("tablet")


def post_part_and_integrity_alarm(ledgerctl, ledgerd, workdir):
    """Post part of a hold through its dialog (the rest is released); then, on a ledger
    whose journal was edited behind the engine's back, the Integrity page says it is not
    intact and names the first violation."""
    ledger = store_ledger(ledgerctl, workdir)
    ledger.run("pending", "reserve", "--principal", "till:7", "--key", "pump-3", "--from",
               "customer:1", "--to", "till:7", "--amount", "80.00", "--currency", "EUR")
    with Server(ledgerd, ledger.db) as server, Browser() as browser:
        browser.sign_in(server, ledger.tokens["admin"])
        browser.click("#nav-holds")
        browser.wait(lambda: browser.all("#holds-table button.post"), "the hold's Post button")
        browser.click("#holds-table button.post")
        browser.wait(lambda: browser.find("#action-amount").is_displayed(), "the post amount")
        amount = browser.find("#action-amount")
        amount.clear()
        amount.send_keys("61.40")
        browser.click("#action-confirm")
        browser.wait(lambda: "Posted hold" in (browser.text("#action-result") or ""), "Posted")
        browser.click("#nav-accounts")
        browser.wait(lambda: browser.balance("till:7") == "61.40", "till:7 at 61.40")
        check(browser.balance("customer:1", "held") == "0.00", "the rest is still held")
        posts = [r for r in journal(ledger) if r["kind"] == "post"]
        check(len(posts) == 1 and posts[0]["amount"] == "61.40", f"{posts}")
    subprocess.run(["sqlite3", ledger.db, "DROP TRIGGER journal_no_update; "
                    "UPDATE journal SET memo = 'edited' WHERE seq = 1;"], check=True,
                   timeout=scaled_timeout(30))
    with Server(ledgerd, ledger.db) as server, Browser() as browser:
        browser.sign_in(server, ledger.tokens["admin"])
        browser.click("#nav-verify")
        browser.click("#verify-run")
        browser.wait(lambda: (browser.text("#verify-status") or "").startswith("NOT intact"),
                     "the integrity alarm")
        check("hash_chain at journal seq 1" in browser.text("#verify-first"),
              f"the first violation is not named: {browser.text('#verify-first')}")
        browser.shot("integrity-alarm")


CASES = {f.__name__: f for f in (signin_and_live_balance, find_sale_by_memo, void_twice_quickly,
                                 close_the_day_and_verify, post_part_and_integrity_alarm,
                                 wrong_token_refused, keyboard_and_tablet)}


def main():
    global SCREENSHOTS
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--ledgerd", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--case", action="append")
    args = parser.parse_args()
    SCREENSHOTS = args.screenshots
    failed = 0
    for name in args.case or list(CASES):
        with tempfile.TemporaryDirectory(prefix="console-test-") as workdir:
            started = time.monotonic()
            try:
                CASES[name](args.ledgerctl, args.ledgerd, workdir)
                print(f"ok   {name} ({time.monotonic() - started:.1f} s)")
            except TestFailure as failure:
                failed += 1
                print(f"FAIL {name}: {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
