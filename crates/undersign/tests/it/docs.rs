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
