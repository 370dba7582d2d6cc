//! Detaching: end of stream, read and write errors, lying streams, cascades.

use uvfs_os_api::{Errno, ReadStatus, Stream, WriteStatus};
use uvfs_term_dupterm::{pipe, DetachReason, Event, Terminal};

use crate::common::{events, input, scripted, text};

const EOF_MSG: &str = "dupterm: EOF received, deactivating\r\n";

#[test]
fn end_of_stream_detaches_the_slot_and_says_so_on_the_others() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(64);
    let (b, mut far_b) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();

    // Data sent before the peer closed still arrives; the end comes after it.
    far_a.write(b"bye").unwrap();
    far_a.close().unwrap();
    let mut got = input(&mut term);
    got.extend(input(&mut term));
    assert_eq!(got, b"bye");
    assert!(!term.is_active(0));
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::Eof
        }]
    );
    assert_eq!(text(&far_b.take_available()), EOF_MSG);

    // Output now goes to slot 1 only, and slot 0 can be used again.
    term.write(b"x");
    assert_eq!(far_b.take_available(), b"x");
    assert!(term.dupterm(None, 0).unwrap().is_none());
    let (c, mut far_c) = pipe(64);
    assert!(term.dupterm(Some(Box::new(c)), 0).unwrap().is_none());
    term.write(b"y");
    assert_eq!(far_c.take_available(), b"y");
}

#[test]
fn a_read_error_detaches_with_micropythons_message() {
    let mut term = Terminal::new(2);
    let (a, far_a) = pipe(64);
    let (b, mut far_b) = pipe(256);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();
    far_a.break_peer(Errno::ECONNRESET.into());
    assert_eq!(input(&mut term), b"");
    assert!(!term.is_active(0));
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::ReadError(Errno::ECONNRESET.into())
        }]
    );
    assert_eq!(
        text(&far_b.take_available()),
        "dupterm: Exception in read() method, deactivating: OSError: [Errno 104] ECONNRESET\r\n"
    );
}

#[test]
fn a_write_error_detaches_after_the_others_got_the_output() {
    let mut term = Terminal::new(2);
    let (a, far_a) = pipe(64);
    let (b, mut far_b) = pipe(256);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();
    far_a.break_peer(Errno::EIO.into());
    term.write(b">>> ");
    assert!(!term.is_active(0));
    assert_eq!(
        text(&far_b.take_available()),
        ">>> dupterm: Exception in write() method, deactivating: OSError: [Errno 5] EIO\r\n"
    );
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::WriteError(Errno::EIO.into())
        }]
    );
}

#[test]
fn a_peer_that_went_away_is_detached_on_write_too() {
    let mut term = Terminal::new(1);
    let (a, far_a) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    drop(far_a);
    term.write(b"x");
    assert!(!term.is_active(0));
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::WriteError(Errno::ECONNRESET.into())
        }]
    );
}

#[test]
fn the_detached_stream_is_closed_once_and_close_errors_are_ignored() {
    let mut term = Terminal::new(1);
    let (s, script) = scripted();
    {
        let mut st = script.lock().unwrap();
        st.reads.push_back(Ok(ReadStatus::Eof));
        st.close_result = Some(Errno::EBADF.into());
    }
    term.dupterm(Some(s), 0).unwrap();
    assert_eq!(input(&mut term), b"");
    assert!(!term.is_active(0));
    assert_eq!(script.lock().unwrap().closes, 1);
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::Eof
        }]
    );
    // dupterm(None) returns a stream without closing it.
    let (s, script) = scripted();
    term.dupterm(Some(s), 0).unwrap();
    assert!(term.dupterm(None, 0).unwrap().is_some());
    assert_eq!(script.lock().unwrap().closes, 0);
}

#[test]
fn a_flush_error_detaches_like_a_write_error() {
    struct BadFlush;
    impl Stream for BadFlush {
        fn read_into(&mut self, _buf: &mut [u8]) -> uvfs_os_api::Result<ReadStatus> {
            Ok(ReadStatus::NotReady)
        }
        fn write(&mut self, data: &[u8]) -> uvfs_os_api::Result<WriteStatus> {
            Ok(WriteStatus::Written(data.len()))
        }
        fn flush(&mut self) -> uvfs_os_api::Result<()> {
            Err(Errno::ENOSPC.into())
        }
    }
    let mut term = Terminal::new(1);
    term.dupterm(Some(Box::new(BadFlush)), 0).unwrap();
    assert!(term.flush());
    assert_eq!(
        events(&mut term),
        [Event::Detached {
            index: 0,
            reason: DetachReason::WriteError(Errno::ENOSPC.into())
        }]
    );
}

#[test]
fn streams_claiming_more_than_they_were_given_are_detached_not_trusted() {
    let mut term = Terminal::new(3);
    let (liar_w, script_w) = scripted();
    script_w
        .lock()
        .unwrap()
        .writes
        .push_back(Ok(WriteStatus::Written(1000)));
    let (liar_r, script_r) = scripted();
    script_r
        .lock()
        .unwrap()
        .reads
        .push_back(Ok(ReadStatus::Data(1000)));
    let (ok, mut far) = pipe(256);
    term.dupterm(Some(liar_w), 0).unwrap();
    term.dupterm(Some(liar_r), 1).unwrap();
    term.dupterm(Some(Box::new(ok)), 2).unwrap();

    term.write(b"abc");
    assert!(!term.is_active(0));
    let mut buf = [0u8; 4];
    assert_eq!(term.poll_input(&mut buf), 0);
    assert!(!term.is_active(1));
    let reasons: Vec<DetachReason> = events(&mut term)
        .into_iter()
        .map(|e| match e {
            Event::Detached { reason, .. } => reason,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        reasons,
        [
            DetachReason::WriteError(Errno::EIO.into()),
            DetachReason::ReadError(Errno::EIO.into())
        ]
    );
    let got = text(&far.take_available());
    assert!(
        got.starts_with("abcdupterm: Exception in write() method"),
        "{got}"
    );
    assert!(
        got.contains("bug: stream reported reading more bytes"),
        "{got}"
    );
}

#[test]
fn a_slot_failing_on_the_message_is_detached_too_each_once() {
    let mut term = Terminal::new(3);
    let (a, far_a) = pipe(64);
    let (s, script) = scripted();
    {
        // Takes the output, then fails on the first message.
        let mut st = script.lock().unwrap();
        st.writes.push_back(Ok(WriteStatus::Written(1)));
        st.writes.push_back(Err(Errno::ENOTCONN.into()));
    }
    let (c, mut far_c) = pipe(256);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(s), 1).unwrap();
    term.dupterm(Some(Box::new(c)), 2).unwrap();
    far_a.break_peer(Errno::ECONNRESET.into());

    term.write(b"x");
    assert!(!term.is_active(0) && !term.is_active(1) && term.is_active(2));
    assert_eq!(script.lock().unwrap().closes, 1);
    assert_eq!(
        text(&far_c.take_available()),
        "xdupterm: Exception in write() method, deactivating: OSError: [Errno 104] ECONNRESET\r\n\
         dupterm: Exception in write() method, deactivating: OSError: [Errno 107] ENOTCONN\r\n"
    );
    assert_eq!(events(&mut term).len(), 2);
}

#[test]
fn two_slots_failing_together_are_each_reported_once() {
    let mut term = Terminal::new(3);
    let (a, far_a) = pipe(64);
    let (b, far_b) = pipe(64);
    let (c, mut far_c) = pipe(256);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();
    term.dupterm(Some(Box::new(c)), 2).unwrap();
    far_a.break_peer(Errno::ECONNRESET.into());
    far_b.break_peer(Errno::ETIMEDOUT.into());
    term.write(b"x");
    assert_eq!(
        events(&mut term),
        [
            Event::Detached {
                index: 0,
                reason: DetachReason::WriteError(Errno::ECONNRESET.into())
            },
            Event::Detached {
                index: 1,
                reason: DetachReason::WriteError(Errno::ETIMEDOUT.into())
            },
        ]
    );
    let got = text(&far_c.take_available());
    assert_eq!(got.matches("deactivating").count(), 2, "{got}");
    assert!(got.ends_with("OSError: [Errno 110] ETIMEDOUT\r\n"), "{got}");
}

#[test]
fn the_last_slot_going_away_prints_nowhere_and_nothing_breaks() {
    let mut term = Terminal::new(1);
    let (a, far_a) = pipe(8);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    drop(far_a);
    assert_eq!(input(&mut term), b"");
    assert!(!term.is_active(0));
    term.write(b"into the void");
    assert!(term.flush());
    assert_eq!(events(&mut term).len(), 1);
}

#[test]
fn a_slot_that_failed_gets_nothing_more_before_it_is_detached() {
    let mut term = Terminal::new(2);
    let (a, far_a) = pipe(64);
    // Fails once, and would accept anything afterwards.
    let (s, script) = scripted();
    script
        .lock()
        .unwrap()
        .writes
        .push_back(Err(Errno::ETIMEDOUT.into()));
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(s), 1).unwrap();
    far_a.break_peer(Errno::ECONNRESET.into());
    term.write(b"x");
    assert!(!term.is_active(0) && !term.is_active(1));
    // Slot 0's message was not offered to slot 1, which had already failed.
    assert!(script.lock().unwrap().written.is_empty());
    assert_eq!(events(&mut term).len(), 2);
}
