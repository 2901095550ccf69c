//! TEMPORARY shim with the agreed signatures; replaced by the real parser (branch h/tsyntax).
#![allow(missing_docs)]

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTemplate {
    pub id: String,
    pub body: String,
    pub placeholders: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SyntaxError(String);

pub fn parse(raw: &str) -> Result<ParsedTemplate, SyntaxError> {
    let rest = raw.strip_prefix("{{").ok_or_else(|| SyntaxError("no id".into()))?;
    let (id, body) = rest.split_once("}}\n").ok_or_else(|| SyntaxError("no id".into()))?;
    let mut placeholders = Vec::new();
    let mut s = body;
    while let Some(i) = s.find("{{") {
        let Some(j) = s[i..].find("}}") else { break };
        if let Ok(n) = s[i + 2..i + j].parse::<u32>() {
            if !placeholders.contains(&n) {
                placeholders.push(n);
            }
        }
        s = &s[i + j + 2..];
    }
    Ok(ParsedTemplate { id: id.into(), body: body.into(), placeholders })
}

pub fn fill(t: &ParsedTemplate, values: &[(u32, String)]) -> Result<String, Vec<(u32, String)>> {
    let mut out = t.body.clone();
    for n in &t.placeholders {
        let v = values.iter().find(|(k, _)| k == n).map(|(_, v)| v.trim()).unwrap_or("");
        if v.is_empty() || v.contains('\n') {
            return Err(vec![(*n, "bad".into())]);
        }
        out = out.replace(&format!("{{{{{n}}}}}"), v);
    }
    Ok(out)
}

pub fn send_text(t: &ParsedTemplate, filled_body: &str) -> String {
    format!("{{{{{}}}}}\n{filled_body}", t.id)
}
