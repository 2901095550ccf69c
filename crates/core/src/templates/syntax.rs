//! The template send syntax of seed 000 (ChatArchitect's `/getHSM` `data`): read it, fill it, and
//! write the text that `/whatsappmessage` sends.
//!
//! A template arrives as `{{<id>}}\n<body>`, e.g. `{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello{{1}}`:
//! the first `{{…}}` block is the template id, and `{{1}}`, `{{2}}`… in the body are the variables.
//! Sending means replacing the variables and keeping the id line:
//! `{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello John`.
//!
//! Everything here is pure (no I/O, no store, no clock) and total: any string gives a
//! [`ParsedTemplate`] or a [`SyntaxError`] whose `Display` is a sentence for a person, never a panic.
//! The caller lists a template that does not parse as unusable, with that sentence as the reason.
//!
//! What is accepted, and why:
//! - The id is the *trimmed* content of the first `{{…}}`, which must open the text and close on the
//!   first line: 1–[`MAX_ID_CHARS`] characters of `A–Z a–z 0–9 - _` (a UUID is one such id; the
//!   provider only shows UUIDs, but nothing says other ids cannot occur). Spaces or tabs may follow
//!   the closing `}}`; then comes a line break (`\n` or `\r\n`) and the body.
//! - A placeholder is written exactly `{{n}}`: ASCII digits, no spaces, no sign, no leading zero,
//!   1 ≤ n ≤ [`MAX_PLACEHOLDER`]. `{{ 1 }}` is *not* trimmed but refused: the customer-visible text
//!   is built here, and guessing that `{{ 1 }}` means variable 1 could send a template the provider
//!   does not recognise. Every `{{` in the body must start such a placeholder (so a body never holds
//!   a literal `{{`); a lone `{`, `}` or `}}` is plain text.
//! - Numbers run from 1 without gaps (the provider numbers its variables that way), in any order,
//!   and may repeat; a repeated number gets the same value at every occurrence.
//! - No control characters other than `\n`, `\r` and `\t` anywhere, and a body of at most
//!   [`MAX_BODY_CHARS`] characters (WhatsApp's text limit).
//!
//! Deliberately not here: which templates are approved, media headers, the per-account cache (the
//! rest of `templates`), and the HTTP call.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The longest template id accepted, in characters.
pub const MAX_ID_CHARS: usize = 100;
/// The longest body accepted, in characters (WhatsApp's limit for a text message).
pub const MAX_BODY_CHARS: usize = 4096;
/// The highest placeholder number accepted.
pub const MAX_PLACEHOLDER: u32 = 100;
/// The longest value accepted for one placeholder, in characters, after trimming.
pub const MAX_VALUE_CHARS: usize = 1024;

/// A template whose send syntax was read successfully.
///
/// Invariants when it comes from [`parse`]: `id` is a valid id, `body` is non-blank, at most
/// [`MAX_BODY_CHARS`] characters, free of control characters other than `\n`, `\r`, `\t`, and every
/// `{{` in it starts a placeholder listed in `placeholders`, which is exactly `1..=k` in order of
/// first appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTemplate {
    /// The template id: the trimmed content of the first `{{…}}`.
    pub id: String,
    /// The text after the id line, exactly as received (placeholders included).
    pub body: String,
    /// The distinct placeholder numbers, in order of first appearance in `body`.
    pub placeholders: Vec<u32>,
    /// How the provider takes it on send.
    pub form: SendForm,
}

/// How a template goes out, by the provider's template model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SendForm {
    /// Seed 000: the filled text, its id line kept (ChatArchitect).
    #[default]
    ChatArchitect,
    /// A Meta template (SendZen, 360dialog): name, language and the values as parameters.
    Meta {
        /// The template's name.
        name: String,
        /// Its language code.
        language: String,
        /// For a named template, the name of each number (`names[n - 1]`); empty when positional.
        names: Vec<String>,
    },
}

/// Why a template's send syntax cannot be read. `Display` is a sentence for a person (it becomes
/// the template's `problem`); character positions count from 1 in the raw text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    /// Nothing, or only whitespace.
    #[error("the template text is empty")]
    Empty,
    /// The text does not begin with `{{`.
    #[error("the template does not start with its id in double braces, like {{{{26815959-f5b8-…}}}}")]
    NoIdBlock,
    /// The first block's content is not an id. `.0` is that content, shortened for display.
    #[error("the template id {0:?} is not valid: it must be 1 to {MAX_ID_CHARS} letters, digits, '-' or '_'")]
    BadId(String),
    /// The id block is not followed by a line break (`\n` or `\r\n`) and the message text.
    #[error("the template id must be followed by a line break and then the message text")]
    NoBody,
    /// Nothing but whitespace after the id line.
    #[error("the template has no message text after its id")]
    EmptyBody,
    /// A `{{` with no `}}` after it on the same line.
    #[error("the '{{{{' at character {at} is not closed with '}}}}' on the same line")]
    Unterminated {
        /// Position of the `{{`.
        at: usize,
    },
    /// `{{…}}` whose content is not a plain number (`{{name}}`, `{{ 1 }}`, `{{01}}`). `text` is the
    /// whole block, shortened for display.
    #[error("{text} at character {at} is not a placeholder: placeholders are numbers written like {{{{1}}}}, without spaces or leading zeros")]
    NotANumber {
        /// The block as written.
        text: String,
        /// Its position.
        at: usize,
    },
    /// `{{0}}` or a number above [`MAX_PLACEHOLDER`]. `text` is the block as written, shortened.
    #[error("placeholder {text} at character {at} is out of range: numbers go from 1 to {MAX_PLACEHOLDER}")]
    OutOfRange {
        /// The block as written.
        text: String,
        /// Its position.
        at: usize,
    },
    /// The numbers do not run from 1 without gaps.
    #[error("placeholder {{{{{missing}}}}} is missing: the numbers must run from {{{{1}}}} to {{{{{highest}}}}} without gaps")]
    Gap {
        /// The smallest number absent.
        missing: u32,
        /// The highest number present.
        highest: u32,
    },
    /// The body is longer than [`MAX_BODY_CHARS`].
    #[error("the message text is {chars} characters long; the limit is {MAX_BODY_CHARS}")]
    BodyTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// NUL or another control character other than `\n`, `\r`, `\t`.
    #[error("the template contains a control character (U+{code:04X}) at character {at}")]
    ControlChar {
        /// The character's code point.
        code: u32,
        /// Its position.
        at: usize,
    },
}

/// A piece of a body, for preview highlighting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text (never empty; two `Text` segments never follow each other).
    Text(String),
    /// A well-formed `{{n}}`.
    Placeholder(u32),
}

/// Reads a template's send syntax (`/getHSM`'s `data`). See the module header for the rules.
pub fn parse(raw: &str) -> Result<ParsedTemplate, SyntaxError> {
    if raw.trim().is_empty() {
        return Err(SyntaxError::Empty);
    }
    if let Some((i, c)) = raw.char_indices().find(|&(_, c)| forbidden_in_template(c)) {
        return Err(SyntaxError::ControlChar { code: u32::from(c), at: char_pos(raw, i) });
    }
    let Some(after_open) = raw.strip_prefix("{{") else {
        return Err(SyntaxError::NoIdBlock);
    };
    let first_line = &after_open[..after_open.find(['\n', '\r']).unwrap_or(after_open.len())];
    let Some(close) = first_line.find("}}") else {
        return Err(SyntaxError::Unterminated { at: 1 });
    };
    let id = first_line[..close].trim();
    if !valid_id(id) {
        return Err(SyntaxError::BadId(shorten(id, 40)));
    }
    let rest = after_open[close + 2..].trim_start_matches([' ', '\t']);
    let body = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n')).ok_or(SyntaxError::NoBody)?;
    if body.trim().is_empty() {
        return Err(SyntaxError::EmptyBody);
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(SyntaxError::BodyTooLong { chars });
    }
    let body_start = raw.len() - body.len();
    let at = |offset: usize| char_pos(raw, body_start + offset);

    let mut placeholders: Vec<u32> = Vec::new();
    for token in scan(body) {
        match token {
            Token::Text(_) => {}
            Token::Placeholder(n, offset) => {
                if n == 0 || n > MAX_PLACEHOLDER {
                    let text = format!("{{{{{n}}}}}");
                    return Err(SyntaxError::OutOfRange { text, at: at(offset) });
                }
                if !placeholders.contains(&n) {
                    placeholders.push(n);
                }
            }
            Token::TooBig(text, offset) => {
                return Err(SyntaxError::OutOfRange { text: shorten(text, 20), at: at(offset) });
            }
            Token::NotANumber(text, offset) => {
                return Err(SyntaxError::NotANumber { text: shorten(text, 40), at: at(offset) });
            }
            Token::Unterminated(offset) => return Err(SyntaxError::Unterminated { at: at(offset) }),
        }
    }
    // Distinct numbers in 1..=MAX_PLACEHOLDER: they run without gaps iff the highest equals the count.
    if let Some(&highest) = placeholders.iter().max() {
        if highest as usize != placeholders.len() {
            let missing = (1..highest).find(|n| !placeholders.contains(n)).unwrap_or(highest);
            return Err(SyntaxError::Gap { missing, highest });
        }
    }
    Ok(ParsedTemplate { id: id.to_owned(), body: body.to_owned(), placeholders, form: SendForm::ChatArchitect })
}

/// Fills a template's placeholders and returns the customer-visible body.
///
/// Each value is trimmed of surrounding whitespace (Unicode `White_Space`, which includes a
/// trailing line break) before it is checked and used. Every occurrence of `{{n}}` gets the value
/// of `n`; a value is inserted literally, so a value that itself contains `{{2}}` is not expanded
/// again.
///
/// On failure, returns every problem at once as `(number, sentence)`, sorted by number, at most one
/// per number: a placeholder without a value, a value given twice, a value for a number the template
/// does not have, an empty or blank value, a line break inside it (`\n`, `\r`, U+2028, U+2029,
/// U+0085), another control character (tabs included), or more than [`MAX_VALUE_CHARS`] characters.
/// Each sentence reads on its own beside the field of that number (`Error::Field("values.N", …)`).
///
/// The filled body is not checked against [`MAX_BODY_CHARS`]; the caller checks the length of the
/// whole message if it must.
pub fn fill(t: &ParsedTemplate, values: &[(u32, String)]) -> Result<String, Vec<(u32, String)>> {
    let segments = segments(&t.body);
    // The template's numbers: those `parse` found, and (for a hand-built template) those the body holds.
    let mut wanted: Vec<u32> = t.placeholders.clone();
    for s in &segments {
        if let Segment::Placeholder(n) = s {
            if !wanted.contains(n) {
                wanted.push(*n);
            }
        }
    }

    let mut problems: BTreeMap<u32, String> = BTreeMap::new();
    let mut accepted: BTreeMap<u32, &str> = BTreeMap::new();
    for (n, value) in values {
        let n = *n;
        if problems.contains_key(&n) {
            continue;
        }
        if accepted.remove(&n).is_some() {
            problems.insert(n, format!("{{{{{n}}}}} was given a value more than once"));
            continue;
        }
        if !wanted.contains(&n) {
            problems.insert(n, format!("this template has no placeholder {{{{{n}}}}}"));
            continue;
        }
        match check_value(n, value) {
            Ok(v) => {
                accepted.insert(n, v);
            }
            Err(message) => {
                problems.insert(n, message);
            }
        }
    }
    for &n in &wanted {
        if !accepted.contains_key(&n) && !problems.contains_key(&n) {
            problems.insert(n, format!("{{{{{n}}}}} needs a value"));
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().collect());
    }

    let mut out = String::with_capacity(t.body.len());
    for s in &segments {
        match s {
            Segment::Text(text) => out.push_str(text),
            // Present: every number of `segments` is in `wanted`, and every wanted number was accepted.
            Segment::Placeholder(n) => out.push_str(accepted.get(n).copied().unwrap_or_default()),
        }
    }
    Ok(out)
}

/// What the message's payload holds for the provider: for seed 000 the id line and the filled
/// body (`{{<id>}}\n<body>`); for a Meta template the JSON of its name, language and parameters
/// ([`crate::providers::meta::templates::MetaSend`]). `values` are the values `fill` accepted.
pub fn send_payload(t: &ParsedTemplate, filled_body: &str, values: &[(u32, String)]) -> String {
    match &t.form {
        SendForm::ChatArchitect => {
            let mut out = String::with_capacity(t.id.len() + filled_body.len() + 5);
            // Writing to a String cannot fail.
            let _ = write!(out, "{{{{{}}}}}\n{filled_body}", t.id);
            out
        }
        SendForm::Meta { name, language, names } => {
            crate::providers::meta::templates::send_payload(name, language, names, &t.placeholders, values)
        }
    }
}

/// Splits a body into literal text and well-formed placeholders, for preview highlighting.
///
/// Total on any string: anything that is not exactly `{{n}}` (digits, no leading zero, fitting a
/// `u32`, including `{{0}}`) stays text, so concatenating the segments (a placeholder written back as
/// `{{n}}`) gives the input back unchanged.
pub fn segments(body: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for token in scan(body) {
        match token {
            Token::Placeholder(n, _) => out.push(Segment::Placeholder(n)),
            Token::Text(text) | Token::TooBig(text, _) | Token::NotANumber(text, _) => push_text(&mut out, text),
            Token::Unterminated(offset) => push_text(&mut out, &body[offset..offset + 2]),
        }
    }
    out
}

fn push_text(out: &mut Vec<Segment>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Segment::Text(last)) = out.last_mut() {
        last.push_str(text);
    } else {
        out.push(Segment::Text(text.to_owned()));
    }
}

/// One piece of a body as the scanner sees it; offsets are byte offsets of the `{{` in the body.
enum Token<'a> {
    Text(&'a str),
    /// Canonical `{{n}}` with `n` fitting a `u32` (range is the caller's business).
    Placeholder(u32, usize),
    /// Canonical digits too large for a `u32`; the whole block.
    TooBig(&'a str, usize),
    /// `{{…}}` closed on the same line but not a canonical number; the whole block.
    NotANumber(&'a str, usize),
    /// A `{{` without `}}` on the same line; the text goes on right after the `{{`.
    Unterminated(usize),
}

/// Cuts a body into tokens, left to right. Every `{{` starts a block, which ends at the first `}}`
/// after it on the same line. Tokens cover the body exactly, in order.
fn scan(body: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(found) = body[pos..].find("{{") {
        let open = pos + found;
        if open > pos {
            tokens.push(Token::Text(&body[pos..open]));
        }
        let inner_start = open + 2;
        let line = &body[inner_start..];
        let line = &line[..line.find(['\n', '\r']).unwrap_or(line.len())];
        let Some(close) = line.find("}}") else {
            tokens.push(Token::Unterminated(open));
            pos = inner_start;
            continue;
        };
        let end = inner_start + close + 2;
        let block = &body[open..end];
        let inner = &line[..close];
        let canonical =
            !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) && (inner == "0" || !inner.starts_with('0'));
        tokens.push(match (canonical, inner.parse::<u32>()) {
            (true, Ok(n)) => Token::Placeholder(n, open),
            (true, Err(_)) => Token::TooBig(block, open),
            (false, _) => Token::NotANumber(block, open),
        });
        pos = end;
    }
    if pos < body.len() {
        tokens.push(Token::Text(&body[pos..]));
    }
    tokens
}

/// What is wrong with one placeholder value, if anything: the checks [`fill`] makes, for callers
/// that word them differently (the bulk dry run names the contact field a value came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// Empty or blank.
    Empty,
    /// A line break (`\n`, `\r`, U+2028, U+2029, U+0085).
    LineBreak,
    /// Another control character (tabs included).
    ControlChar(char),
    /// More than [`MAX_VALUE_CHARS`] characters (the count, after trimming).
    TooLong(usize),
}

/// Checks `value` after trimming it.
pub fn value_problem(value: &str) -> Option<ValueProblem> {
    let v = value.trim();
    if v.is_empty() {
        return Some(ValueProblem::Empty);
    }
    if v.chars().any(is_line_break) {
        return Some(ValueProblem::LineBreak);
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Some(ValueProblem::ControlChar(c));
    }
    let chars = v.chars().count();
    (chars > MAX_VALUE_CHARS).then_some(ValueProblem::TooLong(chars))
}

/// Checks one value; returns it trimmed, or a sentence about it.
fn check_value(n: u32, value: &str) -> Result<&str, String> {
    match value_problem(value) {
        None => Ok(value.trim()),
        Some(ValueProblem::Empty) => Err(format!("{{{{{n}}}}} needs a value; it is empty")),
        Some(ValueProblem::LineBreak) => {
            Err(format!("the value of {{{{{n}}}}} must stay on one line: remove the line break"))
        }
        Some(ValueProblem::ControlChar(c)) => {
            Err(format!("the value of {{{{{n}}}}} contains a control character (U+{:04X}); remove it", u32::from(c)))
        }
        Some(ValueProblem::TooLong(chars)) => {
            Err(format!("the value of {{{{{n}}}}} is {chars} characters long; the limit is {MAX_VALUE_CHARS}"))
        }
    }
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{0085}')
}

fn forbidden_in_template(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

fn valid_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 1-based character position of a byte offset.
fn char_pos(s: &str, byte: usize) -> usize {
    s[..byte].chars().count() + 1
}

/// At most `max` characters of `s`, with `…` when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
#[path = "syntax_tests.rs"]
mod tests;
