//! Property tests. `PROPTEST_CASES` sets the number of cases (default 64).

use proptest::prelude::*;
use uvfs_os_api::Stream;
use uvfs_term_dupterm::{pipe, DetachReason, Event, Overflow, Terminal};

use crate::common::events;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig::with_cases(cases)
}

/// What the test does next on the output side.
#[derive(Clone, Debug)]
enum Step {
    /// Terminal output (letters only, so markers cannot be confused with output).
    Write(Vec<u8>),
    /// The peer reads up to this many bytes.
    Read(usize),
    /// The terminal's owner polls.
    Poll,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => prop::collection::vec(b'a'..=b'z', 0..40).prop_map(Step::Write),
        2 => (0usize..24).prop_map(Step::Read),
        1 => Just(Step::Poll),
    ]
}

/// Marker text up to the number.
const MARK: &[u8] = b"\r\n[dupterm: ";
const MARK_END: &[u8] = b" bytes of output dropped]\r\n";
const MARK_END_ONE: &[u8] = b" byte of output dropped]\r\n";

/// Checks `received` against `sent`: equal except where a marker says N bytes were dropped.
/// Returns the number of bytes the markers account for.
fn check_with_gaps(sent: &[u8], received: &[u8]) -> Result<usize, String> {
    let (mut s, mut r, mut dropped) = (0, 0, 0);
    while r < received.len() {
        if received[r..].starts_with(MARK) {
            let rest = &received[r + MARK.len()..];
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            let n: usize = std::str::from_utf8(&rest[..digits])
                .unwrap()
                .parse()
                .map_err(|e| format!("bad marker at {r}: {e}"))?;
            let end = if n == 1 { MARK_END_ONE } else { MARK_END };
            if !rest[digits..].starts_with(end) || n == 0 {
                return Err(format!("malformed marker at {r}"));
            }
            s += n;
            dropped += n;
            r += MARK.len() + digits + end.len();
            continue;
        }
        if sent.get(s) != Some(&received[r]) {
            return Err(format!("byte {r} of received differs from byte {s} sent"));
        }
        s += 1;
        r += 1;
    }
    if s != sent.len() {
        return Err(format!("{} of {} bytes accounted for", s, sent.len()));
    }
    Ok(dropped)
}

proptest! {
    #![proptest_config(config())]

    /// Under DropOldest, a slow peer receives every byte in order, except gaps that a marker
    /// announces with their exact size; the queue never exceeds its bound; a fast peer on
    /// another slot receives everything.
    #[test]
    fn output_arrives_whole_or_with_marked_gaps(
        pipe_cap in 1usize..16,
        out_cap in 0usize..48,
        steps in prop::collection::vec(step(), 0..40),
    ) {
        let mut term = Terminal::new(2).with_output_capacity(out_cap);
        let (slow, mut far) = pipe(pipe_cap);
        let (fast, mut far_fast) = pipe(1 << 16);
        term.dupterm(Some(Box::new(slow)), 0).unwrap();
        term.dupterm(Some(Box::new(fast)), 1).unwrap();
        let mut sent = Vec::new();
        let mut received = Vec::new();
        for step in steps {
            match step {
                Step::Write(data) => {
                    term.write(&data);
                    sent.extend_from_slice(&data);
                }
                Step::Read(n) => {
                    let mut buf = vec![0u8; n];
                    if let Ok(uvfs_os_api::ReadStatus::Data(got)) = far.read_into(&mut buf) {
                        received.extend_from_slice(&buf[..got]);
                    }
                }
                Step::Poll => term.poll(),
            }
            // The queue, plus at most one marker in flight.
            prop_assert!(term.pending_output() <= out_cap + 64);
        }
        for _ in 0..10_000 {
            received.extend(far.take_available());
            if term.flush() {
                break;
            }
        }
        received.extend(far.take_available());
        prop_assert_eq!(term.pending_output(), 0);
        let dropped = check_with_gaps(&sent, &received).map_err(TestCaseError::fail)?;
        if out_cap >= sent.len() {
            prop_assert_eq!(dropped, 0);
        }
        prop_assert_eq!(far_fast.take_available(), sent);
        prop_assert!(term.is_active(0));
        prop_assert!(events(&mut term).is_empty());
    }

    /// Under Detach, the slow peer receives an exact prefix of the output, and all of it unless
    /// the slot was detached for overflow.
    #[test]
    fn output_under_detach_is_a_prefix_and_detaching_is_reported(
        pipe_cap in 1usize..16,
        out_cap in 0usize..48,
        steps in prop::collection::vec(step(), 0..40),
    ) {
        let mut term = Terminal::new(1)
            .with_output_capacity(out_cap)
            .with_overflow(Overflow::Detach);
        let (slow, mut far) = pipe(pipe_cap);
        term.dupterm(Some(Box::new(slow)), 0).unwrap();
        let mut sent = Vec::new();
        let mut received = Vec::new();
        for step in steps {
            match step {
                Step::Write(data) => {
                    term.write(&data);
                    sent.extend_from_slice(&data);
                }
                Step::Read(n) => {
                    let mut buf = vec![0u8; n];
                    if let Ok(uvfs_os_api::ReadStatus::Data(got)) = far.read_into(&mut buf) {
                        received.extend_from_slice(&buf[..got]);
                    }
                }
                Step::Poll => term.poll(),
            }
            prop_assert!(term.pending_output() <= out_cap);
        }
        for _ in 0..10_000 {
            received.extend(far.take_available());
            if term.flush() {
                break;
            }
        }
        received.extend(far.take_available());
        prop_assert!(sent.starts_with(&received));
        let evs = events(&mut term);
        if term.is_active(0) {
            prop_assert_eq!(received, sent);
            prop_assert!(evs.is_empty());
        } else {
            prop_assert_eq!(evs, vec![Event::Detached { index: 0, reason: DetachReason::Overflow }]);
            prop_assert!(far.is_peer_closed());
        }
    }

    /// Input typed on two slots in random chunks, read with random buffer sizes and polls:
    /// each slot's bytes arrive in order, none lost or duplicated, Ctrl-C never passed on and
    /// reported for the slot that sent it.
    #[test]
    fn merged_input_keeps_each_slots_order(
        chunks in prop::collection::vec(
            (any::<bool>(), prop::collection::vec(prop_oneof![8 => b'a'..=b'z', 1 => Just(3u8)], 0..12)),
            0..30,
        ),
        buf_sizes in prop::collection::vec(0usize..16, 1..8),
        input_cap in 0usize..32,
    ) {
        let mut term = Terminal::new(2).with_input_capacity(input_cap);
        let (a, mut far_a) = pipe(1024);
        let (b, mut far_b) = pipe(1024);
        term.dupterm(Some(Box::new(a)), 0).unwrap();
        term.dupterm(Some(Box::new(b)), 1).unwrap();
        let mut sent = [Vec::new(), Vec::new()];
        let mut got = Vec::new();
        for (i, (to_b, chunk)) in chunks.iter().enumerate() {
            // Slot 0 types lowercase, slot 1 the same letters in uppercase.
            let side = usize::from(*to_b);
            let bytes: Vec<u8> = chunk
                .iter()
                .map(|&c| if side == 1 && c != 3 { c.to_ascii_uppercase() } else { c })
                .collect();
            let far = if side == 1 { &mut far_b } else { &mut far_a };
            far.write(&bytes).unwrap();
            sent[side].extend_from_slice(&bytes);
            if i % 3 == 0 {
                term.poll();
            }
            let mut buf = vec![0u8; buf_sizes[i % buf_sizes.len()]];
            let n = term.poll_input(&mut buf);
            got.extend_from_slice(&buf[..n]);
        }
        // A call can return nothing while input remains (a read of only Ctrl-C), so stop after
        // several empty calls in a row.
        let mut empty = 0;
        for _ in 0..1000 {
            let mut buf = [0u8; 16];
            let n = term.poll_input(&mut buf);
            got.extend_from_slice(&buf[..n]);
            empty = if n == 0 { empty + 1 } else { 0 };
            if empty == 8 {
                break;
            }
        }
        prop_assert!(!got.contains(&3));
        let lower: Vec<u8> = got.iter().copied().filter(u8::is_ascii_lowercase).collect();
        let upper: Vec<u8> = got.iter().copied().filter(u8::is_ascii_uppercase).collect();
        let expect = |s: &Vec<u8>| s.iter().copied().filter(|&c| c != 3).collect::<Vec<u8>>();
        prop_assert_eq!(lower, expect(&sent[0]));
        prop_assert_eq!(upper, expect(&sent[1]));
        let evs = events(&mut term);
        for (side, typed) in sent.iter().enumerate() {
            let interrupted = evs.contains(&Event::Interrupt { index: side });
            prop_assert_eq!(interrupted, typed.contains(&3));
        }
    }
}
