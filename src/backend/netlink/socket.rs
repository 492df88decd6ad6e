//! A NETLINK_ROUTE socket: multicast subscription, requests with ACKs, dumps.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::parse::{self, Message, NLM_F_DUMP_INTR, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN};

pub(crate) const RTMGRP_LINK: u32 = 0x1;
pub(crate) const RTMGRP_IPV4_IFADDR: u32 = 0x10;
pub(crate) const RTMGRP_IPV4_ROUTE: u32 = 0x40;
pub(crate) const RTMGRP_IPV6_IFADDR: u32 = 0x100;
pub(crate) const RTMGRP_IPV6_ROUTE: u32 = 0x400;

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const BUFFER: usize = 64 * 1024;
/// How long a request waits for each datagram of its answer. The kernel
/// answers in microseconds; a reply can still be lost (another process
/// reading a shared socket after fork), and then the request must fail
/// rather than block every later one behind the request lock.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct NlSocket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
    reply_timeout: Duration,
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

impl NlSocket {
    /// A socket subscribed to `groups` (0: requests only).
    pub fn open(groups: u32) -> io::Result<NlSocket> {
        // SAFETY: plain socket(2); the result is checked.
        let fd = check(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        })?;
        // SAFETY: fd is fresh and owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: sockaddr_nl is plain data; zeroed is a valid value.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        addr.nl_groups = groups;
        // SAFETY: addr is a valid sockaddr_nl of the size given.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })?;
        Ok(NlSocket {
            fd,
            seq: 0,
            buf: vec![0; BUFFER],
            reply_timeout: REPLY_TIMEOUT,
        })
    }

    pub fn fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Sets the kernel receive buffer (forced past rmem_max when allowed).
    pub fn set_receive_buffer(&self, bytes: usize) {
        let size = bytes.min(i32::MAX as usize) as libc::c_int;
        for option in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
            // SAFETY: setsockopt with a valid int option value.
            let rc = unsafe {
                libc::setsockopt(
                    self.fd(),
                    libc::SOL_SOCKET,
                    option,
                    (&size as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if rc == 0 {
                return;
            }
        }
    }

    pub fn send(&mut self, kind: u16, flags: u16, body: &[u8]) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let len = NLMSG_HDRLEN + body.len();
        let mut msg = Vec::with_capacity(len);
        msg.extend((len as u32).to_ne_bytes());
        msg.extend(kind.to_ne_bytes());
        msg.extend((flags | NLM_F_REQUEST).to_ne_bytes());
        msg.extend(self.seq.to_ne_bytes());
        msg.extend(0u32.to_ne_bytes());
        msg.extend(body);
        // SAFETY: sends our own initialised buffer.
        check(unsafe { libc::send(self.fd(), msg.as_ptr().cast(), msg.len(), 0) as libc::c_int })?;
        Ok(self.seq)
    }

    /// One datagram of a reply, or TimedOut after `reply_timeout`.
    fn recv_reply(&mut self) -> io::Result<&[u8]> {
        let deadline = Instant::now() + self.reply_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut pfd = libc::pollfd {
                fd: self.fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // Rounded up: poll must not wake before the deadline.
            let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
            // SAFETY: one valid pollfd.
            match unsafe { libc::poll(&mut pfd, 1, ms) } {
                0 => return Err(io::ErrorKind::TimedOut.into()),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
                _ => break,
            }
        }
        self.recv(false)
    }

    /// One datagram. With `wait` false, WouldBlock when nothing is queued.
    /// ENOBUFS means the kernel dropped events for us.
    pub fn recv(&mut self, wait: bool) -> io::Result<&[u8]> {
        let flags = if wait { 0 } else { libc::MSG_DONTWAIT };
        loop {
            // SAFETY: receives into our own buffer of its full length.
            let n = unsafe {
                libc::recv(
                    self.fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    flags,
                )
            };
            if n >= 0 {
                return Ok(&self.buf[..n as usize]);
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    /// Sends a request and waits for its ACK (or error).
    pub fn request(&mut self, kind: u16, body: &[u8]) -> io::Result<()> {
        let seq = self.send(kind, NLM_F_ACK, body)?;
        loop {
            let datagram = self.recv_reply()?;
            for message in parse::messages(datagram) {
                if message.seq == seq && message.kind == NLMSG_ERROR {
                    return match parse::error_code(message.payload) {
                        Some(0) => Ok(()),
                        Some(code) => Err(io::Error::from_raw_os_error(-code)),
                        None => Err(io::Error::other("malformed netlink ack")),
                    };
                }
            }
        }
    }

    /// Sends a request whose answer is a single message of `answer` type.
    pub fn query(&mut self, kind: u16, body: &[u8], answer: u16) -> io::Result<Vec<u8>> {
        let seq = self.send(kind, 0, body)?;
        self.answer(seq, answer)
    }

    /// Waits for the single `answer` message of request `seq`.
    fn answer(&mut self, seq: u32, answer: u16) -> io::Result<Vec<u8>> {
        loop {
            let datagram = self.recv_reply()?;
            for message in parse::messages(datagram) {
                if message.seq != seq {
                    continue;
                }
                if message.kind == answer {
                    return Ok(message.payload.to_vec());
                }
                if message.kind == NLMSG_ERROR {
                    let code = parse::error_code(message.payload).unwrap_or(-libc::EIO);
                    return Err(io::Error::from_raw_os_error(-code));
                }
            }
        }
    }

    /// Dumps a table, calling `each` per message. An interrupted dump (the
    /// table changed meanwhile) is reported as ErrorKind::Interrupted.
    pub fn dump(
        &mut self,
        kind: u16,
        body: &[u8],
        mut each: impl FnMut(&Message),
    ) -> io::Result<()> {
        let seq = self.send(kind, NLM_F_DUMP, body)?;
        let mut interrupted = false;
        loop {
            let datagram = self.recv_reply()?;
            for message in parse::messages(datagram) {
                if message.seq != seq {
                    continue;
                }
                interrupted |= message.flags & NLM_F_DUMP_INTR != 0;
                match message.kind {
                    NLMSG_DONE if interrupted => return Err(io::ErrorKind::Interrupted.into()),
                    NLMSG_DONE => return Ok(()),
                    NLMSG_ERROR => {
                        let code = parse::error_code(message.payload).unwrap_or(-libc::EIO);
                        return Err(io::Error::from_raw_os_error(-code));
                    }
                    _ => each(&message),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reply that someone else read (a forked child sharing the socket)
    /// makes the request fail after the timeout instead of blocking forever.
    #[test]
    fn a_lost_reply_times_out() {
        let mut sock = NlSocket::open(0).expect("netlink socket");
        sock.reply_timeout = Duration::from_millis(200);
        // SAFETY: dup of our own open descriptor.
        let thief = unsafe { OwnedFd::from_raw_fd(libc::dup(sock.fd())) };
        let body = [
            libc::AF_UNSPEC as u8,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        let seq = sock.send(parse::RTM_GETLINK, 0, &body).unwrap();
        let mut stolen = [0u8; 8192];
        // SAFETY: reads into a local buffer of its size.
        let n = unsafe {
            libc::recv(
                thief.as_raw_fd(),
                stolen.as_mut_ptr().cast(),
                stolen.len(),
                0,
            )
        };
        assert!(n > 0, "the reply arrived and was taken");
        let started = Instant::now();
        let err = sock.answer(seq, parse::RTM_NEWLINK).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
}
