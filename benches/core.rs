//! Core benchmarks through the C API (the functions C programs call):
//! open+close cycles per second, events per second through one loop, and
//! memory per open session. Run with `benches/run.sh` (or `cargo bench`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};
use std::time::Instant;

use qnetworksession::ffi::configuration::qns_configuration_free;
use qnetworksession::ffi::event_loop::{qns_loop, qns_loop_dispatch, qns_loop_free, qns_loop_new};
use qnetworksession::ffi::manager::{qns_manager_configuration_from_identifier, qns_manager_new};
use qnetworksession::ffi::qns_select_backend;
use qnetworksession::ffi::session::*;
use qnetworksession::ffi::simulated::qns_sim_add_access_point;

/// Counts live heap bytes, to measure memory per session.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static DELIVERED: AtomicU64 = AtomicU64::new(0);
unsafe extern "C" fn count(_: *mut c_void, _: *mut qns_session) {
    DELIVERED.fetch_add(1, Ordering::Relaxed);
}

unsafe fn session_on(id: &std::ffi::CStr, lp: *const qns_loop) -> *mut qns_session {
    unsafe {
        let mut m = null_mut();
        qns_manager_new(lp, &mut m);
        let mut c = null_mut();
        qns_manager_configuration_from_identifier(m, id.as_ptr(), &mut c);
        let mut s = null_mut();
        qns_session_new(c, lp, &mut s);
        qns_configuration_free(c);
        s
    }
}

fn best_of<F: FnMut() -> f64>(runs: usize, mut f: F) -> f64 {
    (0..runs).map(|_| f()).fold(0.0, f64::max)
}

fn main() {
    unsafe {
        assert_eq!(qns_select_backend(c"simulated".as_ptr()) as i32, 0);
        qns_sim_add_access_point(c"eth".as_ptr(), c"Eth".as_ptr(), 1, 0xE);
        let mut lp = null_mut();
        qns_loop_new(&mut lp);

        // 1. open+close on an Active configuration, no callbacks registered.
        let s = session_on(c"eth", lp);
        const CYCLES: u32 = 2_000_000;
        let rate = best_of(3, || {
            let t = Instant::now();
            for _ in 0..CYCLES {
                qns_session_open(s);
                qns_session_close(s);
            }
            f64::from(CYCLES) / t.elapsed().as_secs_f64()
        });
        println!("open+close cycles per second (Active, no callbacks): {rate:>12.0}");

        // 1b. The same with opened/closed callbacks registered and delivered.
        qns_session_on_opened(s, Some(count), null_mut(), None, null_mut());
        qns_session_on_closed(s, Some(count), null_mut(), None, null_mut());
        const WITH_CB: u32 = 500_000;
        let rate = best_of(3, || {
            let t = Instant::now();
            for _ in 0..WITH_CB {
                qns_session_open(s);
                qns_session_close(s);
            }
            qns_loop_dispatch(lp, 0, null_mut());
            f64::from(WITH_CB) / t.elapsed().as_secs_f64()
        });
        println!("open+close cycles per second (with 2 callbacks):     {rate:>12.0}");

        // 2. Events through one loop: queue 1,000,000, then deliver them.
        const EVENTS: u32 = 1_000_000;
        let mut emit_rate = 0.0;
        let deliver_rate = best_of(3, || {
            let t = Instant::now();
            for _ in 0..EVENTS / 2 {
                qns_session_open(s);
                qns_session_close(s);
            }
            emit_rate = f64::max(emit_rate, f64::from(EVENTS) / t.elapsed().as_secs_f64());
            DELIVERED.store(0, Ordering::Relaxed);
            let t = Instant::now();
            let mut n = 0usize;
            qns_loop_dispatch(lp, 0, &mut n);
            let rate = n as f64 / t.elapsed().as_secs_f64();
            assert_eq!(DELIVERED.load(Ordering::Relaxed), u64::from(EVENTS));
            rate
        });
        println!("events delivered per second through one loop:        {deliver_rate:>12.0}");
        println!("events queued per second (emission side):            {emit_rate:>12.0}");
        qns_session_free(s);

        // 3. Memory per open session: 10,000 sessions created and opened.
        const SESSIONS: usize = 10_000;
        let mut c = null_mut();
        let mut m = null_mut();
        qns_manager_new(lp, &mut m);
        qns_manager_configuration_from_identifier(m, c"eth".as_ptr(), &mut c);
        let base = LIVE.load(Ordering::Relaxed);
        let mut sessions = Vec::with_capacity(SESSIONS);
        let vec_bytes = LIVE.load(Ordering::Relaxed) - base;
        for _ in 0..SESSIONS {
            let mut s = null_mut();
            qns_session_new(c, lp, &mut s);
            sessions.push(s);
        }
        let created = LIVE.load(Ordering::Relaxed);
        for &s in &sessions {
            qns_session_open(s);
        }
        let opened = LIVE.load(Ordering::Relaxed);
        // The handle: an Arc (two counts) around the Session { id, loop }.
        let handle = 2 * std::mem::size_of::<usize>()
            + std::mem::size_of::<qnetworksession::engine::api::Session>();
        let per_session = (opened - base - vec_bytes) as f64 / SESSIONS as f64;
        println!(
            "memory per open session: {per_session:.0} bytes total, {:.0} beyond the {handle}-byte handle \
             ({:.0} bytes at creation, {:.0} more when opened)",
            per_session - handle as f64,
            (created - base - vec_bytes) as f64 / SESSIONS as f64,
            (opened - created) as f64 / SESSIONS as f64
        );
        for s in sessions {
            qns_session_free(s);
        }
        qns_configuration_free(c);
        qns_loop_free(lp);
    }
}
