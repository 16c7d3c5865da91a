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

#[test]
fn an_organiser_locked_out_of_mail_gets_a_link_from_the_operator_on_the_served_address() {
    let data = tempfile::tempdir().unwrap();
    assert!(run(data.path(), &["admin", "create", "--email", "olga@example.org"]).status.success());
    // The server on this data folder served elsewhere than this command's defaults.
    std::fs::write(data.path().join("served-url"), "https://letters.example.net/").unwrap();
    let made = run(data.path(), &["admin", "create", "--email", "olga@example.org"]);
    let said = String::from_utf8(made.stdout).unwrap();
    assert!(said.contains("sign in at https://letters.example.net/sign-in"), "{said}");

    let link = run(data.path(), &["admin", "sign-in-link", "--email", "olga@example.org"]);
    assert!(link.status.success(), "{}", String::from_utf8_lossy(&link.stderr));
    let link = String::from_utf8(link.stdout).unwrap();
    let token = link
        .trim()
        .strip_prefix("https://letters.example.net/sign-in/")
        .expect("a link on the served address");
    assert_eq!(token.len(), 43, "a fresh token: {link}");
    let unknown = run(data.path(), &["admin", "sign-in-link", "--email", "nobody@example.org"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("has no organiser account"));

    let db = rusqlite::Connection::open(data.path().join("undersign.sqlite3")).unwrap();
    let links: i64 = db.query_row("SELECT count(*) FROM sign_in_links", [], |r| r.get(0)).unwrap();
    assert_eq!(links, 1, "one link, stored as its hash");
    let made: i64 = db
        .query_row("SELECT count(*) FROM audit_log WHERE action = 'sign_in_link_made'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(made, 1, "and audited");
}

#[test]
fn command_line_logs_carry_no_colour_codes_when_not_on_a_terminal() {
    let data = tempfile::tempdir().unwrap();
    let made = run(data.path(), &["admin", "create", "--email", "admin@example.org"]);
    assert!(made.status.success());
    let stderr = String::from_utf8_lossy(&made.stderr);
    assert!(stderr.contains("instance admin made"), "the log was written: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no ANSI escape codes in a pipe: {stderr:?}");
}
