// Host page for a provider's embedded registration iframe (ChatArchitect, seed 000).
//
// The desktop app's own page has a non-http origin (tauri://localhost), which the Partner API
// refuses as parent_origin, so the app frames this page (served by its relay, on an http(s) origin)
// and this page frames the registration. It holds no secret and no session state: the iframe URL
// arrives in the fragment, which is never sent to the server.
//
// It applies the seed's listener rule (origin must be the registration domain's, type must be
// ca.whatsapp.registration), resizes the iframe on `height`, and forwards a copy reduced to the
// documented fields to the app. The app treats what it gets as status hints only.
(function () {
  "use strict";
  var TYPE = "ca.whatsapp.registration";
  var EVENTS = ["ready", "height", "phone_verified", "facebook_started", "completed", "failed", "cancelled"];
  // The app's origins: Linux/macOS, Windows. Posting to the one that does not match is a no-op.
  var APP_ORIGINS = ["tauri://localhost", "http://tauri.localhost"];
  var MAX_HEIGHT = 4000;

  function fail(text) {
    var p = document.getElementById("host-error");
    p.textContent = text;
    p.hidden = false;
    forward({ type: "wadesk.registration-host", event: "host_error", message: text });
  }

  function forward(msg) {
    if (window.parent === window) return;
    for (var i = 0; i < APP_ORIGINS.length; i++) {
      try {
        window.parent.postMessage(msg, APP_ORIGINS[i]);
      } catch (e) {
        /* an origin this engine cannot parse: skip it */
      }
    }
  }

  var params = new URLSearchParams(window.location.hash.slice(1));
  var src = params.get("src");
  var url;
  try {
    url = new URL(src || "");
  } catch (e) {
    fail("This page needs the registration address; open it from Wadesk.");
    return;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    fail("The registration address must be http(s).");
    return;
  }
  var expectedOrigin = url.origin;

  var frame = document.createElement("iframe");
  frame.id = "ca-whatsapp-registration";
  frame.title = "WhatsApp registration";
  frame.src = url.href;
  frame.setAttribute("allow", "clipboard-write; encrypted-media; fullscreen");
  // The seed's list for Meta Embedded Signup (popups must work and escape the sandbox).
  frame.setAttribute(
    "sandbox",
    "allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox"
  );
  document.body.appendChild(frame);

  window.addEventListener("message", function (event) {
    if (event.origin !== expectedOrigin) return;
    var data = event.data || {};
    if (data.type !== TYPE) return;
    if (EVENTS.indexOf(data.event) < 0) return;
    var msg = { type: TYPE, event: data.event, registration_id: String(data.registration_id || "").slice(0, 128) };
    if (data.event === "height") {
      var h = Number(data.height);
      if (!isFinite(h) || h <= 0) return;
      msg.height = Math.min(Math.ceil(h), MAX_HEIGHT);
      frame.style.height = msg.height + "px";
    }
    if (data.event === "failed" && typeof data.message === "string") {
      msg.message = data.message.slice(0, 500);
    }
    forward(msg);
  });
})();
