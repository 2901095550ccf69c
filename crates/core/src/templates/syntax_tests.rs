//! Tests of the template send syntax (`syntax.rs`): the seed's example, every error, fill rules
//! and property tests.
use super::*;

/// Seed 000's send text: the payload of a ChatArchitect template.
fn send_text(t: &ParsedTemplate, filled_body: &str) -> String {
    send_payload(t, filled_body, &[])
}

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
    assert_eq!(
        t,
        ParsedTemplate {
            id: SEED_ID.into(),
            body: "Hello{{1}}".into(),
            placeholders: vec![1],
            form: SendForm::ChatArchitect
        }
    );
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
    assert_eq!(err("{{abc}}\nHi {{1").to_string(), "the '{{' at character 12 is not closed with '}}' on the same line");
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
