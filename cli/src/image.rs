//! Image files: addressing (`IMAGE:PATH`, `--offset`/`--length`), loading a volume into memory,
//! detecting what it holds, and writing it back.
//!
//! An image is read whole into a RAM device, changed there, and written back only when a
//! command changed it and finished its filesystem work (unmount), so a failing command never
//! leaves half an update in the file.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use uvfs::os_api::{BlockCount, BlockDevice, BlockIdx, Errno, Error, Result};
use uvfs::vfs_core::detect::{detect_bytes, detect_first_block, Detected};
use uvfs::RamDisk;

/// A RAM device shared between the mounted backend and the command, so the bytes can be read
/// back after the backend is unmounted.
#[derive(Clone)]
pub struct SharedRam(Arc<Mutex<RamDisk>>);

impl SharedRam {
    pub fn new(disk: RamDisk) -> SharedRam {
        SharedRam(Arc::new(Mutex::new(disk)))
    }

    fn lock(&self) -> MutexGuard<'_, RamDisk> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.lock().as_bytes().to_vec()
    }
}

#[deny(
    clippy::missing_trait_methods,
    reason = "a wrapper must forward every method"
)]
impl BlockDevice for SharedRam {
    fn block_size(&self) -> u32 {
        self.lock().block_size()
    }
    fn block_count(&self) -> u32 {
        self.lock().block_count()
    }
    fn needs_erase(&self) -> bool {
        self.lock().needs_erase()
    }
    fn read(&mut self, block: BlockIdx, offset: u32, buf: &mut [u8]) -> Result<()> {
        self.lock().read(block, offset, buf)
    }
    fn write(&mut self, block: BlockIdx, offset: u32, data: &[u8]) -> Result<()> {
        self.lock().write(block, offset, data)
    }
    fn erase(&mut self, block: BlockIdx, count: BlockCount) -> Result<()> {
        self.lock().erase(block, count)
    }
    fn sync(&mut self) -> Result<()> {
        self.lock().sync()
    }
    fn init(&mut self) -> Result<()> {
        self.lock().init()
    }
    fn deinit(&mut self) -> Result<()> {
        self.lock().deinit()
    }
}

/// Where a volume sits in an image file.
#[derive(Clone, Debug, Default)]
pub struct Window {
    pub offset: u64,
    pub length: Option<u64>,
}

/// Parses a byte count with an optional `K`, `M` or `G` suffix (powers of 1024), or `0x` hex.
///
/// ```text
/// 4096, 4K, 1M, 0x1000
/// ```
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    let value = if let Some(hex) = num.strip_prefix("0x").or_else(|| num.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16)
    } else {
        num.parse::<u64>()
    }
    .map_err(|_| format!("not a size: {text:?} (use e.g. 4096, 64K, 1M, 0x1000)"))?;
    value
        .checked_mul(mult)
        .ok_or_else(|| format!("size too large: {text:?}"))
}

/// An image path and the path inside it, from `IMAGE:PATH` (or `IMAGE` alone for `/`).
#[derive(Clone, Debug)]
pub struct Target {
    pub image: PathBuf,
    pub path: String,
}

impl Target {
    /// `IMAGE:PATH` where IMAGE is an existing file; `None` when the text is a host path.
    pub fn parse_existing(text: &str) -> Option<Target> {
        if let Some((img, path)) = text.split_once(':') {
            if Path::new(img).is_file() {
                let path = if path.is_empty() {
                    "/".to_string()
                } else {
                    absolute(path)
                };
                return Some(Target {
                    image: img.into(),
                    path,
                });
            }
        }
        None
    }

    /// `IMAGE[:PATH]` where the text must name an image (missing files are reported later).
    pub fn parse_image(text: &str) -> Target {
        Self::parse_existing(text).unwrap_or_else(|| match text.split_once(':') {
            Some((img, path)) if !img.is_empty() => Target {
                image: img.into(),
                path: absolute(path),
            },
            _ => Target {
                image: text.into(),
                path: "/".into(),
            },
        })
    }

    pub fn display(&self) -> String {
        format!("{}:{}", self.image.display(), self.path)
    }
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// A volume loaded from an image file.
pub struct Loaded {
    /// The whole file.
    pub file_bytes: Vec<u8>,
    pub window: Window,
    pub detected: Detected,
    /// The window's offset inside the file, after autodetection.
    pub offset: u64,
}

/// Loads the image, finds the volume (at `--offset`, or scanning for one when the file is a
/// larger dump and no offset was given) and detects its kind and geometry.
pub fn load(image: &Path, window: &Window) -> std::result::Result<Loaded, Error> {
    let file_bytes = fs::read(image).map_err(|e| io_error(&e))?;
    let len = file_bytes.len() as u64;
    if window.offset > len {
        return Err(Errno::EINVAL.with_detail("--offset is beyond the end of the image"));
    }
    if let Some(l) = window.length {
        if window.offset.checked_add(l).is_none_or(|end| end > len) {
            return Err(
                Errno::EINVAL.with_detail("--offset + --length is beyond the end of the image")
            );
        }
    }
    let slice_at = |off: u64| -> &[u8] {
        let end = window.length.map_or(len, |l| (off + l).min(len));
        &file_bytes[off as usize..end as usize]
    };
    let found = |offset: u64, detected: Detected| Loaded {
        window: window.clone(),
        detected,
        offset,
        file_bytes: Vec::new(),
    };
    let mut hit = None;
    if window.offset != 0 || window.length.is_some() {
        hit = detect_bytes(slice_at(window.offset)).map(|d| found(window.offset, d));
    } else {
        // No window given: the volume may sit anywhere in a larger dump, at a 4 KiB boundary.
        // First look for one whose first block holds its superblock: seen from one block
        // earlier, a littlefs superblock would look like "block 1" of a volume starting there.
        // Then for littlefs volumes whose block 0 is damaged or being rewritten.
        'passes: for detect in [detect_first_block, detect_bytes] {
            let mut off = 0u64;
            while off < len {
                if let Some(d) = detect(&file_bytes[off as usize..]) {
                    hit = Some(found(off, d));
                    break 'passes;
                }
                off += 4096;
            }
        }
    }
    if let Some(mut loaded) = hit {
        loaded.file_bytes = file_bytes;
        return Ok(loaded);
    }
    Err(Errno::ENODEV.with_detail("no FAT, littlefs or kv filesystem found"))
}

impl Loaded {
    /// The volume's bytes (window), cut to the detected geometry when the volume says how big
    /// it is.
    pub fn volume_bytes(&self) -> Vec<u8> {
        let start = self.offset as usize;
        let mut end = self
            .window
            .length
            .map_or(self.file_bytes.len(), |l| start + l as usize)
            .min(self.file_bytes.len());
        if let Some(count) = self.detected.block_count {
            let size = u64::from(count) * u64::from(self.detected.block_size);
            end = end.min(start.saturating_add(usize::try_from(size).unwrap_or(usize::MAX)));
        }
        self.file_bytes[start..end].to_vec()
    }

    /// Writes a changed volume back into the file, in place of the old bytes.
    pub fn store(&self, image: &Path, volume: &[u8]) -> std::result::Result<(), Error> {
        let mut bytes = self.file_bytes.clone();
        let start = self.offset as usize;
        let end = start + volume.len();
        if end > bytes.len() {
            return Err(Error::bug("bug: volume grew past the image"));
        }
        bytes[start..end].copy_from_slice(volume);
        write_atomic(image, &bytes)
    }
}

/// Writes a file by writing a temporary sibling and renaming it over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::result::Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.uvfs-tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).map_err(|e| io_error(&e))?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_error(&e)
    })
}

/// A host I/O error as an uvfs error, keeping the errno.
pub fn io_error(e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(code) => Errno::from_code(code).into(),
        None => Errno::EIO.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("0x1000"), Ok(4096));
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
