//! Event loops: a queue of signal deliveries plus an eventfd that is readable
//! while the queue is non-empty, so applications can put it into poll/epoll,
//! GLib, Qt or libuv. A loop is dispatched by the application (`dispatch`,
//! `run`), or by its own thread (`new_threaded`). Callbacks run only here,
//! never under a lock: items are popped one at a time, which also keeps order
//! when a callback dispatches the same loop again (waitForOpened does).

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::signals::{Connection, Payload};

pub struct Item {
    pub conn: Arc<Connection>,
    pub payload: Payload,
}

#[derive(Default)]
struct Queue {
    items: VecDeque<Item>,
    /// The eventfd holds a count (is readable) exactly while this is true.
    signalled: bool,
    /// A wake-up without an item: quit, or a session a waiter watches changed.
    poked: bool,
}

pub struct EventLoop {
    queue: Mutex<Queue>,
    cond: Condvar,
    efd: OwnedFd,
    quit: AtomicBool,
    owner: Mutex<ThreadId>,
    threaded: bool,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Threads inside waitForOpened dispatching this loop: only they need a
    /// poke when a session's open attempt ends without a callback to deliver.
    waiters: std::sync::atomic::AtomicUsize,
    dispatcher: Mutex<Dispatcher>,
    pub liveness: crate::liveness::Liveness,
}

/// Another thread is dispatching the loop.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

#[derive(Default)]
struct Dispatcher {
    thread: Option<ThreadId>,
    /// Nesting depth (a callback may dispatch its own loop again).
    depth: usize,
}

struct DispatchGuard<'a>(&'a EventLoop);

impl Drop for DispatchGuard<'_> {
    fn drop(&mut self) {
        let mut d = self.0.dispatcher.lock();
        d.depth -= 1;
        if d.depth == 0 {
            d.thread = None;
        }
    }
}

static DEFAULT_LOOP: LazyLock<Arc<EventLoop>> =
    LazyLock::new(|| Arc::new(EventLoop::create(false).expect("eventfd for the default loop")));

impl EventLoop {
    fn create(threaded: bool) -> std::io::Result<EventLoop> {
        crate::fork_guard::install();
        // SAFETY: eventfd has no memory arguments; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(EventLoop {
            queue: Mutex::new(Queue::default()),
            cond: Condvar::new(),
            // SAFETY: fd is a fresh descriptor that nothing else owns.
            efd: unsafe { OwnedFd::from_raw_fd(fd) },
            quit: AtomicBool::new(false),
            owner: Mutex::new(std::thread::current().id()),
            threaded,
            thread: Mutex::new(None),
            waiters: std::sync::atomic::AtomicUsize::new(0),
            dispatcher: Mutex::new(Dispatcher::default()),
            liveness: crate::liveness::Liveness::new(),
        })
    }

    /// The process default loop, which objects created with a NULL loop use.
    pub fn default_loop() -> Arc<EventLoop> {
        DEFAULT_LOOP.clone()
    }

    pub fn is_default(self: &Arc<Self>) -> bool {
        Arc::ptr_eq(self, &DEFAULT_LOOP)
    }

    /// A loop the application dispatches.
    pub fn new() -> std::io::Result<Arc<EventLoop>> {
        Ok(Arc::new(EventLoop::create(false)?))
    }

    /// A loop whose own thread delivers its callbacks until `shutdown`.
    pub fn new_threaded() -> std::io::Result<Arc<EventLoop>> {
        let lp = Arc::new(EventLoop::create(true)?);
        let runner = lp.clone();
        let handle = std::thread::Builder::new()
            .name("qns-loop".into())
            .spawn(move || {
                *runner.owner.lock() = std::thread::current().id();
                // Only this thread dispatches a threaded loop, so never Busy.
                let _ = runner.run();
            })?;
        *lp.owner.lock() = handle.thread().id();
        *lp.thread.lock() = Some(handle);
        Ok(lp)
    }

    pub fn is_threaded(&self) -> bool {
        self.threaded
    }

    pub fn fd(&self) -> RawFd {
        self.efd.as_raw_fd()
    }

    /// True on the thread that delivers this loop's callbacks: a threaded
    /// loop's own thread, otherwise the thread that last dispatched it (at
    /// first, the one that created it).
    pub fn is_owner_thread(&self) -> bool {
        *self.owner.lock() == std::thread::current().id()
    }

    pub fn pending(&self) -> usize {
        self.queue.lock().items.len()
    }

    pub fn push(&self, item: Item) {
        let mut q = self.queue.lock();
        q.items.push_back(item);
        if !q.signalled {
            q.signalled = true;
            self.write_fd();
        }
        drop(q);
        self.cond.notify_one();
    }

    /// Queues several deliveries at once, in order.
    pub fn push_all(&self, items: Vec<Item>) {
        if items.is_empty() {
            return;
        }
        let mut q = self.queue.lock();
        q.items.extend(items);
        if !q.signalled {
            q.signalled = true;
            self.write_fd();
        }
        drop(q);
        self.cond.notify_one();
    }

    /// Removes and returns the queued deliveries `which` selects, in order.
    pub fn take_items(&self, which: impl Fn(&Item) -> bool) -> Vec<Item> {
        let mut q = self.queue.lock();
        let (taken, kept): (VecDeque<Item>, VecDeque<Item>) = std::mem::take(&mut q.items)
            .into_iter()
            .partition(|i| which(i));
        q.items = kept;
        if q.items.is_empty() && q.signalled {
            q.signalled = false;
            self.drain_fd();
        }
        taken.into()
    }

    pub fn add_waiter(&self) {
        self.waiters.fetch_add(1, Ordering::SeqCst);
    }

    pub fn remove_waiter(&self) {
        self.waiters.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn has_waiters(&self) -> bool {
        self.waiters.load(Ordering::SeqCst) > 0
    }

    /// Wakes a dispatch that waits, without queueing anything.
    pub fn poke(&self) {
        self.queue.lock().poked = true;
        self.cond.notify_all();
    }

    /// Ends the run in progress, or the next one; nothing else (a pending
    /// quit never cuts a dispatch or a waitForOpened short). Set under the
    /// queue lock so a run about to wait cannot miss it.
    pub fn quit(&self) {
        let _q = self.queue.lock();
        self.quit.store(true, Ordering::Release);
        self.cond.notify_all();
    }

    /// Takes the dispatcher role: one thread at a time delivers a loop's
    /// callbacks (two would break their order); the same thread may nest.
    fn enter(&self) -> Result<DispatchGuard<'_>, Busy> {
        let me = std::thread::current().id();
        let mut d = self.dispatcher.lock();
        match d.thread {
            None => {
                *d = Dispatcher {
                    thread: Some(me),
                    depth: 1,
                }
            }
            Some(t) if t == me => d.depth += 1,
            Some(_) => return Err(Busy),
        }
        Ok(DispatchGuard(self))
    }

    /// Waits up to `timeout` (None: forever) for something to deliver, then
    /// delivers what was queued at that moment. Returns how many callbacks
    /// ran, or Busy when another thread is dispatching this loop.
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<usize, Busy> {
        self.dispatch_until(timeout, false)
    }

    /// `for_run`: a quit ends the wait too (only `run` listens to quit).
    fn dispatch_until(&self, timeout: Option<Duration>, for_run: bool) -> Result<usize, Busy> {
        let _role = self.enter()?;
        if !self.threaded {
            *self.owner.lock() = std::thread::current().id();
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let budget = {
            let mut q = self.queue.lock();
            while q.items.is_empty() && !q.poked && !(for_run && self.quit.load(Ordering::Acquire))
            {
                match (timeout, deadline) {
                    (Some(t), _) if t.is_zero() => break,
                    (_, Some(d)) => {
                        if self.cond.wait_until(&mut q, d).timed_out() {
                            break;
                        }
                    }
                    _ => self.cond.wait(&mut q),
                }
            }
            q.poked = false;
            q.items.len()
        };
        let mut delivered = 0;
        for _ in 0..budget {
            let Some(item) = self.pop() else { break };
            if item.conn.deliver(&item.payload) {
                delivered += 1;
            }
            // `item` drops here, outside every lock: a dead connection's
            // destroy(user_data) may run now.
        }
        Ok(delivered)
    }

    /// Runs until `quit`. Returns at once if quit was requested before;
    /// Busy when another thread is dispatching this loop.
    pub fn run(&self) -> Result<(), Busy> {
        let _role = self.enter()?;
        loop {
            if self.quit.swap(false, Ordering::AcqRel) {
                return Ok(());
            }
            self.dispatch_until(None, true)?;
        }
    }

    /// Ends a threaded loop's thread; joins it unless called from it.
    pub fn shutdown(&self) {
        if !self.threaded {
            return;
        }
        self.quit();
        let handle = self.thread.lock().take();
        if let Some(handle) = handle
            && handle.thread().id() != std::thread::current().id()
        {
            let _ = handle.join();
        }
    }

    fn pop(&self) -> Option<Item> {
        let mut q = self.queue.lock();
        let item = q.items.pop_front();
        if q.items.is_empty() && q.signalled {
            q.signalled = false;
            self.drain_fd();
        }
        item
    }

    fn write_fd(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to our own eventfd.
        unsafe { libc::write(self.fd(), (&one as *const u64).cast(), 8) };
    }

    fn drain_fd(&self) {
        let mut value: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64 from our own non-blocking eventfd.
        unsafe { libc::read(self.fd(), (&mut value as *mut u64).cast(), 8) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Signal;

    fn readable(fd: RawFd) -> bool {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut p, 1, 0) == 1 }
    }

    #[test]
    fn delivers_in_order_and_fd_tracks_the_queue() {
        let lp = EventLoop::new().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let conn = Connection::new(
            1,
            Signal::OnlineStateChanged,
            Box::new(move |p| {
                if let Payload::Online(b) = p {
                    sink.lock().push(*b)
                }
            }),
        );
        assert!(!readable(lp.fd()));
        for b in [true, false, true] {
            lp.push(Item {
                conn: conn.clone(),
                payload: Payload::Online(b),
            });
        }
        assert!(readable(lp.fd()));
        assert_eq!(lp.dispatch(Some(Duration::ZERO)), Ok(3));
        assert!(!readable(lp.fd()));
        assert_eq!(*seen.lock(), [true, false, true]);
        conn.kill();
        lp.push(Item {
            conn,
            payload: Payload::Online(false),
        });
        assert_eq!(
            lp.dispatch(Some(Duration::ZERO)),
            Ok(0),
            "dead connections are skipped"
        );
    }

    #[test]
    fn dispatch_times_out_and_quit_ends_run() {
        let lp = EventLoop::new().unwrap();
        let t = Instant::now();
        assert_eq!(lp.dispatch(Some(Duration::from_millis(20))), Ok(0));
        assert!(t.elapsed() >= Duration::from_millis(20));
        lp.quit();
        lp.run().unwrap();
    }

    #[test]
    fn one_thread_dispatches_a_loop_at_a_time() {
        let lp = EventLoop::new().unwrap();
        let (entered_tx, entered_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let conn = Connection::new(
            1,
            Signal::UpdateCompleted,
            Box::new(move |_| {
                entered_tx.send(()).unwrap();
                release_rx.lock().recv().unwrap();
            }),
        );
        lp.push(Item {
            conn,
            payload: Payload::UpdateCompleted,
        });
        std::thread::scope(|scope| {
            let first = scope.spawn(|| lp.dispatch(Some(Duration::ZERO)));
            entered_rx.recv().unwrap(); // the first thread is inside the callback
            assert_eq!(lp.dispatch(Some(Duration::ZERO)), Err(Busy));
            assert_eq!(lp.run(), Err(Busy));
            release_tx.send(()).unwrap();
            assert_eq!(first.join().unwrap(), Ok(1));
        });
        // Free again, and the same thread may nest.
        assert_eq!(lp.dispatch(Some(Duration::ZERO)), Ok(0));
    }
}
