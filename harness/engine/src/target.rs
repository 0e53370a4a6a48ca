//! Where the load goes: the base URL parsed (pure), its host name resolved once at the start of
//! a job (every address; connections are spread over them round-robin), and for `https://` the
//! TLS client configuration (rustls with the `ring` provider; trust from the system's CA bundle
//! plus an optional CA the job carries; SNI from the host name).

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// `http://` or `https://`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// A parsed base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub scheme: Scheme,
    /// The host as written (an IPv6 address without its brackets).
    pub host: String,
    pub port: u16,
    /// The authority as written (`api.shop.svc:8080`): the `Host` header.
    pub authority: String,
}

/// Longest host name (RFC 1035: 253 characters without the trailing dot).
const MAX_HOST_NAME: usize = 254;

fn is_host_name(host: &str) -> bool {
    let bare = host.strip_suffix('.').unwrap_or(host);
    !bare.is_empty()
        && host.len() <= MAX_HOST_NAME
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        })
}

/// Parses `http[s]://HOST[:PORT][/]`, HOST a name, an IPv4 address or an IPv6 address in
/// brackets. The error says what was expected (for the job's message).
pub fn parse_base_url(url: &str) -> Result<BaseUrl, String> {
    let (scheme, rest, default_port) = if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest, 80)
    } else if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest, 443)
    } else {
        return Err("an http:// or https:// URL".into());
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return Err("an http:// or https:// URL with no path, query or user (e.g. `http://127.0.0.1:8080`)".into());
    }
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority.ends_with(']') => {
            (&authority[..colon], authority[colon + 1..].parse::<u16>().map_err(|_| "an http:// or https:// URL with a port from 1 to 65535")?)
        }
        _ => (authority, default_port),
    };
    if port == 0 {
        return Err("an http:// or https:// URL with a port from 1 to 65535".into());
    }
    let host = match host.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
        Some(inner) => {
            inner.parse::<std::net::Ipv6Addr>().map_err(|_| "an http:// or https:// URL whose bracketed host is an IPv6 address")?;
            inner
        }
        None if host.parse::<IpAddr>().is_ok() || is_host_name(host) => host,
        None => return Err("an http:// or https:// URL whose host is a name (letters, digits, `-`, `.`) or an IP address".into()),
    };
    Ok(BaseUrl { scheme, host: host.to_string(), port, authority: authority.to_string() })
}

/// Every address of the base URL's host (an IP address is its own), in the resolver's order
/// without repeats. Looked up once per job: the engine never resolves during a run.
pub fn resolve(base: &BaseUrl) -> Result<Vec<SocketAddr>, String> {
    if let Ok(ip) = base.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, base.port)]);
    }
    let found = (base.host.as_str(), base.port)
        .to_socket_addrs()
        .map_err(|error| format!("Cannot resolve the host `{}` of the load job's baseUrl: {error}. Check the name (and this machine's DNS).", base.host))?;
    let mut addresses: Vec<SocketAddr> = Vec::new();
    for address in found {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        return Err(format!("The host `{}` of the load job's baseUrl resolves to no address.", base.host));
    }
    Ok(addresses)
}

/// Of several addresses, those that accept a connection now (each tried once, within
/// `timeout`): a name can resolve to addresses the service does not listen on (`localhost` to
/// `::1` and `127.0.0.1`, the service on 127.0.0.1 only). When none accepts, or there is only
/// one, all are kept: the run then reports the connection errors.
pub fn reachable(addresses: Vec<SocketAddr>, timeout: Duration) -> Vec<SocketAddr> {
    if addresses.len() < 2 {
        return addresses;
    }
    let accepting: Vec<SocketAddr> = addresses.iter().copied().filter(|address| TcpStream::connect_timeout(address, timeout).is_ok()).collect();
    if accepting.is_empty() {
        addresses
    } else {
        accepting
    }
}

/// The addresses of connections `first..first + count` of a job (numbered across its threads):
/// connection `c` goes to address `c mod n`, so every address gets its share, ±1.
pub fn connection_addresses(addresses: &[SocketAddr], first: usize, count: usize) -> Vec<SocketAddr> {
    (first..first + count).map(|connection| addresses[connection % addresses.len()]).collect()
}

/// What every TLS connection of a job shares: the configuration (trust, session cache) and
/// the name the server's certificate must carry (sent as SNI when it is a name).
#[derive(Debug, Clone)]
pub struct TlsClient {
    pub config: Arc<rustls::ClientConfig>,
    pub server_name: ServerName<'static>,
}

/// The certificates of a PEM text; the error says what was wrong.
pub fn parse_ca_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<_, _>>().map_err(|error| format!("PEM text that parses ({error})"))?;
    if certificates.is_empty() {
        return Err("PEM text with at least one `-----BEGIN CERTIFICATE-----` block".into());
    }
    Ok(certificates)
}

/// The TLS client of an `https://` job: the system's CA bundle (rustls-native-certs: the
/// distribution's bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR`) plus `ca_pem`'s certificates.
pub fn tls_client(base: &BaseUrl, ca_pem: Option<&str>) -> Result<TlsClient, String> {
    let mut roots = rustls::RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    let (system_added, _) = roots.add_parsable_certificates(system.certs);
    if let Some(pem) = ca_pem {
        for certificate in parse_ca_pem(pem).map_err(|what| format!("Expected `tls.caPem` in the load job to be {what}."))? {
            roots.add(certificate).map_err(|error| format!("The load job's `tls.caPem` holds a certificate that cannot be trusted as a CA: {error}."))?;
        }
    }
    if roots.is_empty() {
        return Err(format!(
            "No trusted certificate authority for {}: the system's CA bundle is missing or empty ({} found), and the job has no `tls.caPem`. Install the system's CA certificates (Debian: ca-certificates) or give the target's CA (`target.tls.caFile`).",
            base.authority, system_added
        ));
    }
    // ring, not the default aws-lc-rs: it builds with a C compiler alone (aws-lc-rs wants cmake
    // and more). rustls 0.23.48 deprecates ring's provider for lacking post-quantum key
    // exchange, which a load test does not need.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("Cannot set up TLS: {error}."))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host = base.host.strip_suffix('.').unwrap_or(&base.host).to_string();
    let server_name = ServerName::try_from(host).map_err(|error| format!("The host `{}` cannot be checked against a certificate: {error}.", base.host))?;
    Ok(TlsClient { config: Arc::new(config), server_name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_addresses_ports_and_schemes_parse_with_the_authority_as_written() {
        let base = parse_base_url("http://api-rust.shop.svc.cluster.local:8080").unwrap();
        assert_eq!((base.scheme, base.host.as_str(), base.port), (Scheme::Http, "api-rust.shop.svc.cluster.local", 8080));
        assert_eq!(base.authority, "api-rust.shop.svc.cluster.local:8080");
        let base = parse_base_url("https://Example.COM/").unwrap();
        assert_eq!((base.scheme, base.port, base.authority.as_str()), (Scheme::Https, 443, "Example.COM"));
        assert_eq!(parse_base_url("http://[::1]:9000").unwrap().host, "::1");
        assert_eq!(parse_base_url("http://[::1]").unwrap().port, 80);
        assert_eq!(parse_base_url("http://10.0.0.1").unwrap().authority, "10.0.0.1");
        assert_eq!(parse_base_url("http://localhost.:8080").unwrap().host, "localhost.");
    }

    #[test]
    fn malformed_urls_say_what_was_expected() {
        for (url, expected) in [
            ("ftp://a", "an http:// or https:// URL"),
            ("http://a/b", "no path"),
            ("http://user@a", "no path, query or user"),
            ("http://a:0", "port from 1 to 65535"),
            ("http://a:x", "port from 1 to 65535"),
            ("http://a b", "host is a name"),
            ("http://-a.b", "host is a name"),
            ("http://a..b", "host is a name"),
            ("http://[zz]:1", "IPv6 address"),
            ("http://", "no path"),
        ] {
            let message = parse_base_url(url).unwrap_err();
            assert!(message.contains(expected), "{url}: {message}");
        }
    }

    #[test]
    fn addresses_are_their_own_and_localhost_resolves_through_the_system() {
        let base = parse_base_url("http://127.0.0.1:41235").unwrap();
        assert_eq!(resolve(&base).unwrap(), ["127.0.0.1:41235".parse().unwrap()]);
        let addresses = resolve(&parse_base_url("http://localhost:41235").unwrap()).unwrap();
        assert!(addresses.iter().all(|address| address.ip().is_loopback() && address.port() == 41235), "{addresses:?}");
        let message = resolve(&parse_base_url("http://no-such-host.invalid:1").unwrap()).unwrap_err();
        assert!(message.starts_with("Cannot resolve the host `no-such-host.invalid`"), "{message}");
    }

    #[test]
    fn only_addresses_that_accept_are_kept_unless_none_does() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        let closed: SocketAddr = {
            let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            other.local_addr().unwrap()
        };
        let timeout = Duration::from_millis(500);
        assert_eq!(reachable(vec![closed, open], timeout), [open]);
        assert_eq!(reachable(vec![closed], timeout), [closed]);
        let other_closed: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(reachable(vec![closed, other_closed], timeout), [closed, other_closed]);
    }

    #[test]
    fn connections_are_spread_over_the_addresses_round_robin_across_threads() {
        let addresses: Vec<SocketAddr> = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"].map(|text| text.parse().unwrap()).to_vec();
        // 7 connections on 2 threads: 4 and 3.
        let first = connection_addresses(&addresses, 0, 4);
        let second = connection_addresses(&addresses, 4, 3);
        assert_eq!(first, [addresses[0], addresses[1], addresses[2], addresses[0]]);
        assert_eq!(second, [addresses[1], addresses[2], addresses[0]]);
        let per_address: Vec<usize> = addresses.iter().map(|address| first.iter().chain(&second).filter(|used| *used == address).count()).collect();
        assert_eq!(per_address, [3, 2, 2]);
    }

    #[test]
    fn a_ca_pem_must_hold_certificates() {
        assert!(parse_ca_pem("not pem").unwrap_err().contains("at least one"));
        let base = parse_base_url("https://localhost:1").unwrap();
        let message = tls_client(&base, Some("nothing here")).unwrap_err();
        assert!(message.starts_with("Expected `tls.caPem` in the load job to be PEM text with at least one"), "{message}");
    }
}
