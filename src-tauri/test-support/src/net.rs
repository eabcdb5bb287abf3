//! Local network helpers.

/// An address on 127.0.0.1 where nothing listens (the port was free a moment ago).
pub fn dead_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port();
    format!("http://127.0.0.1:{port}")
}
