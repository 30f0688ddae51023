//! The architecture rules of DESIGN.md, checked: the engine and proto never touch the
//! terminal, and the app never touches sockets or protocol commands.

use std::path::Path;

fn scan(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mut in_tests = false;
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("#[cfg(test)]") {
                    in_tests = true;
                }
                if in_tests || code.starts_with("//") {
                    continue;
                }
                for word in forbidden {
                    if code.contains(word) {
                        hits.push(format!("{}:{}: {word}: {}", path.display(), n + 1, code));
                    }
                }
            }
        }
    }
    hits
}

#[test]
fn engine_and_proto_never_touch_the_terminal() {
    let terminal =
        ["indicatif", "rustyline", "clap", "process::exit", "println!", "eprintln!", "std::env::var", "stdin()"];
    let hits: Vec<String> = ["src/engine", "src/proto"].iter().flat_map(|d| scan(d, &terminal)).collect();
    assert!(hits.is_empty(), "layer violations:\n{}", hits.join("\n"));
}

#[test]
fn proto_is_sans_io() {
    let io = ["tokio", "std::net::TcpStream", "std::fs", "SystemTime", "Instant"];
    let hits = scan("src/proto", &io);
    assert!(hits.is_empty(), "proto must not do I/O:\n{}", hits.join("\n"));
}

#[test]
fn the_app_never_touches_sockets_or_commands() {
    let network = ["tokio::net", "TcpStream", "rustls", "proto::Command", "ReplyDecoder"];
    let hits = scan("src/app", &network);
    assert!(hits.is_empty(), "the app must go through the engine:\n{}", hits.join("\n"));
}
