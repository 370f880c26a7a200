//! No module imports a module that imports it back, directly or through
//! others: the command line (`src/`) and the library
//! (`crates/ollama-rs/src/`) are each read with `syn`, every path that
//! starts with `crate::`, `super::` or `self::` (in a `use` or in code), or
//! with a child module's name in a `use`, becomes an edge to the deepest
//! module it names, and the graph must have no cycle. (`child::f()` in
//! code, without a `use`, is not read as an edge.)
//!
//! A module that re-exports a descendant's item (`pub use parser::parse`)
//! publishes it rather than depends on it: that is no edge. Paths in
//! inline modules (`mod tests { … }`) are edges of that inner module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module's path from the crate root, e.g. `["repl", "editor"]`.
type ModPath = Vec<String>;

/// The modules of a crate whose root is `src/main.rs` or `src/lib.rs`,
/// each with its file.
fn modules(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("listing a source folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "main" | "lib")
            ) {
                parts.pop();
            }
            // A binary's other roots (`src/bin/…`) are not modules of it.
            if parts.first().is_some_and(|p| p == "bin") {
                continue;
            }
            out.insert(parts, path);
        }
    }
    out
}

/// Collects the module paths a file's code names.
struct Uses<'a> {
    /// The module being read (an inline module extends it).
    here: ModPath,
    /// Every module of the crate.
    known: &'a BTreeMap<ModPath, PathBuf>,
    /// (from, to) edges found.
    edges: BTreeSet<(ModPath, ModPath)>,
}

impl Uses<'_> {
    /// Adds the edge for a path written in module `self.here`; `child_ok`
    /// lets a first segment name a child module (as in `use names::X`);
    /// `reexport` (a `pub use`) adds no edge down to a descendant.
    fn path(&mut self, segments: &[String], child_ok: bool, reexport: bool) {
        let Some(first) = segments.first() else {
            return;
        };
        let mut base: ModPath;
        let mut rest = segments;
        match first.as_str() {
            "crate" => {
                base = Vec::new();
                rest = &segments[1..];
            }
            "self" => {
                base = self.here.clone();
                rest = &segments[1..];
            }
            "super" => {
                base = self.here.clone();
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            _ if child_ok => {
                let mut child = self.here.clone();
                child.push(first.clone());
                if !self.known.contains_key(&child) {
                    return;
                }
                base = self.here.clone();
            }
            _ => return,
        }
        // The deepest module the path names.
        for seg in rest {
            let mut next = base.clone();
            next.push(seg.clone());
            if self.known.contains_key(&next) {
                base = next;
            } else {
                break;
            }
        }
        // A path into one's own module is no dependency; a re-export of a
        // descendant's item publishes it.
        let down = base.starts_with(&self.here);
        if base != self.here && !(down && reexport) {
            self.edges.insert((self.here.clone(), base));
        }
    }
}

/// The paths of a `use` tree, as lists of segments.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut v = prefix.clone();
            v.push(n.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Rename(r) => {
            let mut v = prefix.clone();
            v.push(r.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        let reexport = !matches!(u.vis, syn::Visibility::Inherited);
        for p in paths {
            self.path(&p, true, reexport);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.here.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.here.pop();
        }
    }

    /// `pub(crate)` and `pub(super)` name modules, but depend on none.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.path(&segments, false, false);
        syn::visit::visit_path(self, p);
    }
}

/// The import graph of the crate under `src`.
fn graph(src: &Path) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let known = modules(src);
    let mut uses = Uses {
        here: Vec::new(),
        known: &known,
        edges: BTreeSet::new(),
    };
    for (module, file) in &known {
        let text = std::fs::read_to_string(file).expect("reading a source file");
        let ast = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        uses.here = module.clone();
        uses.visit_file(&ast);
    }
    let mut g: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (from, to) in uses.edges {
        g.entry(from).or_default().insert(to);
    }
    g
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// A cycle of the graph, as module names with the first repeated last.
fn find_cycle(g: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &ModPath,
        g: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        marks: &mut BTreeMap<ModPath, Mark>,
        stack: &mut Vec<ModPath>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let at = stack.iter().position(|m| m == node).unwrap();
                let mut cycle: Vec<String> = stack[at..].iter().map(name).collect();
                cycle.push(name(node));
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in g.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, g, marks, stack) {
                return Some(c);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in g.keys() {
        if let Some(c) = visit(node, g, &mut marks, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// Fails naming a cycle of the crate under `src`.
fn assert_no_cycle(src: &Path) {
    let g = graph(src);
    if let Some(cycle) = find_cycle(&g) {
        panic!(
            "modules of {} import each other in a circle: {}",
            src.display(),
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_command_line_has_no_import_cycle() {
    assert_no_cycle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
}

#[test]
fn the_library_has_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/ollama-rs/src");
    assert_no_cycle(&src);
}

#[test]
fn a_cycle_is_found_and_named() {
    let m = |s: &str| -> ModPath { s.split("::").map(str::to_string).collect() };
    let mut g = BTreeMap::new();
    g.insert(m("a"), BTreeSet::from([m("b")]));
    g.insert(m("b"), BTreeSet::from([m("c::d")]));
    g.insert(m("c::d"), BTreeSet::from([m("a")]));
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c::d", "a"]);
    g.get_mut(&m("c::d")).unwrap().clear();
    assert_eq!(find_cycle(&g), None);
}
