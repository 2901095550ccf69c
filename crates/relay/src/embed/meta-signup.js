// Host page for Meta's Embedded Signup (360dialog self-hosted signup, seed 003; PROVIDERS.md §6).
//
// Meta's flow needs an https page on a domain allowed in the partner's Meta app; the desktop's own
// page is tauri://localhost, so the app frames this page from its relay. The page holds no secret
// and no session state: everything arrives in the fragment, which is never sent to the server.
//
// mode=facebook: loads Meta's JS SDK and calls FB.login with the Embedded Signup configuration;
// mode=sandbox: opens the simulated signup the sandbox serves instead. Either way, Meta's
// WA_EMBEDDED_SIGNUP message (a JSON string) is accepted only from the signup's origin, reduced to
// its documented fields, tagged with the onboarding's state and forwarded to the app's origins.
// The FB.login code is not forwarded: 360dialog's submission needs only the WABA id, and a code is
// a credential. The app treats what it gets as a claim that 360dialog then checks.
(function () {
  "use strict";
  var OUT_TYPE = "wadesk.meta-signup";
  var IN_TYPE = "WA_EMBEDDED_SIGNUP";
  var EVENTS = ["FINISH", "FINISH_ONLY_WABA", "CANCEL", "ERROR"];
  // The app's origins: Linux/macOS, Windows. Posting to the one that does not match is a no-op.
  var APP_ORIGINS = ["tauri://localhost", "http://tauri.localhost"];
  var META_ORIGINS = ["https://www.facebook.com", "https://web.facebook.com"];
  var SDK_URL = "https://connect.facebook.net/en_US/sdk.js";
  var SDK_VERSION = "v21.0";
  var ID = /^[0-9A-Za-z_-]{1,64}$/;
  var STATUS = {
    FINISH: "Meta's signup is finished. Wadesk is submitting the number to 360dialog…",
    FINISH_ONLY_WABA: "Meta's signup is finished. Wadesk is submitting the WhatsApp Business Account to 360dialog…",
    CANCEL: "Meta's signup was closed before it finished.",
    ERROR: "Meta's signup reported an error."
  };

  var button = document.getElementById("meta-signup-start");
  var statusLine = document.getElementById("signup-status");
  var state = "";

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

  function say(text) {
    statusLine.textContent = text;
  }

  function fail(text) {
    var p = document.getElementById("host-error");
    p.textContent = text;
    p.hidden = false;
    button.disabled = true;
    forward({ type: OUT_TYPE, state: state, event: "host_error", message: text });
  }

  var params = new URLSearchParams(window.location.hash.slice(1));
  state = params.get("state") || "";
  if (!/^[A-Za-z0-9]{16,128}$/.test(state)) {
    state = "";
    fail("This page needs its onboarding details; open it from Wadesk.");
    return;
  }

  var allowedOrigins;
  var start;
  var mode = params.get("mode");
  if (mode === "sandbox") {
    var signup;
    try {
      signup = new URL(params.get("signup") || "");
    } catch (e) {
      fail("The signup address is missing; start again from Wadesk.");
      return;
    }
    if (signup.protocol !== "https:" && signup.protocol !== "http:") {
      fail("The signup address must be http(s).");
      return;
    }
    allowedOrigins = [signup.origin];
    signup.searchParams.set("origin", window.location.origin);
    signup.searchParams.set("state", state);
    button.textContent = "Start the simulated Meta signup";
    start = function () {
      var w = window.open(signup.href, "wadesk-meta-signup", "popup,width=640,height=760");
      if (!w) {
        say("The signup window could not open.");
        forward({ type: OUT_TYPE, state: state, event: "popup_blocked" });
        return;
      }
      say("Finish the signup in the window that opened.");
    };
    button.disabled = false;
  } else if (mode === "facebook") {
    var appId = params.get("app_id") || "";
    var configId = params.get("config_id") || "";
    if (!/^\d{1,32}$/.test(appId) || !/^\d{1,32}$/.test(configId)) {
      fail("The Meta app or configuration ID is missing; check Settings → 360dialog in Wadesk.");
      return;
    }
    allowedOrigins = META_ORIGINS;
    window.fbAsyncInit = function () {
      window.FB.init({ appId: appId, autoLogAppEvents: true, xfbml: false, version: SDK_VERSION });
      button.disabled = false;
    };
    var sdk = document.createElement("script");
    sdk.src = SDK_URL;
    sdk.async = true;
    sdk.crossOrigin = "anonymous";
    sdk.onerror = function () {
      fail("Facebook's sign-in could not load. Check the connection, then reload.");
    };
    document.body.appendChild(sdk);
    start = function () {
      say("Finish the signup in Facebook's window.");
      window.FB.login(
        function () {
          /* The code is not used (see above); the result comes as WA_EMBEDDED_SIGNUP. */
        },
        {
          config_id: configId,
          response_type: "code",
          override_default_response_type: true,
          extras: { setup: {}, sessionInfoVersion: "3" }
        }
      );
    };
  } else {
    fail("This page needs its onboarding details; open it from Wadesk.");
    return;
  }

  button.addEventListener("click", start);

  window.addEventListener("message", function (event) {
    if (allowedOrigins.indexOf(event.origin) < 0) return;
    if (typeof event.data !== "string") return;
    var data;
    try {
      data = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (!data || data.type !== IN_TYPE || EVENTS.indexOf(data.event) < 0) return;
    var d = data.data && typeof data.data === "object" ? data.data : {};
    var msg = { type: OUT_TYPE, state: state, event: data.event };
    ["waba_id", "phone_number_id", "business_id"].forEach(function (k) {
      var v = typeof d[k] === "number" ? String(d[k]) : d[k];
      if (typeof v === "string" && ID.test(v)) msg[k] = v;
    });
    if (typeof d.current_step === "string") msg.current_step = d.current_step.slice(0, 80);
    if (typeof d.error_message === "string") msg.error_message = d.error_message.slice(0, 500);
    if (d.error_code !== undefined && d.error_code !== null) msg.error_code = String(d.error_code).slice(0, 40);
    say(STATUS[data.event]);
    forward(msg);
  });
})();
