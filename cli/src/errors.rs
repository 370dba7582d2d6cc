//! Errors in one shape: `uvfs: IMAGE:PATH: [Errno 2] ENOENT`.

use std::fmt;

use uvfs::os_api::Error;

/// A failed command: an uvfs error with where it happened, or a plain message.
#[derive(Debug)]
pub enum CliError {
    /// An errno, with `IMAGE:PATH` or a host path.
    At { ctx: String, error: Error },
    /// Anything else (bad arguments the parser could not catch).
    Msg(String),
}

impl CliError {
    pub fn at(ctx: &str, error: Error) -> CliError {
        CliError::At {
            ctx: ctx.to_string(),
            error,
        }
    }

    pub fn msg(text: impl Into<String>) -> CliError {
        CliError::Msg(text.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::At { ctx, error } => write!(f, "{ctx}: {error}"),
            CliError::Msg(m) => f.write_str(m),
        }
    }
}
