//! One recipient's message: the mapping applied to a contact, with every problem found.
//!
//! Pure and total: a row never fails to render, it renders with problems. The dry run, the start
//! of a campaign and the test send all go through [`render`], so what the gallery shows is what
//! goes out.

use crate::contacts::audience::AudienceContact;
use crate::messaging::MAX_TEXT_CHARS;
use crate::templates::syntax::{self, ParsedTemplate, Segment, ValueProblem, MAX_VALUE_CHARS};

use super::{ProblemKind, VariableMapping, VariableSource};

/// A problem of one rendered recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowProblem {
    pub kind: ProblemKind,
    pub placeholder: Option<u32>,
    pub detail: String,
}

/// A recipient rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    /// What the customer reads; a value that could not be filled stays `{{n}}`.
    pub body: String,
    /// The provider text (`{{id}}\n` + body); only meaningful without errors.
    pub payload: String,
    /// Value problems (empty, line break, control character, too long, message too long) and
    /// fallbacks used, in placeholder order.
    pub problems: Vec<RowProblem>,
    pub non_latin: bool,
}

/// The value of placeholder `n` for `contact`, and whether a fallback stood in.
fn value_of<'a>(source: &'a VariableSource, contact: &'a AudienceContact) -> (Option<&'a str>, bool) {
    match source {
        VariableSource::Field { field } => (contact.field(field), false),
        VariableSource::Constant { text } => (Some(text.as_str()), false),
        VariableSource::FieldOr { field, fallback } => match contact.field(field) {
            Some(v) => (Some(v), false),
            None => (Some(fallback.as_str()), true),
        },
    }
}

fn source_name(source: &VariableSource) -> String {
    match source {
        VariableSource::Field { field } | VariableSource::FieldOr { field, .. } => format!("the field {field}"),
        VariableSource::Constant { .. } => "the fixed text".into(),
    }
}

/// Checks one value as the single send does (`syntax::value_problem`); `None` when it can go out.
fn value_problem(n: u32, value: &str, source: &VariableSource) -> Option<RowProblem> {
    let from = source_name(source);
    let (kind, detail) = match syntax::value_problem(value)? {
        ValueProblem::Empty => (ProblemKind::EmptyValue, format!("{{{{{n}}}}} is empty: {from} has no value")),
        ValueProblem::LineBreak => (ProblemKind::LineBreak, format!("{{{{{n}}}}} has a line break (from {from})")),
        ValueProblem::ControlChar(c) => (
            ProblemKind::ControlCharacter,
            format!("{{{{{n}}}}} has a control character U+{:04X} (from {from})", u32::from(c)),
        ),
        ValueProblem::TooLong(chars) => (
            ProblemKind::ValueTooLong,
            format!("{{{{{n}}}}} is {chars} characters long; WhatsApp takes at most {MAX_VALUE_CHARS}"),
        ),
    };
    Some(RowProblem { kind, placeholder: Some(n), detail })
}

/// The value of every mapped placeholder of `placeholders` for `contact` (fallbacks applied,
/// unchecked): what a test send fills in.
pub(crate) fn values(
    placeholders: &[u32],
    mapping: &[VariableMapping],
    contact: &AudienceContact,
) -> Vec<(u32, String)> {
    placeholders
        .iter()
        .filter_map(|n| mapping.iter().find(|m| m.number == *n))
        .map(|m| (m.number, value_of(&m.source, contact).0.unwrap_or_default().to_owned()))
        .collect()
}

/// Renders `template` for `contact` with `mapping`. Placeholders the mapping does not cover are
/// the caller's concern (an `Unmapped` problem of the whole campaign); they stay `{{n}}` here.
pub(crate) fn render(template: &ParsedTemplate, mapping: &[VariableMapping], contact: &AudienceContact) -> Rendered {
    let mut problems = Vec::new();
    let mut filled: Vec<(u32, String)> = Vec::with_capacity(template.placeholders.len());
    for &n in &template.placeholders {
        let Some(m) = mapping.iter().find(|m| m.number == n) else { continue };
        let (value, fallback) = value_of(&m.source, contact);
        let value = value.unwrap_or_default();
        match value_problem(n, value, &m.source) {
            Some(p) => problems.push(p),
            None => {
                if fallback {
                    problems.push(RowProblem {
                        kind: ProblemKind::FallbackUsed,
                        placeholder: Some(n),
                        detail: format!("{{{{{n}}}}}: no value, the fallback “{}” is used", value.trim()),
                    });
                }
                filled.push((n, value.trim().to_owned()));
            }
        }
    }
    let mut body = String::with_capacity(template.body.len() + 64);
    for segment in syntax::segments(&template.body) {
        match segment {
            Segment::Text(t) => body.push_str(&t),
            Segment::Placeholder(n) => match filled.iter().find(|(k, _)| *k == n) {
                Some((_, v)) => body.push_str(v),
                None => body.push_str(&format!("{{{{{n}}}}}")),
            },
        }
    }
    let chars = body.chars().count();
    if chars > MAX_TEXT_CHARS {
        problems.push(RowProblem {
            kind: ProblemKind::MessageTooLong,
            placeholder: None,
            detail: format!("the message is {chars} characters long; WhatsApp takes at most {MAX_TEXT_CHARS}"),
        });
    }
    let payload = syntax::send_payload(template, &body, &filled);
    let non_latin = body.chars().any(is_non_latin);
    Rendered { body, payload, problems, non_latin }
}

/// A letter outside the Latin scripts (Cyrillic, Greek, Arabic, CJK …): worth a look in the preview.
fn is_non_latin(c: char) -> bool {
    c.is_alphabetic() && !matches!(u32::from(c), 0..=0x024F | 0x1E00..=0x1EFF)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn contact(first: Option<&str>, fields: &[(&str, &str)]) -> AudienceContact {
        AudienceContact {
            id: 1,
            phone: "4915112345678".into(),
            name: None,
            first_name: first.map(str::to_owned),
            fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
            opted_out: false,
        }
    }

    fn template(body: &str) -> ParsedTemplate {
        syntax::parse(&format!("{{{{t-1}}}}\n{body}")).unwrap()
    }

    fn field(n: u32, f: &str) -> VariableMapping {
        VariableMapping { number: n, source: VariableSource::Field { field: f.into() } }
    }

    #[test]
    fn fills_fields_constants_and_fallbacks() {
        let t = template("Hi {{1}}, {{2}} in {{3}}");
        let mapping = vec![
            field(1, "first_name"),
            VariableMapping { number: 2, source: VariableSource::Constant { text: "20% off".into() } },
            VariableMapping {
                number: 3,
                source: VariableSource::FieldOr { field: "city".into(), fallback: "your town".into() },
            },
        ];
        let r = render(&t, &mapping, &contact(Some("Ana"), &[]));
        assert_eq!(r.body, "Hi Ana, 20% off in your town");
        assert_eq!(r.payload, "{{t-1}}\nHi Ana, 20% off in your town");
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].kind, ProblemKind::FallbackUsed);
    }

    #[test]
    fn an_empty_field_is_an_error_and_stays_visible() {
        let t = template("Hi {{1}}");
        let r = render(&t, &[field(1, "first_name")], &contact(None, &[]));
        assert_eq!(r.body, "Hi {{1}}");
        assert_eq!(r.problems[0].kind, ProblemKind::EmptyValue);
    }

    #[test]
    fn line_breaks_and_length_are_reported() {
        let t = template("Hi {{1}} {{2}}");
        let long = "x".repeat(MAX_VALUE_CHARS + 1);
        let c = contact(Some("A\nB"), &[("note", &long)]);
        let r = render(&t, &[field(1, "first_name"), field(2, "note")], &c);
        let kinds: Vec<_> = r.problems.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec![ProblemKind::LineBreak, ProblemKind::ValueTooLong]);
    }

    #[test]
    fn whole_message_length_is_checked() {
        let t = template("{{1}} {{2}} {{3}} {{4}} {{5}}");
        let v = "y".repeat(1000);
        let c = contact(Some(&v), &[]);
        let mapping: Vec<_> = (1..=5).map(|n| field(n, "first_name")).collect();
        let r = render(&t, &mapping, &c);
        assert!(r.problems.iter().any(|p| p.kind == ProblemKind::MessageTooLong));
    }

    #[test]
    fn non_latin_text_is_noticed() {
        let t = template("Привет {{1}}");
        assert!(render(&t, &[field(1, "first_name")], &contact(Some("Ana"), &[])).non_latin);
        let t = template("Olá {{1}}, ça va?");
        assert!(!render(&t, &[field(1, "first_name")], &contact(Some("Zoë"), &[])).non_latin);
    }
}
