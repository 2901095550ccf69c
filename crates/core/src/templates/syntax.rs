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
    Ok(ParsedTemplate { id: id.to_owned(), body: body.to_owned(), placeholders })
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

/// The text `/whatsappmessage` carries as `payload.message`: `{{<id>}}`, a `\n`, and the filled body
/// (from [`fill`]). The id line is always written with `\n`, whatever line break the template had.
pub fn send_text(t: &ParsedTemplate, filled_body: &str) -> String {
    let mut out = String::with_capacity(t.id.len() + filled_body.len() + 5);
    // Writing to a String cannot fail.
    let _ = write!(out, "{{{{{}}}}}\n{filled_body}", t.id);
    out
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

/// Checks one value; returns it trimmed, or a sentence about it.
fn check_value(n: u32, value: &str) -> Result<&str, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("{{{{{n}}}}} needs a value; it is empty"));
    }
    if v.chars().any(is_line_break) {
        return Err(format!("the value of {{{{{n}}}}} must stay on one line: remove the line break"));
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the value of {{{{{n}}}}} contains a control character (U+{:04X}); remove it",
            u32::from(c)
        ));
    }
    let chars = v.chars().count();
    if chars > MAX_VALUE_CHARS {
        return Err(format!("the value of {{{{{n}}}}} is {chars} characters long; the limit is {MAX_VALUE_CHARS}"));
    }
    Ok(v)
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
mod tests {
    use super::*;

    const SEED_ID: &str = "26815959-f5b8-49b4-9b0e-7458d34777cc";
    const SEED: &str = "{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello{{1}}";

    fn ok(raw: &str) -> ParsedTemplate {
        match parse(raw) {
            Ok(t) => t,
            Err(e) => panic!("{raw:?} did not parse: {e}"),
        }
    }

    fn err(raw: &str) -> SyntaxError {
        match parse(raw) {
            Ok(t) => panic!("{raw:?} parsed: {t:?}"),
            Err(e) => e,
        }
    }

    fn vals(pairs: &[(u32, &str)]) -> Vec<(u32, String)> {
        pairs.iter().map(|(n, v)| (*n, (*v).to_owned())).collect()
    }

    fn filled(t: &ParsedTemplate, pairs: &[(u32, &str)]) -> String {
        match fill(t, &vals(pairs)) {
            Ok(s) => s,
            Err(e) => panic!("fill failed: {e:?}"),
        }
    }

    fn fill_problems(t: &ParsedTemplate, pairs: &[(u32, &str)]) -> Vec<(u32, String)> {
        match fill(t, &vals(pairs)) {
            Ok(s) => panic!("fill succeeded: {s:?}"),
            Err(e) => e,
        }
    }

    // --- the seed's own example ---

    #[test]
    fn seed_example_parses_to_its_id_body_and_placeholder() {
        let t = ok(SEED);
        assert_eq!(t, ParsedTemplate { id: SEED_ID.into(), body: "Hello{{1}}".into(), placeholders: vec![1] });
    }

    #[test]
    fn seed_example_filled_gives_the_documented_send_text() {
        // The seed lists the template as `Hello{{1}}` but sends `Hello John`: the space must be in
        // the template (seed typo) or in the value. Values are trimmed here, so the literal seed
        // template gives `HelloJohn`, and the documented send text comes from `Hello {{1}}`.
        let t = ok(SEED);
        assert_eq!(send_text(&t, &filled(&t, &[(1, " John")])), format!("{{{{{SEED_ID}}}}}\nHelloJohn"));
        let t = ok("{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello {{1}}");
        let body = filled(&t, &[(1, "John")]);
        assert_eq!(send_text(&t, &body), "{{26815959-f5b8-49b4-9b0e-7458d34777cc}}\nHello John");
    }

    // --- what parses ---

    #[test]
    fn multi_line_body_keeps_its_line_breaks_exactly() {
        let t = ok("{{abc}}\nDear {{1}},\n\nyour order {{2}} has shipped.\n  Thanks!\n");
        assert_eq!(t.body, "Dear {{1}},\n\nyour order {{2}} has shipped.\n  Thanks!\n");
        assert_eq!(t.placeholders, vec![1, 2]);
        let body = filled(&t, &[(2, "A-17 (two boxes)"), (1, "Mary Ann Smith")]);
        assert_eq!(body, "Dear Mary Ann Smith,\n\nyour order A-17 (two boxes) has shipped.\n  Thanks!\n");
    }

    #[test]
    fn repeated_placeholders_are_listed_once_in_order_of_first_appearance_and_share_a_value() {
        let t = ok("{{abc}}\n{{2}} and {{1}}, then {{2}} again, {{1}}{{1}}");
        assert_eq!(t.placeholders, vec![2, 1]);
        assert_eq!(filled(&t, &[(1, "one"), (2, "two")]), "two and one, then two again, oneone");
    }

    #[test]
    fn non_latin_text_and_emoji_in_body_and_values() {
        let t = ok("{{ru_1}}\nЗдравствуйте, {{1}}! 🎉 مرحبا {{2}} 👋🏽");
        assert_eq!(t.placeholders, vec![1, 2]);
        let body = filled(&t, &[(1, "Анна Каренина"), (2, "محمد علي 🇸🇦")]);
        assert_eq!(body, "Здравствуйте, Анна Каренина! 🎉 مرحبا محمد علي 🇸🇦 👋🏽");
        assert_eq!(send_text(&t, &body), format!("{{{{ru_1}}}}\n{body}"));
    }

    #[test]
    fn crlf_after_the_id_is_accepted_and_the_body_keeps_its_own_crlf() {
        let t = ok("{{abc}}\r\nLine {{1}}\r\nLine two");
        assert_eq!(t.id, "abc");
        assert_eq!(t.body, "Line {{1}}\r\nLine two");
        let body = filled(&t, &[(1, "one")]);
        assert_eq!(send_text(&t, &body), "{{abc}}\nLine one\r\nLine two");
    }

    #[test]
    fn id_is_trimmed_any_id_of_the_charset_is_accepted_and_spaces_may_end_the_id_line() {
        assert_eq!(ok("{{  abc_DEF-09 }}\nHi").id, "abc_DEF-09");
        assert_eq!(ok("{{x}} \t\nHi").body, "Hi");
        let long = "a".repeat(MAX_ID_CHARS);
        assert_eq!(ok(&format!("{{{{{long}}}}}\nHi")).id, long);
    }

    #[test]
    fn template_without_placeholders_fills_to_its_body() {
        let t = ok("{{abc}}\nNo variables; a lone { or } or }} is text.");
        assert!(t.placeholders.is_empty());
        assert_eq!(filled(&t, &[]), "No variables; a lone { or } or }} is text.");
    }

    #[test]
    fn body_of_exactly_the_limit_in_non_latin_characters_parses() {
        let body = "Ж".repeat(MAX_BODY_CHARS);
        assert_eq!(ok(&format!("{{{{a}}}}\n{body}")).body, body);
    }

    #[test]
    fn tab_is_allowed_in_a_template() {
        assert_eq!(ok("{{a}}\nName:\t{{1}}").body, "Name:\t{{1}}");
    }

    // --- each SyntaxError ---

    #[test]
    fn empty_or_blank_text_is_empty() {
        assert_eq!(err(""), SyntaxError::Empty);
        assert_eq!(err(" \n\t\r\n"), SyntaxError::Empty);
    }

    #[test]
    fn text_not_starting_with_the_id_block_has_no_id_block() {
        assert_eq!(err("Hello {{1}}"), SyntaxError::NoIdBlock);
        assert_eq!(err(" {{abc}}\nHello"), SyntaxError::NoIdBlock);
        assert_eq!(err("{abc}\nHello"), SyntaxError::NoIdBlock);
    }

    #[test]
    fn id_block_not_closed_on_the_first_line_is_unterminated() {
        assert_eq!(err("{{abc\nHello}}"), SyntaxError::Unterminated { at: 1 });
        assert_eq!(err("{{abc"), SyntaxError::Unterminated { at: 1 });
    }

    #[test]
    fn bad_ids_are_refused() {
        assert_eq!(err("{{}}\nHi"), SyntaxError::BadId(String::new()));
        assert_eq!(err("{{   }}\nHi"), SyntaxError::BadId(String::new()));
        assert_eq!(err("{{a b}}\nHi"), SyntaxError::BadId("a b".into()));
        assert_eq!(err("{{идентификатор}}\nHi"), SyntaxError::BadId("идентификатор".into()));
        assert_eq!(err("{{{abc}}\nHi"), SyntaxError::BadId("{abc".into()));
        assert_eq!(err("{{a.b}}\nHi"), SyntaxError::BadId("a.b".into()));
        let long = "a".repeat(MAX_ID_CHARS + 1);
        assert_eq!(err(&format!("{{{{{long}}}}}\nHi")), SyntaxError::BadId(format!("{}…", "a".repeat(40))));
    }

    #[test]
    fn id_block_without_a_line_break_after_it_has_no_body() {
        assert_eq!(err("{{abc}}"), SyntaxError::NoBody);
        assert_eq!(err("{{abc}}Hello {{1}}"), SyntaxError::NoBody);
        assert_eq!(err("{{abc}} Hello"), SyntaxError::NoBody);
        assert_eq!(err("{{abc}}\rHello"), SyntaxError::NoBody);
        assert_eq!(err("{{abc}}{{1}}\nHello"), SyntaxError::NoBody);
    }

    #[test]
    fn nothing_but_whitespace_after_the_id_line_is_an_empty_body() {
        assert_eq!(err("{{abc}}\n"), SyntaxError::EmptyBody);
        assert_eq!(err("{{abc}}\r\n  \n\t"), SyntaxError::EmptyBody);
    }

    #[test]
    fn unclosed_placeholder_is_unterminated_at_its_position() {
        // "{{abc}}\n" is 8 characters: the body starts at character 9.
        assert_eq!(err("{{abc}}\nHi {{1"), SyntaxError::Unterminated { at: 12 });
        assert_eq!(err("{{abc}}\nHi {{1\n}}"), SyntaxError::Unterminated { at: 12 });
        assert_eq!(err("{{abc}}\nЖ{{1}} {{"), SyntaxError::Unterminated { at: 16 });
    }

    #[test]
    fn placeholders_that_are_not_plain_numbers_are_refused_spaces_are_not_trimmed() {
        for (block, at) in [
            ("{{name}}", 12),
            ("{{ 1 }}", 12),
            ("{{1 }}", 12),
            ("{{01}}", 12),
            ("{{-1}}", 12),
            ("{{}}", 12),
            ("{{+1}}", 12),
            ("{{١}}", 12),
        ] {
            let raw = format!("{{{{abc}}}}\nHi {block}");
            assert_eq!(err(&raw), SyntaxError::NotANumber { text: block.into(), at }, "{block}");
        }
        assert_eq!(err("{{abc}}\n{{1}} {{{1}}}"), SyntaxError::NotANumber { text: "{{{1}}".into(), at: 15 });
    }

    #[test]
    fn placeholder_zero_or_above_the_limit_is_out_of_range() {
        assert_eq!(err("{{abc}}\nHi {{0}}"), SyntaxError::OutOfRange { text: "{{0}}".into(), at: 12 });
        assert_eq!(err("{{abc}}\nHi {{101}}"), SyntaxError::OutOfRange { text: "{{101}}".into(), at: 12 });
        assert_eq!(
            err("{{abc}}\nHi {{99999999999999999999999}}"),
            SyntaxError::OutOfRange { text: format!("{{{{{}…", "9".repeat(18)), at: 12 }
        );
        let all: String = (1..=MAX_PLACEHOLDER).map(|n| format!("{{{{{n}}}}}")).collect();
        assert_eq!(ok(&format!("{{{{abc}}}}\n{all}")).placeholders.len(), MAX_PLACEHOLDER as usize);
    }

    #[test]
    fn a_gap_in_the_numbering_is_refused() {
        assert_eq!(err("{{abc}}\n{{1}} and {{3}}"), SyntaxError::Gap { missing: 2, highest: 3 });
        assert_eq!(err("{{abc}}\nonly {{2}}"), SyntaxError::Gap { missing: 1, highest: 2 });
        assert_eq!(ok("{{abc}}\n{{3}} {{1}} {{2}}").placeholders, vec![3, 1, 2]);
    }

    #[test]
    fn body_over_the_limit_is_too_long() {
        let body = "a".repeat(MAX_BODY_CHARS + 1);
        assert_eq!(err(&format!("{{{{abc}}}}\n{body}")), SyntaxError::BodyTooLong { chars: MAX_BODY_CHARS + 1 });
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        assert_eq!(err("{{abc}}\nHi\0{{1}}"), SyntaxError::ControlChar { code: 0, at: 11 });
        assert_eq!(err("{{a\u{7}c}}\nHi"), SyntaxError::ControlChar { code: 7, at: 4 });
        assert_eq!(err("{{abc}}\nHi\u{85}there"), SyntaxError::ControlChar { code: 0x85, at: 11 });
        assert_eq!(err("{{abc}}\nHi\u{7f}"), SyntaxError::ControlChar { code: 0x7f, at: 11 });
        assert_eq!(err("\0"), SyntaxError::ControlChar { code: 0, at: 1 });
    }

    #[test]
    fn syntax_errors_read_as_sentences() {
        assert_eq!(
            err("{{abc}}\n{{1}} and {{3}}").to_string(),
            "placeholder {{2}} is missing: the numbers must run from {{1}} to {{3}} without gaps"
        );
        assert_eq!(
            err("{{abc}}\nHi {{name}}").to_string(),
            "{{name}} at character 12 is not a placeholder: placeholders are numbers written like {{1}}, without spaces or leading zeros"
        );
        assert_eq!(
            err("{{abc}}\nHi {{1").to_string(),
            "the '{{' at character 12 is not closed with '}}' on the same line"
        );
        assert_eq!(
            err("Hello").to_string(),
            "the template does not start with its id in double braces, like {{26815959-f5b8-…}}"
        );
        assert_eq!(err("{{a}}\n\0").to_string(), "the template contains a control character (U+0000) at character 7");
        assert_eq!(
            err("{{a b}}\nx").to_string(),
            "the template id \"a b\" is not valid: it must be 1 to 100 letters, digits, '-' or '_'"
        );
        assert_eq!(
            err("{{abc}}\nHi {{0}}").to_string(),
            "placeholder {{0}} at character 12 is out of range: numbers go from 1 to 100"
        );
    }

    // --- fill ---

    #[test]
    fn values_are_trimmed_and_may_hold_spaces_and_several_words() {
        let t = ok("{{abc}}\nHi {{1}}!");
        assert_eq!(filled(&t, &[(1, "\t John   Ronald Reuel Tolkien \n")]), "Hi John   Ronald Reuel Tolkien!");
    }

    #[test]
    fn each_fill_problem_is_reported_for_its_number() {
        let body: String = (1..=12).map(|n| format!("{{{{{n}}}}} ")).collect();
        let t = ok(&format!("{{{{abc}}}}\n{body}"));
        let long = "я".repeat(MAX_VALUE_CHARS + 1);
        let problems = fill_problems(
            &t,
            &[
                // 1: missing
                (2, ""),
                (3, " \t "),
                (4, "two\nlines"),
                (5, "two\rlines"),
                (6, "two\u{2028}lines"),
                (7, "two\u{2029}lines"),
                (8, "two\u{85}lines"),
                (9, "bell\u{7}"),
                (10, "tab\tinside"),
                (11, &long),
                (12, "fine"),
                (13, "no such placeholder"),
            ],
        );
        let numbers: Vec<u32> = problems.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]);
        let msg = |n: u32| problems.iter().find(|(m, _)| *m == n).map(|(_, s)| s.as_str()).unwrap_or_default();
        assert_eq!(msg(1), "{{1}} needs a value");
        assert_eq!(msg(2), "{{2}} needs a value; it is empty");
        assert_eq!(msg(3), "{{3}} needs a value; it is empty");
        for n in 4..=8 {
            assert_eq!(msg(n), format!("the value of {{{{{n}}}}} must stay on one line: remove the line break"));
        }
        assert_eq!(msg(9), "the value of {{9}} contains a control character (U+0007); remove it");
        assert_eq!(msg(10), "the value of {{10}} contains a control character (U+0009); remove it");
        assert_eq!(msg(11), "the value of {{11}} is 1025 characters long; the limit is 1024");
        assert_eq!(msg(13), "this template has no placeholder {{13}}");
    }

    #[test]
    fn a_value_of_exactly_the_limit_is_accepted() {
        let t = ok("{{abc}}\n{{1}}");
        let v = "я".repeat(MAX_VALUE_CHARS);
        assert_eq!(filled(&t, &[(1, &v)]), v);
    }

    #[test]
    fn a_value_given_twice_is_refused() {
        let t = ok("{{abc}}\n{{1}}");
        assert_eq!(
            fill_problems(&t, &[(1, "a"), (1, "a")]),
            vec![(1, "{{1}} was given a value more than once".to_owned())]
        );
    }

    #[test]
    fn a_value_holding_a_placeholder_is_inserted_literally() {
        let t = ok("{{abc}}\nA {{1}} B {{2}}");
        assert_eq!(filled(&t, &[(1, "{{2}}"), (2, "{{1}}")]), "A {{2}} B {{1}}");
        assert_eq!(filled(&t, &[(1, "{{"), (2, "}}")]), "A {{ B }}");
    }

    #[test]
    fn send_text_is_the_id_line_and_the_filled_body() {
        let t = ok("{{abc}}\r\nHi {{1}}");
        assert_eq!(send_text(&t, "Hi Ann"), "{{abc}}\nHi Ann");
    }

    // --- segments ---

    #[test]
    fn segments_split_text_and_placeholders_and_leave_the_rest_as_text() {
        use Segment::{Placeholder as P, Text as T};
        assert_eq!(segments("Hello{{1}}"), vec![T("Hello".into()), P(1)]);
        assert_eq!(segments("{{2}}{{1}} x {{2}}"), vec![P(2), P(1), T(" x ".into()), P(2)]);
        assert_eq!(segments("a {{name}} {{ 1 }} {{01}} {{"), vec![T("a {{name}} {{ 1 }} {{01}} {{".into())]);
        assert_eq!(segments("{{{1}}}"), vec![T("{{{1}}}".into())]);
        // A block ends at the first `}}` after its `{{`: this is one block, `{{ {{1}}`, and not a number.
        assert_eq!(segments("{{ {{1}}"), vec![T("{{ {{1}}".into())]);
        assert_eq!(segments("{{ }} {{1}}"), vec![T("{{ }} ".into()), P(1)]);
        assert_eq!(segments("{{0}}"), vec![P(0)]);
        assert_eq!(segments(""), vec![]);
    }

    fn unsegment(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s {
                Segment::Text(t) => t.clone(),
                Segment::Placeholder(n) => format!("{{{{{n}}}}}"),
            })
            .collect()
    }

    // --- properties ---

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A piece of a generated body: literal text (may span lines, never a brace) or `{{n}}`.
        #[derive(Debug, Clone)]
        enum Piece {
            Text(String),
            Var(u32),
        }

        fn piece(k: u32) -> impl Strategy<Value = Piece> {
            let text = "([^{}\\p{Cc}]|\n|\r\n){0,20}".prop_map(Piece::Text);
            if k == 0 {
                text.boxed()
            } else {
                prop_oneof![text, (1..=k).prop_map(Piece::Var)].boxed()
            }
        }

        /// Id, pieces (every number 1..=k appears), and one value per number.
        fn template() -> impl Strategy<Value = (String, Vec<Piece>, Vec<String>)> {
            (0u32..=6).prop_flat_map(|k| {
                (
                    "[A-Za-z0-9_-]{1,100}",
                    prop::collection::vec(piece(k), 0..12),
                    prop::collection::vec("[^{}\\s\\p{Cc}][^{}\\p{Cc}\u{2028}\u{2029}\u{85}]{0,30}", k as usize),
                )
                    .prop_map(move |(id, mut pieces, values)| {
                        pieces.insert(0, Piece::Text("Hi ".into()));
                        pieces.extend((1..=k).map(Piece::Var));
                        (id, pieces, values)
                    })
            })
        }

        /// Strings likely to get deep into the parser.
        fn syntaxish() -> impl Strategy<Value = String> {
            prop::collection::vec(
                prop_oneof![
                    Just("{{".to_owned()),
                    Just("}}".to_owned()),
                    Just("{".to_owned()),
                    Just("\n".to_owned()),
                    Just("\r\n".to_owned()),
                    Just(" ".to_owned()),
                    "[0-9]{1,3}",
                    "[a-zA-Zя🎉_-]{1,5}",
                    any::<char>().prop_map(String::from),
                ],
                0..40,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #[test]
            fn filled_send_text_parses_back_to_the_same_id((id, pieces, values) in template()) {
                let body: String = pieces.iter().map(|p| match p {
                    Piece::Text(t) => t.clone(),
                    Piece::Var(n) => format!("{{{{{n}}}}}"),
                }).collect();
                let t = parse(&format!("{{{{{id}}}}}\n{body}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&t.id, &id);
                prop_assert_eq!(&t.body, &body);
                let mut sorted = t.placeholders.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (1..=values.len() as u32).collect::<Vec<_>>());

                let given: Vec<(u32, String)> = values.iter().enumerate().map(|(i, v)| (i as u32 + 1, v.clone())).collect();
                let out = fill(&t, &given).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                let expected: String = pieces.iter().map(|p| match p {
                    Piece::Text(t) => t.as_str(),
                    Piece::Var(n) => values[*n as usize - 1].trim(),
                }).collect();
                prop_assert_eq!(&out, &expected);

                let back = parse(&send_text(&t, &out)).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(back.id, id);
                prop_assert_eq!(back.body, out);
                prop_assert!(back.placeholders.is_empty());
            }

            #[test]
            fn fill_never_panics_and_reports_each_number_once(
                (id, pieces, _) in template(),
                given in prop::collection::vec((0u32..9, any::<String>()), 0..10),
            ) {
                let body: String = pieces.iter().map(|p| match p {
                    Piece::Text(t) => t.clone(),
                    Piece::Var(n) => format!("{{{{{n}}}}}"),
                }).collect();
                let t = parse(&format!("{{{{{id}}}}}\n{body}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
                match fill(&t, &given) {
                    Ok(out) => prop_assert!(!out.contains('\n') || body.contains('\n')),
                    Err(problems) => {
                        prop_assert!(!problems.is_empty());
                        prop_assert!(problems.windows(2).all(|w| w[0].0 < w[1].0));
                    }
                }
            }

            #[test]
            fn parse_never_panics_on_any_string(raw in any::<String>()) {
                let _ = parse(&raw);
                prop_assert_eq!(unsegment(&segments(&raw)), raw);
            }

            #[test]
            fn parse_never_panics_on_brace_heavy_strings(rest in syntaxish(), with_id in any::<bool>()) {
                let raw = if with_id { format!("{{{{abc}}}}\n{rest}") } else { rest };
                if let Ok(t) = parse(&raw) {
                    prop_assert_eq!(unsegment(&segments(&t.body)), t.body.clone());
                    let k = t.placeholders.len() as u32;
                    let given: Vec<(u32, String)> = (1..=k).map(|n| (n, format!("v{n}"))).collect();
                    let out = fill(&t, &given).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                    prop_assert!(!out.contains("{{"));
                }
                prop_assert_eq!(unsegment(&segments(&raw)), raw);
            }
        }
    }
}
