//! Backup-code lookup benchmarks.

fn main() {}
