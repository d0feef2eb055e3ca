//! Builds a benchmark database: `cargo run --release --example generate -- ENVIRONMENTS PATH [SEED]`.

use proj::store::{generate::Spec, sqlite::Store};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(count), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: generate ENVIRONMENTS PATH [SEED]");
        std::process::exit(2);
    };
    let environments: u64 = count.parse().expect("ENVIRONMENTS is a number");
    let seed: u64 = args
        .get(2)
        .map_or(1, |s| s.parse().expect("SEED is a number"));
    if std::path::Path::new(path).exists() {
        eprintln!("error: {path} exists; generate into a new file");
        std::process::exit(4);
    }
    let started = std::time::Instant::now();
    let mut store = Store::open(std::path::Path::new(path)).expect("open");
    let summary = store
        .generate(Spec { environments, seed })
        .expect("generate");
    eprintln!("generated {path} in {:.2?}", started.elapsed());
    println!("{}", serde_json::to_string(&summary).expect("json"));
}
