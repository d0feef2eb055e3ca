//! Asking: the [`Prompter`] trait, its dialoguer implementation for terminals, and the
//! Ctrl-C handling that goes with it.

use crate::error::{Error, Result};

/// Asks the user things. Implemented by dialoguer for terminals and by a script in tests.
pub trait Prompter {
    /// One line of text. `initial` is pre-filled and editable; `default` is taken when the
    /// answer is empty.
    fn input(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        default: Option<&str>,
    ) -> Result<String>;
    /// One item of `items`; returns its index.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Any number of `items`; returns the chosen indexes in order.
    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    /// Tells the user something (a rejected answer, the summary) without asking.
    fn say(&mut self, text: &str);
}

/// Prompts on the user's terminal with dialoguer. Prompts and notes go to stderr, so
/// stdout carries only the result.
pub struct TermPrompter {
    theme: dialoguer::theme::ColorfulTheme,
}

impl TermPrompter {
    /// Also arranges for Ctrl-C to show the cursor again: dialoguer hides it during a
    /// selection, and the interrupt ends the process before dialoguer could restore it.
    pub fn new() -> Self {
        interrupt::restore_cursor_on_interrupt();
        TermPrompter {
            theme: dialoguer::theme::ColorfulTheme::default(),
        }
    }
}

impl Default for TermPrompter {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TermPrompter {
    fn drop(&mut self) {
        interrupt::default_on_interrupt();
    }
}

/// Every yes/no question proj asks, the wizard's and a command's confirmation alike:
/// `question? [y/N]` (the capital letter is what Enter answers), `y` or `n` then Enter. It
/// counts on Enter, so a typed `yes⏎` is all consumed here and none of it reaches the shell.
pub fn ask_yes_no(prompt: &str, default: bool) -> std::result::Result<bool, dialoguer::Error> {
    dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(default)
        .wait_for_newline(true)
        .interact()
}

fn answer_error(e: dialoguer::Error) -> Error {
    Error::internal("cannot read the answer; nothing was changed").caused_by(e)
}

impl Prompter for TermPrompter {
    fn input(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        default: Option<&str>,
    ) -> Result<String> {
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .allow_empty(true);
        if let Some(i) = initial {
            input = input.with_initial_text(i);
        }
        if let Some(d) = default {
            input = input.default(d.to_string());
        }
        input.interact_text().map_err(answer_error)
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        dialoguer::Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .map_err(answer_error)
    }

    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
        dialoguer::MultiSelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .interact()
            .map_err(answer_error)
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        ask_yes_no(prompt, default).map_err(answer_error)
    }

    fn say(&mut self, text: &str) {
        let _ = dialoguer::console::Term::stderr().write_line(text);
    }
}

/// Ctrl-C during a prompt: console turns it into SIGINT, which ends the process before any
/// write (the plan is applied only after the final confirmation). While a prompter lives, the
/// handler shows the cursor again and says nothing was changed; either way the default action
/// follows, so the shell still sees an interrupted command. signal-hook keeps the handler: once
/// registered it stays, and outside the wizard it only does what the default would.
#[cfg(unix)]
mod interrupt {
    use signal_hook::consts::SIGINT;
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, Ordering};

    static PROMPTING: AtomicBool = AtomicBool::new(false);
    static REGISTER: Once = Once::new();

    fn on_interrupt() {
        const MESSAGE: &[u8] = b"\x1b[?25h\ncancelled; nothing was changed\n";
        if PROMPTING.load(Ordering::SeqCst) {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            // One write(2) on stderr, bypassing std's lock: nothing else is safe in a handler.
            // SAFETY: fd 2 stays open for the life of the process and is never closed here.
            let mut stderr = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
            let _ = stderr.write(MESSAGE);
        }
        let _ = signal_hook::low_level::emulate_default_handler(SIGINT);
    }

    pub fn restore_cursor_on_interrupt() {
        REGISTER.call_once(|| {
            // SAFETY: the action only loads an atomic, writes once to fd 2 and resets and
            // re-raises the signal, all async-signal-safe.
            let _ = unsafe { signal_hook::low_level::register(SIGINT, on_interrupt) };
        });
        PROMPTING.store(true, Ordering::SeqCst);
    }

    pub fn default_on_interrupt() {
        PROMPTING.store(false, Ordering::SeqCst);
    }
}

#[cfg(not(unix))]
mod interrupt {
    pub fn restore_cursor_on_interrupt() {}
    pub fn default_on_interrupt() {}
}
