//! A small HTTP test server for the connectivity check: it answers every
//! connection the same way (a 204, a portal's redirect, garbage, silence...)
//! and counts the requests. Shared by the library's unit tests, the
//! namespace tests and the benchmark (each includes it with #[path]).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the server answers each connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Reads the request, sends these bytes, closes.
    Close(Vec<u8>),
    /// Reads the request, sends these bytes, keeps the connection open.
    KeepOpen(Vec<u8>),
    /// Accepts and never answers (the connection stays open).
    Silent,
    /// Reads the request, waits, then sends these bytes and closes.
    Delayed(Duration, Vec<u8>),
    /// Reads the request and resets the connection.
    Reset,
}

pub const NO_CONTENT: &[u8] = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
pub const PORTAL: &[u8] =
    b"HTTP/1.1 302 Found\r\nLocation: http://portal.example/login\r\nContent-Length: 0\r\n\r\n";
pub const GARBAGE: &[u8] = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 this is not HTTP\r\n\r\n";

impl Reply {
    pub fn no_content() -> Reply {
        Reply::Close(NO_CONTENT.to_vec())
    }
    pub fn portal() -> Reply {
        Reply::Close(PORTAL.to_vec())
    }
    pub fn garbage() -> Reply {
        Reply::Close(GARBAGE.to_vec())
    }
    pub fn ok_body(body: &str) -> Reply {
        Reply::Close(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    }
}

struct State {
    stop: AtomicBool,
    requests: AtomicUsize,
    last_request: Mutex<Vec<u8>>,
    held: Mutex<Vec<TcpStream>>,
}

pub struct Server {
    pub addr: SocketAddr,
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// A server on 127.0.0.1 and a free port.
    pub fn start(reply: Reply) -> Server {
        Server::start_on("127.0.0.1:0".parse().unwrap(), reply)
    }

    pub fn start_on(bind: SocketAddr, reply: Reply) -> Server {
        let listener = TcpListener::bind(bind).expect("bind the test server");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            stop: AtomicBool::new(false),
            requests: AtomicUsize::new(0),
            last_request: Mutex::new(Vec::new()),
            held: Mutex::new(Vec::new()),
        });
        let worker = state.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if worker.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                worker.requests.fetch_add(1, Ordering::SeqCst);
                let (state, reply) = (worker.clone(), reply.clone());
                std::thread::spawn(move || serve(&state, stream, &reply));
            }
        });
        Server {
            addr,
            state,
            thread: Some(thread),
        }
    }

    /// The check URL of this server.
    pub fn url(&self, path: &str) -> String {
        match self.addr {
            SocketAddr::V4(a) => format!("http://{a}{path}"),
            SocketAddr::V6(a) => format!("http://[{}]:{}{path}", a.ip(), a.port()),
        }
    }

    /// Connections accepted so far.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn last_request(&self) -> String {
        String::from_utf8_lossy(&self.state.last_request.lock().unwrap()).into_owned()
    }
}

fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    request
}

fn serve(state: &State, mut stream: TcpStream, reply: &Reply) {
    if let Reply::Silent = reply {
        state.held.lock().unwrap().push(stream);
        return;
    }
    let request = read_request(&mut stream);
    *state.last_request.lock().unwrap() = request;
    match reply {
        Reply::Delayed(delay, bytes) => {
            std::thread::sleep(*delay);
            let _ = stream.write_all(bytes);
        }
        Reply::Close(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.shutdown(Shutdown::Write);
            // Wait for the client's close, so the answer is never cut by a reset.
            let _ = stream.read(&mut [0u8; 64]);
        }
        Reply::KeepOpen(bytes) => {
            let _ = stream.write_all(bytes);
            state.held.lock().unwrap().push(stream);
        }
        Reply::Reset => {
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: SO_LINGER with a live linger struct; closing then resets.
            unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&stream),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                );
            }
        }
        Reply::Silent => unreachable!(),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept() so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.state.held.lock().unwrap().clear();
    }
}
