//! A TCP relay on 127.0.0.1 that holds every chunk of a server's answers for a moment
//! before passing it on: a slow link, so that a test can `kill -9` a client in the middle
//! of a run. Requests pass at once, so a write is on the server before its answer reaches
//! the client: a test that sees the write and kills the client knows that the client's
//! next request was never sent. Threads stop when either side closes; the listener thread
//! ends with the test process.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

/// Starts relaying 127.0.0.1:<returned port> to 127.0.0.1:`upstream`.
pub fn relay(upstream: u16, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
    let port = listener.local_addr().expect("relay address").port();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            std::thread::spawn(move || pipe(client, server, Duration::ZERO));
            std::thread::spawn(move || pipe(s2, c2, delay));
        }
    });
    port
}

fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if !delay.is_zero() {
                    std::thread::sleep(delay);
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
