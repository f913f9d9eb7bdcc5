//! `otpauth://` URIs: never a panic; the strict parser accepts exactly the lenient one's URIs
//! without an issuer mismatch; what parses is written (with and without defaults) and parsed back
//! equal, and writing that again gives the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::KeyUri;
use twofactor::uri::{BuildOptions, ParseOptions, UriError};

fuzz_target!(|text: &str| {
    let lenient = KeyUri::parse(text);
    let strict = KeyUri::parse_with(text, ParseOptions::new().strict_issuer(true));
    match (&lenient, &strict) {
        (Ok(uri), Ok(same)) => assert!(uri == same && !uri.has_issuer_mismatch()),
        (Ok(uri), Err(error)) => assert!(*error == UriError::IssuerMismatch && uri.has_issuer_mismatch()),
        // The issuer check comes before the values are read, so it may be reported first.
        (Err(error), Err(other)) => assert!(other == error || *other == UriError::IssuerMismatch),
        (Err(_), Ok(_)) => panic!("the strict parser accepted what the lenient one refused"),
    }
    let Ok(uri) = lenient else { return };
    for options in [BuildOptions::new(), BuildOptions::new().emit_defaults(true)] {
        let written = uri.to_uri_string_with(options);
        let again = KeyUri::parse(&written).expect("a written URI parses");
        assert_eq!(again, uri, "parse → write → parse is stable");
        assert_eq!(
            *again.to_uri_string_with(options),
            *written,
            "write → parse → write is stable"
        );
    }
    if let Some(totp) = uri.to_totp() {
        let _ = totp.generate(u64::MAX);
    }
    if let (Some(hotp), Some(counter)) = (uri.to_hotp(), uri.counter()) {
        let _ = hotp.generate(counter);
    }
});
