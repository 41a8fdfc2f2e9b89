/* The outbox: field forms that survive a lost connection.
 *
 * Any <form data-offline="…"> is sent with fetch (header X-Shegong-Offline: 1; the server answers
 * JSON {ok, url} or {ok: false, errors}). When the network is down — navigator.onLine is false or
 * the request fails — the form's entries (photos included) are kept in IndexedDB
 * ("shegong-outbox") and the form is cleared for the next visit. Kept entries are sent one by one
 * on the "online" event, on every page load and every 30 s while any wait; an entry is removed
 * only once the server confirms it. Every form carries a client_uuid made when it opened, so a
 * retry of an entry the server already has returns that record: nothing is recorded twice.
 * An entry the server refuses stays on the device, with its errors, on the outbox page.
 *
 * Strings come translated from the data-* attributes of the <script> tag (no inline script).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var cfg = (script && script.dataset) || {};
  var DB_NAME = "shegong-outbox";
  var STORE = "entries";
  var RETRY_MS = 30000;

  function t(key, n) {
    var text = cfg[key] || key;
    return n === undefined ? text : text.replace("{n}", String(n));
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- IndexedDB -------------------------------------------------------------------------------

  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        result = work(tx.objectStore(STORE));
      });
    });
  }

  function allEntries() {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var request = db.transaction(STORE, "readonly").objectStore(STORE).getAll();
        request.onsuccess = function () { resolve(request.result || []); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  function putEntry(entry) {
    return withStore("readwrite", function (store) { store.put(entry); });
  }

  function addEntry(entry) {
    return withStore("readwrite", function (store) { store.add(entry); });
  }

  function deleteEntry(id) {
    return withStore("readwrite", function (store) { store["delete"](id); });
  }

  // --- Sending ---------------------------------------------------------------------------------

  function csrfToken() {
    // The token of the page being shown: after signing in again the one kept with the entry is stale.
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function formEntries(form) {
    var data = new FormData(form);
    var fields = [];
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (value instanceof File && !value.size && !value.name) return; // an empty file input
      fields.push([name, value]);
    });
    return fields;
  }

  function fieldLabels(form) {
    var labels = {};
    form.querySelectorAll("[data-field-label]").forEach(function (el) {
      labels[el.getAttribute("data-field-label")] = el.textContent.trim();
    });
    return labels;
  }

  /* Send one entry. Resolves to {sent, url} | {refused, errors} | {signin} | {offline} | {later}. */
  function send(entry, live) {
    var body = new FormData();
    entry.fields.forEach(function (pair) {
      var value = pair[1];
      if (value instanceof Blob) body.append(pair[0], value, value.name || "photo.jpg");
      else body.append(pair[0], value);
    });
    var token = csrfToken();
    body.append("csrfmiddlewaretoken", token);
    var headers = { "X-Shegong-Offline": "1", "X-CSRFToken": token };
    if (live) headers["X-Shegong-Live"] = "1"; // the person is watching: the next page confirms it
    return fetch(entry.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual", headers: headers,
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        return { signin: true };
      }
      return response.json().then(function (answer) {
        if (answer && answer.ok) return { sent: true, url: answer.url };
        if (answer && answer.ok === false) return { refused: true, errors: answer.errors || {}, labels: answer.labels || {} };
        return { later: true };
      }, function () { return { later: true }; });
    }, function () { return { offline: true }; });
  }

  var flushing = null;
  var lastSent = 0;

  /* Send every waiting entry, one after the other. Unguarded: two calls at once may send the same
   * entry twice, which the server answers with the record it already has. */
  function sendWaiting() {
    return allEntries().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; });
      var sent = 0;
      var chain = Promise.resolve();
      var stop = false;
      waiting.forEach(function (entry) {
        chain = chain.then(function () {
          if (stop) return null;
          return send(entry).then(function (result) {
            if (result.sent) {
              sent += 1;
              return deleteEntry(entry.id);
            }
            if (result.refused) {
              entry.state = "refused";
              entry.errors = result.errors;
              entry.labels = Object.assign({}, entry.labels || {}, result.labels);
              return putEntry(entry);
            }
            if (result.signin) {
              entry.note = "signin";
              stop = true;
              return putEntry(entry);
            }
            stop = true; // offline or the server is busy: try again later, in order
            return null;
          });
        });
      });
      return chain.then(function () { return sent; });
    });
  }

  function flush() {
    if (flushing) return flushing;
    flushing = sendWaiting().then(function (sent) {
      if (sent) lastSent = Date.now();
      flushing = null;
      return refresh().then(function () { return sent; });
    }, function (error) {
      flushing = null;
      throw error;
    });
    return flushing;
  }

  // --- The badge in the top bar, and the messages ----------------------------------------------

  var badge = null;

  function ensureBadge() {
    if (badge) return badge;
    var bar = document.querySelector(".topbar");
    if (!bar) return null;
    badge = document.createElement("a");
    badge.className = "outbox-badge";
    badge.href = cfg.outboxUrl || "#";
    badge.setAttribute("role", "status");
    badge.setAttribute("aria-live", "polite");
    badge.setAttribute("data-testid", "outbox-badge");
    badge.hidden = true;
    var brand = bar.querySelector(".brand");
    if (brand && brand.nextSibling) bar.insertBefore(badge, brand.nextSibling);
    else bar.appendChild(badge);
    return badge;
  }

  function refresh() {
    return allEntries().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; });
      var refused = entries.filter(function (e) { return e.state === "refused"; });
      var signin = waiting.some(function (e) { return e.note === "signin"; });
      var el = ensureBadge();
      if (el) {
        el.classList.remove("sent", "refused");
        if (waiting.length) {
          el.textContent = signin ? t("msgSignin") : t("msgWaiting", waiting.length);
          el.hidden = false;
        } else if (refused.length) {
          el.textContent = t("msgRefused", refused.length);
          el.classList.add("refused");
          el.hidden = false;
        } else if (lastSent && Date.now() - lastSent < 60000) {
          el.textContent = t("msgSent");
          el.classList.add("sent");
          el.hidden = false;
        } else {
          el.hidden = true;
        }
      }
      renderOutboxPage(entries);
      schedule(waiting.length > 0);
      return entries;
    });
  }

  var timer = null;

  function schedule(on) {
    if (on && !timer) {
      timer = setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);
    } else if (!on && timer) {
      clearInterval(timer);
      timer = null;
    }
  }

  function say(form, text, kind) {
    var box = form.querySelector("[data-outbox-status]") || form;
    var p = box.querySelector(".outbox-note");
    if (!p) {
      p = document.createElement("p");
      p.setAttribute("role", "status");
      box.insertBefore(p, box.firstChild);
    }
    p.className = "outbox-note msg " + (kind || "");
    p.textContent = text;
    p.scrollIntoView({ block: "nearest" });
  }

  // --- The forms -------------------------------------------------------------------------------

  function prepare(form) {
    var field = form.querySelector("input[name=client_uuid]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "client_uuid";
      form.appendChild(field);
    }
    if (!field.value) field.value = uuid();
  }

  function keep(form, fields, note) {
    var entry = {
      kind: form.getAttribute("data-offline"),
      action: form.action,
      label: form.getAttribute("data-offline-label") || document.title,
      savedAt: new Date().toISOString(),
      fields: fields,
      labels: fieldLabels(form),
      state: "waiting",
      note: note || "",
      errors: {},
    };
    var restored = Number(form.getAttribute("data-outbox-entry") || 0);
    var store = restored ? putEntry(Object.assign(entry, { id: restored })) : addEntry(entry);
    form.removeAttribute("data-outbox-entry");
    return store.then(function () {
      form.reset();
      form.querySelector("input[name=client_uuid]").value = uuid();
      say(form, note === "signin" ? t("msgSignin") : t("msgSaved"), "warning");
      return refresh();
    });
  }

  function busy(form, on) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) {
      b.disabled = on;
      if (on) b.setAttribute("aria-busy", "true");
      else b.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline]")) return;
    event.preventDefault();
    prepare(form);
    var fields = formEntries(form);
    if (!navigator.onLine) {
      keep(form, fields);
      return;
    }
    busy(form, true);
    say(form, t("msgSending"), "");
    send({ action: form.action, fields: fields }, true).then(function (result) {
      busy(form, false);
      if (result.sent) {
        var restored = Number(form.getAttribute("data-outbox-entry") || 0);
        (restored ? deleteEntry(restored) : Promise.resolve()).then(function () { window.location.assign(result.url); });
      } else if (result.refused) {
        // Show the errors on the form as the server draws them: submit it the ordinary way.
        form.removeAttribute("data-offline");
        form.submit();
      } else if (result.signin) {
        keep(form, fields, "signin");
      } else {
        keep(form, fields);
      }
    });
  });

  /* Put a kept entry back into its form (the outbox page's "open in the form"): fields, choices and
   * photos, with the same form id, so that it can be corrected and sent. */
  function restore(form, entry) {
    form.reset();
    form.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (box) { box.checked = false; });
    var files = {};
    entry.fields.forEach(function (pair) {
      var name = pair[0], value = pair[1];
      if (value instanceof Blob) {
        (files[name] = files[name] || []).push(value);
        return;
      }
      var inputs = form.querySelectorAll('[name="' + name.replace(/"/g, "") + '"]');
      inputs.forEach(function (input) {
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.value === String(value)) input.checked = true;
        } else if (input.type !== "file") {
          input.value = value;
        }
      });
    });
    Object.keys(files).forEach(function (name) {
      var input = form.querySelector('input[type=file][name="' + name + '"]');
      if (!input || !window.DataTransfer) return;
      var transfer = new DataTransfer();
      files[name].forEach(function (blob) {
        transfer.items.add(blob instanceof File ? blob : new File([blob], "photo.jpg", { type: blob.type }));
      });
      input.files = transfer.files;
    });
    form.setAttribute("data-outbox-entry", String(entry.id));
    var errors = entry.errors || {};
    var lines = [];
    Object.keys(errors).forEach(function (name) {
      var label = name === "__all__" ? "" : ((entry.labels || {})[name] || name) + ": ";
      (errors[name] || []).forEach(function (message) { lines.push(label + message); });
    });
    say(form, t("msgRestored") + (lines.length ? " " + lines.join(" ") : ""), lines.length ? "error" : "warning");
  }

  function restoreFromHash() {
    var match = /^#outbox-(\d+)$/.exec(window.location.hash);
    var form = document.querySelector("form[data-offline]");
    if (!match || !form) return Promise.resolve();
    var id = Number(match[1]);
    return allEntries().then(function (entries) {
      var entry = entries.filter(function (e) { return e.id === id; })[0];
      if (entry) restore(form, entry);
    });
  }

  function init() {
    document.querySelectorAll("form[data-offline]").forEach(prepare);
    restoreFromHash();
    refresh().then(function (entries) {
      var waiting = entries.some(function (e) { return e.state === "waiting"; });
      if (waiting && navigator.onLine) flush();
    });
    var page = document.querySelector("[data-outbox-page]");
    if (page) {
      page.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-outbox-action]");
        if (!button) return;
        var id = Number(button.getAttribute("data-entry"));
        var act = button.getAttribute("data-outbox-action");
        if (act === "send") {
          allEntries().then(function (entries) {
            var chosen = entries.filter(function (e) { return e.id === id; })[0];
            if (!chosen) return null;
            chosen.state = "waiting";
            chosen.errors = {};
            chosen.note = "";
            return putEntry(chosen).then(flush);
          });
        } else if (act === "delete" && window.confirm(t("msgConfirmDelete"))) {
          deleteEntry(id).then(refresh);
        }
      });
    }
  }

  window.addEventListener("online", function () { flush(); });

  // --- The outbox page -------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderOutboxPage(entries) {
    var list = document.querySelector("[data-outbox-list]");
    if (!list) return;
    list.textContent = "";
    var empty = document.querySelector("[data-outbox-empty]");
    if (empty) empty.hidden = entries.length > 0;
    entries.forEach(function (entry) {
      var item = el("li", "card outbox-entry " + entry.state);
      item.setAttribute("data-testid", "outbox-entry");
      var head = el("div", "head");
      head.appendChild(el("h2", "", entry.label));
      var state = entry.state === "refused" ? t("msgStateRefused") : (entry.note === "signin" ? t("msgSignin") : t("msgStateWaiting"));
      head.appendChild(el("span", "pill " + (entry.state === "refused" ? "bad" : "attention"), state));
      item.appendChild(head);
      item.appendChild(el("p", "muted", t("msgSavedAt") + " " + new Date(entry.savedAt).toLocaleString()));
      var errors = entry.errors || {};
      var names = Object.keys(errors);
      if (names.length) {
        var ul = el("ul", "outbox-errors");
        names.forEach(function (name) {
          var label = name === "__all__" ? "" : ((entry.labels || {})[name] || name) + ": ";
          (errors[name] || []).forEach(function (message) { ul.appendChild(el("li", "error", label + message)); });
        });
        item.appendChild(ul);
      }
      var details = el("details", "outbox-fields");
      details.appendChild(el("summary", "", t("msgContent")));
      var dl = el("dl", "facts");
      entry.fields.forEach(function (pair) {
        if (pair[0] === "client_uuid") return;
        dl.appendChild(el("dt", "", (entry.labels || {})[pair[0]] || pair[0]));
        dl.appendChild(el("dd", "", pair[1] instanceof Blob ? (pair[1].name || t("msgPhoto")) : String(pair[1])));
      });
      details.appendChild(dl);
      item.appendChild(details);
      var actions = el("div", "actions");
      var open = el("a", "button primary", t("msgOpenForm"));
      open.href = entry.action + "#outbox-" + entry.id;
      open.setAttribute("data-testid", "outbox-open");
      actions.appendChild(open);
      var again = el("button", "", t("msgSendAgain"));
      again.type = "button";
      again.setAttribute("data-outbox-action", "send");
      again.setAttribute("data-entry", String(entry.id));
      var drop = el("button", "danger", t("msgDelete"));
      drop.type = "button";
      drop.setAttribute("data-outbox-action", "delete");
      drop.setAttribute("data-entry", String(entry.id));
      actions.appendChild(again);
      actions.appendChild(drop);
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  // For the browser tests and the console: put() brings back an entry (as if an answer was lost).
  window.ShegongOutbox = { flush: flush, sendWaiting: sendWaiting, entries: allEntries, refresh: refresh, put: putEntry };

  if (!window.indexedDB) return;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
