//! The relay's TOML configuration: any text is a valid config or a clear error, never a panic, and
//! a config that loads has every value inside its documented range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wadesk_relay::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_toml_str(text) {
        config.validate().expect("a loaded config is valid");
    }
});
