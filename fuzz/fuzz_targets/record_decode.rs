//! A user's stored record, as a store hands it back — plain or sealed secrets, this release's
//! format (2) or 0.1's (1): never a panic; what decodes is encoded in format 2, which decodes again
//! to an equal record; and a format-2 record is encoded back to the same bytes (one record, one
//! encoding). `make_record_seeds.py` writes the seeds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twofactor::store::{Record, RecordError};

fuzz_target!(|data: &[u8]| {
    let decoded = Record::decode("alice", 7, data);
    if let Ok(record) = decoded {
        assert_eq!((record.user(), record.version()), ("alice", 7));
        let bytes = record.encode();
        assert_eq!(bytes.get(3), Some(&2), "written in format 2");
        if data.get(3) == Some(&2) {
            assert_eq!(&bytes[..], data, "one record, one encoding");
        }
        assert_eq!(Record::decode("alice", 7, &bytes), Ok(record));
        assert_eq!(Record::decode("bob", 7, &bytes), Err(RecordError::UserMismatch));
    }
});
