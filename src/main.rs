use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(proj::run(std::env::args_os().collect()))
}
