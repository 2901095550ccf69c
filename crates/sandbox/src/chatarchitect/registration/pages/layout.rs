//! The frame every page shares: the HTML shell, the stylesheet, the two inline scripts and the
//! security headers.
//!
//! Each response gets a fresh CSP nonce; the one `<style>` and the one `<script>` carry it and
//! nothing else may run (`default-src 'none'`, no inline event handlers, no `style` attributes).
//! The Meta popup is never framed (`frame-ancestors 'none'`). The iframe pages set no
//! `frame-ancestors`: the seed documents none, and `frame-ancestors` checks every ancestor, so
//! restricting it to `parent_origin` would also refuse a parent page that is itself framed (as
//! Wadesk's host page is, inside the app window). Page data reaches the script as a JSON data block (`#ca-config`), escaped so no value can
//! close the element.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::i18n::Lang;
use crate::chatarchitect::{random_string, ALNUM};

/// One page to answer.
pub(super) struct Document {
    pub(super) status: StatusCode,
    pub(super) lang: Lang,
    pub(super) title: String,
    /// Inner HTML of `#ca-root`, already escaped.
    pub(super) body: String,
    /// What `#ca-config` holds for the script.
    pub(super) config: serde_json::Value,
    pub(super) script: Script,
    /// The `frame-ancestors` source list; empty for none.
    pub(super) frame_ancestors: String,
}

/// Which inline script a page runs.
#[derive(Debug, Clone, Copy)]
pub(super) enum Script {
    /// The registration iframe: postMessage to the parent, height, polling, the Meta popup.
    Iframe,
    /// The Meta signup popup: tells its opener the outcome, then closes.
    Popup,
    /// Informational pages: nothing to run.
    None,
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let nonce = random_string(24, ALNUM);
        let script = match self.script {
            Script::Iframe => IFRAME_JS,
            Script::Popup => POPUP_JS,
            Script::None => "",
        };
        let html = format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"no-referrer\"><title>{title}</title>\
             <style nonce=\"{nonce}\">{CSS}</style></head>\n<body><div id=\"ca-root\">{body}</div>\n\
             <script type=\"application/json\" id=\"ca-config\">{config}</script>\n\
             <script nonce=\"{nonce}\">{script}</script></body></html>\n",
            lang = self.lang.code(),
            title = esc(&self.title),
            body = self.body,
            config = script_json(&self.config),
        );
        let mut csp = format!(
            "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'"
        );
        if !self.frame_ancestors.is_empty() {
            csp.push_str("; frame-ancestors ");
            csp.push_str(&self.frame_ancestors);
        }
        let mut res = (self.status, html).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        if let Ok(csp) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        res
    }
}

/// HTML-escapes text and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside `<script>`: `<`, `>`, `&` and the JavaScript line separators can only
/// occur inside JSON strings, where their `\u` escapes mean the same.
pub(crate) fn script_json(value: &impl Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "{}".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The header strip every page starts with.
pub(super) fn header(brand: &str) -> String {
    format!(
        "<header class=\"bar\"><span class=\"brand\">{}</span>\
         <span class=\"badge\" data-testid=\"sandbox-label\">ChatArchitect sandbox</span></header>",
        esc(brand)
    )
}

const CSS: &str = "\
*,*::before,*::after{box-sizing:border-box}[hidden]{display:none!important}\
html,body{margin:0;padding:0;background:#f6f7f9;color:#1f2328}\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\
#ca-root{max-width:520px;margin:0 auto;padding:20px 16px 16px}\
.bar{display:flex;align-items:center;justify-content:space-between;margin-bottom:16px}\
.brand{font-weight:600;letter-spacing:.01em}\
.badge{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.06em;color:#7a4d00;\
background:#fff4d6;border:1px solid #f0d58c;border-radius:999px;padding:2px 10px}\
main{background:#fff;border:1px solid #dfe3e8;border-radius:12px;padding:24px}\
h1{font-size:20px;line-height:1.3;margin:0 0 8px}\
.step{margin:0 0 4px;font-size:13px;color:#59636e}\
.intro{margin:0 0 16px;color:#3d444d}\
label{display:block;font-weight:600;margin:12px 0 4px}\
input,select{width:100%;font:inherit;padding:9px 11px;border:1px solid #c8ced6;border-radius:8px;background:#fff}\
input:focus,select:focus{outline:2px solid #1f6feb;outline-offset:1px}\
input[aria-invalid=true]{border-color:#cf222e}\
button,.button{display:inline-block;font:inherit;font-weight:600;border-radius:8px;padding:10px 16px;\
border:1px solid transparent;cursor:pointer;text-decoration:none}\
.primary{background:#1a7f37;color:#fff;margin-top:16px}.primary:hover{background:#166c2e}\
.secondary{background:#fff;color:#1f2328;border-color:#c8ced6}.secondary:hover{background:#f3f4f6}\
.danger{background:#fff;color:#cf222e;border-color:#f1aeb5}\
.link{background:none;border:0;padding:8px 0;color:#1f6feb;font-weight:500}\
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-top:16px}.row .primary{margin-top:0}\
.error{margin:8px 0 0;color:#cf222e;font-weight:500}\
.notice{margin:0 0 16px;padding:10px 12px;border-radius:8px;background:#fff8e6;border:1px solid #f0d58c}\
.notice.bad{background:#fff0f0;border-color:#f1aeb5;color:#82071e}\
.code{font:600 28px/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.2em;\
display:block;margin-top:4px;color:#1f2328}\
.done{font-size:40px;line-height:1;margin:0 0 8px;color:#1a7f37}\
.spinner{width:28px;height:28px;border:3px solid #dfe3e8;border-top-color:#1a7f37;border-radius:50%;\
animation:spin 1s linear infinite;margin:4px 0 12px}@keyframes spin{to{transform:rotate(360deg)}}\
footer{display:flex;justify-content:space-between;align-items:center;gap:8px;margin-top:12px;\
font-size:12px;color:#59636e}footer form{display:flex;gap:6px;align-items:center}\
footer label{display:inline;margin:0;font-weight:400}footer select{width:auto;padding:2px 6px;font-size:12px}\
footer button{padding:2px 8px;font-size:12px}\
.meta-bar .brand{color:#0866ff}.meta main{border-color:#c9d7f2}\
.meta .primary{background:#0866ff}.meta .primary:hover{background:#0757d6}\
";

/// The registration iframe's script. Messages go to `parent_origin` only, never to `*`.
const IFRAME_JS: &str = r#"(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('ca-config').textContent);
  var parentOrigin = cfg.parent_origin;
  function post(event, extra) {
    if (window.parent === window) return;
    var msg = { type: 'ca.whatsapp.registration', event: event, registration_id: cfg.registration_id };
    if (extra) Object.keys(extra).forEach(function (k) { msg[k] = extra[k]; });
    window.parent.postMessage(msg, parentOrigin);
  }
  var root = document.getElementById('ca-root');
  var lastHeight = -1;
  function reportHeight() {
    var h = Math.ceil(root.getBoundingClientRect().height);
    if (h !== lastHeight) { lastHeight = h; post('height', { height: h }); }
  }
  function reload() { window.location.replace(cfg.iframe_url); }
  var popupFeatures = 'popup,width=600,height=700';
  post('ready');
  cfg.events.forEach(function (e) { post(e.event, e.message ? { message: e.message } : null); });
  reportHeight();
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(root);
  else window.addEventListener('resize', reportHeight);
  var connect = document.getElementById('connect-form');
  if (connect && cfg.popup_url) connect.addEventListener('submit', function (ev) {
    ev.preventDefault();
    window.open(cfg.popup_url, 'ca-meta-signup', popupFeatures);
    fetch(cfg.facebook_started_url, { method: 'POST', credentials: 'same-origin' })
      .catch(function () {}).then(reload);
  });
  var reopen = document.getElementById('reopen-signup');
  if (reopen && cfg.popup_url) reopen.addEventListener('click', function (ev) {
    ev.preventDefault();
    window.open(cfg.popup_url, 'ca-meta-signup', popupFeatures);
  });
  var lang = document.getElementById('lang');
  if (lang) {
    document.getElementById('lang-apply').hidden = true;
    lang.addEventListener('change', function () { lang.form.submit(); });
  }
  window.addEventListener('message', function (e) {
    if (e.origin !== cfg.sandbox_origin) return;
    var d = e.data || {};
    if (d.type === 'ca.sandbox.meta_signup' && d.registration_id === cfg.registration_id) reload();
  });
  if (cfg.poll_ms > 0) {
    var busy = false;
    setInterval(function () {
      if (busy) return;
      busy = true;
      fetch(cfg.status_url, { cache: 'no-store', credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) { busy = false; if (s && s.version !== cfg.version) reload(); })
        .catch(function () { busy = false; });
    }, cfg.poll_ms);
  }
})();"#;

/// The Meta popup's script: on the outcome page, tell the opener (the iframe) and close; on the
/// choice page, treat closing the window without choosing as a cancellation.
const POPUP_JS: &str = r#"(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('ca-config').textContent);
  var chosen = false;
  var form = document.getElementById('meta-form');
  if (form) form.addEventListener('submit', function () { chosen = true; });
  window.addEventListener('pagehide', function () {
    if (!chosen && cfg.cancel_url && navigator.sendBeacon) {
      navigator.sendBeacon(cfg.cancel_url, new URLSearchParams({ outcome: 'cancel', via: 'beacon' }));
    }
  });
  var close = document.getElementById('meta-close');
  if (close) close.addEventListener('click', function () { window.close(); });
  if (cfg.outcome) {
    chosen = true;
    if (window.opener) {
      window.opener.postMessage(
        { type: 'ca.sandbox.meta_signup', registration_id: cfg.registration_id, outcome: cfg.outcome },
        cfg.sandbox_origin);
    }
    window.close();
  }
})();"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let v = serde_json::json!({ "m": "</script><script>alert(1)</script>\u{2028}" });
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>'), "{s}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
    }

    #[test]
    fn scripts_never_target_any_origin() {
        for js in [IFRAME_JS, POPUP_JS] {
            assert!(!js.contains("'*'") && !js.contains("\"*\""));
        }
        assert!(IFRAME_JS.contains("window.parent.postMessage(msg, parentOrigin)"));
    }
}
