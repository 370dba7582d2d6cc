//! `uvfs`: build, inspect, convert and repair MicroPython filesystem images, and a shell.

mod backends;
mod commands;
mod errors;
mod image;
mod progress;
mod shell;
mod volume;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::errors::CliError;

/// Build, inspect, convert and repair MicroPython filesystem images (FAT, littlefs v1/v2, kv),
/// and explore them in a shell.
///
/// Paths inside an image are written IMAGE:PATH (`fs.img:/lib/main.py`). The filesystem, its
/// geometry and its offset inside a larger dump are detected when reading.
#[derive(Parser, Debug)]
#[command(name = "uvfs", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  uvfs shell -c 'ls; uname'                      a RAM littlefs v2 volume, no files needed
  uvfs pack ./src fs.img --fs lfs2 --size 1M     a host tree into a new image
  uvfs ls -l -R fs.img                           list everything in an image
  uvfs cat fs.img:/boot.py                       print a file
  uvfs cp -r fs.img:/lib ./lib                   copy out of an image
  uvfs info flash.bin --json                     what is in a flash dump, and where
  uvfs convert old.img new.img --to lfs2         migrate LFS1 (or FAT) to littlefs v2
  uvfs check fs.img                              read everything, report damage";

/// Where the volume sits inside the image file.
#[derive(Args, Debug, Clone, Default)]
struct WindowArgs {
    /// Byte offset of the filesystem inside the file (K/M suffixes, 0x hex). Detected when omitted.
    #[arg(long, value_parser = image::parse_size, global = true)]
    offset: Option<u64>,
    /// Length of the filesystem in bytes (K/M suffixes); default: to the end of the file.
    #[arg(long, value_parser = image::parse_size, global = true)]
    length: Option<u64>,
}

/// littlefs engine options (read/prog cache sizes, lookahead); MicroPython's defaults are 32.
#[derive(Args, Debug, Clone, Default)]
struct EngineArgs {
    /// littlefs read size in bytes.
    #[arg(long, value_parser = image::parse_size)]
    read_size: Option<u64>,
    /// littlefs program size in bytes.
    #[arg(long, value_parser = image::parse_size)]
    prog_size: Option<u64>,
    /// littlefs lookahead (v1: blocks, a multiple of 32; v2: bytes, a multiple of 8).
    #[arg(long, value_parser = image::parse_size)]
    lookahead: Option<u64>,
}

/// A filesystem kind.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// FAT12/16/32, as MicroPython's VfsFat.
    Fat,
    /// littlefs v1 (VfsLfs1).
    Lfs1,
    /// littlefs v2 (VfsLfs2).
    Lfs2,
    /// uvfs's key-value flash store (VfsKv).
    Kv,
}

/// Geometry of a new image.
#[derive(Args, Debug, Clone)]
struct FormatArgs {
    /// Filesystem to create.
    #[arg(long = "fs", value_enum, default_value = "lfs2")]
    fs: Kind,
    /// Image size (K/M suffixes).
    #[arg(long, value_parser = image::parse_size, default_value = "1M")]
    size: u64,
    /// Block size: the sector for FAT (default 512), the erase block for littlefs/kv (default 4096).
    #[arg(long, value_parser = image::parse_size)]
    block_size: Option<u64>,
    #[command(flatten)]
    engine: EngineArgs,
    /// FAT volume label.
    #[arg(long)]
    label: Option<String>,
    /// littlefs v2 on-disk version to write: 2.0 or 2.1 (default: 2.1, as MicroPython writes).
    #[arg(long)]
    disk_version: Option<String>,
    /// kv store word size in bytes: the flash's program unit (1, 2, 4, 8, 16 or 32; default 4).
    #[arg(long, value_parser = image::parse_size)]
    word_size: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create an empty filesystem image.
    Mkfs {
        /// Image file to create (overwritten).
        image: PathBuf,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Pack a host directory into a new image (byte-identical output for the same tree and flags).
    Pack {
        /// Host directory whose contents become the image's root.
        dir: PathBuf,
        /// Image file to create (overwritten).
        image: PathBuf,
        #[command(flatten)]
        format: FormatArgs,
        /// Timestamp for every file (seconds since 1970); default: SOURCE_DATE_EPOCH, else host mtimes.
        #[arg(long)]
        mtime: Option<i64>,
    },
    /// Unpack an image into a host directory (keeps mtimes; refuses unsafe names).
    Unpack {
        /// Image (or IMAGE:PATH for a subtree).
        image: String,
        /// Host directory to create or fill.
        dir: PathBuf,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// List a directory.
    Ls {
        /// IMAGE[:PATH].
        target: String,
        /// Long listing: type, size, mtime.
        #[arg(short = 'l')]
        long: bool,
        /// Recurse into directories.
        #[arg(short = 'R')]
        recursive: bool,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Show a directory tree.
    Tree {
        /// IMAGE[:PATH].
        target: String,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Print files.
    Cat {
        /// IMAGE:PATH, one or more.
        #[arg(required = true)]
        targets: Vec<String>,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Copy files: host to image, image to host, or image to image.
    Cp {
        /// Source: a host path or IMAGE:PATH.
        src: String,
        /// Destination: a host path or IMAGE:PATH (into it when it is a directory).
        dst: String,
        /// Copy directories recursively.
        #[arg(short = 'r')]
        recursive: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Rename or move inside one image.
    Mv {
        /// IMAGE:PATH.
        src: String,
        /// PATH or IMAGE:PATH in the same image.
        dst: String,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Remove files (and directories with -r).
    Rm {
        /// IMAGE:PATH, one or more.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Remove directories and their contents.
        #[arg(short = 'r')]
        recursive: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Make directories.
    Mkdir {
        /// IMAGE:PATH, one or more.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Make parents as needed; no error if it exists.
        #[arg(short = 'p')]
        parents: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// os.stat of a path.
    Stat {
        /// IMAGE:PATH.
        target: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Space used and free (os.statvfs).
    Df {
        /// Image.
        image: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// What the image holds: filesystem, geometry, offset, usage, and flags to recreate it.
    Info {
        /// Image.
        image: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Walk everything and read every byte; exit non-zero on damage.
    Check {
        /// Image.
        image: String,
        #[command(flatten)]
        window: WindowArgs,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Copy a whole image into a new one of another kind (e.g. LFS1 to LFS2).
    Convert {
        /// Source image (any detected kind).
        input: String,
        /// New image file (overwritten).
        output: PathBuf,
        /// Kind of the new image.
        #[arg(long = "to", value_enum)]
        to: Kind,
        /// Size of the new image (default: the source volume's size).
        #[arg(long, value_parser = image::parse_size)]
        size: Option<u64>,
        /// Block size of the new image (default: the source's, where the new kind allows it).
        #[arg(long, value_parser = image::parse_size)]
        block_size: Option<u64>,
        #[command(flatten)]
        window: WindowArgs,
    },
    /// An interactive shell over the os API (ls, cd, cat, cp, mount, ...).
    Shell(shell::ShellArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            if !matches!(&e, CliError::Msg(m) if m.is_empty()) {
                eprintln!("uvfs: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
