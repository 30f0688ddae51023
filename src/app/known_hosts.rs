//! Trust on first use for FTPS servers whose certificate no CA vouches for.
//!
//! In the interactive shell an untrusted certificate shows its key pin and asks once; a "yes"
//! is stored as `host:port sha256//...` in `known_hosts` under the user's data directory, and
//! later connections require that key. A different key later is a hard error that shows both.
//! One-shot commands use the stored pins too, but never ask.

use std::path::PathBuf;

/// The known-hosts file: `$XDG_DATA_HOME/pasv/known_hosts` (or the platform's data dir).
pub fn path() -> Option<PathBuf> {
    Some(dirs::data_dir()?.join("pasv").join("known_hosts"))
}

fn key(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Pins the remembered key into `tls` when trust on first use applies: TLS is on and the
/// user chose no other trust (no --pin, --ca-file or --insecure). Returns the pin, if any.
pub fn apply(tls: &mut crate::engine::TlsConfig, host: &str, port: u16) -> Option<String> {
    if !applies(tls) {
        return None;
    }
    let pin = lookup(host, port)?;
    tls.pins = vec![pin.clone()];
    Some(pin)
}

/// True when trust on first use decides about this connection's certificate.
pub fn applies(tls: &crate::engine::TlsConfig) -> bool {
    tls.mode != crate::engine::TlsMode::Off && tls.pins.is_empty() && tls.ca_file.is_none() && !tls.insecure
}

/// The pin remembered for this server, if any.
pub fn lookup(host: &str, port: u16) -> Option<String> {
    let text = std::fs::read_to_string(path()?).ok()?;
    find(&text, &key(host, port))
}

fn find(text: &str, key: &str) -> Option<String> {
    text.lines().filter(|l| !l.trim_start().starts_with('#')).find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next()? == key).then(|| words.next().map(str::to_string)).flatten()
    })
}

/// Remembers `pin` for this server (replacing an older entry).
pub fn remember(host: &str, port: u16, pin: &str) -> std::io::Result<PathBuf> {
    let path = path().ok_or_else(|| std::io::Error::other("no data directory"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let key = key(host, port);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text: String =
        old.lines().filter(|l| l.split_whitespace().next() != Some(key.as_str())).map(|l| format!("{l}\n")).collect();
    text.push_str(&format!("{key} {pin}\n"));
    std::fs::write(&path, text)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_entries_by_host_and_port() {
        let text = "# pasv known hosts\n127.0.0.1:2121 sha256//AAA=\n[::1]:21 sha256//BBB=\n";
        assert_eq!(find(text, "127.0.0.1:2121").as_deref(), Some("sha256//AAA="));
        assert_eq!(find(text, &key("::1", 21)).as_deref(), Some("sha256//BBB="));
        assert_eq!(find(text, "127.0.0.1:21"), None);
    }
}
