// The back-office console (issue 21): plain JavaScript against ledgerd's /v1 API with the
// principal's bearer token, which lives in this tab's sessionStorage only. Every value from
// the ledger is put on the page as text (textContent), never as HTML.
"use strict";

const TOKEN_KEY = "ledger.token";
const POLL_MS = 2000;          // refresh rate of balances and journal (bounded)
const JOURNAL_PAGE = 1000;     // rows per GET /v1/journal (ledgerd's maximum)
const JOURNAL_KEEP = 20000;    // newest rows kept in the tab for search

const PAGES = ["accounts", "journal", "holds", "takings", "closings", "verify"];
const INTENT_KEY = "ledger.intent";  // the money action whose dialog is open (survives a reload)

const state = { token: null, timer: null, journal: [], nextSince: 1, page: "accounts", holds: [] };

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
    const seq = cell(tr, "", "seq num");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "detail";
    open.textContent = String(entry.sequence);
    open.setAttribute("aria-label", "Show row " + entry.sequence + " in detail");
    open.addEventListener("click", () => showSale(entry));
    seq.appendChild(open);
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

// --- a sale in detail: the row, its refunds, its key record ------------------------------

function fields(list, pairs) {
  const items = [];
  for (const [name, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value === null || value === undefined ? "—" : String(value);
    items.push(dt, dd);
  }
  list.replaceChildren(...items);
}

async function showSale(entry) {
  $("sale-title").textContent = "Journal row " + entry.sequence + " (" + entry.kind + ")";
  fields($("sale-fields"), [["From", entry.debit_account], ["To", entry.credit_account],
    ["Amount", entry.amount + " " + entry.currency], ["Memo", entry.memo],
    ["Time (UTC)", entry.created_at], ["Principal", entry.principal], ["Key", entry.key],
    ["Refers to row", entry.ref_sequence], ["Hash", entry.hash]]);
  const refunds = state.journal.filter((row) => row.kind === "reverse" && row.ref_sequence === entry.sequence);
  $("sale-refunds").replaceChildren(...(refunds.length ? refunds.map((row) => {
    const li = document.createElement("li");
    li.textContent = "Row " + row.sequence + ": " + row.amount + " " + row.currency + " on " + row.created_at + (row.memo ? " (" + row.memo + ")" : "");
    return li;
  }) : [Object.assign(document.createElement("li"), { textContent: "No refund." })]));
  $("sale-key").replaceChildren();
  $("sale-detail").hidden = false;
  $("sale-detail").scrollIntoView({ block: "nearest" });
  try {
    const record = await api("/v1/idempotency-keys/" + encodeURIComponent(entry.key)
      + "?principal=" + encodeURIComponent(entry.principal), state.token)
      .catch((error) => error.status === 403
        ? api("/v1/idempotency-keys/" + encodeURIComponent(entry.key), state.token) : Promise.reject(error));
    fields($("sale-key"), [["State", record.state], ["Operation", record.operation],
      ["Result", record.result], ["Completed (UTC)", record.completed_at],
      ["Stored response", JSON.stringify(record.response)]]);
  } catch (error) {
    fields($("sale-key"), [["Not shown", error.message]]);
  }
}

// --- open holds: post and void, exactly once ------------------------------------------
//
// The idempotency key of an action is made once, when its dialog opens, and kept in
// sessionStorage until the server gave a final answer: a double click, a retry after a
// lost reply, or a reload of the page all send the same key, so the hold is posted or
// voided once; a repeated answer says it was a replay.

function renderHolds() {
  const rows = state.holds.map((hold) => {
    const tr = document.createElement("tr");
    tr.dataset.seq = String(hold.sequence);
    cell(tr, String(hold.sequence), "seq num");
    cell(tr, hold.debit_account + " → " + hold.credit_account, "accounts");
    cell(tr, hold.amount + " " + hold.currency, "amount num");
    cell(tr, (hold.expires_at || "").replace("T", " ").replace("Z", ""), "expires");
    cell(tr, hold.memo || "", "memo");
    const actions = cell(tr, "", "actions");
    for (const action of ["post", "void"]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = action;
      button.textContent = action === "post" ? "Post" : "Void";
      button.setAttribute("aria-label", (action === "post" ? "Post" : "Void") + " hold " + hold.sequence);
      button.addEventListener("click", () => openAction({ action, seq: hold.sequence,
        amount: hold.amount, currency: hold.currency, from: hold.debit_account,
        to: hold.credit_account, key: "console-" + action + "-" + hold.sequence + "-" + crypto.randomUUID() }));
      actions.appendChild(button);
    }
    return tr;
  });
  $("holds-table").tBodies[0].replaceChildren(...rows);
}

function openAction(intent) {
  sessionStorage.setItem(INTENT_KEY, JSON.stringify(intent));
  const posting = intent.action === "post";
  if (intent.action === "close") {
    $("action-title").textContent = "Close the day";
    $("action-text").textContent = "Seal every journal row written until now in a closing signed with the operator's key. This cannot be undone.";
  } else {
    $("action-title").textContent = (posting ? "Post hold " : "Void hold ") + intent.seq;
    $("action-text").textContent = (posting
      ? "Capture up to " + intent.amount + " " + intent.currency + " of the hold from "
      : "Release the hold of " + intent.amount + " " + intent.currency + " from ")
      + intent.from + " to " + intent.to + ".";
  }
  $("action-amount-row").hidden = !posting;
  $("action-amount").value = intent.postAmount || intent.amount;
  $("action-key").textContent = "Idempotency key: " + intent.key;
  showError("action-error", "");
  $("action-confirm").disabled = false;
  const dialog = $("action-dialog");
  if (!dialog.open) dialog.showModal();
}

function closeAction() {
  sessionStorage.removeItem(INTENT_KEY);
  const dialog = $("action-dialog");
  if (dialog.open) dialog.close();
}

async function confirmAction() {
  const intent = JSON.parse(sessionStorage.getItem(INTENT_KEY) || "null");
  if (!intent || $("action-confirm").disabled) return;
  $("action-confirm").disabled = true;
  if (intent.action === "post") {
    intent.postAmount = $("action-amount").value.trim();
    sessionStorage.setItem(INTENT_KEY, JSON.stringify(intent));
  }
  const body = intent.action === "post" ? { amount: intent.postAmount } : {};
  const path = intent.action === "close" ? "/v1/closings" : "/v1/pending/" + intent.seq + "/" + intent.action;
  let response;
  try {
    response = await fetch(path, {
      method: "POST", cache: "no-store",
      headers: { "Authorization": "Bearer " + state.token, "Content-Type": "application/json",
                 "Idempotency-Key": intent.key },
      body: JSON.stringify(body) });
  } catch (e) {
    showError("action-error", "No answer from the server: it may or may not have acted. Press Confirm again; the same key makes sure it happens only once.");
    $("action-confirm").disabled = false;
    return;
  }
  let reply = null;
  try { reply = await response.json(); } catch (e) { reply = null; }
  const replayed = response.headers.get("Idempotent-Replayed") === "true";
  const done = intent.action === "post" ? "Posted" : "Voided";
  if (response.status === 201 && intent.action === "close") {
    closeAction();
    $("closing-result").textContent = replayed
      ? "This closing was already made by this action (a replay of the stored closing); nothing new was closed."
      : "Closed: closing " + reply.closing + (reply.document.period.last_seq >= reply.document.period.first_seq
          ? " seals journal rows " + reply.document.period.first_seq + " to " + reply.document.period.last_seq + "."
          : " seals no new journal rows since the last closing.");
    refreshClosings();
    return;
  }
  if (response.status === 201) {
    closeAction();
    $("action-result").textContent = replayed
      ? "Hold " + intent.seq + " was already " + done.toLowerCase() + " by this action (a replay of the stored answer); nothing moved again."
      : done + " hold " + intent.seq + " (journal row " + reply.sequence + ").";
    refresh();
    return;
  }
  if (response.status === 503 || response.status === 409 || response.status >= 500) {
    showError("action-error", sentenceFor(response.status, reply) + " Press Confirm again; the same key makes sure it happens only once.");
    $("action-confirm").disabled = false;
    return;
  }
  if (response.status === 402 && intent.action === "close") {
    closeAction();
    $("closing-result").textContent = "The closing was refused: "
      + ((reply && reply.error && reply.error.message) || "the ledger refused it") + (replayed ? " (a replay)" : "");
    return;
  }
  if (response.status === 402) {
    closeAction();
    $("action-result").textContent = "Hold " + intent.seq + " was not " + done.toLowerCase() + ": "
      + ((reply && reply.error && reply.error.message) || "the ledger refused it") + (replayed ? " (a replay)" : "");
    refresh();
    return;
  }
  showError("action-error", sentenceFor(response.status, reply));
  if (response.status === 400) {
    // Nothing was stored: the same key may carry the corrected request.
    $("action-confirm").disabled = false;
  } else {
    // A final refusal of this key (403, 404, 422): never send it again, not after a reload.
    sessionStorage.removeItem(INTENT_KEY);
  }
}

// --- takings per hour and till ------------------------------------------------------

const COLOURS = ["#0b5cad", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#334155"];

// Money that reached each till account (till:*) per UTC hour of the chosen day, in minor
// units: transfers and captured holds credit a till, refunds debit it.
function takingsOf(day) {
  const tills = new Map();
  for (const entry of state.journal) {
    if (!(entry.created_at || "").startsWith(day)) continue;
    const hour = Number(entry.created_at.slice(11, 13));
    let till = null, sign = 0;
    if ((entry.kind === "transfer" || entry.kind === "post") && entry.credit_account.startsWith("till")) {
      till = entry.credit_account; sign = 1;
    } else if (entry.kind === "reverse" && entry.debit_account.startsWith("till")) {
      till = entry.debit_account; sign = -1;
    }
    if (till === null) continue;
    if (!tills.has(till)) tills.set(till, { hours: new Array(24).fill(0), currency: entry.currency, exponent: 0 });
    const row = tills.get(till);
    row.hours[hour] += sign * entry.amount_minor;
    const dot = entry.amount.indexOf(".");
    row.exponent = dot < 0 ? 0 : entry.amount.length - dot - 1;
  }
  return tills;
}

function svg(name, attributes) {
  const element = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function renderChart() {
  const input = $("chart-day");
  if (!input.value) input.value = new Date().toISOString().slice(0, 10);
  const tills = takingsOf(input.value);
  const chart = $("takings-chart");
  const names = [...tills.keys()].sort();
  const width = 960, height = 320, left = 50, bottom = 24, top = 10;
  let max = 1;
  for (const name of names) for (const value of tills.get(name).hours) max = Math.max(max, value);
  const slot = (width - left) / 24, bar = Math.max(2, (slot - 4) / Math.max(1, names.length));
  const parts = [svg("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#5b6470" })];
  for (let hour = 0; hour < 24; hour += 2) {
    const label = svg("text", { x: left + hour * slot + 2, y: height - 6, "font-size": 11, fill: "#5b6470" });
    label.textContent = String(hour).padStart(2, "0") + "h";
    parts.push(label);
  }
  names.forEach((name, index) => {
    tills.get(name).hours.forEach((value, hour) => {
      if (value <= 0) return;
      const h = (height - bottom - top) * value / max;
      const rect = svg("rect", { x: left + hour * slot + 2 + index * bar, y: height - bottom - h,
                                 width: bar - 1, height: h, fill: COLOURS[index % COLOURS.length] });
      const title = svg("title", {});
      title.textContent = name + " " + String(hour).padStart(2, "0") + ":00: " + value;
      rect.appendChild(title);
      parts.push(rect);
    });
  });
  chart.replaceChildren(...parts);
  const legend = names.map((name, index) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.style.background = COLOURS[index % COLOURS.length];
    item.append(swatch, document.createTextNode(name + ": " + formatMinor(
      tills.get(name).hours.reduce((a, b) => a + b, 0), tills.get(name).exponent) + " " + tills.get(name).currency));
    return item;
  });
  $("chart-legend").replaceChildren(...legend);
  $("chart-summary").textContent = names.length
    ? "Takings on " + input.value + " (UTC) of " + names.length + " till(s), per hour."
    : "No takings on " + input.value + " (UTC) among the journal rows loaded.";
}

function formatMinor(minor, exponent) {
  const negative = minor < 0;
  let digits = String(Math.abs(minor)).padStart(exponent + 1, "0");
  if (exponent > 0) digits = digits.slice(0, -exponent) + "." + digits.slice(-exponent);
  return (negative ? "-" : "") + digits;
}

// --- closings and integrity -----------------------------------------------------------

async function refreshClosings() {
  try {
    const reply = await api("/v1/closings", state.token);
    const rows = reply.closings.slice().reverse().map((closing) => {
      const tr = document.createElement("tr");
      tr.dataset.number = String(closing.number);
      cell(tr, String(closing.number), "num");
      cell(tr, closing.until.replace("T", " ").replace("Z", ""), "until");
      cell(tr, closing.last_seq >= closing.first_seq ? closing.first_seq + "–" + closing.last_seq : "none", "rows");
      cell(tr, closing.signed_by_server_key ? "signed with this server's key (check: Integrity)"
                                            : "signed with key " + closing.signing_key_fingerprint.slice(0, 16) + "…", "signature");
      cell(tr, closing.hash.slice(0, 16) + "…", "hash");
      return tr;
    });
    $("closings-table").tBodies[0].replaceChildren(...rows);
    $("close-day").disabled = !reply.server_can_close;
    $("closings-note").textContent = reply.server_can_close
      ? "Closing seals every journal row written until now in a signed document; a closed period is never reopened."
      : "This server holds no signing key, so it cannot close: start ledgerd with --signing-key, or run `ledgerctl close` on the server.";
  } catch (error) {
    $("closings-note").textContent = error.message;
    $("close-day").disabled = true;
  }
}

async function runVerify() {
  $("verify-run").disabled = true;
  $("verify-status").textContent = "Checking…";
  $("verify-first").hidden = true;
  try {
    const report = await api("/v1/verify", state.token);
    if (report.ok) {
      $("verify-status").textContent = "Intact: " + report.journal_rows_checked + " journal rows, "
        + report.outcomes_checked + " outcomes, " + report.closings_checked + " closings checked"
        + (report.signatures_checked_with_server_key ? ", " + report.signatures_checked + " signatures valid." : " (signatures not checked: the server holds no key).");
    } else {
      $("verify-status").textContent = "NOT intact: " + report.violations.length + " violation(s). Stop selling on this ledger and call support.";
      const first = report.violations[0];
      $("verify-first").textContent = "First: " + first.kind + " at " + first.where + ": " + first.detail;
      $("verify-first").hidden = false;
    }
  } catch (error) {
    $("verify-status").textContent = error.message;
  }
  $("verify-run").disabled = false;
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
    const holds = await api("/v1/pending?state=pending&limit=1000", token);
    state.holds = holds.pending || [];
    renderHolds();
    if (state.page === "takings") renderChart();
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
  for (const page of PAGES) {
    $("page-" + page).hidden = page !== name;
    const button = $("nav-" + page);
    if (page === name) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  if (name === "journal") $("journal-search").focus();
  if (name === "takings") renderChart();
  if (name === "closings") refreshClosings();
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
  const intent = JSON.parse(sessionStorage.getItem(INTENT_KEY) || "null");
  if (intent) { showPage(intent.action === "close" ? "closings" : "holds"); openAction(intent); }
}

function signOut(reason) {
  stopPolling();
  sessionStorage.removeItem(TOKEN_KEY);
  closeAction();
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
  $("sale-close").addEventListener("click", () => { $("sale-detail").hidden = true; });
  $("nav-holds").addEventListener("click", () => showPage("holds"));
  $("nav-takings").addEventListener("click", () => showPage("takings"));
  $("chart-day").addEventListener("change", renderChart);
  $("nav-closings").addEventListener("click", () => showPage("closings"));
  $("nav-verify").addEventListener("click", () => showPage("verify"));
  $("verify-run").addEventListener("click", runVerify);
  $("close-day").addEventListener("click", () => openAction({ action: "close", key: "console-close-" + crypto.randomUUID() }));
  $("action-form").addEventListener("submit", (event) => { event.preventDefault(); confirmAction(); });
  $("action-cancel").addEventListener("click", closeAction);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved); else $("token").focus();
});
