//! A contacts import file (untrusted bytes from anywhere): any bytes decode and parse or give a
//! reason, never a panic; the header guess maps every column once with a valid target; every cell
//! normalises to digits or gives a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::contacts::import::{decode, headers};
use wadesk_core::contacts::{phone, rules, ColumnTarget, Country};

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode::decode(data) else { return };
    assert!([b',', b';', b'\t'].contains(&decoded.delimiter));
    let (table, total) = match decode::read(&decoded, None) {
        Ok(t) => t,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert_eq!(table.rows.len() as u64, total);
    assert!(table.rows.windows(2).all(|w| w[0].line < w[1].line), "lines ascend");
    let mapping = headers::guess(&table.headers);
    assert_eq!(mapping.len(), table.headers.len());
    assert!(mapping.iter().filter(|t| **t == ColumnTarget::Phone).count() <= 1);
    for target in &mapping {
        if let ColumnTarget::Field { name } = target {
            assert!(rules::is_custom_field_name(name), "{name:?}");
        }
    }
    let de = Country::parse("DE", "c").ok();
    for row in table.rows.iter().take(64) {
        for cell in row.cells.iter() {
            match phone::normalize(cell, de) {
                Ok(digits) => assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())),
                Err(why) => assert!(!why.is_empty()),
            }
        }
    }
});
