//! The names pasv gives its temporaries: `.NAME.pasv-part` beside the file, on the server for
//! atomic uploads (local part files are `app::local`'s).

/// Tells apart our own part files, which are never deleted by `--delete` while in use.
pub(crate) fn is_part_file(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".pasv-part")
}

/// `.NAME.pasv-part` beside `remote`: where an atomic upload goes until it is verified.
pub(crate) fn temp_name(remote: &str) -> String {
    match remote.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.pasv-part"),
        None => format!(".{remote}.pasv-part"),
    }
}

/// The file a transfer is for, as progress shows it: the NAME of an atomic upload's
/// temporary `.NAME.pasv-part` (the engine reports the name it stores to).
pub(crate) fn shown_name(name: &str) -> &str {
    name.strip_prefix('.').and_then(|n| n.strip_suffix(".pasv-part")).filter(|n| !n.is_empty()).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_temporary_uploads() {
        assert_eq!(temp_name("dir/a.zip"), "dir/.a.zip.pasv-part");
        assert_eq!(temp_name("a.zip"), ".a.zip.pasv-part");
        assert!(is_part_file(".a.zip.pasv-part"));
        assert_eq!(shown_name(".a.zip.pasv-part"), "a.zip");
        assert_eq!(shown_name("a.zip"), "a.zip");
        assert_eq!(shown_name("..pasv-part"), "..pasv-part");
        assert!(!is_part_file("a.zip"));
    }
}
