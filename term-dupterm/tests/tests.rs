//! Integration tests of uvfs-term-dupterm, one binary.
//!
//! - `common`: helpers: a scripted stream whose every answer a test chooses, and small utilities.
//! - `slots`: `dupterm` itself: slot counts, replacement, return values, `EINVAL`.
//! - `output`: fan-out to several slots, queues for streams that would block, both overflow
//!   policies.
//! - `input`: input merged from several slots, round-robin, the input buffer, the interrupt
//!   character.
//! - `detach`: slots detached on end of stream, read and write errors, lying streams, cascades.
//! - `sockets`: a real TCP client on 127.0.0.1 and a Unix socket pair.
//! - `props`: property tests: output reaches a slow peer intact or with marked gaps; merged input
//!   keeps each slot's order.

mod common;
mod detach;
mod input;
mod output;
mod props;
mod slots;
mod sockets;
