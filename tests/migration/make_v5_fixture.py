"""Makes tests/migration/data/ledger-v5.ledger with the ledgerctl of the last file-format-5
build (e8011be), and records every money command with its exact stdout and exit code in
ledger-v5-replays.json: the fixture of the cli case upgrade_to_chained (README, Fiscal
integrity). Run once, with that build:
    python3 tests/migration/make_v5_fixture.py OLD_BUILD/tools/ledgerctl/ledgerctl tests/migration/data
The file keeps no .db suffix, which .gitignore leaves out."""
import json, os, subprocess, sys, time
L, out = sys.argv[1], sys.argv[2]
db = os.path.join(out, "ledger-v5.ledger")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix): os.remove(db + suffix)
def run(*args):
    p = subprocess.run([L, "--db", db, *args], capture_output=True)
    return p
commands = []
def money(*args):
    p = run(*args)
    commands.append({"args": list(args), "exit": p.returncode, "stdout": p.stdout.decode()})
    return p
assert run("init").returncode == 0
for code, extra in [("world", ["--allow-negative"]), ("till:1", []), ("customer:42", ["--overdraft-limit", "50.00"]), ("card:4711", ["--allow-negative"]), ("shop", [])]:
    assert run("account", "create", code, "--currency", "EUR", *extra).returncode == 0
# A stored rejection purged into a tombstone.
money("transfer", "--principal", "till:9", "--key", "t-purged", "--from", "till:1", "--to", "shop", "--amount", "999.00", "--currency", "EUR")
time.sleep(1.1)
assert run("key", "purge", "--older-than", "1").returncode == 0
money("transfer", "--principal", "till:1", "--key", "t-1", "--from", "world", "--to", "till:1", "--amount", "100.00", "--currency", "EUR", "--memo", "float")
money("transfer", "--principal", "till:1", "--key", "t-2", "--from", "till:1", "--to", "shop", "--amount", "12.34", "--currency", "EUR", "--memo", "receipt 1001")
money("transfer", "--principal", "till:1", "--key", "t-3", "--from", "till:1", "--to", "shop", "--amount", "1000.00", "--currency", "EUR", "--memo", "too much")
money("transfer", "--principal", "till:1", "--key", "0190f0a0-1111-7222-8333-444455556666", "--from", "customer:42", "--to", "shop", "--amount", "20.00", "--currency", "EUR")
money("transfer", "--principal", "till:1", "--key", "t-5", "--from", "till:1", "--to", "nowhere", "--amount", "1.00", "--currency", "EUR")
money("pending", "reserve", "--principal", "pump:3", "--key", "r-1", "--from", "card:4711", "--to", "shop", "--amount", "80.00", "--currency", "EUR", "--memo", "pump 3")
money("pending", "post", "--principal", "pump:3", "--key", "p-1", "--pending", "4", "--amount", "61.50")
money("pending", "reserve", "--principal", "pump:3", "--key", "r-2", "--from", "card:4711", "--to", "shop", "--amount", "30.00", "--currency", "EUR")
money("pending", "void", "--principal", "pump:3", "--key", "v-2", "--pending", "6")
money("pending", "reserve", "--principal", "pump:3", "--key", "r-3", "--from", "card:4711", "--to", "shop", "--amount", "5.00", "--currency", "EUR", "--timeout", "1")
money("pending", "reserve", "--principal", "pump:3", "--key", "r-4", "--from", "card:4711", "--to", "shop", "--amount", "7.00", "--currency", "EUR", "--timeout", "86400")
time.sleep(1.5)
money("pending", "post", "--principal", "pump:3", "--key", "p-3", "--pending", "8")
money("reverse", "--principal", "till:1", "--key", "rev-1", "--transfer", "2", "--amount", "2.34", "--memo", "returned")
money("reverse", "--principal", "till:1", "--key", "rev-2", "--transfer", "2", "--amount", "20.00")
p = run("key", "issue", "--principal", "till:1", "--operation", "transfer")
assert p.returncode == 0
assert run("verify").returncode == 0
json.dump({"commands": commands}, open(os.path.join(out, "ledger-v5-replays.json"), "w"), indent=1)
print(len(commands), "commands")
