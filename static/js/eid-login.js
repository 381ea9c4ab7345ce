/*
 * Log-in with the eID card: progressive enhancement of the eID section of the log-in page.
 *
 * The exchange, and who sees what:
 *   1. GET  <agent>/v1/status               -> {"cards": n}   is the local signer running, is a card in?
 *   2. POST <portal>/api/v1/auth/eid/challenge/ -> {"challenge"} a fresh, single-use challenge
 *   3. POST <agent>/v1/sign {challenge, pin}  -> {certificate, signature}; the PIN goes ONLY here,
 *      to the signer on this computer (127.0.0.1), which hands it to the card
 *   4. POST <portal>/api/v1/auth/eid/login/ {challenge, certificate, signature} -> {name, level}
 *   5. go to the page the citizen asked for (`next`, a local path), or "/".
 * A failure of the card or the signer after step 2 is reported to the portal's failure endpoint
 * with the challenge (the PIN never), so that the failed attempt is audited.
 *
 * Everything the script needs comes from the page: addresses and the CSRF token from data-*
 * attributes of [data-eid-login] (the CSRF cookie is HttpOnly), every sentence it shows from the
 * hidden [data-eid-messages] list, translated by the template. Error messages from the signer and
 * the portal are translated by them (the signer gets the page's language in Accept-Language).
 * Text is only ever set with textContent, never parsed as HTML.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-eid-login]");
  if (!root || !window.fetch || !window.Promise) {
    return; // the "needs JavaScript" note stays
  }

  var config = root.dataset;
  var startBlock = root.querySelector("[data-eid-start]");
  var startButton = root.querySelector("[data-eid-start-button]");
  var form = root.querySelector("[data-eid-form]");
  var pinInput = form.querySelector("input[name=pin]");
  var submitButton = form.querySelector("button[type=submit]");
  var statusRegion = root.querySelector("[data-eid-status]");
  var errorRegion = root.querySelector("[data-eid-error]");
  var language = document.documentElement.lang || "en";
  var agentUrl = (config.agentUrl || "").replace(/\/+$/, "");
  var busy = false;

  // Card and signer failures the portal's failure endpoint knows; others are sent as card_error.
  var REPORTED_CODES = [
    "wrong_pin", "pin_locked", "pin_cancelled", "pin_required", "no_card", "no_reader",
    "multiple_cards", "card_error", "agent_unavailable",
  ];
  var PIN_CODES = ["wrong_pin", "invalid_pin"];
  var STATUS_TIMEOUT_MS = 5000;
  // Long enough for a pinpad reader or the middleware's PIN dialog; the challenge lives 2 minutes.
  var SIGN_TIMEOUT_MS = 110000;

  var messages = {};
  root.querySelectorAll("[data-eid-messages] [data-key]").forEach(function (item) {
    messages[item.getAttribute("data-key")] = item.textContent.trim();
  });

  function message(key) {
    return messages[key] || messages["card-failed"] || "";
  }

  // --- Showing progress and errors ----------------------------------------------------------

  function showStatus(text) {
    statusRegion.textContent = text || "";
  }

  function showError(text) {
    // A fresh element each time, so that screen readers announce the alert again even when the
    // same sentence repeats (a second wrong PIN).
    errorRegion.textContent = "";
    if (text) {
      var box = document.createElement("div");
      box.className = "errors";
      var paragraph = document.createElement("p");
      paragraph.textContent = text;
      box.appendChild(paragraph);
      errorRegion.appendChild(box);
    }
  }

  function setBusy(value) {
    busy = value;
    form.setAttribute("aria-busy", value ? "true" : "false");
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
    submitButton.setAttribute("aria-disabled", value ? "true" : "false");
    startButton.setAttribute("aria-disabled", value ? "true" : "false");
  }

  function focusPin() {
    pinInput.focus();
  }

  function markPin(invalid) {
    if (invalid) {
      pinInput.setAttribute("aria-invalid", "true");
    } else {
      pinInput.removeAttribute("aria-invalid");
    }
  }

  // --- Talking to the signer and the portal -------------------------------------------------

  /** An error to show: `text` for the citizen, `code` for the failure report and the focus. */
  function Failure(text, code, reportable) {
    this.text = text;
    this.code = code || "";
    this.reportable = Boolean(reportable);
  }

  function withTimeout(milliseconds) {
    if (!window.AbortController) {
      return { signal: undefined, done: function () {} };
    }
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, milliseconds);
    return { signal: controller.signal, done: function () { window.clearTimeout(timer); } };
  }

  function readJson(response) {
    return response.json().catch(function () { return null; });
  }

  /** A request to the local signer: no cookies, no referrer, the page's language. */
  function callAgent(path, body, timeoutMs) {
    var timeout = withTimeout(timeoutMs);
    var options = {
      method: body ? "POST" : "GET",
      mode: "cors",
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      headers: { "Accept-Language": language },
      signal: timeout.signal,
    };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(agentUrl + path, options).then(
      function (response) {
        timeout.done();
        return readJson(response).then(function (data) {
          if (response.ok && data) {
            return data;
          }
          var code = data && typeof data.code === "string" ? data.code : "card_error";
          var text = data && typeof data.message === "string" ? data.message : message("card-failed");
          throw new Failure(text, code, true);
        });
      },
      function () {
        // Not running, refused this origin (no CORS answer), or timed out: to the citizen, the
        // signer is not there.
        timeout.done();
        throw new Failure(message("agent-missing"), "agent_unavailable", true);
      }
    );
  }

  /** A request to the portal: same origin, session cookie, CSRF token from the page. */
  function callPortal(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {
        "Accept": "application/json",
        "Accept-Language": language,
        "Content-Type": "application/json",
        "X-CSRFToken": config.csrfToken || "",
      },
      body: JSON.stringify(body),
    }).then(
      function (response) {
        return readJson(response).then(function (data) {
          if (response.ok) {
            return data || {};
          }
          throw new Failure(portalErrorText(response.status, data), data && data.code);
        });
      },
      function () {
        throw new Failure(message("portal-failed"));
      }
    );
  }

  function portalErrorText(status, data) {
    if (status === 403) {
      return message("page-expired"); // the CSRF check failed: the token or session is stale
    }
    if (data && typeof data.detail === "string") {
      return data.detail; // 401 refusals and throttling, translated by the portal
    }
    if (data && typeof data === "object") {
      // 400: {"<field>": ["<message>", ...]}
      var fields = Object.keys(data);
      for (var i = 0; i < fields.length; i += 1) {
        var value = data[fields[i]];
        if (Array.isArray(value) && typeof value[0] === "string") {
          return value[0];
        }
      }
    }
    return message("portal-failed");
  }

  function reportFailure(challenge, code) {
    var reported = REPORTED_CODES.indexOf(code) >= 0 ? code : "card_error";
    // Best effort: the citizen sees the error whether or not the report gets through.
    return callPortal(config.failureUrl, { challenge: challenge, code: reported }).catch(
      function () {}
    );
  }

  /** Only a local path: `next` comes from the server already checked, this is a second guard. */
  function safeNext(value) {
    if (typeof value === "string" && value.charAt(0) === "/" && !/^\/[\/\\]/.test(value)) {
      return value;
    }
    return "/";
  }

  // --- The two steps the citizen takes ------------------------------------------------------

  function checkSigner() {
    if (busy) {
      return;
    }
    setBusy(true);
    showError("");
    showStatus(message("checking"));
    callAgent("/v1/status", null, STATUS_TIMEOUT_MS)
      .then(function (data) {
        if (!data || typeof data.cards !== "number" || data.cards < 1) {
          throw new Failure(message("no-card"), "no_card");
        }
        form.hidden = false;
        showStatus(message("ready"));
        focusPin();
      })
      .catch(function (failure) {
        form.hidden = true;
        showStatus("");
        showError(failure instanceof Failure ? failure.text : message("card-failed"));
      })
      .then(function () {
        setBusy(false);
      });
  }

  function logIn(event) {
    event.preventDefault();
    if (busy) {
      return; // a second signature would be a second PIN try on the card
    }
    var pin = pinInput.value;
    // The PIN leaves the page's memory as soon as it is read; a retry means typing it again.
    pinInput.value = "";
    showError("");
    if (!/^[0-9]{4,12}$/.test(pin)) {
      markPin(true);
      showStatus("");
      showError(message("pin-format"));
      focusPin();
      return;
    }
    markPin(false);
    setBusy(true);
    showStatus(message("preparing"));
    var challenge = null;

    callPortal(config.challengeUrl, {})
      .then(function (issued) {
        challenge = issued.challenge;
        showStatus(message("signing"));
        return callAgent("/v1/sign", { challenge: challenge, pin: pin }, SIGN_TIMEOUT_MS).catch(
          function (failure) {
            if (failure instanceof Failure && failure.reportable) {
              reportFailure(challenge, failure.code);
            }
            throw failure;
          }
        );
      })
      .then(function (signed) {
        pin = "";
        showStatus(message("verifying"));
        return callPortal(config.loginUrl, {
          challenge: challenge,
          certificate: signed.certificate,
          signature: signed.signature,
        });
      })
      .then(function () {
        showStatus(message("success"));
        window.location.assign(safeNext(config.next));
      })
      .catch(function (failure) {
        pin = "";
        showStatus("");
        var known = failure instanceof Failure;
        showError(known ? failure.text : message("card-failed"));
        var pinProblem = known && PIN_CODES.indexOf(failure.code) >= 0;
        markPin(pinProblem);
        if (pinProblem || (known && failure.code === "pin_cancelled")) {
          focusPin();
        }
        setBusy(false);
      });
  }

  // --- Wiring -------------------------------------------------------------------------------

  root.querySelectorAll("[data-eid-without-script]").forEach(function (note) {
    note.hidden = true;
  });
  startBlock.hidden = false;
  startButton.addEventListener("click", checkSigner);
  form.addEventListener("submit", logIn);
})();
