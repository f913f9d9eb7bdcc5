#!/usr/bin/env python3
"""Writes the seeds of the record_decode target: records of user "alice" in the binary form that
src/record/codec.rs describes, from empty to every field present, and a few broken ones.

Run from fuzz/: python3 make_record_seeds.py. The seeds are committed; CI never rewrites them.
"""
import pathlib
import struct

STORED_SET = (pathlib.Path(__file__).parent.parent / "tests" / "data" / "backup_hmac_sha256_v1.txt")


def u8(v):
    return struct.pack(">B", v)


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def secret(key):
    return u8(0) + u8(len(key)) + key


def sealed(key_id, fill, fmt=1, body=60):
    """A sealed secret (kind 1): format, key id, 24-byte nonce, ciphertext and tag."""
    form = u8(fmt) + u32(key_id) + bytes([fill]) * (24 + body)
    return u8(1) + struct.pack(">H", len(form)) + form


def params(algorithm=0, digits=6, period=30, t0=0):
    return u8(algorithm) + u8(digits) + u64(period) + u64(t0)


def record(user=b"alice", epoch=0, active=None, pending=None, code=(0, 0), backup=(0, 0),
           stored_set=None, challenge=None):
    out = b"2FA" + u8(1) + struct.pack(">H", len(user)) + user + u64(epoch)
    out += u8(0) if active is None else u8(1) + active
    out += u8(0) if pending is None else u8(1) + pending
    out += u32(code[0]) + u64(code[1]) + u32(backup[0]) + u64(backup[1])
    out += u8(0) if stored_set is None else u8(1) + u32(len(stored_set)) + stored_set
    out += u8(0) if challenge is None else u8(1) + challenge
    return out


RFC_KEY = b"12345678901234567890"
ACTIVE = secret(RFC_KEY) + params() + u8(1) + u64(56666666) + u64(2**64 - 1) + u64(1_700_000_000)
PENDING = secret(b"JBSWY3DPEHPK3PXP"[:10]) + params(2, 8, 60, 7) + u64(1_700_000_600)
FULL = record(epoch=3, active=ACTIVE, pending=PENDING, code=(4, 1_700_000_120), backup=(1, 0),
              stored_set=STORED_SET.read_text().strip().encode(), challenge=bytes(range(16)))

SEEDS = {
    "empty": record(),
    "enabled": record(epoch=1, active=ACTIVE),
    "pending-80-bit-legacy": record(pending=PENDING),
    "full": FULL,
    "unicode-user-mismatch": record(user="ålice".encode()),
    "truncated": FULL[:-7],
    "trailing-byte": FULL + b"\0",
    "bad-flag": record()[:-1] + u8(2),
    "format-2": b"2FA" + u8(2) + record()[4:],
    "sealed": record(epoch=1, active=sealed(2, 0x5A) + params() + u8(0) + u64(0) + u64(1_700_000_000),
                     pending=sealed(1, 0xA5, body=36) + params(1, 8) + u64(1_700_000_600)),
    "sealed-format-9": record(active=sealed(2, 0x5A, fmt=9) + params() + u8(0) + u64(0) + u64(0)),
    "sealed-no-tag": record(active=sealed(2, 0x5A, body=16) + params() + u8(0) + u64(0) + u64(0)),
    "secret-kind-2": record(active=u8(2) + secret(RFC_KEY)[1:] + params() + u8(0) + u64(0) + u64(0)),
    "digits-9": record(active=secret(RFC_KEY) + params(digits=9) + u8(0) + u64(0) + u64(0)),
}

if __name__ == "__main__":
    folder = pathlib.Path(__file__).parent / "corpus" / "record_decode"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (folder / name).write_bytes(data)
