//! Phone numbers as they arrive (a spreadsheet cell, a form, a webhook) to the one form a contact
//! is keyed by: international digits without `+` (`4915112345678`).
//!
//! Parsing and validation are libphonenumber's rules (the `phonenumber` port). A number written
//! without a country code takes the default country, if there is one; `+` and `00` mean an
//! international number. Anything else is refused with a sentence saying why: a letter, a number
//! too short, one that is not valid for its country. No digit is ever added or dropped to make a
//! number fit (an old 8-digit Brazilian mobile stays refused, it does not get its 9th digit).

use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::{Mode, ParseError};

use crate::error::{Error, Result};

/// The characters a written number may hold besides digits and a leading `+`.
const SEPARATORS: [char; 6] = [' ', '-', '.', '(', ')', '/'];

/// An ISO 3166 alpha-2 country that libphonenumber knows (`DE`, `BR`, `US`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country(Id);

impl Country {
    /// `code` (any case, trimmed) as a country, or `Error::Field(what, …)`.
    pub fn parse(code: &str, what: &str) -> Result<Country> {
        let upper = code.trim().to_ascii_uppercase();
        let known = upper.len() == 2 && upper.chars().all(|c| c.is_ascii_uppercase());
        match Id::from_str(&upper) {
            Ok(id) if known && phonenumber::metadata::DATABASE.by_id(id.as_ref()).is_some() => Ok(Country(id)),
            _ => Err(Error::Field(
                what.into(),
                format!("\"{}\" is not a country code: use two letters (ISO 3166), e.g. DE, BR, US", code.trim()),
            )),
        }
    }

    /// The two letters, upper case.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

/// The sandbox's demo customers (+1 555 000 000X): not valid numbers anywhere (555 is no area code),
/// so libphonenumber refuses them, but the embedded sandbox answers for them; they must import.
const SANDBOX_DEMO_NUMBERS: [&str; 6] = {
    use wadesk_sandbox::messaging::*;
    [DEMO_NOT_OPTED_IN, DEMO_NOT_ON_WHATSAPP, DEMO_SLOW, DEMO_NEVER_READ, DEMO_THANKS, DEMO_STOP]
};

/// `raw` as international digits without `+`, or a sentence for a person saying why it is not a
/// number we can send to. `default` applies to numbers written without a country code.
pub fn normalize(raw: &str, default: Option<Country>) -> std::result::Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("the phone number is empty".into());
    }
    let (plus, body) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if let Some(bad) = body.chars().find(|c| !c.is_ascii_digit() && !SEPARATORS.contains(c)) {
        let what = if bad.is_alphabetic() { "a letter".to_owned() } else { format!("\"{bad}\"") };
        return Err(format!("\"{text}\" contains {what}: a number has only digits, spaces, - ( ) . / and a leading +"));
    }
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let international = if plus { Some(digits.as_str()) } else { digits.strip_prefix("00") };
    if let Some(demo) = international.filter(|d| SANDBOX_DEMO_NUMBERS.contains(d)) {
        return Ok(demo.to_owned());
    }
    let parsed = match (international, default) {
        (Some(number), _) => phonenumber::parse(None, format!("+{number}")),
        (None, Some(country)) => phonenumber::parse(Some(country.0), &digits),
        (None, None) => {
            return Err(format!(
                "\"{text}\" has no country code (write it as +49… or 0049…), and no default country is set"
            ))
        }
    };
    let number = parsed.map_err(|e| parse_failure(text, &e))?;
    if !number.is_valid() {
        let region = number.country().id().map(|id| id.as_ref().to_owned());
        let region = region.or_else(|| default.map(|c| c.code().to_owned()));
        return Err(match region {
            Some(region) => format!("\"{text}\" is not a valid number for {region}"),
            None => format!("\"{text}\" is not a valid phone number"),
        });
    }
    Ok(number.format().mode(Mode::E164).to_string().trim_start_matches('+').to_owned())
}

/// [`normalize`] for a form field: the failure becomes `Error::Field(what, …)`.
pub fn normalize_field(raw: &str, default: Option<Country>, what: &str) -> Result<String> {
    normalize(raw, default).map_err(|m| Error::Field(what.into(), m))
}

fn parse_failure(text: &str, e: &ParseError) -> String {
    match e {
        ParseError::InvalidCountryCode => format!("\"{text}\" does not start with a known country code"),
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => format!("\"{text}\" is too short for a phone number"),
        ParseError::TooLong => format!("\"{text}\" is too long for a phone number"),
        _ => format!("\"{text}\" is not a phone number"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> Option<Country> {
        Some(Country::parse("de", "default_country").unwrap())
    }

    fn norm(raw: &str, default: Option<Country>) -> std::result::Result<String, String> {
        normalize(raw, default)
    }

    #[test]
    fn german_numbers_in_every_common_spelling() {
        for raw in ["0151 12345678", "+49 151 12345678", "+49 (0)151 1234-5678", "0049 151/12345678", "0151.1234.5678"]
        {
            assert_eq!(norm(raw, de()).unwrap(), "4915112345678", "{raw}");
        }
        assert_eq!(norm("030 1234567", de()).unwrap(), "49301234567");
    }

    #[test]
    fn brazilian_mobiles_need_their_ninth_digit_and_never_get_one_added() {
        let br = Some(Country::parse("BR", "c").unwrap());
        assert_eq!(norm("+55 11 98765-4321", None).unwrap(), "5511987654321");
        assert_eq!(norm("(11) 98765-4321", br).unwrap(), "5511987654321");
        let old = norm("+55 11 8765-4321", None).unwrap_err();
        assert!(old.contains("not a valid number for BR"), "{old}");
    }

    #[test]
    fn us_numbers() {
        let us = Some(Country::parse("US", "c").unwrap());
        assert_eq!(norm("(201) 555-0123", us).unwrap(), "12015550123");
        assert_eq!(norm("+1 201-555-0123", de()).unwrap(), "12015550123");
    }

    #[test]
    fn a_number_without_country_code_needs_a_default() {
        let e = norm("0151 12345678", None).unwrap_err();
        assert!(e.contains("no country code") && e.contains("no default country"), "{e}");
        assert_eq!(norm("00 49 151 12345678", None).unwrap(), "4915112345678");
    }

    #[test]
    fn letters_symbols_and_short_numbers_are_refused_with_a_reason() {
        assert!(norm("0151 CALL ME", de()).unwrap_err().contains("a letter"));
        assert!(norm("1-800-FLOWERS", de()).unwrap_err().contains("a letter"));
        assert!(norm("0151#123", de()).unwrap_err().contains("\"#\""));
        assert!(norm("12", de()).is_err());
        let short = norm("0151 234", de()).unwrap_err();
        assert!(short.contains("0151 234"), "{short}");
        assert!(norm("+999 1234567", None).is_err());
        assert!(norm("   ", de()).unwrap_err().contains("empty"));
    }

    #[test]
    fn country_codes_are_checked() {
        assert_eq!(Country::parse(" br ", "c").unwrap().code(), "BR");
        for bad in ["XX", "DEU", "", "1A"] {
            assert!(
                matches!(Country::parse(bad, "default_country"), Err(Error::Field(f, _)) if f == "default_country")
            );
        }
    }
}
