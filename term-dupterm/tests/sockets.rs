//! Real sockets: a TCP client on 127.0.0.1 and a Unix socket pair. Bounded loops, timeouts.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use uvfs_term_dupterm::{pipe, DetachReason, Event, FromTcp, Terminal};

use crate::common::{events, text};

const TIMEOUT: Duration = Duration::from_secs(10);
const STEP: Duration = Duration::from_millis(5);
/// How many `STEP`s a loop waits for the other side before the test fails.
const TRIES: usize = 2000;

/// Reads from a blocking client until `want` bytes arrived (or fails after the timeout).
fn read_exactly(client: &mut impl Read, want: usize) -> Vec<u8> {
    let mut got = vec![0u8; want];
    client.read_exact(&mut got).expect("client read timed out");
    got
}

/// Polls the terminal until `want` bytes of input arrived.
fn terminal_input(term: &mut Terminal, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    for _ in 0..TRIES {
        let n = term.poll_input(&mut buf);
        got.extend_from_slice(&buf[..n]);
        if got.len() >= want {
            return got;
        }
        std::thread::sleep(STEP);
    }
    panic!("terminal input never arrived: got {:?}", text(&got));
}

/// Polls the terminal until an event arrives.
fn next_event(term: &mut Terminal) -> Event {
    for _ in 0..TRIES {
        term.poll();
        if let Some(event) = term.next_event() {
            return event;
        }
        std::thread::sleep(STEP);
    }
    panic!("no event arrived");
}

#[test]
fn a_tcp_client_sees_the_output_and_types_input() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    client.set_write_timeout(Some(TIMEOUT)).unwrap();
    let (server, _) = listener.accept().unwrap();

    let burst: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut term = Terminal::new(2).with_output_capacity(burst.len());
    let (console, mut far_console) = pipe(1 << 16);
    term.dupterm(Some(Box::new(console)), 0).unwrap();
    let tcp = FromTcp::new(server).unwrap();
    assert_eq!(tcp.get_ref().local_addr().unwrap(), addr);
    term.dupterm(Some(Box::new(tcp)), 1).unwrap();

    // Output is duplicated to the client.
    term.write(b"MicroPython\r\n>>> ");
    assert_eq!(text(&read_exactly(&mut client, 17)), "MicroPython\r\n>>> ");
    assert_eq!(text(&far_console.take_available()), "MicroPython\r\n>>> ");

    // Keystrokes become terminal input.
    client.write_all(b"print(1)\r").unwrap();
    assert_eq!(text(&terminal_input(&mut term, 9)), "print(1)\r");

    // A larger burst arrives whole and in order (the terminal queues what the socket defers).
    term.write(&burst);
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    client.set_nonblocking(true).unwrap();
    for _ in 0..TRIES {
        term.poll();
        match client.read(&mut buf) {
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(STEP),
            Err(e) => panic!("{e}"),
        }
        if received.len() >= burst.len() {
            break;
        }
    }
    client.set_nonblocking(false).unwrap();
    assert_eq!(received.len(), burst.len());
    assert!(received == burst);
    assert!(far_console.take_available() == burst);

    // Ctrl-C from the client is an interrupt, not input.
    client.write_all(b"\x03").unwrap();
    assert_eq!(next_event(&mut term), Event::Interrupt { index: 1 });
    let mut buf = [0u8; 8];
    assert_eq!(term.poll_input(&mut buf), 0);

    // The client hangs up: the slot goes, the console hears about it.
    drop(client);
    assert_eq!(
        next_event(&mut term),
        Event::Detached {
            index: 1,
            reason: DetachReason::Eof
        }
    );
    assert!(!term.is_active(1));
    assert_eq!(
        text(&far_console.take_available()),
        "dupterm: EOF received, deactivating\r\n"
    );
    assert!(events(&mut term).is_empty());
}

#[test]
fn a_tcp_stream_comes_back_out_of_its_slot_usable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(TIMEOUT)).unwrap();
    let (server, _) = listener.accept().unwrap();
    let mut term = Terminal::new(1);
    term.dupterm(Some(Box::new(FromTcp::new(server).unwrap())), 0)
        .unwrap();
    term.write(b"hi");
    let mut back = term.dupterm(None, 0).unwrap().expect("the tcp stream");
    back.write(b"!").unwrap();
    assert_eq!(read_exactly(&mut client, 3), b"hi!");
    back.close().unwrap();
    let mut rest = Vec::new();
    assert_eq!(client.read_to_end(&mut rest).unwrap(), 0);
}

#[cfg(unix)]
#[test]
fn a_unix_socket_pair_works_both_ways_and_detaches_on_hangup() {
    use std::os::unix::net::UnixStream;
    use uvfs_term_dupterm::FromUnix;

    let (near, mut far) = UnixStream::pair().unwrap();
    far.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut term = Terminal::new(1);
    let stream = FromUnix::new(near).unwrap();
    assert!(stream.get_ref().peer_addr().is_ok());
    term.dupterm(Some(Box::new(stream)), 0).unwrap();

    term.write(b">>> ");
    assert_eq!(read_exactly(&mut far, 4), b">>> ");
    far.write_all(b"x=1\r").unwrap();
    assert_eq!(terminal_input(&mut term, 4), b"x=1\r");
    drop(far);
    assert_eq!(
        next_event(&mut term),
        Event::Detached {
            index: 0,
            reason: DetachReason::Eof
        }
    );
}
