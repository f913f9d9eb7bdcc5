//! `otpauth://` URIs and their QR codes: parsing, the build → parse round trip, the otpauth
//! drafts' examples and issuer rules, and every QR rendering read back by a decoder.

mod qr_decode;
mod uri_drafts;
mod uri_parse;
mod uri_roundtrip;
