//! Several nodes on one PostgreSQL database, with the real binary and the
//! nginx configuration of `docs/examples/nginx-undersign.conf` in front: three
//! nodes take signatures and confirmations, the node holding the letter's
//! integrator lease is killed with SIGKILL in the middle, a fresh node joins,
//! and at the end every acknowledged signature is in the log exactly once,
//! `undersign verify` passes against every node, and all nodes show the same
//! count within two seconds of the last confirmation.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Launch, Server, TestPostgres, cli, free_port, letter_counts, links, publish};

const SLUG: &str = "many-nodes";
const SIGNERS: usize = 300;
const CLIENTS: usize = 6;

/// nginx with the documented configuration, its ports swapped for ours.
struct Nginx {
    child: Child,
    base: String,
}

impl Nginx {
    fn start(dir: &Path, port: u16, nodes: &[u16]) -> Nginx {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/nginx-undersign.conf");
        let mut site = std::fs::read_to_string(example).unwrap();
        for (documented, ours) in [8081, 8082, 8083].iter().zip(nodes) {
            site = site.replace(&format!("127.0.0.1:{documented};"), &format!("127.0.0.1:{ours};"));
            site = site.replace(&format!("127.0.0.1:{documented} "), &format!("127.0.0.1:{ours} "));
        }
        site = site.replace("listen 127.0.0.1:8080;", &format!("listen 127.0.0.1:{port};"));
        assert!(nodes.iter().all(|p| site.contains(&format!(":{p} "))), "every node is upstream");
        std::fs::write(dir.join("undersign.conf"), site).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 512; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
                 include {d}/undersign.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx is installed (scripts/test.sh installs it)");
        Nginx { child, base: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("nginx"))
}

/// Where requests go: nginx and the nodes directly, taken in turn.
#[derive(Clone)]
struct Targets(Arc<Mutex<Vec<String>>>);

impl Targets {
    fn pick(&self, turn: usize) -> String {
        let targets = self.0.lock().unwrap();
        targets[turn % targets.len()].clone()
    }

    fn replace(&self, old: &str, new: &str) {
        for target in self.0.lock().unwrap().iter_mut() {
            if target == old {
                *target = new.to_owned();
            }
        }
    }
}

/// Signs as a trusted client (token: no proof of work to solve); tries the
/// next target when one does not answer. Returns whether the signature was
/// acknowledged (202).
async fn sign(client: &reqwest::Client, targets: &Targets, token: &str, signer: usize, turn: usize) -> bool {
    let body = serde_json::json!({
        "name": format!("Signer {signer}"), "email": format!("signer{signer}@example.org"),
        "consent": true, "show_name": true,
    });
    for attempt in 0..8 {
        let base = targets.pick(turn + attempt);
        match client
            .post(format!("{base}/api/v1/letters/{SLUG}/signatures"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
        {
            Ok(response) if response.status() == 202 => return true,
            // 502: nginx had sent it to the node being killed (it never
            // resends a POST); 503: a node without its database. Not
            // acknowledged: sign again, as a person would.
            Ok(response) if response.status() == 502 || response.status() == 503 => {}
            Ok(response) => panic!("signer {signer}: unexpected {}", response.status()),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Confirms a link on the given target (the link names nginx's address).
async fn confirm(client: &reqwest::Client, link: &str, public: &str, base: &str) -> bool {
    let link = link.replacen(public, base, 1);
    matches!(client.post(&link).send().await, Ok(response) if response.status() == 200)
}

async fn letter(base: &str) -> Option<(u64, u64)> {
    letter_counts(base, SLUG).await
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nginx: scripts/test.sh runs it in the PostgreSQL pass"]
async fn three_nodes_behind_nginx_survive_the_integrator_being_killed() {
    let postgres = TestPostgres::new("nodes").await;
    let data = tempfile::tempdir().unwrap();
    let nginx_dir = tempfile::tempdir().unwrap();
    let nginx_port = free_port();
    let public = format!("http://127.0.0.1:{nginx_port}");
    publish(data.path(), SLUG, Some(&postgres.url));
    let token =
        cli(data.path(), &["token", "create", "nodes-test", "--database", &postgres.url]).trim().to_owned();

    let node = |port: u16| {
        let (data, url, public) = (data.path().to_owned(), postgres.url.clone(), public.clone());
        async move {
            let launch = Launch {
                database: Some(&url),
                public_url: Some(&public),
                client_ip_header: Some("X-Real-IP"),
                ..Launch::default()
            };
            Server::launch(&data, port, launch).await
        }
    };
    let ports = [free_port(), free_port(), free_port()];
    let mut nodes = Vec::new();
    for port in ports {
        nodes.push(node(port).await);
    }
    let nginx = Nginx::start(nginx_dir.path(), nginx_port, &ports);
    let mut targets = vec![nginx.base.clone()];
    targets.extend(nodes.iter().map(|n| n.base.clone()));
    let targets = Targets(Arc::new(Mutex::new(targets)));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    for _ in 0..50 {
        if letter(&nginx.base).await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Signers sign in parallel; a confirmer follows the outbox, each request
    // to the next target in turn.
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let signed = Arc::new(AtomicUsize::new(0));
    let signing: Vec<_> = (0..CLIENTS)
        .map(|client_no| {
            let (http, targets, token) = (http.clone(), targets.clone(), token.clone());
            let (acknowledged, signed) = (acknowledged.clone(), signed.clone());
            tokio::spawn(async move {
                for signer in (client_no..SIGNERS).step_by(CLIENTS) {
                    if sign(&http, &targets, &token, signer, signer).await {
                        acknowledged.lock().unwrap().insert(format!("signer{signer}@example.org"));
                    }
                    signed.fetch_add(1, Ordering::Relaxed);
                    // A steady stream, so that the kill lands in its middle.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    let confirmed = Arc::new(Mutex::new(HashSet::new()));
    let confirming = {
        let (http, targets, public, confirmed) =
            (http.clone(), targets.clone(), public.clone(), confirmed.clone());
        let outbox = data.path().join("outbox");
        tokio::spawn(async move {
            let mut turn = 0;
            loop {
                let pending: Vec<(String, String)> = links(&outbox)
                    .into_iter()
                    .filter(|(to, _)| !confirmed.lock().unwrap().contains(to))
                    .collect();
                for (to, link) in pending {
                    turn += 1;
                    if confirm(&http, &link, &public, &targets.pick(turn)).await {
                        confirmed.lock().unwrap().insert(to);
                    }
                }
                if confirmed.lock().unwrap().len() >= SIGNERS {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    // In the middle, kill the node holding the letter's integrator lease.
    while signed.load(Ordering::Relaxed) < SIGNERS / 3 || confirmed.lock().unwrap().len() < 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let holder: String = postgres
        .client()
        .await
        .query_one(
            "SELECT holder FROM log_leases l JOIN letters t ON t.id = l.letter_id WHERE t.slug = $1",
            &[&SLUG],
        )
        .await
        .unwrap()
        .get(0);
    let victim = nodes
        .iter()
        .position(|n| holder.contains(&format!("-{}-", n.child.id())))
        .unwrap_or_else(|| panic!("the lease holder {holder:?} is one of the nodes"));
    nodes[victim].kill();
    let signed_at_kill = signed.load(Ordering::Relaxed);
    assert!(signed_at_kill < SIGNERS * 2 / 3, "the kill landed mid-stream ({signed_at_kill} signed)");
    let in_log_at_kill = letter(&nginx.base).await.unwrap().0;
    eprintln!(
        "killed node {victim} (the integrator) after {signed_at_kill} signatures, {} confirmations; {in_log_at_kill} in the log",
        confirmed.lock().unwrap().len()
    );
    // A fresh node joins (on a new port: clients reach it directly).
    let fresh = node(free_port()).await;
    targets.replace(&nodes[victim].base, &fresh.base);
    nodes.push(fresh);

    for task in signing {
        task.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > SIGNERS * 9 / 10,
        "most signatures were acknowledged ({})",
        acknowledged.len()
    );
    // A mail the killed node had claimed but not sent is retried only when its
    // claim runs out (minutes): those signers sign again, as a signer who got
    // no mail would, which sends a new link and must not add a signature.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let have_mail: HashSet<String> = links(&data.path().join("outbox")).into_keys().collect();
    let mut resent = 0;
    for (turn, email) in acknowledged.iter().filter(|e| !have_mail.contains(*e)).enumerate() {
        let signer: usize =
            email.trim_start_matches("signer").trim_end_matches("@example.org").parse().unwrap();
        assert!(sign(&http, &targets, &token, signer, turn).await, "signing again is acknowledged");
        resent += 1;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !acknowledged.iter().all(|e| confirmed.lock().unwrap().contains(e)) {
        assert!(Instant::now() < deadline, "every acknowledged signer got a link and confirmed it");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let last_confirmation = Instant::now();
    confirming.abort();
    let confirmed: HashSet<String> = confirmed.lock().unwrap().clone();
    eprintln!(
        "{} acknowledged, {resent} signed again for a lost mail, {} confirmed",
        acknowledged.len(),
        confirmed.len()
    );

    // Every node (and nginx) shows the same count within two seconds of the
    // last confirmation.
    let live: Vec<String> = std::iter::once(nginx.base.clone())
        .chain(nodes.iter().enumerate().filter(|(i, _)| *i != victim).map(|(_, n)| n.base.clone()))
        .collect();
    let mut agreed = None;
    while last_confirmation.elapsed() < Duration::from_secs(2) {
        let mut shown = Vec::new();
        for base in &live {
            shown.push(letter(base).await.unwrap());
        }
        if shown.windows(2).all(|w| w[0] == w[1]) {
            agreed = Some(shown[0]);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(agreed.is_some(), "all nodes showed the same count within 2 s of the last confirmation");

    // Then the log takes every confirmation, exactly once.
    let expected = confirmed.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut shown = Vec::new();
        for base in &live {
            shown.push(letter(base).await.unwrap());
        }
        if shown.iter().all(|s| *s == (expected, 0)) {
            break;
        }
        assert!(Instant::now() < deadline, "every node shows {expected} in the log: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let records: Vec<serde_json::Value> = http
        .get(format!("{}/letters/{SLUG}/log/records?from=1&to=1000", nginx.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut names: HashMap<String, usize> = HashMap::new();
    for record in &records {
        let record: serde_json::Value = serde_json::from_str(record["record"].as_str().unwrap()).unwrap();
        *names.entry(record["name"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    assert_eq!(names.len() as u64, expected, "one log entry per confirmed signer");
    assert!(names.values().all(|n| *n == 1), "no signer twice in the log");
    for email in &acknowledged {
        let name = format!("Signer {}", email.trim_start_matches("signer").trim_end_matches("@example.org"));
        assert_eq!(names.get(&name), Some(&1), "{name} is in the log once");
    }

    let key =
        reqwest::get(format!("{}/letters/{SLUG}/log/key", nginx.base)).await.unwrap().text().await.unwrap();
    for base in &live {
        let verify = Command::new(env!("CARGO_BIN_EXE_undersign"))
            .args(["verify", base, "--letter", SLUG, "--key", key.trim()])
            .output()
            .unwrap();
        assert!(verify.status.success(), "{base}: {}", String::from_utf8_lossy(&verify.stderr));
        assert!(String::from_utf8_lossy(&verify.stdout).contains(&format!("count         {expected} ")));
    }
}
