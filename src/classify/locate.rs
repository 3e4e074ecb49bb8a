//! Finding the model folder: the one holding `ar-triage/` (the trained
//! classifier) and `all-MiniLM-L6-v2/` (the base encoder from
//! `scripts/fetch-model`).
//!
//! The places, first match wins:
//!
//! 1. `--models DIR`;
//! 2. the environment variable `AR_TRIAGE_MODELS`;
//! 3. `models = "DIR"` in `$XDG_CONFIG_HOME/ar-triage/config.toml`
//!    (or `~/.config/ar-triage/config.toml`), relative to that file's folder;
//! 4. `models/` next to the executable or in any folder above it (so
//!    `target/debug/ar-triage` finds the checkout's `models/`);
//! 5. `models/` of the checkout the binary was built from;
//! 6. `./models`.
//!
//! A folder named by the first three is taken as the user's choice: when it
//! lacks the model that is an error naming it, never a silent fall-back to
//! another copy. The others are candidates, skipped unless they hold both
//! subfolders. Everything is passed in a [`ModelSearch`], so nothing here
//! reads the process environment except [`ModelSearch::from_process`].

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use candle_core::Device;

use super::{ClassifyError, ModelPaths, ReplyClassifier};

/// The environment variable naming the model folder.
pub const MODELS_ENV: &str = "AR_TRIAGE_MODELS";

/// Subfolder holding the trained classifier.
const CLASSIFIER_DIR: &str = "ar-triage";
/// Subfolder holding the base encoder.
const BASE_DIR: &str = "all-MiniLM-L6-v2";

/// Everything the search looks at, passed explicitly (tests build one by
/// hand; the binary uses [`ModelSearch::from_process`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelSearch {
    /// The `--models` flag, if given.
    pub flag: Option<PathBuf>,
    /// The value of `AR_TRIAGE_MODELS`, if set and not empty.
    pub env: Option<PathBuf>,
    /// The config file to read `models = "…"` from (it may not exist).
    pub config_file: Option<PathBuf>,
    /// The running executable.
    pub executable: Option<PathBuf>,
    /// The checkout the binary was built from (`CARGO_MANIFEST_DIR`).
    pub checkout: Option<PathBuf>,
    /// The working directory.
    pub working_dir: Option<PathBuf>,
}

impl ModelSearch {
    /// The search for this process: `flag` plus `AR_TRIAGE_MODELS`, the
    /// config file under `XDG_CONFIG_HOME` or `HOME`, the executable's path,
    /// the build's checkout and the working directory.
    pub fn from_process(flag: Option<PathBuf>) -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Self {
            flag,
            env: var(MODELS_ENV).map(PathBuf::from),
            config_file: config_file_path(var("XDG_CONFIG_HOME"), var("HOME")),
            executable: std::env::current_exe().ok(),
            checkout: Some(PathBuf::from(env!("CARGO_MANIFEST_DIR"))),
            working_dir: std::env::current_dir().ok(),
        }
    }
}

/// `$XDG_CONFIG_HOME/ar-triage/config.toml`, else
/// `$HOME/.config/ar-triage/config.toml`; `None` without either variable.
pub fn config_file_path(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let base = match (xdg_config_home, home) {
        (Some(x), _) => PathBuf::from(x),
        (None, Some(h)) => PathBuf::from(h).join(".config"),
        (None, None) => return None,
    };
    Some(base.join("ar-triage").join("config.toml"))
}

/// Where a model folder came from, in the words an error message uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsOrigin {
    /// The `--models` flag.
    Flag,
    /// The `AR_TRIAGE_MODELS` environment variable.
    Env,
    /// The `models` key of this config file.
    ConfigFile(PathBuf),
    /// Next to the executable or in a folder above it.
    Executable,
    /// The checkout the binary was built from.
    Checkout,
    /// The working directory.
    WorkingDir,
}

impl fmt::Display for ModelsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelsOrigin::Flag => f.write_str("from --models"),
            ModelsOrigin::Env => write!(f, "from {MODELS_ENV}"),
            ModelsOrigin::ConfigFile(p) => write!(f, "from {}", p.display()),
            ModelsOrigin::Executable => f.write_str("next to the executable"),
            ModelsOrigin::Checkout => f.write_str("in the checkout it was built from"),
            ModelsOrigin::WorkingDir => f.write_str("in the working directory"),
        }
    }
}

/// A model folder that holds both subfolders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelsDir {
    /// The folder.
    pub path: PathBuf,
    /// Where it came from.
    pub origin: ModelsOrigin,
}

impl ModelsDir {
    /// The base encoder and classifier folders inside it.
    pub fn paths(&self) -> ModelPaths {
        ModelPaths::under(&self.path)
    }
}

impl fmt::Display for ModelsDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.path.display(), self.origin)
    }
}

/// One place the search looked, and why it was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// The folder (or, for the config file, the file).
    pub path: PathBuf,
    /// Where the place came from.
    pub origin: ModelsOrigin,
    /// Why it was not used, in words.
    pub problem: String,
}

/// Why no model folder was found.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    /// No place held the model; every place looked at, in order.
    #[error("{}", not_found_message(tried))]
    NotFound {
        /// The places looked at.
        tried: Vec<Tried>,
    },
    /// The config file exists but cannot be read or is not valid.
    #[error("config file {path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl LocateError {
    /// The error on one line, for an item's reason or a log field.
    pub fn short(&self) -> String {
        match self {
            LocateError::NotFound { tried } => match tried.as_slice() {
                [only] => format!(
                    "model folder {} ({}): {}",
                    only.path.display(),
                    only.origin,
                    only.problem
                ),
                _ => format!("no model folder found ({} places looked at)", tried.len()),
            },
            LocateError::Config { .. } => self.to_string(),
        }
    }
}

fn not_found_message(tried: &[Tried]) -> String {
    let mut s = format!(
        "no model folder found (one holding {CLASSIFIER_DIR}/ and {BASE_DIR}/). Looked in:"
    );
    for t in tried {
        match &t.origin {
            // The config file itself, not a folder it named.
            ModelsOrigin::ConfigFile(file) if *file == t.path => {
                s.push_str(&format!("\n  - {}: {}", t.path.display(), t.problem))
            }
            origin => s.push_str(&format!(
                "\n  - {} ({origin}): {}",
                t.path.display(),
                t.problem
            )),
        }
    }
    s.push_str(&format!(
        "\nRun scripts/fetch-model in the checkout, or name the folder with --models DIR, \
         {MODELS_ENV}=DIR or `models = \"DIR\"` in ~/.config/ar-triage/config.toml."
    ));
    s
}

/// What is missing from `dir` for it to be a model folder, if anything.
fn problem_with(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return Some("no such folder".into());
    }
    let classifier = dir.join(CLASSIFIER_DIR).join("classifier.json").is_file();
    let base = dir.join(BASE_DIR).join("model.safetensors").is_file();
    match (classifier, base) {
        (true, true) => None,
        (true, false) => Some(format!(
            "no {BASE_DIR}/model.safetensors (run scripts/fetch-model)"
        )),
        (false, true) => Some(format!(
            "no {CLASSIFIER_DIR}/classifier.json (train one with `ar-triage train`)"
        )),
        (false, false) => Some(format!("holds neither {CLASSIFIER_DIR}/ nor {BASE_DIR}/")),
    }
}

/// The `models` value of a config file: `Ok(None)` when the file does not
/// exist or has no `models` key. A relative value is taken relative to the
/// file's folder.
pub fn read_config_models(path: &Path) -> Result<Option<PathBuf>, LocateError> {
    #[derive(serde::Deserialize)]
    struct ConfigFile {
        models: Option<PathBuf>,
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(LocateError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let cfg: ConfigFile = toml::from_str(&text).map_err(|e| LocateError::Config {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })?;
    Ok(cfg.models.map(|m| match path.parent() {
        Some(dir) if m.is_relative() => dir.join(m),
        _ => m,
    }))
}

/// Finds the model folder (see the module documentation for the order).
pub fn locate_models(search: &ModelSearch) -> Result<ModelsDir, LocateError> {
    // A folder the user named is used as it is, or is the error.
    let mut chosen = search
        .flag
        .clone()
        .map(|p| (p, ModelsOrigin::Flag))
        .or_else(|| search.env.clone().map(|p| (p, ModelsOrigin::Env)));
    let mut tried = Vec::new();
    if chosen.is_none()
        && let Some(file) = &search.config_file
    {
        chosen = read_config_models(file)?.map(|p| (p, ModelsOrigin::ConfigFile(file.clone())));
        if chosen.is_none() {
            tried.push(Tried {
                path: file.clone(),
                origin: ModelsOrigin::ConfigFile(file.clone()),
                problem: if file.exists() {
                    "no `models = \"DIR\"` line".into()
                } else {
                    "no such config file".into()
                },
            });
        }
    }
    if let Some((path, origin)) = chosen {
        return match problem_with(&path) {
            None => Ok(ModelsDir { path, origin }),
            Some(problem) => Err(LocateError::NotFound {
                tried: vec![Tried {
                    path,
                    origin,
                    problem,
                }],
            }),
        };
    }

    let mut candidates: Vec<(PathBuf, ModelsOrigin)> = Vec::new();
    if let Some(exe) = &search.executable {
        for dir in exe.ancestors().skip(1) {
            candidates.push((dir.join("models"), ModelsOrigin::Executable));
        }
    }
    if let Some(c) = &search.checkout {
        candidates.push((c.join("models"), ModelsOrigin::Checkout));
    }
    if let Some(w) = &search.working_dir {
        candidates.push((w.join("models"), ModelsOrigin::WorkingDir));
    }
    for (path, origin) in candidates {
        if tried.iter().any(|t: &Tried| t.path == path) {
            continue;
        }
        match problem_with(&path) {
            None => return Ok(ModelsDir { path, origin }),
            Some(problem) => tried.push(Tried {
                path,
                origin,
                problem,
            }),
        }
    }
    Err(LocateError::NotFound { tried })
}

/// Why the reply classifier could not be loaded, in words for its user.
#[derive(Debug, thiserror::Error)]
pub enum ModelLoadError {
    /// No model folder was found.
    #[error("cannot load the reply classifier")]
    Locate(#[from] LocateError),
    /// A model folder was found but its files did not load.
    #[error("cannot load the reply classifier from {dir}")]
    Load {
        /// The folder and where it came from.
        dir: Box<ModelsDir>,
        /// What went wrong (boxed: a candle error is large).
        #[source]
        source: Box<ClassifyError>,
    },
}

impl ModelLoadError {
    /// The whole message with its cause (which lists, for a folder not
    /// found, every place looked at).
    pub fn explain(&self) -> String {
        match self {
            ModelLoadError::Locate(e) => format!("{self}: {e}"),
            ModelLoadError::Load { source, .. } => format!("{self}: {source}"),
        }
    }

    /// The message on one line, for an item's reason.
    pub fn short(&self) -> String {
        match self {
            ModelLoadError::Locate(e) => format!("{self}: {}", e.short()),
            ModelLoadError::Load { source, .. } => format!("{self}: {source}"),
        }
    }
}

/// Finds the model folder with `search` and loads the classifier from it
/// onto `device`; returns it with the folder it came from.
pub fn load_classifier(
    search: &ModelSearch,
    device: &Device,
) -> Result<(ReplyClassifier, ModelsDir), ModelLoadError> {
    let dir = locate_models(search)?;
    match ReplyClassifier::load(&dir.paths(), device) {
        Ok(model) => {
            tracing::debug!(models = %dir, "loaded the reply classifier");
            Ok((model, dir))
        }
        Err(source) => Err(ModelLoadError::Load {
            dir: Box::new(dir),
            source: Box::new(source),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model folder with the two marker files (contents do not matter here).
    fn model_dir(root: &Path) -> PathBuf {
        std::fs::create_dir_all(root.join(CLASSIFIER_DIR)).unwrap();
        std::fs::create_dir_all(root.join(BASE_DIR)).unwrap();
        std::fs::write(root.join(CLASSIFIER_DIR).join("classifier.json"), "{}").unwrap();
        std::fs::write(root.join(BASE_DIR).join("model.safetensors"), "").unwrap();
        root.to_path_buf()
    }

    fn found(search: &ModelSearch) -> (PathBuf, ModelsOrigin) {
        let d = locate_models(search).unwrap();
        (d.path, d.origin)
    }

    #[test]
    fn the_first_named_place_wins() {
        let t = tempfile::tempdir().unwrap();
        let flag = model_dir(&t.path().join("flag"));
        let env = model_dir(&t.path().join("env"));
        let from_cfg = model_dir(&t.path().join("cfg/models"));
        let cfg = t.path().join("cfg/config.toml");
        std::fs::write(&cfg, "# ours\nmodels = \"models\"\nother = 1\n").unwrap();
        let exe_root = t.path().join("checkout");
        let beside_exe = model_dir(&exe_root.join("models"));
        let exe = exe_root.join("target/debug/ar-triage");
        let checkout = t.path().join("built-from");
        let checkout_models = model_dir(&checkout.join("models"));
        let cwd = t.path().join("cwd");
        let cwd_models = model_dir(&cwd.join("models"));

        let mut s = ModelSearch {
            flag: Some(flag.clone()),
            env: Some(env.clone()),
            config_file: Some(cfg.clone()),
            executable: Some(exe),
            checkout: Some(checkout),
            working_dir: Some(cwd),
        };
        assert_eq!(found(&s), (flag, ModelsOrigin::Flag));
        s.flag = None;
        assert_eq!(found(&s), (env, ModelsOrigin::Env));
        s.env = None;
        assert_eq!(found(&s), (from_cfg, ModelsOrigin::ConfigFile(cfg.clone())));
        std::fs::write(&cfg, "other = 1\n").unwrap();
        assert_eq!(found(&s), (beside_exe.clone(), ModelsOrigin::Executable));
        s.config_file = Some(t.path().join("no/such/config.toml"));
        assert_eq!(found(&s), (beside_exe.clone(), ModelsOrigin::Executable));
        std::fs::remove_dir_all(&beside_exe).unwrap();
        assert_eq!(found(&s), (checkout_models, ModelsOrigin::Checkout));
        s.checkout = None;
        assert_eq!(found(&s), (cwd_models, ModelsOrigin::WorkingDir));
    }

    #[test]
    fn a_named_folder_without_the_model_is_an_error_not_a_fallback() {
        let t = tempfile::tempdir().unwrap();
        let good = model_dir(&t.path().join("checkout/models"));
        let half = t.path().join("half");
        std::fs::create_dir_all(half.join(CLASSIFIER_DIR)).unwrap();
        std::fs::write(half.join(CLASSIFIER_DIR).join("classifier.json"), "{}").unwrap();
        let s = ModelSearch {
            env: Some(half.clone()),
            checkout: Some(good.parent().unwrap().to_path_buf()),
            ..ModelSearch::default()
        };
        let err = locate_models(&s).unwrap_err();
        let LocateError::NotFound { tried } = &err else {
            panic!("{err}")
        };
        assert_eq!(tried.len(), 1);
        assert_eq!(tried[0].origin, ModelsOrigin::Env);
        let text = err.to_string();
        assert!(text.contains(&half.display().to_string()), "{text}");
        assert!(text.contains("from AR_TRIAGE_MODELS"), "{text}");
        assert!(text.contains("run scripts/fetch-model"), "{text}");
        assert!(
            err.short().contains("no all-MiniLM-L6-v2"),
            "{}",
            err.short()
        );

        let s = ModelSearch {
            flag: Some(t.path().join("nowhere")),
            ..s
        };
        let text = locate_models(&s).unwrap_err().to_string();
        assert!(text.contains("from --models): no such folder"), "{text}");
    }

    #[test]
    fn nothing_found_lists_every_place_looked_at() {
        let t = tempfile::tempdir().unwrap();
        let exe = t.path().join("a/b/ar-triage");
        let s = ModelSearch {
            config_file: Some(t.path().join("config.toml")),
            executable: Some(exe),
            checkout: Some(t.path().join("a")),
            working_dir: Some(t.path().join("a/b")),
            ..ModelSearch::default()
        };
        let err = locate_models(&s).unwrap_err();
        let LocateError::NotFound { tried } = &err else {
            panic!("{err}")
        };
        let places: Vec<&Path> = tried.iter().skip(1).map(|t| t.path.as_path()).collect();
        assert_eq!(tried[0].path, t.path().join("config.toml"));
        // a/b/models and a/models beside the executable come next; the
        // checkout's and working directory's are the same folders, listed once.
        assert_eq!(places[0], t.path().join("a/b/models"));
        assert_eq!(places[1], t.path().join("a/models"));
        assert_eq!(
            places
                .iter()
                .filter(|p| **p == t.path().join("a/models"))
                .count(),
            1
        );
        let text = err.to_string();
        assert!(text.starts_with("no model folder found"), "{text}");
        assert!(
            text.contains("next to the executable): no such folder"),
            "{text}"
        );
        assert!(text.contains("--models DIR"), "{text}");
        assert!(text.contains("config.toml: no such config file"), "{text}");
    }

    #[test]
    fn config_files_and_their_paths() {
        assert_eq!(
            config_file_path(Some("/x".into()), Some("/home/u".into())),
            Some(PathBuf::from("/x/ar-triage/config.toml"))
        );
        assert_eq!(
            config_file_path(None, Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.config/ar-triage/config.toml"))
        );
        assert_eq!(config_file_path(None, None), None);

        let t = tempfile::tempdir().unwrap();
        let cfg = t.path().join("config.toml");
        std::fs::write(&cfg, "models = \"/abs/models\"\n").unwrap();
        assert_eq!(
            read_config_models(&cfg).unwrap(),
            Some(PathBuf::from("/abs/models"))
        );
        std::fs::write(&cfg, "models = [1, 2]\n").unwrap();
        let err = read_config_models(&cfg).unwrap_err();
        assert!(
            matches!(&err, LocateError::Config { path, .. } if *path == cfg),
            "{err}"
        );
        let s = ModelSearch {
            config_file: Some(cfg),
            ..ModelSearch::default()
        };
        assert!(matches!(locate_models(&s), Err(LocateError::Config { .. })));
    }
}
