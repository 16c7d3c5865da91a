//! The operator's commands for organisers: `admin create`, and that letter
//! commands run from the command line are in the audit log too.

use std::process::Command;

fn run(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_undersign")).args(args).arg("--data").arg(data).output().unwrap()
}

#[test]
fn admin_create_and_letter_commands_are_audited_as_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let bad = run(data.path(), &["admin", "create", "--email", "not-an-address"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not an e-mail address"));

    let made = run(data.path(), &["admin", "create", "--email", "Admin@Example.org"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let said = String::from_utf8(made.stdout).unwrap();
    assert!(said.contains("is an instance admin (new account)") && said.contains("/sign-in"), "{said}");
    let again = run(data.path(), &["admin", "create", "--email", "admin@example.org"]);
    assert!(
        !String::from_utf8(again.stdout).unwrap().contains("new account"),
        "the same account, case aside"
    );

    let letter = data.path().join("letter.md");
    std::fs::write(
        &letter,
        "---\ntitle: Operators' letter\nslug: operators-letter\naddressee: To the court\ncommunity: lawyers\nlanguage: en\ntarget: 100\n---\nWe ask.\n",
    )
    .unwrap();
    assert!(run(data.path(), &["letter", "publish", letter.to_str().unwrap()]).status.success());
    assert!(run(data.path(), &["letter", "close", "operators-letter"]).status.success());
    let missing = run(data.path(), &["letter", "close", "no-such-letter"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no letter no-such-letter"));

    let db = rusqlite::Connection::open(data.path().join("undersign.sqlite3")).unwrap();
    let mut stmt = db.prepare("SELECT action, account_id IS NULL FROM audit_log ORDER BY id").unwrap();
    let rows: Vec<(String, bool)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["admin_created", "admin_created", "letter_published", "letter_closed"]);
    assert!(rows.iter().all(|(_, by_operator)| *by_operator), "no account: the command line");
    let accounts: i64 =
        db.query_row("SELECT count(*) FROM accounts WHERE is_admin = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(accounts, 1);
}
