//! Input: merged from several slots, round-robin, buffered by `poll`, and the interrupt character.

use uvfs_os_api::Stream;
use uvfs_term_dupterm::{pipe, Event, Terminal};

use crate::common::{events, input, text};

#[test]
fn input_from_two_slots_is_merged_in_arrival_order() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(64);
    let (b, mut far_b) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();

    // Keystrokes taking turns arrive in the order they were typed.
    let mut typed = Vec::new();
    let mut merged = Vec::new();
    for (i, key) in b"print('hi')\r".iter().enumerate() {
        let far = if i % 3 == 0 { &mut far_b } else { &mut far_a };
        far.write(&[*key]).unwrap();
        typed.push(*key);
        merged.extend(input(&mut term));
    }
    assert_eq!(text(&merged), text(&typed));

    // Both slots with input at once: everything arrives, each slot's bytes in order.
    far_a.write(b"abc").unwrap();
    far_b.write(b"xyz").unwrap();
    let got = input(&mut term);
    assert_eq!(got.len(), 6);
    let from_a: Vec<u8> = got.iter().copied().filter(|c| b"abc".contains(c)).collect();
    let from_b: Vec<u8> = got.iter().copied().filter(|c| b"xyz".contains(c)).collect();
    assert_eq!(from_a, b"abc");
    assert_eq!(from_b, b"xyz");
    assert_eq!(input(&mut term), b"");
}

#[test]
fn a_busy_slot_does_not_starve_another() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(1024);
    let (b, mut far_b) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();
    far_a.write(&[b'a'; 1000]).unwrap();
    far_b.write(b"Z").unwrap();
    let mut buf = [0u8; 8];
    let mut seen_z = false;
    for _ in 0..2 {
        let n = term.poll_input(&mut buf);
        assert_eq!(n, 8);
        seen_z |= buf[..n].contains(&b'Z');
    }
    assert!(seen_z, "slot 1's byte waited behind slot 0's flood");
}

#[test]
fn small_buffers_lose_nothing() {
    let mut term = Terminal::new(1);
    let (a, mut far) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    far.write(b"0123456789").unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 3];
    for _ in 0..10 {
        let n = term.poll_input(&mut buf);
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"0123456789");
    assert_eq!(term.poll_input(&mut []), 0);
}

#[test]
fn poll_buffers_input_up_to_its_capacity_and_it_comes_first() {
    let mut term = Terminal::new(1).with_input_capacity(4);
    let (a, mut far) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    far.write(b"abcdef").unwrap();
    term.poll();
    // Four bytes moved into the terminal, two still in the stream.
    assert_eq!(far.take_available(), b"");
    let mut buf = [0u8; 2];
    assert_eq!(term.poll_input(&mut buf), 2);
    assert_eq!(&buf, b"ab");
    far.write(b"g").unwrap();
    assert_eq!(text(&input(&mut term)), "cdefg");
}

#[test]
fn ctrl_c_becomes_an_interrupt_and_is_not_passed_on() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(64);
    let (b, mut far_b) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();

    far_b.write(b"wh\x03ile").unwrap();
    assert_eq!(text(&input(&mut term)), "while");
    assert_eq!(events(&mut term), [Event::Interrupt { index: 1 }]);

    // Repeats from one slot count once; another slot's interrupt is its own event.
    far_a.write(b"\x03\x03").unwrap();
    assert_eq!(input(&mut term), b"");
    far_a.write(b"\x03").unwrap();
    assert_eq!(input(&mut term), b"");
    far_b.write(b"\x03").unwrap();
    assert_eq!(input(&mut term), b"");
    assert_eq!(
        events(&mut term),
        [Event::Interrupt { index: 0 }, Event::Interrupt { index: 1 }]
    );
}

#[test]
fn poll_sees_an_interrupt_while_nobody_reads_input() {
    let mut term = Terminal::new(1);
    let (a, mut far) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    far.write(b"x\x03y").unwrap();
    term.poll();
    assert_eq!(events(&mut term), [Event::Interrupt { index: 0 }]);
    assert_eq!(input(&mut term), b"xy");
}

#[test]
fn the_interrupt_character_can_be_changed_or_disabled() {
    let mut term = Terminal::new(1);
    assert_eq!(term.interrupt_char(), Some(3));
    let (a, mut far) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();

    term.set_interrupt_char(None);
    far.write(b"a\x03b").unwrap();
    assert_eq!(input(&mut term), b"a\x03b");
    assert!(events(&mut term).is_empty());

    term.set_interrupt_char(Some(b'!'));
    far.write(b"a\x03!b").unwrap();
    assert_eq!(input(&mut term), b"a\x03b");
    assert_eq!(events(&mut term), [Event::Interrupt { index: 0 }]);
}

#[test]
fn events_are_bounded_and_keep_the_newest() {
    let mut term = Terminal::new(2);
    let (a, mut far_a) = pipe(64);
    let (b, mut far_b) = pipe(64);
    term.dupterm(Some(Box::new(a)), 0).unwrap();
    term.dupterm(Some(Box::new(b)), 1).unwrap();
    for i in 0..50 {
        let far = if i % 2 == 0 { &mut far_a } else { &mut far_b };
        far.write(b"\x03").unwrap();
        input(&mut term);
    }
    let all = events(&mut term);
    assert_eq!(all.len(), 32);
    assert_eq!(all.last(), Some(&Event::Interrupt { index: 1 }));
}
