//! Benchmarks of the OTP core (a placeholder on this branch; main has the real ones).

fn main() {}
