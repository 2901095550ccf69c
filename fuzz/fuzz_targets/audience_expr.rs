//! The `--audience EXPR` syntax (typed by a person or a script): any text parses or gives a
//! reason at the `audience` field, never a panic; what parses writes back to an expression that
//! parses to the same audience.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_core::contacts::Audience;
use wadesk_core::Error;

fuzz_target!(|data: &[u8]| {
    let expr = String::from_utf8_lossy(data);
    match Audience::parse(&expr) {
        Ok(a) => {
            let back = a.to_expr();
            assert_eq!(Audience::parse(&back).ok().as_ref(), Some(&a), "{back:?}");
            assert!(a.validate().is_ok());
        }
        Err(Error::Field(field, message)) => assert!(field == "audience" && !message.is_empty()),
        Err(e) => panic!("not a field error: {e:?}"),
    }
});
