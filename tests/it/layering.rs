//! The architecture rules of DESIGN.md, checked on the syntax tree of every file under `src/`:
//! the direction of imports (`app -> engine -> proto`, `app -> cli`), proto without I/O, the
//! engine and proto away from the terminal, the app away from sockets and protocol commands.
//!
//! Every path a file names counts, wherever it stands: `use` trees, paths in code and types,
//! paths inside macro invocations and attributes, in test modules as well (a test module may
//! use its own layer, which these rules never forbid). Paths are resolved as far as a file
//! says: `crate::`, `self::`, `super::`, child modules, and the aliases its `use` items make,
//! so `use super::super::app; app::x()` and `use std::time; time::Instant` are caught too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A path named somewhere in a file, resolved.
#[derive(Debug, Clone)]
struct Named {
    path: Vec<String>,
    /// "use", "path" (code, types, patterns), "macro" (a macro's name), "tokens" (inside a
    /// macro invocation or an attribute).
    kind: &'static str,
    in_test: bool,
    /// A `pub use` or `pub(..) use` (a re-export), and the module it stands in.
    reexport: bool,
    module: Vec<String>,
}

struct SourceFile {
    /// Relative to the package root, for messages.
    shown: String,
    module: Vec<String>,
    names: Vec<Named>,
}

/// Every `src/**/*.rs` but the binary's `main.rs`, parsed.
fn sources() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/main.rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files.iter().map(|path| read(root, path)).collect()
}

/// `src/engine/session.rs` -> `crate::engine::session`; `mod.rs` and `lib.rs` are their
/// directory's module.
fn module_of(relative: &Path) -> Vec<String> {
    let mut module = vec!["crate".to_string()];
    let parts: Vec<String> = relative.iter().skip(1).map(|p| p.to_string_lossy().into_owned()).collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 < parts.len() {
            module.push(part.clone());
        } else if part != "mod.rs" && part != "lib.rs" {
            module.push(part.trim_end_matches(".rs").to_string());
        }
    }
    module
}

fn read(root: &Path, path: &PathBuf) -> SourceFile {
    let relative = path.strip_prefix(root).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let tree = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", relative.display()));
    let module = module_of(relative);
    let mut scopes = Scopes::default();
    scopes.collect(&tree.items, &module);
    let mut collector = Collector { scopes: &scopes, module: module.clone(), in_test: 0, names: Vec::new() };
    collector.visit_file(&tree);
    SourceFile { shown: relative.display().to_string(), module, names: collector.names }
}

/// What each module of a file declares: its child modules and the names its `use` items
/// bring in (alias -> resolved path).
#[derive(Default)]
struct Scopes {
    children: BTreeMap<Vec<String>, BTreeSet<String>>,
    aliases: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

impl Scopes {
    fn collect<'a>(&mut self, items: impl IntoIterator<Item = &'a syn::Item>, module: &[String]) {
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    self.children.entry(module.to_vec()).or_default().insert(m.ident.to_string());
                    if let Some((_, inner)) = &m.content {
                        let mut child = module.to_vec();
                        child.push(m.ident.to_string());
                        self.collect(inner, &child);
                    }
                }
                syn::Item::Use(u) => {
                    for (path, alias) in flatten(&u.tree) {
                        if let Some(alias) = alias {
                            let resolved = self.resolve_use(&path, module);
                            self.aliases.entry(module.to_vec()).or_default().insert(alias, resolved);
                        }
                    }
                }
                syn::Item::Fn(f) => self.collect_block(&f.block, module),
                syn::Item::Impl(i) => {
                    for item in &i.items {
                        if let syn::ImplItem::Fn(f) = item {
                            self.collect_block(&f.block, module);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `use` items inside function bodies count for their module (close enough here).
    fn collect_block(&mut self, block: &syn::Block, module: &[String]) {
        let items = block.stmts.iter().filter_map(|s| match s {
            syn::Stmt::Item(item) => Some(item),
            _ => None,
        });
        self.collect(items, module);
    }

    /// A `use` path: from the crate root, the module, a parent, a child module, or a crate.
    fn resolve_use(&self, path: &[String], module: &[String]) -> Vec<String> {
        resolve_anchored(path, module, self.children.get(module)).unwrap_or_else(|| path.to_vec())
    }

    /// A path in code: as a `use` path, or through an alias of this module or one around it.
    fn resolve(&self, path: &[String], module: &[String]) -> Vec<String> {
        if let Some(resolved) = resolve_anchored(path, module, self.children.get(module)) {
            return resolved;
        }
        let first = &path[0];
        for depth in (1..=module.len()).rev() {
            if let Some(target) = self.aliases.get(&module[..depth]).and_then(|a| a.get(first)) {
                return target.iter().chain(&path[1..]).cloned().collect();
            }
        }
        path.to_vec()
    }
}

/// `crate::`, `self::`, `super::` and child-module paths; `None` for anything else.
fn resolve_anchored(path: &[String], module: &[String], children: Option<&BTreeSet<String>>) -> Option<Vec<String>> {
    let first = path.first()?;
    match first.as_str() {
        "crate" => Some(path.to_vec()),
        "self" => Some(module.iter().chain(&path[1..]).cloned().collect()),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let base = &module[..module.len().saturating_sub(ups).max(1)];
            Some(base.iter().chain(&path[ups..]).cloned().collect())
        }
        _ if children.is_some_and(|c| c.contains(first)) => Some(module.iter().chain(path.iter()).cloned().collect()),
        _ => None,
    }
}

/// Every path of a use tree, with the name it binds (`None` for a glob).
fn flatten(tree: &syn::UseTree) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) if n.ident == "self" => out.push((prefix.clone(), prefix.last().cloned())),
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                path.push(n.ident.to_string());
                out.push((path, Some(n.ident.to_string())));
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_string());
                }
                out.push((path, Some(r.rename.to_string())));
            }
            syn::UseTree::Glob(_) => {
                let mut path = prefix.clone();
                path.push("*".into());
                out.push((path, None));
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    walk(item, prefix, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

struct Collector<'a> {
    scopes: &'a Scopes,
    module: Vec<String>,
    in_test: usize,
    names: Vec<Named>,
}

impl Collector<'_> {
    fn push(&mut self, path: Vec<String>, kind: &'static str, reexport: bool) {
        if path.is_empty() {
            return;
        }
        let path = if kind == "use" {
            self.scopes.resolve_use(&path, &self.module)
        } else {
            self.scopes.resolve(&path, &self.module)
        };
        self.names.push(Named { path, kind, in_test: self.in_test > 0, reexport, module: self.module.clone() });
    }

    /// `a::b::c` sequences in a macro's or an attribute's tokens.
    fn scan_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut current: Vec<String> = Vec::new();
        let mut colons = 0;
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) => {
                    if colons != 2 && current.len() > 1 {
                        self.push(std::mem::take(&mut current), "tokens", false);
                    }
                    if colons != 2 {
                        current.clear();
                    }
                    current.push(ident.to_string());
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() => colons += 1,
                other => {
                    if current.len() > 1 {
                        self.push(std::mem::take(&mut current), "tokens", false);
                    }
                    current.clear();
                    colons = 0;
                    if let proc_macro2::TokenTree::Group(group) = other {
                        self.scan_tokens(group.stream());
                    }
                }
            }
        }
        if current.len() > 1 {
            self.push(current, "tokens", false);
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(list) if list.tokens.to_string().split_whitespace().any(|w| w == "test"))
    })
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let test = is_cfg_test(&m.attrs);
        self.in_test += usize::from(test);
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
        self.in_test -= usize::from(test);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let test = is_cfg_test(&f.attrs) || f.attrs.iter().any(|a| a.path().is_ident("test"));
        self.in_test += usize::from(test);
        syn::visit::visit_item_fn(self, f);
        self.in_test -= usize::from(test);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let reexport = !matches!(u.vis, syn::Visibility::Inherited);
        for (path, _) in flatten(&u.tree) {
            self.push(path, "use", reexport);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.push(segments, "path", false);
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let segments = mac.path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.push(segments, "macro", false);
        self.scan_tokens(mac.tokens.clone());
    }

    /// `pub(super)`, `pub(in crate::x)`: who may see an item, not what it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        self.scan_tokens(list.tokens.clone());
    }
}

fn starts_with(path: &[String], prefix: &str) -> bool {
    let prefix: Vec<&str> = prefix.split("::").collect();
    path.len() >= prefix.len() && path.iter().zip(&prefix).all(|(a, b)| a == b)
}

/// A glob from a module that holds forbidden items imports them too.
fn names_forbidden(path: &[String], prefix: &str) -> bool {
    if starts_with(path, prefix) {
        return true;
    }
    match path.split_last() {
        Some((last, module)) if last == "*" => {
            let module = module.join("::");
            prefix.starts_with(&format!("{module}::"))
        }
        _ => false,
    }
}

/// The paths `layer` names that start with one of `forbidden` (or are `print!`-like
/// macros, with `no_printing`), as messages.
fn violations(layer: &str, forbidden: &[&str], no_printing: bool) -> Vec<String> {
    let mut hits = Vec::new();
    for file in sources().iter().filter(|f| f.module.get(1).map(String::as_str) == Some(layer)) {
        for named in &file.names {
            let shown = named.path.join("::");
            let test = if named.in_test { " (in a test)" } else { "" };
            if let Some(prefix) = forbidden.iter().find(|p| names_forbidden(&named.path, p)) {
                hits.push(format!("{}: {} {shown}{test}: {prefix} is off limits", file.shown, named.kind));
            }
            let printing = ["print", "println", "eprint", "eprintln", "dbg"];
            if no_printing && named.kind == "macro" && named.path.last().is_some_and(|m| printing.contains(&m.as_str()))
            {
                hits.push(format!("{}: {shown}!{test}: the terminal is the app's", file.shown));
            }
        }
    }
    hits.sort();
    hits.dedup();
    hits
}

/// The terminal, the process and its environment: the app's alone (DESIGN.md: the engine
/// never prints, never reads stdin or env, knows nothing of clap, indicatif or rustyline,
/// never exits).
const TERMINAL: &[&str] = &[
    "clap",
    "clap_complete",
    "clap_mangen",
    "indicatif",
    "rustyline",
    "rpassword",
    "dirs",
    "std::env",
    "std::process",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "std::io::Stdin",
    "std::io::Stdout",
    "std::io::Stderr",
    "std::io::IsTerminal",
    "tokio::io::stdin",
    "tokio::io::stdout",
    "tokio::io::stderr",
    "tokio::signal",
    "tokio::process",
];

#[test]
fn proto_imports_no_other_layer_and_does_no_io() {
    let io = [
        "crate::engine",
        "crate::app",
        "crate::cli",
        "crate::server",
        "tokio",
        "tokio_rustls",
        "rustls",
        "socket2",
        "futures_util",
        "libunftp",
        "unftp_core",
        "unftp_sbe_fs",
        "tempfile",
        "std::net",
        "std::fs",
        "std::thread",
        "std::time::Instant",
        "std::time::SystemTime",
    ];
    let forbidden: Vec<&str> = io.iter().chain(TERMINAL).copied().collect();
    let hits = violations("proto", &forbidden, true);
    assert!(hits.is_empty(), "proto must be sans-IO and import only itself:\n{}", hits.join("\n"));
}

#[test]
fn the_engine_imports_neither_the_app_nor_the_cli_and_never_touches_the_terminal() {
    let layers = ["crate::app", "crate::cli", "crate::server"];
    let forbidden: Vec<&str> = layers.iter().chain(TERMINAL).copied().collect();
    let hits = violations("engine", &forbidden, true);
    assert!(hits.is_empty(), "layer violations:\n{}", hits.join("\n"));
}

#[test]
fn the_cli_is_clap_definitions_only() {
    let hits = violations("cli", &["crate::app", "crate::engine", "crate::server", "crate::proto"], false);
    assert!(hits.is_empty(), "the cli imports no other layer:\n{}", hits.join("\n"));
}

#[test]
fn the_server_wrapper_imports_neither_the_app_nor_the_cli() {
    let hits = violations("server", &["crate::app", "crate::cli"], false);
    assert!(hits.is_empty(), "layer violations:\n{}", hits.join("\n"));
}

/// The app goes through the engine: no sockets, no TLS, no protocol commands or reply decoding.
#[test]
fn the_app_never_touches_sockets_or_commands() {
    let network = [
        "tokio::net",
        "std::net::TcpStream",
        "std::net::TcpListener",
        "socket2",
        "rustls",
        "tokio_rustls",
        "crate::proto::Command",
        "crate::proto::command::Command",
        "crate::proto::ReplyDecoder",
        "crate::proto::reply::ReplyDecoder",
        "crate::engine::control",
        "crate::engine::data",
    ];
    let mut hits = violations("app", &network, false);
    // Whatever a name is called after a `use ... as`, these stay the engine's.
    for file in sources().iter().filter(|f| f.module.get(1).map(String::as_str) == Some("app")) {
        for named in &file.names {
            if named.path.iter().any(|s| s == "TcpStream" || s == "ReplyDecoder") {
                hits.push(format!("{}: {} {}", file.shown, named.kind, named.path.join("::")));
            }
        }
    }
    assert!(hits.is_empty(), "the app must go through the engine:\n{}", hits.join("\n"));
}

/// The test's own resolution, on the shapes it must see through.
#[test]
fn paths_are_resolved_through_aliases_parents_and_macros() {
    let text = r#"
        use super::super::app;
        use std::time as clock;
        mod inner { pub fn f() {} }
        fn g() {
            app::run();
            let _ = clock::Instant::now();
            inner::f();
            println!("{}", crate::cli::X);
        }
        #[cfg(test)]
        mod tests {
            use super::*;
            use tokio::net::TcpStream;
        }
    "#;
    let tree = syn::parse_file(text).unwrap();
    let module = module_of(Path::new("src/engine/x.rs"));
    let mut scopes = Scopes::default();
    scopes.collect(&tree.items, &module);
    let mut collector = Collector { scopes: &scopes, module, in_test: 0, names: Vec::new() };
    collector.visit_file(&tree);
    let named: BTreeSet<(String, bool)> = collector.names.iter().map(|n| (n.path.join("::"), n.in_test)).collect();
    for expected in [
        ("crate::app", false),
        ("crate::app::run", false),
        ("std::time::Instant::now", false),
        ("crate::engine::x::inner::f", false),
        ("crate::cli::X", false),
        ("println", false),
        ("tokio::net::TcpStream", true),
        ("crate::engine::x::*", true),
    ] {
        assert!(named.contains(&(expected.0.to_string(), expected.1)), "{expected:?} not in {named:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Import circles between the files of src/app
// ---------------------------------------------------------------------------------------------

/// The file (module path) a `crate::app::...` path leads to: the longest module prefix that
/// is a file, followed through that module's re-exports (`pub use`).
fn target_file(
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
    reexports: &BTreeMap<Vec<String>, Vec<String>>,
) -> Option<Vec<String>> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let module = (2..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| modules.contains(m))?;
        match path.get(module.len()).and_then(|item| {
            let mut key = module.clone();
            key.push(item.clone());
            reexports.get(&key)
        }) {
            Some(target) => path = target.iter().chain(&path[module.len() + 1..]).cloned().collect(),
            None => return Some(module),
        }
    }
    None
}

/// Which file of src/app imports which (module paths), with the first path that makes each
/// import: re-exports followed to the file that defines the item.
type Graph = BTreeMap<Vec<String>, BTreeMap<Vec<String>, String>>;

fn app_imports() -> Graph {
    let files: Vec<SourceFile> =
        sources().into_iter().filter(|f| f.module.get(1).map(String::as_str) == Some("app")).collect();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut reexports = BTreeMap::new();
    for file in &files {
        for named in file.names.iter().filter(|n| n.reexport && n.module == file.module) {
            if let Some(last) = named.path.last().filter(|l| *l != "*") {
                let mut key = file.module.clone();
                key.push(last.clone());
                reexports.insert(key, named.path.clone());
            }
        }
    }
    let mut graph = Graph::new();
    for file in &files {
        let targets = graph.entry(file.module.clone()).or_default();
        for named in file.names.iter().filter(|n| !n.reexport && starts_with(&n.path, "crate::app")) {
            if let Some(target) = target_file(&named.path, &modules, &reexports)
                && target != file.module
            {
                targets.entry(target).or_insert_with(|| named.path.join("::"));
            }
        }
    }
    graph
}

/// The circles among `graph`'s files (strongly connected components of more than one file),
/// each shown with the imports inside it.
fn circles(graph: &Graph) -> Vec<String> {
    let edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> =
        graph.iter().map(|(from, to)| (from.clone(), to.keys().cloned().collect())).collect();
    let file = |m: &Vec<String>| format!("{}.rs", m[1..].join("/"));
    let mut shown = Vec::new();
    for group in strongly_connected(&edges).into_iter().filter(|g| g.len() > 1) {
        let mut text = format!("circle of {}:", group.iter().map(file).collect::<Vec<_>>().join(", "));
        for from in &group {
            for (to, via) in graph[from].iter().filter(|(to, _)| group.contains(to)) {
                text.push_str(&format!("\n  {} -> {} ({via})", file(from), file(to)));
            }
        }
        shown.push(text);
    }
    shown
}

/// Tarjan's algorithm, iteration order fixed by the maps.
fn strongly_connected(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        groups: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(s: &mut State<'a>, node: &'a Vec<String>) {
        let n = s.index.len();
        s.index.insert(node, n);
        s.low.insert(node, n);
        s.stack.push(node);
        s.on_stack.insert(node);
        for next in s.edges.get(node).into_iter().flatten() {
            if !s.index.contains_key(next) {
                visit(s, next);
                let low = s.low[node].min(s.low[next]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.low[node].min(s.index[next]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut group = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                group.push(top.clone());
                if top == node {
                    break;
                }
            }
            group.sort();
            s.groups.push(group);
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in edges.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.groups
}

/// DESIGN.md: no import circles between the files of the app (test modules included).
#[test]
fn no_import_circles_between_the_files_of_the_app() {
    let circles = circles(&app_imports());
    assert!(circles.is_empty(), "import circles in src/app:\n{}", circles.join("\n"));
}

/// The circle finder itself, on a graph with one circle and one chain.
#[test]
fn the_circle_finder_finds_circles_and_only_those() {
    let m = |s: &str| vec!["crate".to_string(), "app".to_string(), s.to_string()];
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e")] {
        edges.entry(m(from)).or_default().insert(m(to));
        edges.entry(m(to)).or_default();
    }
    let circles: Vec<Vec<Vec<String>>> = strongly_connected(&edges).into_iter().filter(|g| g.len() > 1).collect();
    assert_eq!(circles, vec![vec![m("a"), m("b"), m("c")]]);
}
