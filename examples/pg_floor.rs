//! The floor of the server benchmark (`benches/server.sh`): the least a program on the same
//! client crate as `proj` (`postgres`) does to answer one question — connect over the Unix
//! socket, send one statement in one round trip (the simple protocol), print the rows — so
//! `proj`'s time is read against what any client pays for the connection and the query.
//!
//! `cargo run --release --example pg_floor -- SOCKET_DIR USER DBNAME SQL`

use postgres::{Config, NoTls, SimpleQueryMessage};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [socket, user, dbname, sql] = args.as_slice() else {
        eprintln!("usage: pg_floor SOCKET_DIR USER DBNAME SQL");
        std::process::exit(2);
    };
    let mut client = Config::new()
        .host_path(socket)
        .user(user)
        .dbname(dbname)
        .connect(NoTls)
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(6);
        });
    let messages = client.simple_query(sql).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1);
    });
    let mut out = std::io::stdout().lock();
    for m in messages {
        if let SimpleQueryMessage::Row(row) = m {
            let cells: Vec<&str> = (0..row.len()).map(|i| row.get(i).unwrap_or("")).collect();
            let _ = writeln!(out, "{}", cells.join("\t"));
        }
    }
}
