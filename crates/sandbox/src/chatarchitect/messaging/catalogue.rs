//! Approved templates: the default catalogue `/getHSM` lists, replaceable per app through the
//! control surface, and the check that decides whether a template send matches one.
//!
//! Seed "Template send syntax": a template's `data` is `{{<template uuid>}}\n<body>`, the body's
//! `{{1}}`, `{{2}}`… are variables; a send is a text message with that first line kept and the
//! variables filled in, values may contain spaces but not line breaks. The seed calls its
//! `/getHSM` sample a "fragment", so each template here also carries `templateType`,
//! `elementName` and `languageCode` (the field names of ChatArchitect's `submit_template`,
//! PROVIDERS.md §1) — an assumption.
//!
//! Matching turns the body into a pattern in which each `{{n}}` stands for one or more characters
//! without a line break, the same value wherever the same `n` appears. It is a small
//! backtracking matcher anchored on the literal text, with a step budget so a hostile body
//! cannot make it run long.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::chatarchitect::error::ApiError;

/// The seed's own example, `{{26815959-…}}\nHello{{1}}` (MARKETING).
pub const TEMPLATE_SEED_HELLO: &str = "26815959-f5b8-49b4-9b0e-7458d34777cc";
/// UTILITY, one variable: the order number.
pub const TEMPLATE_ORDER_SHIPPED: &str = "5f0c2a1e-8b3d-4c6a-9e71-2d4b6a8c0f11";
/// MARKETING, two variables: name and discount.
pub const TEMPLATE_PROMO: &str = "7a3e9c52-1f64-4b8d-a2c7-3e5f7b9d1a22";
/// UTILITY, five variables over several lines: an appointment reminder.
pub const TEMPLATE_APPOINTMENT: &str = "9c4d1e73-2a85-4f9e-b3d8-4f607c0e2b33";
/// OTP: `{{1}} is your verification code…`.
pub const TEMPLATE_OTP: &str = "b1e5f294-3b96-4a0f-84e9-5a718d1f3c44";
/// MARKETING, a long body (about 900 characters, several lines), one variable.
pub const TEMPLATE_NEWSLETTER: &str = "c2f6a3b5-4ca7-4b1a-95fa-6b829e2a4d55";
/// UTILITY in Russian, two variables.
pub const TEMPLATE_RU_ORDER_READY: &str = "d3a7b4c6-5db8-4c2b-a60b-7c93af3b5e66";
/// UTILITY in Arabic, two variables.
pub const TEMPLATE_AR_BOOKING: &str = "e4b8c5d7-6ec9-4d3c-b71c-8da4b04c6f77";
/// UTILITY in Hindi, two variables.
pub const TEMPLATE_HI_ORDER_SENT: &str = "f5c9d6e8-7fda-4e4d-882d-9eb5c15d7088";
/// MARKETING media template (`templateType: "IMAGE"`), one variable.
pub const TEMPLATE_IMAGE_COLLECTION: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c99";
/// UTILITY media template (`templateType: "DOCUMENT"`), one variable.
pub const TEMPLATE_DOCUMENT_INVOICE: &str = "1b2c3d4e-5f60-4b7c-9d8e-0f1a2b3c4daa";

const NEWSLETTER: &str = "Hi {{1}}, here is what is new this month at Sandbox Shop.\n\
New arrivals: our autumn collection has landed, with warm knitwear, waterproof jackets and a \
range of boots made from recycled materials. Every piece is designed to last for years, and you \
can return anything within 30 days if it is not quite right.\n\
Members' corner: loyalty members get early access to the winter sale, free delivery on every \
order and a birthday voucher. If you have not joined yet, it takes less than a minute in the \
app or at any of our stores.\n\
In store: this Saturday we host a repair café from 10:00 to 16:00. Bring a jacket with a broken \
zip or a pair of shoes that need new soles, and our team will help you fix them for free.\n\
Sustainability update: this year we have cut packaging by a third and switched every store to \
renewable electricity. Thank you for helping us get there.\n\
Reply STOP to unsubscribe from these updates.";

/// `(id, category, templateType, elementName, languageCode, body)` of the default catalogue.
const DEFAULTS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (TEMPLATE_SEED_HELLO, "MARKETING", "TEXT", "seed_hello", "en", "Hello{{1}}"),
    (
        TEMPLATE_ORDER_SHIPPED,
        "UTILITY",
        "TEXT",
        "order_shipped",
        "en",
        "Good news! Your order {{1}} has shipped and is on its way.",
    ),
    (
        TEMPLATE_PROMO,
        "MARKETING",
        "TEXT",
        "autumn_promo",
        "en",
        "Hi {{1}}, enjoy {{2}} off your next order this week.\nReply STOP to unsubscribe.",
    ),
    (
        TEMPLATE_APPOINTMENT,
        "UTILITY",
        "TEXT",
        "appointment_reminder",
        "en",
        "Hello {{1}}, this is a reminder of your appointment with {{2}} on {{3}} at {{4}}.\n\
         Address: {{5}}\nReply 1 to confirm or 2 to reschedule.",
    ),
    (
        TEMPLATE_OTP,
        "OTP",
        "TEXT",
        "verification_code",
        "en",
        "{{1}} is your verification code. For your security, do not share this code.",
    ),
    (TEMPLATE_NEWSLETTER, "MARKETING", "TEXT", "monthly_newsletter", "en", NEWSLETTER),
    (
        TEMPLATE_RU_ORDER_READY,
        "UTILITY",
        "TEXT",
        "order_ready_ru",
        "ru",
        "Здравствуйте, {{1}}! Ваш заказ {{2}} готов к выдаче.",
    ),
    (TEMPLATE_AR_BOOKING, "UTILITY", "TEXT", "booking_confirmed_ar", "ar", "مرحبا {{1}}، تم تأكيد حجزك رقم {{2}}."),
    (TEMPLATE_HI_ORDER_SENT, "UTILITY", "TEXT", "order_sent_hi", "hi", "नमस्ते {{1}}, आपका ऑर्डर {{2}} भेज दिया गया है।"),
    (
        TEMPLATE_IMAGE_COLLECTION,
        "MARKETING",
        "IMAGE",
        "new_collection",
        "en",
        "Our new collection is here, {{1}}! Tap to see it.",
    ),
    (
        TEMPLATE_DOCUMENT_INVOICE,
        "UTILITY",
        "DOCUMENT",
        "invoice_attached",
        "en",
        "Your invoice {{1}} is attached. Thank you for your purchase.",
    ),
];

/// The ids of the default catalogue, in `/getHSM` order.
pub fn default_template_ids() -> Vec<&'static str> {
    DEFAULTS.iter().map(|t| t.0).collect()
}

/// One approved template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    /// Lowercase UUID.
    pub(crate) id: String,
    pub(crate) category: String,
    pub(crate) template_type: String,
    pub(crate) element_name: String,
    pub(crate) language_code: String,
    /// The text after the id line.
    pub(crate) body: String,
}

/// A template as `/getHSM` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Listed<'a> {
    app_id: &'a str,
    category: &'a str,
    data: String,
    template_type: &'a str,
    element_name: &'a str,
    language_code: &'a str,
}

impl Template {
    /// The seed's send syntax: `{{<id>}}\n<body>`.
    pub(crate) fn data(&self) -> String {
        format!("{{{{{}}}}}\n{}", self.id, self.body)
    }

    pub(crate) fn listed<'a>(&'a self, app_id: &'a str) -> Listed<'a> {
        Listed {
            app_id,
            category: &self.category,
            data: self.data(),
            template_type: &self.template_type,
            element_name: &self.element_name,
            language_code: &self.language_code,
        }
    }
}

/// The catalogue every app starts with.
pub(crate) fn defaults() -> Vec<Template> {
    DEFAULTS
        .iter()
        .map(|(id, category, kind, name, lang, body)| Template {
            id: (*id).to_owned(),
            category: (*category).to_owned(),
            template_type: (*kind).to_owned(),
            element_name: (*name).to_owned(),
            language_code: (*lang).to_owned(),
            body: (*body).to_owned(),
        })
        .collect()
}

/// Whether `s` is a UUID in 8-4-4-4-12 hex form (either case).
pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// The template id of a message whose first line is `{{<uuid>}}`, and the text after that line.
pub(crate) fn template_send(message: &str) -> Option<(String, &str)> {
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    let id = first.strip_prefix("{{")?.strip_suffix("}}")?;
    is_uuid(id).then(|| (id.to_ascii_lowercase(), rest))
}

/// Why a template send fails (delivered as a `failed` webhook; the send itself is accepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: u32,
    pub(crate) reason: String,
}

/// Unknown template id (Meta's 132001).
pub const CODE_UNKNOWN_TEMPLATE: u32 = 132_001;
/// Wrong number of values, or text that does not match the body (Meta's 132000).
pub const CODE_PARAMETER_COUNT: u32 = 132_000;
/// A placeholder left unfilled, or a value with a line break (Meta's 132012).
pub const CODE_PARAMETER_FORMAT: u32 = 132_012;

/// Checks the text after the id line against template `id` of `catalogue`.
pub(crate) fn check(catalogue: &[Template], id: &str, text: &str) -> Result<(), Failure> {
    let fail = |code, reason: String| Err(Failure { code, reason });
    let Some(template) = catalogue.iter().find(|t| t.id == id) else {
        return fail(CODE_UNKNOWN_TEMPLATE, "Template name does not exist in the translation".to_owned());
    };
    let pieces = pieces(&template.body);
    if let Some(n) = pieces.iter().find_map(|p| match p {
        Piece::Var(n) if text.contains(&format!("{{{{{n}}}}}")) => Some(*n),
        _ => None,
    }) {
        return fail(
            CODE_PARAMETER_FORMAT,
            format!("Parameter format does not match format in the created template: placeholder {{{{{n}}}}} was left unfilled"),
        );
    }
    if matches(&pieces, text, false) {
        return Ok(());
    }
    if matches(&pieces, text, true) {
        return fail(
            CODE_PARAMETER_FORMAT,
            "Parameter format does not match format in the created template: a variable value contains a line break"
                .to_owned(),
        );
    }
    fail(CODE_PARAMETER_COUNT, "Number of parameters does not match the expected number of params".to_owned())
}

/// A template body split into literal text and `{{n}}` variables.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Var(u32),
}

fn pieces(body: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let var = after.find("}}").and_then(|end| {
            let n = &after[..end];
            (!n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit())).then(|| (n.parse().ok(), end))
        });
        match var {
            Some((Some(n), end)) => {
                lit.push_str(&rest[..start]);
                if !lit.is_empty() {
                    out.push(Piece::Lit(std::mem::take(&mut lit)));
                }
                out.push(Piece::Var(n));
                rest = &after[end + 2..];
            }
            _ => {
                lit.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    out
}

/// The numbers of a body's variables, each once, ascending.
fn variables(body: &str) -> Vec<u32> {
    let mut vars: Vec<u32> =
        pieces(body).into_iter().filter_map(|p| if let Piece::Var(n) = p { Some(n) } else { None }).collect();
    vars.sort_unstable();
    vars.dedup();
    vars
}

/// Whether `text` is `pieces` with every variable filled (non-empty; without a line break unless
/// `newlines`; equal values for equal numbers).
fn matches(pieces: &[Piece], text: &str, newlines: bool) -> bool {
    let mut budget = 100_000u32;
    step(pieces, text, newlines, &mut HashMap::new(), &mut budget)
}

fn step<'t>(
    pieces: &[Piece],
    text: &'t str,
    newlines: bool,
    bound: &mut HashMap<u32, &'t str>,
    budget: &mut u32,
) -> bool {
    *budget = budget.saturating_sub(1);
    if *budget == 0 {
        return false;
    }
    let Some((first, rest)) = pieces.split_first() else { return text.is_empty() };
    match first {
        Piece::Lit(lit) => text.strip_prefix(lit.as_str()).is_some_and(|t| step(rest, t, newlines, bound, budget)),
        Piece::Var(n) => {
            if let Some(value) = bound.get(n).copied() {
                return text.strip_prefix(value).is_some_and(|t| step(rest, t, newlines, bound, budget));
            }
            let limit = if newlines { text.len() } else { text.find('\n').unwrap_or(text.len()) };
            let ends: Vec<usize> = match rest.first() {
                // Anchor on the next literal: only ends where it follows can match.
                Some(Piece::Lit(lit)) => text.match_indices(lit.as_str()).map(|(i, _)| i).collect(),
                None => vec![text.len()],
                Some(Piece::Var(_)) => text.char_indices().map(|(i, _)| i).chain([text.len()]).collect(),
            };
            for end in ends.into_iter().filter(|&e| e > 0 && e <= limit) {
                bound.insert(*n, &text[..end]);
                if step(rest, &text[end..], newlines, bound, budget) {
                    return true;
                }
                bound.remove(n);
            }
            false
        }
    }
}

/// Most templates a catalogue may hold.
const MAX_TEMPLATES: usize = 500;
/// Longest body (Meta's limit for a template body).
const MAX_BODY: usize = 1024;

/// Parses a replacement catalogue: `{"templates": [{category, data, templateType?, elementName?,
/// languageCode?}, …]}`, each `data` in the send syntax. A 400 names the first bad entry.
pub(crate) fn parse_replacement(body: &Map<String, Value>) -> Result<Vec<Template>, ApiError> {
    let Some(Value::Array(list)) = body.get("templates") else {
        return Err(ApiError::bad_request("Invalid templates: expected {\"templates\": [...]}"));
    };
    if list.len() > MAX_TEMPLATES {
        return Err(ApiError::bad_request(format!("Invalid templates: at most {MAX_TEMPLATES}")));
    }
    let mut out: Vec<Template> = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let t = parse_one(i, entry)?;
        if out.iter().any(|o| o.id == t.id) {
            return Err(ApiError::bad_request(format!("Invalid templates[{i}]: duplicate id {}", t.id)));
        }
        out.push(t);
    }
    Ok(out)
}

fn parse_one(i: usize, entry: &Value) -> Result<Template, ApiError> {
    let bad = |what: &str| ApiError::bad_request(format!("Invalid templates[{i}]: {what}"));
    let field = |name: &str, default: &str| match entry.get(name) {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 256 && !s.contains(char::is_control) => {
            Ok(s.clone())
        }
        Some(_) => Err(bad(&format!("{name} must be a non-empty single-line string"))),
    };
    let data = entry.get("data").and_then(Value::as_str).ok_or_else(|| bad("data is required"))?;
    let (id, text) = template_send(data).ok_or_else(|| bad("data must start with a {{<uuid>}} line"))?;
    if text.trim().is_empty() || text.chars().count() > MAX_BODY {
        return Err(bad(&format!("the body after the id line must have 1 to {MAX_BODY} characters")));
    }
    let vars = variables(text);
    if vars.iter().enumerate().any(|(k, n)| usize::try_from(*n).ok() != Some(k + 1)) {
        return Err(bad("variables must be numbered {{1}}, {{2}}, … without gaps"));
    }
    let category = field("category", "")?;
    if !matches!(category.as_str(), "MARKETING" | "UTILITY" | "OTP") {
        return Err(bad("category must be MARKETING, UTILITY or OTP"));
    }
    let template_type = field("templateType", "TEXT")?;
    if !matches!(template_type.as_str(), "TEXT" | "IMAGE" | "VIDEO" | "DOCUMENT") {
        return Err(bad("templateType must be TEXT, IMAGE, VIDEO or DOCUMENT"));
    }
    Ok(Template {
        id,
        category,
        template_type,
        element_name: field("elementName", &format!("template_{}", i + 1))?,
        language_code: field("languageCode", "en")?,
        body: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_default(id: &str, text: &str) -> Result<(), Failure> {
        check(&defaults(), id, text)
    }

    #[test]
    fn filled_templates_match_and_values_may_have_spaces() {
        assert_eq!(check_default(TEMPLATE_SEED_HELLO, "Hello John"), Ok(()));
        assert_eq!(check_default(TEMPLATE_SEED_HELLO, "Hello John Smith"), Ok(()));
        let five = "Hello Ann, this is a reminder of your appointment with Dr Who on 5 May at 10:00.\n\
                    Address: 1 Main St, Springfield\nReply 1 to confirm or 2 to reschedule.";
        assert_eq!(check_default(TEMPLATE_APPOINTMENT, five), Ok(()));
        assert_eq!(check_default(TEMPLATE_RU_ORDER_READY, "Здравствуйте, Иван! Ваш заказ №42 готов к выдаче."), Ok(()));
    }

    #[test]
    fn each_kind_of_mismatch_has_its_code() {
        let code = |id: &str, text: &str| check_default(id, text).unwrap_err().code;
        assert_eq!(code("00000000-0000-4000-8000-000000000000", "Hello John"), CODE_UNKNOWN_TEMPLATE);
        assert_eq!(code(TEMPLATE_SEED_HELLO, "Hello{{1}}"), CODE_PARAMETER_FORMAT);
        assert!(check_default(TEMPLATE_SEED_HELLO, "Hello{{1}}")
            .unwrap_err()
            .reason
            .contains("{{1}} was left unfilled"));
        let broken = check_default(TEMPLATE_SEED_HELLO, "Hello John\nSmith").unwrap_err();
        assert_eq!(broken.code, CODE_PARAMETER_FORMAT);
        assert!(broken.reason.contains("line break"), "{}", broken.reason);
        assert_eq!(
            code(TEMPLATE_PROMO, "Hi Ann, enjoy  off your next order this week.\nReply STOP to unsubscribe."),
            CODE_PARAMETER_COUNT
        );
        assert_eq!(code(TEMPLATE_SEED_HELLO, "Goodbye John"), CODE_PARAMETER_COUNT);
        assert_eq!(code(TEMPLATE_SEED_HELLO, ""), CODE_PARAMETER_COUNT);
    }

    #[test]
    fn the_same_number_must_have_the_same_value() {
        let t = vec![Template { body: "{{1}} and {{1}}".into(), ..defaults()[0].clone() }];
        assert_eq!(check(&t, TEMPLATE_SEED_HELLO, "a b and a b"), Ok(()));
        assert!(check(&t, TEMPLATE_SEED_HELLO, "a and b").is_err());
    }

    #[test]
    fn the_defaults_are_valid_replacements_with_fixed_ids() {
        let listed: Vec<Value> = defaults()
            .iter()
            .map(|t| {
                serde_json::json!({ "category": t.category, "data": t.data(), "templateType": t.template_type,
                "elementName": t.element_name, "languageCode": t.language_code })
            })
            .collect();
        let parsed = parse_replacement(serde_json::json!({ "templates": listed }).as_object().unwrap()).unwrap();
        assert_eq!(parsed, defaults());
        assert!(defaults().iter().all(|t| is_uuid(&t.id)));
        let long = defaults().into_iter().find(|t| t.id == TEMPLATE_NEWSLETTER).unwrap();
        assert!((850..=1000).contains(&long.body.chars().count()), "{}", long.body.chars().count());
    }

    #[test]
    fn replacements_are_validated() {
        for bad in [
            serde_json::json!({}),
            serde_json::json!({ "templates": [{ "category": "MARKETING", "data": "Hello{{1}}" }] }),
            serde_json::json!({ "templates": [{ "category": "PROMO", "data": format!("{{{{{TEMPLATE_OTP}}}}}\nHi") }] }),
            serde_json::json!({ "templates": [{ "category": "OTP", "data": format!("{{{{{TEMPLATE_OTP}}}}}\nHi {{{{2}}}}") }] }),
            serde_json::json!({ "templates": [{ "category": "OTP", "data": format!("{{{{{TEMPLATE_OTP}}}}}\n ") }] }),
        ] {
            assert!(parse_replacement(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }
}
