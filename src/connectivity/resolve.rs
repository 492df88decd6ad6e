//! Name resolution that a hung resolver cannot stall. std's lookup
//! (getaddrinfo) blocks and cannot be cancelled, so it runs on a helper
//! thread and the check waits for it only until its deadline. At most one
//! lookup per checker is in flight: a later check waits for one that is
//! still running instead of piling up threads behind a dead DNS server.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use parking_lot::Mutex;

use super::wait::{Interrupt, WaitEnd, Wake, wait};

/// Why no addresses came back.
#[derive(Debug, PartialEq, Eq)]
pub enum ResolveEnd {
    Failed(String),
    Wait(WaitEnd),
}

struct Lookup {
    result: Mutex<Option<Result<Vec<SocketAddr>, String>>>,
    done: Wake,
}

#[derive(Default)]
pub struct Resolver {
    in_flight: Mutex<Option<Arc<Lookup>>>,
}

impl Lookup {
    fn start(host: &str, port: u16) -> Result<Arc<Lookup>, String> {
        let done = Wake::new().map_err(|e| format!("cannot wait for the resolver: {e}"))?;
        let lookup = Arc::new(Lookup {
            result: Mutex::new(None),
            done,
        });
        let worker = lookup.clone();
        let host = host.to_owned();
        std::thread::Builder::new()
            .name("qns-resolve".into())
            .spawn(move || {
                let result = match (host.as_str(), port).to_socket_addrs() {
                    Ok(addrs) => {
                        let addrs: Vec<SocketAddr> = addrs.collect();
                        if addrs.is_empty() {
                            Err("no address for the name".to_owned())
                        } else {
                            Ok(addrs)
                        }
                    }
                    Err(e) => Err(e.to_string()),
                };
                *worker.result.lock() = Some(result);
                worker.done.notify();
            })
            .map_err(|e| format!("cannot start the resolver: {e}"))?;
        Ok(lookup)
    }

    fn finished(&self) -> bool {
        self.result.lock().is_some()
    }
}

impl Resolver {
    /// The addresses of `host`, waiting until `deadline` at most.
    pub fn resolve(
        &self,
        host: &str,
        port: u16,
        deadline: std::time::Instant,
        interrupt: Option<&Interrupt>,
    ) -> Result<Vec<SocketAddr>, ResolveEnd> {
        let lookup = {
            let mut slot = self.in_flight.lock();
            match slot.as_ref() {
                // Still running (a slow or dead DNS server): wait for that one.
                Some(running) if !running.finished() => running.clone(),
                // None, or an answer nobody collected in time: it may be
                // stale, so ask again.
                _ => {
                    let fresh = Lookup::start(host, port).map_err(ResolveEnd::Failed)?;
                    *slot = Some(fresh.clone());
                    fresh
                }
            }
        };
        loop {
            if let Some(result) = lookup.result.lock().take() {
                let mut slot = self.in_flight.lock();
                if slot.as_ref().is_some_and(|l| Arc::ptr_eq(l, &lookup)) {
                    *slot = None;
                }
                return result.map_err(ResolveEnd::Failed);
            }
            wait(
                Some(lookup.done.fd()),
                libc::POLLIN,
                Some(deadline),
                interrupt,
            )
            .map_err(ResolveEnd::Wait)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn names_from_the_hosts_file_resolve() {
        let resolver = Resolver::default();
        let deadline = Instant::now() + Duration::from_secs(10);
        let addrs = resolver.resolve("localhost", 8080, deadline, None).unwrap();
        assert!(
            addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080)
        );
    }
}
