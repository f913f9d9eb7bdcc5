//! Reading what a person types as a code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use twofactor::otp::{Code, Digits, OtpError};

#[test]
fn accepted_forms() {
    for input in [
        "123456",
        "123 456",
        "123-456",
        "  123456\t",
        "\n123 456 ",
        "12 34 56",
        "1-2-3-4-5-6",
    ] {
        let code = Code::parse(input, Digits::Six).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(code.to_string(), "123456", "{input:?}");
    }
    assert_eq!(
        Code::parse("0000 0001", Digits::Eight).unwrap().to_string(),
        "00000001"
    );
    assert_eq!(
        Code::parse("0012345", Digits::Seven).unwrap().to_string(),
        "0012345"
    );
}

#[test]
fn rejected_forms_are_typed() {
    use OtpError::{Empty, InvalidCharacter, WrongLength};
    let cases: &[(&str, OtpError)] = &[
        ("", Empty),
        ("   ", Empty),
        (
            "12345",
            WrongLength {
                expected: 6,
                found: 5,
            },
        ),
        (
            "1234567",
            WrongLength {
                expected: 6,
                found: 7,
            },
        ),
        (
            "12345678901234567890",
            WrongLength {
                expected: 6,
                found: 20,
            },
        ),
        ("12345a", InvalidCharacter { position: 5 }),
        ("abcdef", InvalidCharacter { position: 0 }),
        ("123  456", InvalidCharacter { position: 3 }),
        ("123--456", InvalidCharacter { position: 3 }),
        ("-123456", InvalidCharacter { position: 0 }),
        ("123456-", InvalidCharacter { position: 6 }),
        ("+123456", InvalidCharacter { position: 0 }),
        ("123_456", InvalidCharacter { position: 3 }),
        ("１２３４５６", InvalidCharacter { position: 0 }), // full-width digits
        ("١٢٣٤٥٦", InvalidCharacter { position: 0 }),       // Arabic-Indic digits
        ("123\u{a0}456", InvalidCharacter { position: 3 }), // no-break space inside
        ("12345\u{663}", InvalidCharacter { position: 5 }),
    ];
    for (input, expected) in cases {
        assert_eq!(
            Code::parse(input, Digits::Six).unwrap_err(),
            *expected,
            "{input:?}"
        );
    }
}

#[test]
fn debug_hides_the_code_and_display_pads_it() {
    let code = Code::parse("000042", Digits::Six).unwrap();
    assert_eq!(format!("{code:?}"), "Code { digits: 6, .. }");
    assert_eq!(code.to_string(), "000042");
}

#[test]
fn codes_of_different_digit_counts_are_unequal() {
    let six = Code::parse("000042", Digits::Six).unwrap();
    let eight = Code::parse("00000042", Digits::Eight).unwrap();
    assert_ne!(six, eight);
    assert_eq!(six, Code::parse("000 042", Digits::Six).unwrap());
}

fn digits() -> impl Strategy<Value = Digits> {
    prop_oneof![Just(Digits::Six), Just(Digits::Seven), Just(Digits::Eight)]
}

proptest! {
    #[test]
    fn parse_never_panics(input in any::<String>(), digits in digits()) {
        let _ = Code::parse(&input, digits);
    }

    #[test]
    fn display_then_parse_round_trips(value in 0u32..100_000_000, digits in digits()) {
        let text = format!("{:0width$}", value % 10u32.pow(u32::from(digits.get())), width = usize::from(digits.get()));
        let code = Code::parse(&text, digits).unwrap();
        prop_assert_eq!(code.to_string(), text.clone());
        // Grouped with a separator after the first three digits, with white space around.
        let grouped = format!(" {}-{} ", &text[..3], &text[3..]);
        prop_assert_eq!(Code::parse(&grouped, digits).unwrap(), code);
    }
}
