//! Wording of network findings (dns, tcp, tls, protocol, export).
