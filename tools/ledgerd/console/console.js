// The back-office console (issue 21): plain JavaScript against ledgerd's /v1 API with the
// principal's bearer token, which lives in this tab's sessionStorage only. Every value from
// the ledger is put on the page as text (textContent), never as HTML.
"use strict";

const TOKEN_KEY = "ledger.token";
const POLL_MS = 2000;          // refresh rate of balances and journal (bounded)
const JOURNAL_PAGE = 1000;     // rows per GET /v1/journal (ledgerd's maximum)
const JOURNAL_KEEP = 20000;    // newest rows kept in the tab for search

const state = { token: null, timer: null, journal: [], nextSince: 1, page: "accounts" };

const $ = (id) => document.getElementById(id);

// A failed request, as a sentence that says what to do.
class ConsoleError extends Error {}

function sentenceFor(status, body) {
  const message = body && body.error && body.error.message ? body.error.message : "";
  switch (status) {
    case 401: return "The token was refused (unknown or revoked). Check it, or ask for a new one with `ledgerctl principal add`.";
    case 403: return "This token may not see that. Ask an administrator for a principal with access to these accounts.";
    case 503: return "The ledger is busy right now. The page tries again by itself in a moment.";
    default:
      if (status >= 500) return "The server failed (" + status + "). The page tries again; if it persists, check ledgerd's log.";
      return (message || ("The server answered " + status + ".")) + " Nothing was changed.";
  }
}

async function api(path, token) {
  let response;
  try {
    response = await fetch(path, { headers: { "Authorization": "Bearer " + token }, cache: "no-store" });
  } catch (e) {
    throw new ConsoleError("The server cannot be reached. Check that ledgerd is running; the page tries again by itself.");
  }
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const error = new ConsoleError(sentenceFor(response.status, body));
    error.status = response.status;
    throw error;
  }
  return body;
}

function showError(id, text) {
  const element = $(id);
  element.textContent = text || "";
  element.hidden = !text;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

// --- accounts ------------------------------------------------------------------------

function renderAccounts(accounts) {
  const body = $("accounts-table").tBodies[0];
  const rows = accounts.map((account) => {
    const tr = document.createElement("tr");
    tr.dataset.account = account.code;
    cell(tr, account.code, "code");
    cell(tr, account.name || "", "name");
    cell(tr, account.currency, "currency");
    cell(tr, account.balance, "balance num");
    cell(tr, account.pending, "held num");
    cell(tr, account.available, "available num");
    return tr;
  });
  body.replaceChildren(...rows);
}

// --- journal -------------------------------------------------------------------------

async function fetchNewJournalRows(token) {
  for (let pages = 0; pages < 20; ++pages) {  // bounded catch-up per refresh
    const page = await api("/v1/journal?since=" + state.nextSince + "&limit=" + JOURNAL_PAGE, token);
    state.journal.push(...page.entries);
    if (state.journal.length > JOURNAL_KEEP) state.journal.splice(0, state.journal.length - JOURNAL_KEEP);
    const advanced = page.next_since !== state.nextSince;
    state.nextSince = page.next_since;
    if (!advanced || page.entries.length < JOURNAL_PAGE) return;
  }
}

function matches(entry, words) {
  const haystack = [String(entry.sequence), entry.key || "", entry.debit_account || "",
                    entry.credit_account || "", entry.memo || ""].join("\n").toLowerCase();
  return words.every((word) => haystack.includes(word));
}

function renderJournal() {
  const words = $("journal-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = [];
  for (let i = state.journal.length - 1; i >= 0 && shown.length < 500; --i) {
    if (matches(state.journal[i], words)) shown.push(state.journal[i]);
  }
  const rows = shown.map((entry) => {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(entry.sequence);
    cell(tr, String(entry.sequence), "seq num");
    cell(tr, (entry.created_at || "").replace("T", " ").replace("Z", ""), "time");
    cell(tr, entry.kind, "kind");
    cell(tr, entry.debit_account + " → " + entry.credit_account, "accounts");
    cell(tr, entry.amount + " " + entry.currency, "amount num");
    cell(tr, entry.memo || "", "memo");
    cell(tr, entry.key || "", "key");
    return tr;
  });
  $("journal-table").tBodies[0].replaceChildren(...rows);
  $("journal-count").textContent = words.length
    ? shown.length + " matching row(s) of the newest " + state.journal.length
    : "the newest " + shown.length + " of " + state.journal.length + " rows";
}

// --- refresh loop --------------------------------------------------------------------

async function refresh() {
  const token = state.token;
  if (!token) return;
  try {
    const accounts = await api("/v1/accounts", token);
    renderAccounts(accounts.accounts || []);
    await fetchNewJournalRows(token);
    renderJournal();
    showError("app-error", "");
    $("status-line").textContent = "Updated " + new Date().toLocaleTimeString();
  } catch (error) {
    if (error.status === 401) { signOut(error.message); return; }
    showError("app-error", error.message);
  }
}

function startPolling() {
  stopPolling();
  state.timer = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

// --- pages and sign-in ---------------------------------------------------------------

function showPage(name) {
  state.page = name;
  for (const page of ["accounts", "journal"]) {
    $("page-" + page).hidden = page !== name;
    const button = $("nav-" + page);
    if (page === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (name === "journal") $("journal-search").focus();
}

function showSignedIn(signedIn) {
  $("signin-form").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("signout").hidden = !signedIn;
}

async function signIn(token) {
  showError("signin-error", "");
  try {
    await api("/v1", token);
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showError("signin-error", error.message);
    $("token").focus();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  state.journal = [];
  state.nextSince = 1;
  $("token").value = "";
  showSignedIn(true);
  showPage("accounts");
  await refresh();
  startPolling();
}

function signOut(reason) {
  stopPolling();
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.journal = [];
  showSignedIn(false);
  $("accounts-table").tBodies[0].replaceChildren();
  $("journal-table").tBodies[0].replaceChildren();
  $("status-line").textContent = "";
  showError("signin-error", reason || "");
  $("token").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) { showError("signin-error", "Paste your token first."); return; }
    signIn(token);
  });
  $("signout").addEventListener("click", () => signOut(""));
  $("nav-accounts").addEventListener("click", () => showPage("accounts"));
  $("nav-journal").addEventListener("click", () => showPage("journal"));
  $("journal-search").addEventListener("input", renderJournal);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved); else $("token").focus();
});
