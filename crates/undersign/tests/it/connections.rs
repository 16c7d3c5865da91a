//! Connections: slow or silent clients are cut off, one address cannot hold
//! more than its share of sockets, and `/readyz` tells a load balancer
//! whether the node can take writes. (Faults themselves — a full disk, the
//! database restarted — are in the CLI's `faults` tests, with the real binary.)

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestApp;

#[tokio::test]
async fn readyz_answers_ready_on_a_healthy_node() {
    let app = TestApp::spawn().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.unwrap();
    assert!(body.contains("database: writable") && body.contains("log: current"), "{body}");
}

/// Reads until the server closes the connection; what it sent and how long that took.
async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open for 30 s");
    (received, started.elapsed())
}

fn socket_address(app: &TestApp) -> SocketAddr {
    app.address.trim_start_matches("http://").parse().unwrap()
}

#[tokio::test]
async fn a_client_that_sends_nothing_or_half_a_header_is_cut_off() {
    let app = TestApp::spawn().await;
    let address = socket_address(&app);
    let mut silent = TcpStream::connect(address).await.unwrap();
    let mut slow = TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let ((nothing, silent_for), (_, slow_for)) =
        tokio::join!(read_until_closed(&mut silent), read_until_closed(&mut slow));
    assert!(nothing.is_empty());
    for waited in [silent_for, slow_for] {
        assert!(
            waited >= Duration::from_secs(9) && waited < Duration::from_secs(15),
            "cut off after {waited:?}"
        );
    }
}

#[tokio::test]
async fn a_slow_body_is_answered_408() {
    let app = TestApp::spawn().await;
    let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /letters/test-letter/sign HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=",
        )
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut stream).await;
    assert!(answer.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&answer));
}

/// This machine's address on its network (not loopback, which is exempt
/// from the cap): the one a packet to a documentation address would leave from.
fn non_loopback_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.connect("192.0.2.1:9").expect("a route to leave by");
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback() && !ip.is_unspecified(), "this machine needs a network address: {ip}");
    ip
}

#[tokio::test]
async fn one_address_holds_at_most_its_cap_of_connections() {
    let app = TestApp::spawn_with(|config| {
        config.listen = SocketAddr::new("0.0.0.0".parse().unwrap(), config.listen.port());
        config.connections_per_client = 2;
    })
    .await;
    let address = SocketAddr::new(non_loopback_address(), socket_address(&app).port());
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let first = TcpStream::connect(address).await.unwrap();
    let mut second = TcpStream::connect(address).await.unwrap();
    second.write_all(request).await.unwrap();
    let mut answer = [0u8; 12];
    second.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200", "the second connection is served");

    let mut third = TcpStream::connect(address).await.unwrap();
    let _ = third.write_all(request).await;
    let (refused, waited) = read_until_closed(&mut third).await;
    assert!(refused.is_empty() && waited < Duration::from_secs(5), "the third was closed at once");

    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fourth = TcpStream::connect(address).await.unwrap();
    fourth.write_all(request).await.unwrap();
    fourth.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200", "a closed connection frees its place");
}
