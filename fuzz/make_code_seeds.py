#!/usr/bin/env python3
"""Writes the seeds of the code_parse_verify target, whose input layout its source describes.

Run from fuzz/: python3 make_code_seeds.py. The seeds are committed; CI never rewrites them.
"""
import pathlib
import struct

SHA1, SHA256, SHA512 = 0, 1, 2
K20 = b"12345678901234567890"
K32 = b"12345678901234567890123456789012"
K64 = b"1234567890123456789012345678901234567890123456789012345678901234"


def seed(typed, second="", *, algorithm=SHA1, digits=6, past=1, future=1, resync=0, after=None,
         key=K20, period=30, t0=0, now=59, drift=0, counter=0, look_ahead=0):
    header = bytes([algorithm, digits - 6, past, future, resync, 1 if after is not None else 0,
                    len(key) - 16])
    numbers = struct.pack("<QQQqQQI", period, t0, now, drift, after or 0, counter, look_ahead)
    text = typed if not second else f"{typed}\n{second}"
    return header + numbers + key + text.encode()


SEEDS = {
    # RFC 6238 Appendix B, one per algorithm, 8 digits.
    "rfc6238-sha1-59": seed("94287082", digits=8),
    "rfc6238-sha256-1111111109": seed("68084774", algorithm=SHA256, digits=8, key=K32, now=1111111109),
    "rfc6238-sha512-past-2038": seed("47863826", algorithm=SHA512, digits=8, key=K64, now=20000000000),
    # The code of the step before, in a default window; then the same with that step spent.
    "rfc6238-sha1-previous-step": seed("94287082", digits=8, now=89),
    "rfc6238-sha1-replayed": seed("94287082", digits=8, now=89, after=1),
    # RFC 4226 Appendix D: counter 1 with look-ahead, and a resynchronising pair.
    "rfc4226-lookahead": seed("359152", counter=0, look_ahead=5),
    "rfc4226-resync-pair": seed("399871", "520489", counter=0, resync=20),
    # What people type.
    "typed-grouped": seed(" 287-082 ", counter=1),
    "typed-spaced": seed("287 082", counter=1),
    "typed-fullwidth": seed("２８７０８２", counter=1),
    "typed-arabic-indic": seed("٢٨٧٠٨٢", counter=1),
    "typed-empty": seed(""),
    "typed-signed": seed("+287082"),
    "typed-seven-digits": seed("0287082", digits=7),
    # Edges: the last times and counters, a time before T0, a wide drift, a one-second period.
    "edge-max-time": seed("000000", now=2**64 - 1, past=10, future=10),
    "edge-before-t0": seed("000000", t0=1000, now=999),
    "edge-max-counter": seed("000000", counter=2**64 - 2, look_ahead=100),
    "edge-drift": seed("000000", drift=-(2**63), period=1, now=2**40),
}

if __name__ == "__main__":
    folder = pathlib.Path(__file__).parent / "corpus" / "code_parse_verify"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (folder / name).write_bytes(data)
