//! Local paths in a Modelfile, and which files of a model directory are
//! uploaded: the create command's policy, following the official CLI's.

use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why the files of a model directory could not be selected.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// No file of the directory matches any model-file pattern.
    #[error("no Modelfile or safetensors files found")]
    NoModelFiles {
        /// The directory that was searched.
        dir: PathBuf,
    },
    /// A selected weights file is a Git LFS pointer: the repository was
    /// cloned without fetching its large files.
    #[error("`{}` is a Git LFS pointer, not the file itself (run `git lfs pull`)", path.display())]
    LfsPointer {
        /// The pointer file.
        path: PathBuf,
    },
    /// The directory, a sub-directory or a file could not be read.
    #[error("could not read `{}`", path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Whether a `FROM`, `ADAPTER` or `DRAFT` value is meant as a local path
/// rather than a model name: it is `.` or `..`, is absolute, starts with
/// `./`, `../` or `~`, or ends with `.gguf` or `.safetensors` (in any case).
///
/// A caller can use this to report a missing file instead of trying to
/// pull a model of that name.
pub fn looks_like_path(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value == "."
        || value == ".."
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with('~')
        || Path::new(value).is_absolute()
        || lower.ends_with(".gguf")
        || lower.ends_with(".safetensors")
}

/// Expands a leading `~` like a shell: `~` and `~/…` from the home
/// directory, `~user` and `~user/…` from that user's home directory (on
/// Unix; elsewhere only the first two forms). `None` when the value does
/// not start with `~`, or the home directory or the user is unknown.
pub fn expand_home(value: &str, home: Option<&Path>) -> Option<PathBuf> {
    let rest = value.strip_prefix('~')?;
    let (user, tail) = match rest.split_once('/') {
        Some((user, tail)) => (user, Some(tail)),
        None => (rest, None),
    };
    let home = if user.is_empty() {
        home?.to_path_buf()
    } else {
        user_home(user)?
    };
    Some(match tail {
        Some(tail) => home.join(tail),
        None => home,
    })
}

/// The home directory of the named user.
#[cfg(unix)]
fn user_home(user: &str) -> Option<PathBuf> {
    nix::unistd::User::from_name(user)
        .ok()
        .flatten()
        .map(|u| u.dir)
}

/// The home directory of the named user (not known on this platform).
#[cfg(not(unix))]
fn user_home(_user: &str) -> Option<PathBuf> {
    None
}

/// Resolves a Modelfile value as a local path: `~`, `~/…`, `~user` and
/// `~user/…` from a home directory (see [`expand_home`]), an absolute path
/// as is, anything else relative to the folder of the Modelfile. Returns
/// `None` when nothing exists there (the value is then a model name).
pub fn resolve_local_path(
    value: &str,
    modelfile_dir: &Path,
    home: Option<&Path>,
) -> Option<PathBuf> {
    if value.is_empty() {
        return None;
    }
    let path = if value.starts_with('~') {
        expand_home(value, home)?
    } else if Path::new(value).is_absolute() {
        PathBuf::from(value)
    } else {
        modelfile_dir.join(value)
    };
    // A broken symlink or an unreadable parent counts as nothing there.
    path.try_exists().unwrap_or(false).then_some(path)
}

/// An entry of a directory listing.
struct Entry {
    name: String,
    path: PathBuf,
    is_dir: bool,
}

/// The entries of a directory, sorted by name; symbolic links are
/// followed, and names that are not UTF-8 are kept (lossily converted) so
/// that they can still match.
fn list(dir: &Path) -> Result<Vec<Entry>, SelectError> {
    let io = |source| SelectError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        // fs::metadata follows links; an entry it cannot stat (a broken
        // link) is neither a file nor a directory and is left out.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() && !meta.is_dir() {
            continue;
        }
        out.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            path,
            is_dir: meta.is_dir(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A `prefix*suffix` file-name pattern; an empty suffix means the exact
/// name `prefix` (no pattern here ends with `*`).
#[derive(Clone, Copy)]
struct Pattern(&'static str, &'static str);

impl Pattern {
    fn matches(self, name: &str) -> bool {
        if self.1.is_empty() {
            return name == self.0;
        }
        name.len() >= self.0.len() + self.1.len()
            && name.starts_with(self.0)
            && name.ends_with(self.1)
    }
}

/// The files of a directory tree, one level deep.
struct Tree {
    top: Vec<Entry>,
    /// The files of each sub-directory, in name order of the
    /// sub-directories.
    sub: Vec<Vec<Entry>>,
}

impl Tree {
    fn read(dir: &Path) -> Result<Tree, SelectError> {
        let top = list(dir)?;
        let sub = top
            .iter()
            .filter(|e| e.is_dir)
            .map(|e| list(&e.path))
            .collect::<Result<_, _>>()?;
        Ok(Tree { top, sub })
    }

    /// Files directly in the directory whose name matches.
    fn top(&self, p: Pattern) -> Vec<PathBuf> {
        files_matching(&self.top, p)
    }

    /// Files one level down whose name matches.
    fn nested(&self, p: Pattern) -> Vec<PathBuf> {
        self.sub.iter().flat_map(|s| files_matching(s, p)).collect()
    }
}

fn files_matching(entries: &[Entry], p: Pattern) -> Vec<PathBuf> {
    entries
        .iter()
        .filter(|e| !e.is_dir && p.matches(&e.name))
        .map(|e| e.path.clone())
        .collect()
}

/// The start of a Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/";

fn check_not_lfs_pointer(path: &Path) -> Result<(), SelectError> {
    let mut head = [0u8; LFS_POINTER.len()];
    let mut file = fs::File::open(path).map_err(|source| SelectError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut got = 0;
    // read() may return fewer bytes than asked; a file shorter than the
    // marker is simply not a pointer.
    while got < head.len() {
        match file.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(SelectError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    if got == head.len() && head == LFS_POINTER {
        return Err(SelectError::LfsPointer {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Chooses the files of a model directory to upload.
///
/// The weights are the first of these that matches anything (`*/` means
/// one sub-directory down):
/// `model*.safetensors` and `*/model*.safetensors`, `consolidated*.safetensors`,
/// `pytorch_model*.bin`, `consolidated*.pth`, `*.gguf`, `*.bin`. Added to
/// them: `*.json`, `*/*.json`, `chat_template.jinja`, and `tokenizer.model`
/// (or, if there is none, `*/tokenizer.model`).
///
/// Files come in that order, each group sorted by path. Symbolic links are
/// followed. A weights file that is a Git LFS pointer is refused.
pub fn select_model_files(dir: &Path) -> Result<Vec<PathBuf>, SelectError> {
    let tree = Tree::read(dir)?;
    let weights = |p: Pattern, nested: bool| {
        let mut v = tree.top(p);
        if nested {
            v.extend(tree.nested(p));
        }
        v
    };
    let groups = [
        (Pattern("model", ".safetensors"), true),
        (Pattern("consolidated", ".safetensors"), false),
        (Pattern("pytorch_model", ".bin"), false),
        (Pattern("consolidated", ".pth"), false),
        (Pattern("", ".gguf"), false),
        (Pattern("", ".bin"), false),
    ];
    let mut files = groups
        .into_iter()
        .map(|(p, nested)| weights(p, nested))
        .find(|v| !v.is_empty())
        .ok_or_else(|| SelectError::NoModelFiles {
            dir: dir.to_path_buf(),
        })?;
    for f in &files {
        check_not_lfs_pointer(f)?;
    }

    let json = Pattern("", ".json");
    files.extend(tree.top(json));
    files.extend(tree.nested(json));
    let named = |name: &'static str| Pattern(name, "");
    files.extend(tree.top(named("chat_template.jinja")));
    let mut tok = tree.top(named("tokenizer.model"));
    if tok.is_empty() {
        tok = tree.nested(named("tokenizer.model"));
    }
    files.extend(tok);

    let mut seen = HashSet::new();
    files.retain(|f| seen.insert(f.clone()));
    Ok(files)
}

/// The names under which uploaded files are sent in a create request's
/// `files` (or `adapters`): a single file by its base name; several by
/// their paths relative to their deepest common parent directory, with `/`
/// separators (`config.json`, `text/model.safetensors`).
///
/// Relative paths in `files` are taken relative to `dir`.
pub fn blob_names(files: &[PathBuf], dir: &Path) -> Vec<String> {
    let full: Vec<PathBuf> = files
        .iter()
        .map(|f| {
            if f.is_absolute() {
                f.clone()
            } else {
                dir.join(f)
            }
        })
        .collect();
    if let [only] = full.as_slice() {
        return vec![base_name(only)];
    }
    let mut common: Option<Vec<Component>> = None;
    for f in &full {
        let parent: Vec<Component> = f
            .parent()
            .map(|p| p.components().collect())
            .unwrap_or_default();
        common = Some(match common {
            None => parent,
            Some(c) => c
                .into_iter()
                .zip(parent)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    let depth = common.map_or(0, |c| c.len());
    full.iter()
        .map(|f| {
            let parts: Vec<String> = f
                .components()
                .skip(depth)
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    Component::CurDir => None,
                    Component::ParentDir => Some("..".to_string()),
                    Component::RootDir | Component::Prefix(_) => None,
                })
                .collect();
            if parts.is_empty() {
                base_name(f)
            } else {
                parts.join("/")
            }
        })
        .collect()
}

fn base_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.to_string_lossy().into_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_path_rules() {
        for v in [
            "/abs/m",
            "./m",
            "../m",
            "~",
            "~/m.gguf",
            "m.gguf",
            "dir/M.GGUF",
            "x.safetensors",
            ".",
            "..",
        ] {
            assert!(looks_like_path(v), "{v}");
        }
        for v in [
            "llama3.2",
            "user/model:tag",
            "hf.co/org/repo:Q4",
            "model.bin",
            ".hidden",
        ] {
            assert!(!looks_like_path(v), "{v}");
        }
    }

    #[test]
    fn resolve_local_paths() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("m.gguf"), b"x").unwrap();
        fs::create_dir(d.join("sub")).unwrap();
        assert_eq!(
            resolve_local_path("m.gguf", d, dirs::home_dir().as_deref()),
            Some(d.join("m.gguf"))
        );
        assert_eq!(
            resolve_local_path("./sub", d, dirs::home_dir().as_deref()),
            Some(d.join("./sub"))
        );
        assert_eq!(
            resolve_local_path(".", d, dirs::home_dir().as_deref()),
            Some(d.join("."))
        );
        let abs = d.join("m.gguf");
        assert_eq!(
            resolve_local_path(
                abs.to_str().unwrap(),
                Path::new("/nonexistent"),
                dirs::home_dir().as_deref()
            ),
            Some(abs)
        );
        assert_eq!(
            resolve_local_path("llama3.2", d, dirs::home_dir().as_deref()),
            None
        );
        assert_eq!(resolve_local_path("", d, dirs::home_dir().as_deref()), None);
        if let Some(home) = dirs::home_dir().filter(|h| h.exists()) {
            assert_eq!(
                resolve_local_path("~", d, dirs::home_dir().as_deref()),
                Some(home.clone())
            );
            assert_eq!(
                resolve_local_path("~/", d, dirs::home_dir().as_deref()),
                Some(home.join(""))
            );
        }
        assert_eq!(
            resolve_local_path("~/surely/not/here.gguf", d, dirs::home_dir().as_deref()),
            None
        );
    }

    #[cfg(unix)]
    #[test]
    fn tilde_user_is_that_users_home() {
        let me = nix::unistd::User::from_uid(nix::unistd::getuid())
            .unwrap()
            .expect("the current user has a passwd entry");
        assert_eq!(
            expand_home(
                &format!("~{}/models/m.gguf", me.name),
                dirs::home_dir().as_deref()
            ),
            Some(me.dir.join("models/m.gguf"))
        );
        assert_eq!(
            expand_home(&format!("~{}", me.name), dirs::home_dir().as_deref()),
            Some(me.dir.clone())
        );
        assert_eq!(
            expand_home("~no-such-user-here/m.gguf", dirs::home_dir().as_deref()),
            None
        );
        assert_eq!(
            expand_home("models/m.gguf", dirs::home_dir().as_deref()),
            None
        );
        if me.dir.exists() {
            assert_eq!(
                resolve_local_path(
                    &format!("~{}", me.name),
                    Path::new("/nonexistent"),
                    dirs::home_dir().as_deref()
                ),
                Some(me.dir)
            );
        }
    }

    // ---------------------------------------------------------------- selection

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, b"data").unwrap();
        }
        dir
    }

    fn selected(files: &[&str]) -> Vec<String> {
        let dir = tree(files);
        let got = select_model_files(dir.path()).unwrap();
        got.iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn selection_precedence() {
        let all = [
            "model-00002-of-00002.safetensors",
            "model-00001-of-00002.safetensors",
            "consolidated.safetensors",
            "pytorch_model.bin",
            "consolidated.00.pth",
            "x.gguf",
            "other.bin",
        ];
        assert_eq!(
            selected(&all),
            [
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"
            ]
        );
        assert_eq!(selected(&all[2..]), ["consolidated.safetensors"]);
        assert_eq!(selected(&all[3..]), ["pytorch_model.bin"]);
        assert_eq!(selected(&all[4..]), ["consolidated.00.pth"]);
        assert_eq!(selected(&all[5..]), ["x.gguf"]);
        assert_eq!(selected(&all[6..]), ["other.bin"]);
    }

    #[test]
    fn nested_safetensors_count() {
        assert_eq!(
            selected(&[
                "text/model.safetensors",
                "vision/model-1.safetensors",
                "b.gguf"
            ]),
            ["text/model.safetensors", "vision/model-1.safetensors"]
        );
        assert_eq!(
            selected(&["model.safetensors", "text/model.safetensors"]),
            ["model.safetensors", "text/model.safetensors"]
        );
        // Only model*.safetensors is looked for one level down.
        assert_eq!(selected(&["sub/x.gguf", "top.gguf"]), ["top.gguf"]);
        // Two levels down is too deep.
        let dir = tree(&["a/b/model.safetensors"]);
        assert!(matches!(
            select_model_files(dir.path()),
            Err(SelectError::NoModelFiles { .. })
        ));
    }

    #[test]
    fn patterns_need_their_prefix_and_suffix() {
        // `model*.safetensors` needs the `model` prefix; such a file falls
        // through to later rules.
        assert_eq!(selected(&["my-model.safetensors", "a.gguf"]), ["a.gguf"]);
        // A directory named like a weights file is not a file.
        let dir = tree(&["real.gguf"]);
        fs::create_dir(dir.path().join("model.safetensors")).unwrap();
        let got = select_model_files(dir.path()).unwrap();
        assert_eq!(got, [dir.path().join("real.gguf")]);
    }

    #[test]
    fn companions_are_added() {
        assert_eq!(
            selected(&[
                "tokenizer.model",
                "sub/tokenizer.model",
                "config.json",
                "tokenizer_config.json",
                "sub/extra.json",
                "chat_template.jinja",
                "other.jinja",
                "model.safetensors",
                "README.md",
            ]),
            [
                "model.safetensors",
                "config.json",
                "tokenizer_config.json",
                "sub/extra.json",
                "chat_template.jinja",
                "tokenizer.model",
            ]
        );
        // Without a top-level tokenizer.model, one in a sub-directory is used.
        assert_eq!(
            selected(&["a.gguf", "tok/tokenizer.model"]),
            ["a.gguf", "tok/tokenizer.model"]
        );
    }

    #[test]
    fn nothing_to_upload() {
        let dir = tree(&["README.md", "config.json", "tokenizer.model"]);
        let e = select_model_files(dir.path()).unwrap_err();
        assert_eq!(e.to_string(), "no Modelfile or safetensors files found");
        let missing = dir.path().join("nope");
        assert!(matches!(
            select_model_files(&missing),
            Err(SelectError::Io { .. })
        ));
    }

    #[test]
    fn lfs_pointers_are_refused() {
        let dir = tree(&[]);
        let p = dir.path().join("model.safetensors");
        fs::write(
            &p,
            "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 5\n",
        )
        .unwrap();
        let e = select_model_files(dir.path()).unwrap_err();
        assert!(
            matches!(&e, SelectError::LfsPointer { path } if *path == p),
            "{e:?}"
        );
        // A short or ordinary file is fine.
        fs::write(&p, "ver").unwrap();
        assert_eq!(select_model_files(dir.path()).unwrap(), [p]);
    }

    #[test]
    fn blob_names_rules() {
        let d = Path::new("/models/m");
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(blob_names(&[p("/models/m/sub/x.gguf")], d), ["x.gguf"]);
        assert_eq!(blob_names(&[p("x.gguf")], d), ["x.gguf"]);
        assert_eq!(
            blob_names(
                &[
                    p("/models/m/model.safetensors"),
                    p("/models/m/config.json"),
                    p("/models/m/text/extra.json")
                ],
                d
            ),
            ["model.safetensors", "config.json", "text/extra.json"]
        );
        // The common parent may be deeper than the directory.
        assert_eq!(
            blob_names(
                &[
                    p("/models/m/text/model.safetensors"),
                    p("/models/m/text/config.json")
                ],
                d
            ),
            ["model.safetensors", "config.json"]
        );
        assert_eq!(
            blob_names(
                &[p("text/model.safetensors"), p("vision/model.safetensors")],
                d
            ),
            ["text/model.safetensors", "vision/model.safetensors"]
        );
        assert!(blob_names(&[], d).is_empty());
    }

    #[test]
    fn selection_then_names() {
        let dir = tree(&["model-1.safetensors", "config.json", "sub/tokenizer.model"]);
        let files = select_model_files(dir.path()).unwrap();
        assert_eq!(
            blob_names(&files, dir.path()),
            ["model-1.safetensors", "config.json", "sub/tokenizer.model"]
        );
    }
}
