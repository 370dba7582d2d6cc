//! A volume opened from an image file and mounted at `/` of its own [`System`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use uvfs::os_api::{Error, MountOptions, Os, TimeSource, Timestamp};
use uvfs::vfs_core::detect::FsKind;
use uvfs::{RamDisk, System};

use crate::backends::{self, Geometry};
use crate::errors::CliError;
use crate::image::{self, Loaded, SharedRam, Window};

/// A clock the CLI sets before each file it writes, so images keep the source's mtimes (or one
/// fixed `--mtime`).
#[derive(Clone, Default)]
pub struct SettableClock(Arc<AtomicI64>);

impl SettableClock {
    pub fn new(secs: i64) -> SettableClock {
        SettableClock(Arc::new(AtomicI64::new(secs)))
    }
    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::Relaxed);
    }
}

impl TimeSource for SettableClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_secs(self.0.load(Ordering::Relaxed))
    }
}

/// Engine options the user may give when reading (littlefs caches), or `None` for defaults.
#[derive(Clone, Debug, Default)]
pub struct EngineOpts {
    pub read_size: Option<u32>,
    pub prog_size: Option<u32>,
    pub lookahead: Option<u32>,
}

/// An image volume mounted at `/`.
pub struct Volume {
    pub image: PathBuf,
    pub loaded: Option<Loaded>,
    pub kind: FsKind,
    pub geo: Geometry,
    pub dev: SharedRam,
    pub os: System,
    pub clock: SettableClock,
    readonly: bool,
}

impl Volume {
    /// Opens the volume in `image` (detecting kind, geometry and offset) and mounts it.
    pub fn open(
        image: &Path,
        window: &Window,
        engine: &EngineOpts,
        readonly: bool,
    ) -> Result<Volume, CliError> {
        let ctx = image.display().to_string();
        let loaded = image::load(image, window).map_err(|e| CliError::at(&ctx, e))?;
        let d = loaded.detected;
        let mut geo = Geometry::defaults(d.kind, d.block_size, d.block_count.unwrap_or(0));
        if let Some(r) = engine.read_size {
            geo.read_size = r;
        }
        if let Some(p) = engine.prog_size {
            geo.prog_size = p;
        }
        if let Some(l) = engine.lookahead {
            geo.lookahead = l;
        }
        let bytes = loaded.volume_bytes();
        geo.block_count =
            u32::try_from(bytes.len() as u64 / u64::from(d.block_size.max(1))).unwrap_or(u32::MAX);
        let mut disk = RamDisk::from_image(bytes, d.block_size);
        disk.set_flash(d.kind != FsKind::Fat);
        let dev = SharedRam::new(disk);
        let clock = SettableClock::new(now_secs());
        let fs = backends::filesystem(d.kind, dev.clone(), &geo, clock.clone())
            .map_err(|e| CliError::at(&ctx, e))?;
        let mut os = System::new();
        os.mount(
            fs,
            "/",
            MountOptions {
                readonly,
                mkfs: false,
            },
        )
        .map_err(|e| CliError::at(&ctx, e))?;
        Ok(Volume {
            image: image.into(),
            loaded: Some(loaded),
            kind: d.kind,
            geo,
            dev,
            os,
            clock,
            readonly,
        })
    }

    /// Makes a new, formatted volume (not yet written anywhere) and mounts it.
    pub fn create(
        image: &Path,
        kind: FsKind,
        geo: Geometry,
        clock: SettableClock,
    ) -> Result<Volume, CliError> {
        let ctx = image.display().to_string();
        let mut disk = if kind == FsKind::Fat {
            RamDisk::new(geo.block_size, geo.block_count)
        } else {
            RamDisk::new_flash(geo.block_size, geo.block_count)
        };
        disk.set_flash(kind != FsKind::Fat);
        let dev = SharedRam::new(disk);
        backends::mkfs(kind, dev.clone(), &geo, clock.clone())
            .map_err(|e| CliError::at(&ctx, e))?;
        let fs = backends::filesystem(kind, dev.clone(), &geo, clock.clone())
            .map_err(|e| CliError::at(&ctx, e))?;
        let mut os = System::new();
        os.mount(fs, "/", MountOptions::default())
            .map_err(|e| CliError::at(&ctx, e))?;
        Ok(Volume {
            image: image.into(),
            loaded: None,
            kind,
            geo,
            dev,
            os,
            clock,
            readonly: false,
        })
    }

    /// `IMAGE:PATH` for messages.
    pub fn ctx(&self, path: &str) -> String {
        format!("{}:{}", self.image.display(), path)
    }

    /// Unmounts and, unless read-only, writes the volume back (in place inside a larger dump).
    pub fn finish(mut self) -> Result<(), CliError> {
        let ctx = self.image.display().to_string();
        let fs = self.os.umount("/").map_err(|e| CliError::at(&ctx, e))?;
        drop(fs);
        if self.readonly {
            return Ok(());
        }
        let bytes = self.dev.bytes();
        match &self.loaded {
            Some(loaded) => loaded.store(&self.image, &bytes),
            None => image::write_atomic(&self.image, &bytes),
        }
        .map_err(|e: Error| CliError::at(&ctx, e))
    }

    /// Unmounts without writing anything back.
    pub fn discard(mut self) {
        let _ = self.os.umount("/");
    }
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
