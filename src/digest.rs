//! Content digests. [`FileHash`]: the XXH3-128 of a generated file's bytes, which the
//! output manifest records to tell pave's own last bytes from an edit. `sha256_hex`:
//! the SHA-256 of bytes as lowercase hex, for what others read or check (config
//! checksums, SARIF fingerprints, CI cache keys) and for manifests written before
//! format 4. It sits below every stage so none of them reaches into another for it.
//!
//! Why not SHA-256 for the manifest: every command hashes every file it renders (57 MB
//! at 1,000 services × 3 environments), and SHA-256 was about 5% of a fresh build's
//! CPU time even with the CPU's SHA instructions; XXH3 hashes the same bytes in a
//! tenth of that. The manifest guards against accidents (a hand edit, a stale file),
//! not against an adversary who can write the tree anyway, and only pave reads it;
//! 128 bits make an accidental match of an edited file practically impossible.

use sha2::{Digest, Sha256};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The SHA-256 of `bytes`, as 64 lowercase hex digits.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    // Two table lookups a byte, not a `format!`.
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// The XXH3-128 of a file's bytes: what the manifest records for it (format 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileHash(u128);

impl FileHash {
    pub(crate) fn of(bytes: &[u8]) -> FileHash {
        FileHash(xxhash_rust::xxh3::xxh3_128(bytes))
    }

    /// 32 lowercase hex digits, most significant first (the canonical XXH128 form).
    pub(crate) fn to_hex(self) -> String {
        let mut out = String::with_capacity(32);
        for b in self.0.to_be_bytes() {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_to_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn file_hashes_are_xxh3_128_in_canonical_hex() {
        // The reference implementation's XXH128 of "" and of "abc" (`xxhsum -H2`).
        assert_eq!(
            FileHash::of(b"").to_hex(),
            "99aa06d3014798d86001c324468d497f"
        );
        assert_eq!(
            FileHash::of(b"abc").to_hex(),
            "06b05ab6733a618578af5f94892f3950"
        );
        assert_ne!(FileHash::of(b"x: 1\n"), FileHash::of(b"x: 2\n"));
    }
}
