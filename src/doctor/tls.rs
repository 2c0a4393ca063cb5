//! The tls stage: handshake, chain, ALPN; plaintext versus TLS decided from the first bytes.
