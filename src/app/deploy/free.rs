//! Large values freed off the critical path.

/// Frees `value` on a thread of its own: the maps of a large site are 60,000 allocations
/// or more, which took 3 ms at the end of a redeploy that nothing else needed to wait for
/// (a one-shot run exits meanwhile). Where no thread can be started, here and now.
pub fn drop_later<T: Send + 'static>(value: T) {
    // A thread that cannot start drops its closure, and the value with it, before returning.
    let _ = std::thread::Builder::new().name("pasv-free".into()).spawn(move || drop(value));
}
