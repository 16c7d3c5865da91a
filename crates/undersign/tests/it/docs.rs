//! The repository stands alone: its README renders as written and links only to
//! files that are in the repository.

use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_readme_closes_its_code_blocks_and_links_only_inside_the_repository() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let fences = readme.lines().filter(|l| l.trim_start().starts_with("```")).count();
    assert_eq!(fences % 2, 0, "every code block is closed");
    let mut checked = 0;
    for link in readme.split("](").skip(1).map(|rest| &rest[..rest.find(')').unwrap()]) {
        if link.starts_with("http") || link.starts_with('#') {
            continue;
        }
        assert!(!link.starts_with(".."), "{link} leaves the repository");
        assert!(repo().join(link).exists(), "{link} is in the repository");
        checked += 1;
    }
    assert!(checked >= 5, "{checked} links checked");
}

/// Every `undersign_…` metric the operations guide and the Grafana dashboard
/// name is one the service registers (with a histogram's or counter's suffix).
#[test]
fn the_documented_metrics_and_the_dashboard_name_only_metrics_that_exist() {
    let source = std::fs::read_to_string(repo().join("crates/undersign/src/metrics.rs")).unwrap();
    let registered: Vec<String> = source
        .split("r.register(")
        .skip(1)
        .filter_map(|rest| {
            rest.trim_start().strip_prefix('"')?.split('"').next().map(|n| format!("undersign_{n}"))
        })
        .collect();
    assert!(registered.len() >= 10, "{registered:?}");
    let mut checked = 0;
    for doc in ["docs/OPERATIONS.md", "docs/grafana-dashboard.json"] {
        let whole = std::fs::read_to_string(repo().join(doc)).unwrap();
        // The guide's metrics part (elsewhere `undersign_…` names databases).
        let text = match whole.find("**Metrics**") {
            Some(start) => &whole[start..start + whole[start..].find("\n## ").unwrap()],
            None => whole.as_str(),
        };
        for (at, _) in text.match_indices("undersign_") {
            let name: String =
                text[at..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if name.ends_with('_') {
                continue; // "undersign_…_total" abbreviations in prose
            }
            let base = ["_bucket", "_count", "_sum", "_total"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(&name);
            assert!(
                registered.iter().any(|r| r == base || r == &name),
                "{doc} names {name}, which is not registered"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} names checked");
}
