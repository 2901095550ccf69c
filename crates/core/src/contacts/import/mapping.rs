//! A column mapping checked against a file's header before anything is read: one target per
//! column, exactly one phone, built-ins at most once, custom field names valid and distinct.

use super::super::phone::Country;
use super::super::rules;
use super::super::ColumnTarget;
use super::headers;
use crate::error::{Error, Result};

/// An import's checked instructions.
#[derive(Debug)]
pub struct Plan {
    /// One target per column.
    pub targets: Vec<ColumnTarget>,
    /// The header row (for error messages).
    pub headers: Vec<String>,
    /// The phone column.
    pub phone: usize,
    /// Tags added to every row, checked.
    pub tags: Vec<String>,
    /// For numbers without a country code.
    pub country: Option<Country>,
    /// The header row's signature, to save the mapping under.
    pub signature: String,
}

fn mapping_error(message: String) -> Error {
    Error::Field("mapping".into(), message)
}

/// Checks `mapping` against `header_row`; returns the phone column.
pub fn check(mapping: &[ColumnTarget], header_row: &[String]) -> Result<usize> {
    if mapping.len() != header_row.len() {
        return Err(mapping_error(format!(
            "the mapping has {} targets but the file has {} columns",
            mapping.len(),
            header_row.len()
        )));
    }
    let column = |i: usize| match header_row[i].as_str() {
        "" => format!("column {}", i + 1),
        h => format!("column {} \"{h}\"", i + 1),
    };
    let phones: Vec<usize> = (0..mapping.len()).filter(|&i| mapping[i] == ColumnTarget::Phone).collect();
    let phone = match phones.as_slice() {
        [one] => *one,
        [] => return Err(mapping_error("map one column to phone: no column is mapped to phone".into())),
        many => {
            let names: Vec<String> = many.iter().map(|&i| column(i)).collect();
            return Err(mapping_error(format!("map exactly one column to phone, not {}", names.join(", "))));
        }
    };
    for (i, target) in mapping.iter().enumerate() {
        let once = matches!(target, ColumnTarget::Name | ColumnTarget::FirstName | ColumnTarget::OptOut);
        let again = mapping[..i].contains(target);
        if let ColumnTarget::Field { name } = target {
            rules::custom_field_name(name, "mapping")
                .map_err(|e| mapping_error(format!("{}: {}", column(i), message(e))))?;
        }
        if again && (once || matches!(target, ColumnTarget::Field { .. })) {
            return Err(mapping_error(format!("{} is mapped to the same target as an earlier column", column(i))));
        }
    }
    Ok(phone)
}

fn message(e: Error) -> String {
    match e {
        Error::Field(_, m) => m,
        e => e.to_string(),
    }
}

/// The extra tags of an import, checked and without duplicates.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = rules::tag(t, "tags")?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

impl Plan {
    /// A plan for `header_row` with `mapping`.
    pub fn new(
        mapping: &[ColumnTarget],
        header_row: &[String],
        tags: Vec<String>,
        country: Option<Country>,
    ) -> Result<Plan> {
        let phone = check(mapping, header_row)?;
        Ok(Plan {
            targets: mapping.to_vec(),
            headers: header_row.to_vec(),
            phone,
            tags,
            country,
            signature: headers::signature(header_row),
        })
    }

    /// The header of column `i`, or `column N` for a blank or missing one.
    pub fn column(&self, i: usize) -> String {
        match self.headers.get(i).map(String::as_str) {
            Some(h) if !h.is_empty() => h.to_owned(),
            _ => format!("column {}", i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnTarget::*;

    fn h(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("h{i}")).collect()
    }

    #[test]
    fn exactly_one_phone_column() {
        assert_eq!(check(&[Name, Phone], &h(2)).unwrap(), 1);
        for bad in [vec![Name, Ignore], vec![Phone, Phone]] {
            assert!(matches!(check(&bad, &h(2)), Err(Error::Field(f, _)) if f == "mapping"));
        }
    }

    #[test]
    fn lengths_built_ins_and_field_names_are_checked() {
        assert!(check(&[Phone], &h(2)).is_err());
        assert!(check(&[Phone, Name, Name], &h(3)).is_err());
        assert!(check(&[Phone, Tags, Tags], &h(3)).is_ok());
        let f = |n: &str| Field { name: n.into() };
        assert!(check(&[Phone, f("city"), f("city")], &h(3)).is_err());
        assert!(check(&[Phone, f("City")], &h(2)).is_err());
        assert!(check(&[Phone, f("first_name")], &h(2)).is_err());
        assert!(check(&[Phone, Ignore, Ignore], &h(3)).is_ok());
    }
}
