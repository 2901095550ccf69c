//! The message templates every simulated WABA has, as `GET /v1/{waba_id}/message_templates`
//! lists them (Meta template objects, PROVIDERS.md §2/§6) and as sends are checked against.
//!
//! The catalogue covers what a client must handle: positional `{{1}}` and named
//! `{{customer_name}}` bodies (`parameter_format`, `example.body_text` /
//! `example.body_text_named_params`), one template in three languages, a media (IMAGE) header, a
//! URL button with a variable, and templates that are not APPROVED (PENDING, REJECTED) and so
//! cannot be sent. `parameter_format` is lower-case, as SendZen's n8n types spell it (Meta's Graph
//! API writes `NAMED`/`POSITIONAL`). Ids are fixed so tests can name them.
//!
//! Paging follows Meta: `limit` (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]) and an opaque
//! `after` cursor (base64url of the last template id of the previous page).

use base64::Engine as _;
use serde_json::{json, Value};

/// Meta's sample template: a text header, no parameters (en_US).
pub const TEMPLATE_HELLO_WORLD: &str = "hello_world";
/// UTILITY, positional: three body parameters and a URL button with one (en_US).
pub const TEMPLATE_ORDER_UPDATE: &str = "order_update";
/// UTILITY, positional, two body parameters, in en_US, es_ES and pt_BR.
pub const TEMPLATE_APPOINTMENT_REMINDER: &str = "appointment_reminder";
/// MARKETING, named parameters `customer_name`, `shop_name`, `discount_code` (en_US, de_DE).
pub const TEMPLATE_CUSTOMER_GREETING: &str = "customer_greeting";
/// MARKETING with an IMAGE header and one positional body parameter (en_US).
pub const TEMPLATE_NEW_COLLECTION: &str = "new_collection";
/// PENDING review: listed, not sendable (en_US).
pub const TEMPLATE_SUMMER_SALE: &str = "summer_sale";
/// REJECTED: listed, not sendable (en_US).
pub const TEMPLATE_LOAN_OFFER: &str = "loan_offer";

/// Page size when `limit` is not given (Meta's default).
pub const DEFAULT_LIMIT: usize = 25;
/// Largest `limit` accepted.
pub const MAX_LIMIT: usize = 100;

/// How a template's variables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `{{1}}`, `{{2}}`…; parameters are sent in order, without `parameter_name`.
    Positional,
    /// `{{customer_name}}`…; every parameter names its variable with `parameter_name`.
    Named,
}

impl Format {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Positional => "positional",
            Format::Named => "named",
        }
    }
}

/// A template's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    Text(&'static str),
    /// `IMAGE`, `VIDEO` or `DOCUMENT`: the send supplies the media.
    Media(&'static str),
}

/// A template button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Button {
    /// A `{{1}}` in `url` is a variable the send fills.
    Url {
        text: &'static str,
        url: &'static str,
        example: Option<&'static str>,
    },
    QuickReply(&'static str),
}

/// One template in one language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Template {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) language: &'static str,
    pub(crate) status: &'static str,
    pub(crate) category: &'static str,
    pub(crate) format: Format,
    pub(crate) header: Option<Header>,
    pub(crate) body: &'static str,
    pub(crate) footer: Option<&'static str>,
    pub(crate) buttons: &'static [Button],
    /// Example values of the body's variables, in order of appearance.
    pub(crate) examples: &'static [&'static str],
}

const fn positional(id: &'static str, name: &'static str, language: &'static str, body: &'static str) -> Template {
    Template {
        id,
        name,
        language,
        status: "APPROVED",
        category: "UTILITY",
        format: Format::Positional,
        header: None,
        body,
        footer: None,
        buttons: &[],
        examples: &[],
    }
}

const HELLO_BODY: &str = "Welcome and congratulations!! This message demonstrates your ability to send a \
WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.";
const REMINDER_BUTTONS: &[Button] = &[Button::QuickReply("Confirm"), Button::QuickReply("Reschedule")];
const GREETING_EXAMPLES: &[&str] = &["Maria", "Sandbox Shop", "WELCOME10"];

/// The catalogue, in listing order.
pub(crate) const CATALOGUE: &[Template] = &[
    Template {
        header: Some(Header::Text("Hello World")),
        footer: Some("WhatsApp Business Platform sample message"),
        ..positional("9100000000000001", TEMPLATE_HELLO_WORLD, "en_US", HELLO_BODY)
    },
    Template {
        buttons: &[
            Button::Url {
                text: "Track order",
                url: "https://shop.example/track/{{1}}",
                example: Some("https://shop.example/track/ABC123"),
            },
            Button::QuickReply("Talk to us"),
        ],
        examples: &["Maria", "ABC123", "Friday"],
        ..positional(
            "9100000000000002",
            TEMPLATE_ORDER_UPDATE,
            "en_US",
            "Hi {{1}}, your order {{2}} has shipped and should arrive on {{3}}.",
        )
    },
    Template {
        header: Some(Header::Text("Appointment reminder")),
        footer: Some("Reply to this message to reach us"),
        buttons: REMINDER_BUTTONS,
        examples: &["Maria", "Tuesday 10:00"],
        ..positional(
            "9100000000000003",
            TEMPLATE_APPOINTMENT_REMINDER,
            "en_US",
            "Hello {{1}}, this is a reminder of your appointment on {{2}}.",
        )
    },
    Template {
        header: Some(Header::Text("Recordatorio de cita")),
        buttons: &[Button::QuickReply("Confirmar"), Button::QuickReply("Cambiar")],
        examples: &["María", "martes 10:00"],
        ..positional(
            "9100000000000004",
            TEMPLATE_APPOINTMENT_REMINDER,
            "es_ES",
            "Hola {{1}}, te recordamos tu cita el {{2}}.",
        )
    },
    Template {
        header: Some(Header::Text("Lembrete de consulta")),
        buttons: &[Button::QuickReply("Confirmar"), Button::QuickReply("Remarcar")],
        examples: &["Maria", "terça-feira 10:00"],
        ..positional(
            "9100000000000005",
            TEMPLATE_APPOINTMENT_REMINDER,
            "pt_BR",
            "Olá {{1}}, lembramos a sua consulta em {{2}}.",
        )
    },
    Template {
        category: "MARKETING",
        format: Format::Named,
        examples: GREETING_EXAMPLES,
        ..positional(
            "9100000000000006",
            TEMPLATE_CUSTOMER_GREETING,
            "en_US",
            "Hello {{customer_name}}, welcome to {{shop_name}}! Your discount code is {{discount_code}}.",
        )
    },
    Template {
        category: "MARKETING",
        format: Format::Named,
        examples: GREETING_EXAMPLES,
        ..positional(
            "9100000000000007",
            TEMPLATE_CUSTOMER_GREETING,
            "de_DE",
            "Hallo {{customer_name}}, willkommen bei {{shop_name}}! Ihr Rabattcode lautet {{discount_code}}.",
        )
    },
    Template {
        category: "MARKETING",
        header: Some(Header::Media("IMAGE")),
        buttons: &[Button::Url { text: "See the collection", url: "https://shop.example/new", example: None }],
        examples: &["Maria"],
        ..positional(
            "9100000000000008",
            TEMPLATE_NEW_COLLECTION,
            "en_US",
            "Hi {{1}}, our new collection is here. Tap below to see it.",
        )
    },
    Template {
        status: "PENDING",
        category: "MARKETING",
        examples: &["Maria", "Monday"],
        ..positional("9100000000000009", TEMPLATE_SUMMER_SALE, "en_US", "Hi {{1}}, our summer sale starts on {{2}}!")
    },
    Template {
        status: "REJECTED",
        category: "MARKETING",
        examples: &["Maria"],
        ..positional(
            "9100000000000010",
            TEMPLATE_LOAN_OFFER,
            "en_US",
            "Congratulations {{1}}! You are pre-approved for an instant loan. Reply YES to claim it.",
        )
    },
];

/// The catalogue's template names, each once, in listing order.
pub fn template_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for t in CATALOGUE {
        if !names.contains(&t.name) {
            names.push(t.name);
        }
    }
    names
}

/// The languages template `name` exists in (empty for an unknown name).
pub fn template_languages(name: &str) -> Vec<&'static str> {
    CATALOGUE.iter().filter(|t| t.name == name).map(|t| t.language).collect()
}

/// The distinct variable names of `text` (`1`, `customer_name`…), in order of first appearance.
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
        rest = &after[end + 2..];
    }
    found
}

impl Template {
    /// The Meta template object. `media_example` is the sample a media header's example points at.
    pub(crate) fn object(&self, media_example: &str) -> Value {
        let mut components = Vec::new();
        match self.header {
            Some(Header::Text(text)) => components.push(json!({ "type": "HEADER", "format": "TEXT", "text": text })),
            Some(Header::Media(format)) => components.push(json!({
                "type": "HEADER", "format": format, "example": { "header_handle": [media_example] }
            })),
            None => {}
        }
        components.push(self.body_component());
        if let Some(text) = self.footer {
            components.push(json!({ "type": "FOOTER", "text": text }));
        }
        if !self.buttons.is_empty() {
            let buttons: Vec<Value> = self.buttons.iter().map(button_object).collect();
            components.push(json!({ "type": "BUTTONS", "buttons": buttons }));
        }
        json!({
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "parameter_format": self.format.as_str(),
            "components": components,
        })
    }

    fn body_component(&self) -> Value {
        let names = placeholders(self.body);
        if names.is_empty() {
            return json!({ "type": "BODY", "text": self.body });
        }
        let example = match self.format {
            Format::Positional => json!({ "body_text": [self.examples] }),
            Format::Named => {
                let named: Vec<Value> = names
                    .iter()
                    .zip(self.examples)
                    .map(|(name, example)| json!({ "param_name": name, "example": example }))
                    .collect();
                json!({ "body_text_named_params": named })
            }
        };
        json!({ "type": "BODY", "text": self.body, "example": example })
    }
}

fn button_object(b: &Button) -> Value {
    match b {
        Button::Url { text, url, example: Some(example) } => {
            json!({ "type": "URL", "text": text, "url": url, "example": [example] })
        }
        Button::Url { text, url, example: None } => json!({ "type": "URL", "text": text, "url": url }),
        Button::QuickReply(text) => json!({ "type": "QUICK_REPLY", "text": text }),
    }
}

/// One page of a listing.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) items: Vec<&'static Template>,
    /// Cursors of the first and last item (`None` on an empty page).
    pub(crate) before: Option<String>,
    pub(crate) after: Option<String>,
    /// Whether templates follow this page.
    pub(crate) more: bool,
}

/// The opaque cursor of a template.
pub(crate) fn cursor(t: &Template) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(t.id)
}

/// The templates whose status is `status` (any when `None`) after cursor `after`, at most `limit`.
pub(crate) fn page(status: Option<&str>, limit: usize, after: Option<&str>) -> Result<Page, &'static str> {
    let listed: Vec<&'static Template> =
        CATALOGUE.iter().filter(|t| status.is_none_or(|s| t.status.eq_ignore_ascii_case(s))).collect();
    let start = match after {
        None => 0,
        Some(c) => listed.iter().position(|t| cursor(t) == c).ok_or("Invalid after cursor")? + 1,
    };
    let items: Vec<&'static Template> = listed.iter().skip(start).take(limit).copied().collect();
    Ok(Page {
        before: items.first().map(|t| cursor(t)),
        after: items.last().map(|t| cursor(t)),
        more: start + items.len() < listed.len(),
        items,
    })
}

/// The template `name` in `language`: `Err(true)` if the name exists in other languages only,
/// `Err(false)` if it does not exist.
pub(crate) fn find(name: &str, language: &str) -> Result<&'static Template, bool> {
    CATALOGUE
        .iter()
        .find(|t| t.name == name && t.language == language)
        .ok_or_else(|| CATALOGUE.iter().any(|t| t.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_distinct_and_in_order() {
        assert_eq!(placeholders("Hi {{1}}, {{2}} and {{1}} again {{ 3 }}"), ["1", "2", "3"]);
        assert_eq!(placeholders(CATALOGUE[5].body), ["customer_name", "shop_name", "discount_code"]);
        assert!(placeholders("no variables {{ }} {{unclosed").is_empty());
    }

    #[test]
    fn the_catalogue_is_consistent() {
        for t in CATALOGUE {
            let names = placeholders(t.body);
            assert_eq!(names.len(), t.examples.len(), "{} {}", t.name, t.language);
            if t.format == Format::Positional {
                let expected: Vec<String> = (1..=names.len()).map(|n| n.to_string()).collect();
                assert_eq!(names, expected, "{}", t.name);
            }
            assert_eq!(CATALOGUE.iter().filter(|o| o.id == t.id).count(), 1, "unique id {}", t.id);
        }
        assert_eq!(template_languages(TEMPLATE_APPOINTMENT_REMINDER), ["en_US", "es_ES", "pt_BR"]);
        assert_eq!(template_names().len(), 7);
    }

    #[test]
    fn named_templates_list_named_examples() {
        let greeting = find(TEMPLATE_CUSTOMER_GREETING, "en_US").unwrap().object("x");
        assert_eq!(greeting["parameter_format"], "named");
        let body = &greeting["components"][0];
        assert_eq!(
            body["example"]["body_text_named_params"][0],
            json!({ "param_name": "customer_name", "example": "Maria" })
        );
        let order = find(TEMPLATE_ORDER_UPDATE, "en_US").unwrap().object("x");
        assert_eq!(order["components"][0]["example"]["body_text"], json!([["Maria", "ABC123", "Friday"]]));
        assert!(find(TEMPLATE_ORDER_UPDATE, "fr_FR").unwrap_err(), "the name exists in other languages");
        assert!(!find("nope", "en_US").unwrap_err());
    }

    #[test]
    fn pages_chain_through_cursors() {
        let first = page(None, 4, None).unwrap();
        assert_eq!((first.items.len(), first.more), (4, true));
        let second = page(None, 4, first.after.as_deref()).unwrap();
        assert_eq!(second.items[0].id, CATALOGUE[4].id);
        let last = page(None, 4, second.after.as_deref()).unwrap();
        assert_eq!((last.items.len(), last.more), (2, false));
        assert!(page(None, 4, Some("bm9wZQ")).is_err());
        let pending = page(Some("pending"), 25, None).unwrap();
        assert_eq!(pending.items.iter().map(|t| t.name).collect::<Vec<_>>(), [TEMPLATE_SUMMER_SALE]);
        let empty = page(Some("PAUSED"), 25, None).unwrap();
        assert!(empty.items.is_empty() && empty.after.is_none() && !empty.more);
    }
}
