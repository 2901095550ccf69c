//! The template send syntax (`/getHSM`'s `data`, untrusted provider text): any text parses or gives
//! a reason, never a panic; a template that parses fills without re-expanding its values, and its
//! send text parses back to the same id.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::templates::syntax::{
    fill, parse, segments, send_payload, ParsedTemplate, Segment, SyntaxError, MAX_BODY_CHARS, MAX_VALUE_CHARS,
};

/// Seed 000's send text: a ChatArchitect template's payload.
fn send_text(t: &ParsedTemplate, filled_body: &str) -> String {
    send_payload(t, filled_body, &[])
}

/// The text the segments came from (a placeholder written back as `{{n}}`).
fn rebuild(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Text(t) => t.clone(),
            Segment::Placeholder(n) => format!("{{{{{n}}}}}"),
        })
        .collect()
}

/// Characters of the body once each placeholder is replaced by its value (trimmed): what a fill
/// that inserts values literally, exactly once per occurrence, must give.
fn filled_len(t: &ParsedTemplate, values: &[(u32, String)]) -> usize {
    segments(&t.body)
        .iter()
        .map(|s| match s {
            Segment::Text(x) => x.chars().count(),
            Segment::Placeholder(n) => values.iter().find(|(m, _)| m == n).map_or(0, |(_, v)| v.trim().chars().count()),
        })
        .sum()
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    assert_eq!(rebuild(&segments(&raw)), raw, "segments lose nothing");
    let t = match parse(&raw) {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(rebuild(&segments(&t.body)), t.body);
    let mut sorted = t.placeholders.clone();
    sorted.sort_unstable();
    assert!(sorted.iter().copied().eq(1..=t.placeholders.len() as u32), "numbered from 1 without gaps");

    // Values taken from the input's own words.
    let words: Vec<&str> = raw.split_whitespace().collect();
    let word = |n: u32| words.get(n as usize % words.len().max(1)).copied().unwrap_or("x");

    // Free of braces, control characters and line breaks: fill succeeds, leaves no `{{`, and the
    // send text reads back as the same template with nothing left to fill.
    let clean: Vec<(u32, String)> = t
        .placeholders
        .iter()
        .map(|&n| {
            let w: String =
                word(n).chars().filter(|c| !matches!(c, '{' | '}') && !c.is_control()).take(MAX_VALUE_CHARS).collect();
            (n, if w.is_empty() { format!("v{n}") } else { w })
        })
        .collect();
    let out = fill(&t, &clean).unwrap_or_else(|e| panic!("clean values were refused: {e:?}"));
    assert!(!out.contains("{{"), "a `{{` survived the fill: {out:?}");
    assert_eq!(out.chars().count(), filled_len(&t, &clean));
    match parse(&send_text(&t, &out)) {
        Ok(back) => {
            assert_eq!(back.id, t.id);
            assert_eq!(back.body, out);
            assert!(back.placeholders.is_empty());
        }
        Err(SyntaxError::BodyTooLong { chars }) => assert!(chars > MAX_BODY_CHARS),
        Err(e) => panic!("the send text does not parse back: {e}"),
    }

    // The words as they are (braces, `{{n}}`, anything), plus a value for a number the template may
    // not have: fill succeeds with every value inserted literally once, or names each problem once.
    let mut given: Vec<(u32, String)> = t.placeholders.iter().map(|&n| (n, word(n).to_owned())).collect();
    if data.len() % 3 == 0 {
        given.push((data.len() as u32 % 7, word(0).to_owned()));
    }
    match fill(&t, &given) {
        Ok(out) => assert_eq!(out.chars().count(), filled_len(&t, &given), "a value was expanded again"),
        Err(problems) => {
            assert!(!problems.is_empty());
            assert!(problems.windows(2).all(|w| w[0].0 < w[1].0), "sorted, one per number");
            for (n, message) in &problems {
                assert!(!message.is_empty());
                assert!(t.placeholders.contains(n) || given.iter().any(|(m, _)| m == n));
            }
        }
    }
});
