"""Test-time certificates for the corpus run (as tests/real_support/certs.rs makes them): a CA,
a good server certificate, one for the wrong name, an expired one, a self-signed one, a client."""
import datetime
import ipaddress
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def san(names):
    alt = []
    for n in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            alt.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(alt)


def write(stem, cert, k):
    c = cert.public_bytes(serialization.Encoding.PEM)
    p = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    open(f"{out}/{stem}.crt", "wb").write(c)
    open(f"{out}/{stem}.key", "wb").write(p)
    open(f"{out}/{stem}.pem", "wb").write(c + p)


ca_key = key()
ca = (
    x509.CertificateBuilder().subject_name(name("runner corpus CA")).issuer_name(name("runner corpus CA"))
    .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .sign(ca_key, hashes.SHA256())
)
write("ca", ca, ca_key)
SERVER = ["localhost", "127.0.0.1", "::1", "collector.test"]


def leaf(stem, names, client=False, start=None, end=None, self_signed=False):
    k = key()
    issuer_key, issuer = (k, name("runner corpus self-signed")) if self_signed else (ca_key, ca.subject)
    b = (
        x509.CertificateBuilder().subject_name(name("runner corpus self-signed" if self_signed else names[0]))
        .issuer_name(issuer).public_key(k.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start or now - datetime.timedelta(days=1))
        .not_valid_after(end or now + datetime.timedelta(days=30))
        .add_extension(san(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    )
    write(stem, b.sign(issuer_key, hashes.SHA256()), k)


leaf("server", SERVER)
leaf("wrong-name", ["wrong.example"])
leaf("expired", SERVER, start=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc), end=datetime.datetime(2020, 12, 31, tzinfo=datetime.timezone.utc))
leaf("self-signed", SERVER, self_signed=True)
leaf("client", ["runner-client"], client=True)
