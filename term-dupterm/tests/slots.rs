//! `dupterm` itself: slot counts, replacement and return values, `EINVAL`.

use uvfs_os_api::{Errno, Stream};
use uvfs_term_dupterm::{pipe, Terminal, MAX_SLOTS};

use crate::common::text;

#[test]
fn slot_zero_always_exists_and_counts_are_clamped() {
    assert_eq!(Terminal::new(0).slot_count(), 1);
    assert_eq!(Terminal::new(1).slot_count(), 1);
    assert_eq!(Terminal::new(2).slot_count(), 2);
    assert_eq!(Terminal::new(usize::MAX).slot_count(), MAX_SLOTS);
    let mut term = Terminal::new(0);
    assert!(term.dupterm(None, 0).unwrap().is_none());
}

#[test]
fn dupterm_returns_the_previous_stream_of_the_slot() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(64);
    let (b, mut far_b) = pipe(64);

    assert!(term.dupterm(Some(Box::new(a)), 0).unwrap().is_none());
    assert!(term.is_active(0));
    assert!(!term.is_active(1));

    // Replacing gives back `a` itself, still open: writing through it reaches a's peer.
    let mut previous = term
        .dupterm(Some(Box::new(b)), 0)
        .unwrap()
        .expect("a was there");
    assert!(!far_a.is_peer_closed(), "a returned stream is not closed");
    previous.write(b"still a").unwrap();
    assert_eq!(far_a.take_available(), b"still a");

    term.write(b"to b");
    assert_eq!(far_b.take_available(), b"to b");
    assert!(far_a.take_available().is_empty());

    // `None` cancels and returns b; cancelling an empty slot returns nothing.
    let mut previous = term.dupterm(None, 0).unwrap().expect("b was there");
    previous.write(b"!").unwrap();
    assert_eq!(far_b.take_available(), b"!");
    assert!(!term.is_active(0));
    assert!(term.dupterm(None, 0).unwrap().is_none());
    term.write(b"nobody");
    assert!(far_b.take_available().is_empty());
}

#[test]
fn slots_are_independent() {
    let mut term = Terminal::new(3);
    let (a, _far_a) = pipe(8);
    let (b, _far_b) = pipe(8);
    term.dupterm(Some(Box::new(a)), 2).unwrap();
    assert!(term.dupterm(Some(Box::new(b)), 1).unwrap().is_none());
    assert!(term.is_active(1) && term.is_active(2) && !term.is_active(0));
    assert!(term.dupterm(None, 1).unwrap().is_some());
    assert!(term.is_active(2));
}

#[test]
fn index_out_of_range_is_einval_and_changes_nothing() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(8);
    term.dupterm(Some(Box::new(a)), 1).unwrap();
    for index in [2, 3, usize::MAX] {
        let (c, _far_c) = pipe(8);
        let err = term
            .dupterm(Some(Box::new(c)), index)
            .err()
            .expect("EINVAL");
        assert_eq!(err, Errno::EINVAL);
        assert_eq!(err.detail(), Some("invalid dupterm index"));
        let err = term.dupterm(None, index).err().expect("EINVAL");
        assert_eq!(err, Errno::EINVAL);
    }
    assert!(!term.is_active(5));
    term.write(b"ok");
    assert_eq!(far_a.take_available(), b"ok");
}

#[test]
fn a_stream_attached_later_sees_only_later_output() {
    let mut term = Terminal::new(1);
    term.write(b"before ");
    let (a, mut far_a) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.write(b"after");
    assert_eq!(text(&far_a.take_available()), "after");
}

#[test]
fn a_replaced_stream_gets_one_last_try_and_the_new_one_starts_clean() {
    let mut term = Terminal::new(1);
    let (a, mut far_a) = pipe(2);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.write(b"abcd");
    assert_eq!(term.pending_output(), 2);
    assert_eq!(far_a.take_available(), b"ab");

    // Room again: the replacement delivers "cd" to a before handing it back.
    let (b, mut far_b) = pipe(64);
    let _a = term.dupterm(Some(Box::new(b)), 0).unwrap();
    assert_eq!(far_a.take_available(), b"cd");
    assert_eq!(term.pending_output(), 0);

    // What a could not take is discarded, never sent to the next stream.
    let (c, mut far_c) = pipe(1);
    term.dupterm(Some(Box::new(c)), 0).unwrap();
    term.write(b"xyz");
    assert_eq!(term.pending_output(), 2);
    let (d, mut far_d) = pipe(64);
    term.dupterm(Some(Box::new(d)), 0).unwrap();
    assert_eq!(far_c.take_available(), b"x");
    assert_eq!(term.pending_output(), 0);
    term.write(b"!");
    assert_eq!(far_d.take_available(), b"!");
    assert!(far_b.take_available().is_empty());
}
