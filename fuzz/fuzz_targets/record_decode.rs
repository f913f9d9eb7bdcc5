//! A user's stored record, as a store hands it back — plain or sealed secrets: never a panic,
//! and what decodes is encoded back to the same bytes (one record, one encoding) and decodes
//! again to an equal record.
//! `make_record_seeds.py` writes the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::store::{Record, RecordError};

fuzz_target!(|data: &[u8]| {
    let decoded = Record::decode("alice", 7, data);
    if let Ok(record) = decoded {
        assert_eq!((record.user(), record.version()), ("alice", 7));
        let bytes = record.encode();
        assert_eq!(&bytes[..], data, "one record, one encoding");
        assert_eq!(Record::decode("alice", 7, &bytes), Ok(record));
        assert_eq!(Record::decode("bob", 7, &bytes), Err(RecordError::UserMismatch));
    }
});
