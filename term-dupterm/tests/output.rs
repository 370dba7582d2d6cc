//! Output: fan-out to several slots, queues for streams that would block, overflow policies.

use core::fmt::Write as _;

use uvfs_os_api::WriteStatus;
use uvfs_term_dupterm::{pipe, DetachReason, Event, Overflow, Terminal};

use crate::common::{events, scripted, text};

#[test]
fn every_byte_goes_to_every_active_slot() {
    let mut term = Terminal::new(4);
    let (a, mut far_a) = pipe(256);
    let (b, mut far_b) = pipe(256);
    let (c, mut far_c) = pipe(256);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 2).unwrap();
    term.dupterm(Some(Box::new(c)), 3).unwrap();
    term.write(b"MicroPython v1.29\r\n");
    term.write(b"");
    write!(term, ">>> {}", 1 + 1).unwrap();
    for far in [&mut far_a, &mut far_b, &mut far_c] {
        assert_eq!(text(&far.take_available()), "MicroPython v1.29\r\n>>> 2");
    }
    assert!(events(&mut term).is_empty());
}

#[test]
fn a_slow_slot_queues_without_holding_back_the_others() {
    let mut term = Terminal::new(2);
    let (slow, mut far_slow) = pipe(4);
    let (fast, mut far_fast) = pipe(256);
    term.dupterm(Some(Box::new(slow)), 0).unwrap();
    term.dupterm(Some(Box::new(fast)), 1).unwrap();

    term.write(b"abcdefghij");
    assert_eq!(far_fast.take_available(), b"abcdefghij");
    assert_eq!(far_slow.take_available(), b"abcd");
    assert_eq!(term.pending_output(), 6);
    assert!(!term.flush(), "slow slot still has output queued");

    // New output waits behind the queue, so order holds; poll retries too.
    term.write(b"XY");
    assert_eq!(far_slow.take_available(), b"efgh");
    term.poll();
    assert_eq!(far_slow.take_available(), b"ijXY");
    assert_eq!(far_fast.take_available(), b"XY");
    assert_eq!(term.pending_output(), 0);
    assert!(term.flush());
}

#[test]
fn poll_input_also_retries_queued_output() {
    let mut term = Terminal::new(1);
    let (a, mut far) = pipe(3);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.write(b"123456");
    assert_eq!(far.take_available(), b"123");
    let mut buf = [0u8; 4];
    assert_eq!(term.poll_input(&mut buf), 0);
    assert_eq!(far.take_available(), b"456");
}

#[test]
fn partial_writes_are_resumed_where_they_stopped() {
    let mut term = Terminal::new(1);
    let (s, script) = scripted();
    {
        let mut st = script.lock().unwrap();
        st.writes.push_back(Ok(WriteStatus::Written(2)));
        st.writes.push_back(Ok(WriteStatus::Written(0))); // "nothing now"
        st.writes.push_back(Ok(WriteStatus::NotReady));
    }
    term.dupterm(Some(s), 0).unwrap();
    term.write(b"hello");
    assert_eq!(script.lock().unwrap().written, b"he");
    assert_eq!(term.pending_output(), 3);
    term.poll(); // NotReady
    assert_eq!(term.pending_output(), 3);
    term.write(b" world");
    assert_eq!(text(&script.lock().unwrap().written), "hello world");
    assert_eq!(term.pending_output(), 0);
}

#[test]
fn overflow_drops_the_oldest_output_and_marks_the_gap() {
    let mut term = Terminal::new(2).with_output_capacity(8);
    let (slow, mut far_slow) = pipe(4);
    let (fast, mut far_fast) = pipe(256);
    term.dupterm(Some(Box::new(slow)), 0).unwrap();
    term.dupterm(Some(Box::new(fast)), 1).unwrap();

    let data = b"abcdefghijklmnopqrstuvwxyz0123";
    term.write(data);
    assert_eq!(far_fast.take_available(), data);
    // 4 taken, the newest 8 queued, 18 dropped.
    assert_eq!(term.pending_output(), 8);

    let mut got = Vec::new();
    for _ in 0..100 {
        got.extend(far_slow.take_available());
        if term.flush() {
            break;
        }
    }
    got.extend(far_slow.take_available());
    assert_eq!(
        text(&got),
        "abcd\r\n[dupterm: 18 bytes of output dropped]\r\nwxyz0123"
    );
    assert!(term.is_active(0));
    assert!(events(&mut term).is_empty());
}

#[test]
fn gaps_made_while_a_marker_is_being_sent_get_their_own_marker() {
    let mut term = Terminal::new(1).with_output_capacity(2);
    let (slow, mut far) = pipe(4);
    term.dupterm(Some(Box::new(slow)), 0).unwrap();
    term.write(b"12345678"); // "1234" sent, "78" queued, 2 dropped
    assert_eq!(far.take_available(), b"1234");
    term.poll(); // the marker starts: "\r\n[d"
    term.write(b"abc"); // "78abc" over 2: "78a" dropped, "bc" queued
    let mut got = Vec::new();
    for _ in 0..100 {
        got.extend(far.take_available());
        if term.flush() {
            break;
        }
    }
    got.extend(far.take_available());
    assert_eq!(
        text(&got),
        "\r\n[dupterm: 2 bytes of output dropped]\r\n\
         \r\n[dupterm: 3 bytes of output dropped]\r\nbc"
    );
}

#[test]
fn zero_capacity_keeps_nothing_but_still_marks_the_loss() {
    let mut term = Terminal::new(1).with_output_capacity(0);
    let (slow, mut far) = pipe(64);
    term.dupterm(Some(Box::new(slow)), 0).unwrap();
    term.write(&[b'x'; 70]);
    assert_eq!(far.take_available().len(), 64);
    assert_eq!(term.pending_output(), 0);
    term.write(b"!");
    assert_eq!(
        text(&far.take_available()),
        "\r\n[dupterm: 6 bytes of output dropped]\r\n!"
    );
}

#[test]
fn overflow_under_detach_policy_detaches_the_slot_with_a_message() {
    let mut term = Terminal::new(2)
        .with_output_capacity(4)
        .with_overflow(Overflow::Detach);
    let (slow, mut far_slow) = pipe(2);
    let (fast, mut far_fast) = pipe(256);
    term.dupterm(Some(Box::new(slow)), 0).unwrap();
    term.dupterm(Some(Box::new(fast)), 1).unwrap();

    term.write(b"abcdef"); // 2 sent, 4 queued: fits
    assert!(term.is_active(0));
    term.write(b"g"); // 5 would be queued
    assert!(!term.is_active(0));
    assert!(far_slow.is_peer_closed());
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::Overflow
        }]
    );
    assert_eq!(
        text(&far_fast.take_available()),
        "abcdefg\
         dupterm: output overflow, deactivating\r\n"
    );
    // Only what the stream took before it was detached arrived: a prefix, never a gap.
    assert_eq!(far_slow.take_available(), b"ab");
}

#[test]
fn new_output_waits_behind_the_queue_even_when_the_stream_has_room_again() {
    let mut term = Terminal::new(1);
    let (s, script) = scripted();
    {
        let mut st = script.lock().unwrap();
        st.writes.push_back(Ok(WriteStatus::NotReady)); // "abc" is queued
        st.writes.push_back(Ok(WriteStatus::NotReady)); // the retry before "d" fails
    }
    // From then on the stream takes everything: a direct write of "d" would overtake "abc".
    term.dupterm(Some(s), 0).unwrap();
    term.write(b"abc");
    term.write(b"d");
    assert!(script.lock().unwrap().written.is_empty());
    assert!(term.flush());
    assert_eq!(script.lock().unwrap().written, b"abcd");
}
