//! Throwaway-mail domains: flagged, never blocked (people at risk use them on
//! purpose). The list is the `mailchecker` crate's (maintained, ~55,000 domains),
//! plus an operator's file of extra domains that is re-read when it changes, so
//! the list can grow without a rebuild.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

pub struct DisposableDomains {
    /// The crate's list, hashed once: its own check scans the whole list linearly.
    builtin: HashSet<&'static str>,
    file: Option<PathBuf>,
    extra: RwLock<(Option<SystemTime>, HashSet<String>)>,
}

impl DisposableDomains {
    /// `file`: one domain per line, `#` comments allowed; may not exist yet.
    pub fn new(file: Option<PathBuf>) -> Self {
        let builtin = mailchecker::blacklist().into_iter().collect();
        let list = Self { builtin, file, extra: RwLock::new((None, HashSet::new())) };
        list.reload_if_changed();
        list
    }

    /// Re-reads the operator's file if its modification time changed.
    pub fn reload_if_changed(&self) {
        let Some(file) = &self.file else { return };
        let modified = std::fs::metadata(file).and_then(|m| m.modified()).ok();
        let current = self.extra.read().map(|e| e.0).unwrap_or(None);
        if modified == current {
            return;
        }
        let domains = read_list(file);
        tracing::info!(domains = domains.len(), "loaded extra disposable e-mail domains");
        if let Ok(mut extra) = self.extra.write() {
            *extra = (modified, domains);
        }
    }

    /// Whether the domain, or a domain it is under, is a throwaway provider.
    pub fn is_disposable(&self, domain: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        let extra = self.extra.read();
        // The domain itself and each parent: `a.b.mailinator.com` → `b.mailinator.com` → …
        let mut candidate = domain.as_str();
        loop {
            if self.builtin.contains(candidate) || extra.as_ref().is_ok_and(|e| e.1.contains(candidate)) {
                return true;
            }
            match candidate.split_once('.') {
                Some((_, parent)) if parent.contains('.') => candidate = parent,
                _ => return false,
            }
        }
    }
}

fn read_list(file: &Path) -> HashSet<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_throwaway_providers_are_recognised_and_ordinary_ones_are_not() {
        let list = DisposableDomains::new(None);
        assert!(list.is_disposable("mailinator.com"));
        assert!(list.is_disposable("yopmail.com"));
        assert!(!list.is_disposable("gmail.com"));
        assert!(!list.is_disposable("msu.ru"));
    }

    #[test]
    fn the_operators_file_adds_domains_without_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("disposable-domains.txt");
        let list = DisposableDomains::new(Some(file.clone()));
        assert!(!list.is_disposable("throwaway.example"));
        std::fs::write(&file, "# ours\nthrowaway.example\n").unwrap();
        list.reload_if_changed();
        assert!(list.is_disposable("throwaway.example"));
        assert!(list.is_disposable("sub.throwaway.example"));
    }
}
