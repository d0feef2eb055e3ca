// The C `main`, not Rust's: before a Rust `main`, the runtime finds the main thread's stack
// bounds for its overflow guard by reading /proc/self/maps, which costs as much as a short
// command's query. What `proj` needs of that set-up is done here.
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // As Rust's runtime does: writing to a closed pipe is an error (`proj … | head` exits
    // quietly on it), not a signal that kills the process.
    #[cfg(unix)]
    // SAFETY: sets a signal's disposition before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let code = proj::run(std::env::args_os().collect());
    // Runs Rust's exit clean-up (stdout is flushed), then exits.
    std::process::exit(code.into())
}
