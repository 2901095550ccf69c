//! The registration iframe's pages, one per status, as HTML fragments.
//!
//! Element ids and `data-testid`s are a contract with the app's WebDriver tests: `input#phone`,
//! `button#send-code`, `[data-testid=sandbox-code]`, `input#code`, `button#verify`,
//! `button#change-phone`, `input#business-name`, `input#email`, `select#category`,
//! `button#form-submit`, `button#connect-whatsapp`, `a#reopen-signup`, `button#cancel-signup`,
//! `[data-testid=error]`, `[data-testid=meta-cancelled]`, `[data-testid=meta-failed]`,
//! `[data-testid=meta-waiting]`, `[data-testid=completed]`, `[data-testid=expired]`,
//! `select#lang`; `main#ca-registration[data-status]` carries the status.
//!
//! Nothing here reads `app_secret`: the pages cannot leak what they never see.

use super::i18n::{Texts, CATEGORIES};
use super::layout::{esc, header};
use crate::chatarchitect::registration::validate::PhoneProblem;
use crate::chatarchitect::registration::{Flash, InputProblem, MetaNotice, Session, Status};

/// What a page is rendered from.
pub(super) struct View<'a> {
    pub(super) session: &'a Session,
    pub(super) status: Status,
    pub(super) flash: Flash,
    pub(super) t: &'static Texts,
}

impl View<'_> {
    fn action(&self, step: &str) -> String {
        format!("/registration/{}/{step}", self.session.id)
    }

    fn error(&self, problems: &[fn(&InputProblem) -> bool]) -> String {
        match self.flash.problem {
            Some(p) if problems.iter().any(|f| f(&p)) => {
                format!(
                    "<p class=\"error\" id=\"error\" data-testid=\"error\" role=\"alert\">{}</p>",
                    esc(problem_text(self.t, p))
                )
            }
            _ => String::new(),
        }
    }

    fn invalid(&self, f: fn(&InputProblem) -> bool) -> &'static str {
        match self.flash.problem {
            Some(p) if f(&p) => " aria-invalid=\"true\" aria-describedby=\"error\"",
            _ => "",
        }
    }
}

/// `#ca-root`'s content for the session's current status.
pub(super) fn render(v: &View<'_>) -> String {
    let main = match v.status {
        Status::Started => phone(v),
        Status::PhoneCodeSent => code(v),
        Status::PhoneVerified => business(v),
        Status::FormCompleted => connect(v),
        Status::FbStarted => waiting(v),
        Status::Completed => completed(v),
        Status::Expired => expired(v),
    };
    let step = match v.status {
        Status::Started => Some(1),
        Status::PhoneCodeSent => Some(2),
        Status::PhoneVerified => Some(3),
        Status::FormCompleted | Status::FbStarted => Some(4),
        Status::Completed | Status::Expired => None,
    };
    let step = step
        .map_or(String::new(), |n| format!("<p class=\"step\">{}</p>", esc(&v.t.step.replace("{n}", &n.to_string()))));
    format!(
        "{}<main id=\"ca-registration\" data-testid=\"registration\" data-status=\"{}\">{step}{main}</main>{}",
        header("ChatArchitect"),
        v.status.as_str(),
        footer(v)
    )
}

fn phone(v: &View<'_>) -> String {
    let t = v.t;
    let is_phone: fn(&InputProblem) -> bool = |p| matches!(p, InputProblem::Phone(_));
    format!(
        "<h1>{}</h1><p class=\"intro\">{}</p>\
         <form method=\"post\" action=\"{}\" novalidate><label for=\"phone\">{}</label>\
         <input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" \
         placeholder=\"+421 233 221 242\" value=\"{}\" required autofocus{}>{}\
         <button id=\"send-code\" class=\"primary\" type=\"submit\">{}</button></form>",
        esc(t.phone_title),
        esc(t.phone_intro),
        v.action("phone"),
        esc(t.phone_label),
        esc(&v.flash.phone),
        v.invalid(is_phone),
        v.error(&[is_phone]),
        esc(t.send_code),
    )
}

fn code(v: &View<'_>) -> String {
    let t = v.t;
    let s = v.session;
    let is_code: fn(&InputProblem) -> bool = |p| matches!(p, InputProblem::CodeFormat | InputProblem::CodeWrong);
    format!(
        "<h1>{}</h1><p class=\"intro\">{}</p>\
         <p class=\"notice\">{}<span class=\"code\" data-testid=\"sandbox-code\">{}</span></p>\
         <form method=\"post\" action=\"{}\" novalidate><label for=\"code\">{}</label>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" \
         pattern=\"[0-9]{{6}}\" required autofocus{}>{}\
         <div class=\"row\"><button id=\"verify\" class=\"primary\" type=\"submit\">{}</button>\
         <button id=\"change-phone\" class=\"link\" type=\"submit\" formaction=\"{}\">{}</button></div></form>",
        esc(t.code_title),
        esc(&t.code_intro.replace("{phone}", s.phone.as_deref().unwrap_or_default())),
        esc(t.sandbox_code),
        esc(s.code.as_deref().unwrap_or_default()),
        v.action("code"),
        esc(t.code_label),
        v.invalid(is_code),
        v.error(&[is_code]),
        esc(t.verify),
        v.action("change-phone"),
        esc(t.change_phone),
    )
}

fn business(v: &View<'_>) -> String {
    let t = v.t;
    let f = &v.flash;
    let is_name: fn(&InputProblem) -> bool = |p| matches!(p, InputProblem::BusinessName);
    let is_email: fn(&InputProblem) -> bool = |p| matches!(p, InputProblem::Email);
    let is_category: fn(&InputProblem) -> bool = |p| matches!(p, InputProblem::Category);
    let options: String = CATEGORIES
        .iter()
        .zip(t.categories)
        .map(|(value, label)| {
            let selected = if f.category == *value { " selected" } else { "" };
            format!("<option value=\"{value}\"{selected}>{}</option>", esc(label))
        })
        .collect();
    format!(
        "<h1>{}</h1><form method=\"post\" action=\"{}\" novalidate>\
         <label for=\"business-name\">{}</label><input id=\"business-name\" name=\"business_name\" \
         autocomplete=\"organization\" maxlength=\"100\" value=\"{}\" required autofocus{}>{}\
         <label for=\"email\">{}</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" \
         value=\"{}\" required{}>{}\
         <label for=\"category\">{}</label><select id=\"category\" name=\"category\"{}>{options}</select>{}\
         <button id=\"form-submit\" class=\"primary\" type=\"submit\">{}</button></form>",
        esc(t.form_title),
        v.action("business"),
        esc(t.business_name),
        esc(&f.business_name),
        v.invalid(is_name),
        v.error(&[is_name]),
        esc(t.email),
        esc(&f.email),
        v.invalid(is_email),
        v.error(&[is_email]),
        esc(t.category),
        v.invalid(is_category),
        v.error(&[is_category]),
        esc(t.form_submit),
    )
}

fn connect(v: &View<'_>) -> String {
    let t = v.t;
    let name = v.session.business.as_ref().map_or("", |b| b.business_name.as_str());
    let (notice, label) = match &v.session.meta_notice {
        None => (String::new(), t.connect),
        Some(MetaNotice::Cancelled) => (
            format!("<p class=\"notice\" data-testid=\"meta-cancelled\" role=\"status\">{}</p>", esc(t.cancelled)),
            t.connect_again,
        ),
        Some(MetaNotice::Failed(message)) => (
            format!("<p class=\"notice bad\" data-testid=\"meta-failed\" role=\"alert\">{}</p>", esc(message)),
            t.try_again,
        ),
    };
    format!(
        "<h1>{}</h1>{notice}<p class=\"intro\">{}</p>\
         <form id=\"connect-form\" method=\"post\" action=\"{}\">\
         <button id=\"connect-whatsapp\" class=\"primary\" type=\"submit\">{}</button></form>",
        esc(t.connect_title),
        esc(&t.connect_intro.replace("{business}", name)),
        v.action("facebook-started"),
        esc(label),
    )
}

fn waiting(v: &View<'_>) -> String {
    let t = v.t;
    format!(
        "<h1>{}</h1><div class=\"spinner\" data-testid=\"meta-waiting\" role=\"status\"></div><p class=\"intro\">{}</p>\
         <form method=\"post\" action=\"{}\" class=\"row\">\
         <a id=\"reopen-signup\" class=\"button secondary\" href=\"/meta/signup?s={}\" target=\"ca-meta-signup\" \
         rel=\"opener\">{}</a><button id=\"cancel-signup\" class=\"danger\" type=\"submit\">{}</button></form>",
        esc(t.waiting_title),
        esc(t.waiting_intro),
        v.action("cancel-signup"),
        v.session.id,
        esc(t.reopen),
        esc(t.cancel),
    )
}

fn completed(v: &View<'_>) -> String {
    let phone = v.session.completion.as_ref().map_or("", |c| c.phone.as_str());
    format!(
        "<p class=\"done\" aria-hidden=\"true\">✓</p><h1 data-testid=\"completed\">{}</h1><p class=\"intro\">{}</p>",
        esc(v.t.done_title),
        esc(&v.t.done_intro.replace("{phone}", phone)),
    )
}

fn expired(v: &View<'_>) -> String {
    format!(
        "<h1 data-testid=\"expired\">{}</h1><p class=\"intro\">{}</p>",
        esc(v.t.expired_title),
        esc(v.t.expired_intro)
    )
}

/// The language picker (not on finished pages) and the sandbox note.
fn footer(v: &View<'_>) -> String {
    let picker = if matches!(v.status, Status::Completed | Status::Expired) {
        String::new()
    } else {
        let options: String = super::i18n::Lang::ALL
            .iter()
            .map(|l| {
                let selected = if *l == v.session.lang { " selected" } else { "" };
                format!("<option value=\"{}\"{selected}>{}</option>", l.code(), esc(l.native_name()))
            })
            .collect();
        format!(
            "<form id=\"lang-form\" method=\"post\" action=\"{}\"><label for=\"lang\">{}</label>\
             <select id=\"lang\" name=\"lang\">{options}</select>\
             <button id=\"lang-apply\" class=\"secondary\" type=\"submit\">{}</button></form>",
            v.action("lang"),
            esc(v.t.language),
            esc(v.t.apply)
        )
    };
    format!("<footer><span>{}</span>{picker}</footer>", esc(v.t.sandbox_note))
}

/// The localized text of an input problem.
pub(super) fn problem_text(t: &Texts, p: InputProblem) -> &'static str {
    match p {
        InputProblem::Phone(PhoneProblem::Missing) => t.err_phone_missing,
        InputProblem::Phone(PhoneProblem::Characters) => t.err_phone_chars,
        InputProblem::Phone(PhoneProblem::Length) => t.err_phone_length,
        InputProblem::Phone(PhoneProblem::LeadingZero) => t.err_phone_zero,
        InputProblem::CodeFormat => t.err_code_format,
        InputProblem::CodeWrong => t.err_code_wrong,
        InputProblem::BusinessName => t.err_business_name,
        InputProblem::Email => t.err_email,
        InputProblem::Category => t.err_category,
    }
}
