//! One entry on disk: a magic tag, the BLAKE3 digest of the payload, then the payload.
//!
//! The digest is what makes handing an entry to a runtime's unsafe deserializer acceptable: a
//! truncated, corrupted or foreign file never reaches it. Entries are written to a temporary file
//! in the same directory and renamed into place, so a reader sees a whole entry or none.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MAGIC: &[u8; 16] = b"execmodel-cache1";
const DIGEST_LEN: usize = 32;
const HEADER_LEN: usize = MAGIC.len() + DIGEST_LEN;

/// The payload of an entry whose tag and digest check out.
pub fn unseal(entry: &[u8]) -> Option<&[u8]> {
    let (header, payload) = entry.split_at_checked(HEADER_LEN)?;
    let (magic, digest) = header.split_at(MAGIC.len());
    (magic == MAGIC && digest == blake3::hash(payload).as_bytes()).then_some(payload)
}

/// Write `payload` as an entry at `path`, atomically replacing any entry already there.
pub fn write_sealed(path: &Path, payload: &[u8]) -> io::Result<()> {
    let temporary = temporary_sibling(path);
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        file.write_all(MAGIC)?;
        file.write_all(blake3::hash(payload).as_bytes())?;
        file.write_all(payload)?;
        drop(file);
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// A name no other writer uses: other processes differ in pid, other threads in the counter.
fn temporary_sibling(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{unique}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_entry_unseals_to_its_payload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.bin");
        write_sealed(&path, b"compiled code").unwrap();
        assert_eq!(unseal(&fs::read(&path).unwrap()), Some(&b"compiled code"[..]));
        write_sealed(&path, b"replaced").unwrap();
        assert_eq!(unseal(&fs::read(&path).unwrap()), Some(&b"replaced"[..]));
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["k.bin"], "no temporary file is left behind");
    }

    #[test]
    fn truncated_flipped_or_foreign_bytes_do_not_unseal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.bin");
        write_sealed(&path, b"compiled code").unwrap();
        let entry = fs::read(&path).unwrap();
        for cut in [0, 1, MAGIC.len(), HEADER_LEN, entry.len() - 1] {
            assert_eq!(unseal(&entry[..cut]), None, "cut at {cut}");
        }
        for at in [0, MAGIC.len(), HEADER_LEN, entry.len() - 1] {
            let mut flipped = entry.clone();
            flipped[at] ^= 1;
            assert_eq!(unseal(&flipped), None, "bit flipped at {at}");
        }
        assert_eq!(unseal(b"\x7fELF garbage that is long enough to hold a header of 48 bytes"), None);
    }

    #[test]
    fn an_empty_payload_is_an_entry_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.bin");
        write_sealed(&path, b"").unwrap();
        assert_eq!(unseal(&fs::read(&path).unwrap()), Some(&b""[..]));
    }
}
