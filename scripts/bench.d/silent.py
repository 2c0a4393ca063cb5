"""A peer that accepts TCP connections and never sends a byte (nor closes).

Usage: silent.py PORT. Binds 127.0.0.1 only; holds every accepted socket until killed.
"""
import socket
import sys

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(1024)
held = []
while True:
    conn, _ = srv.accept()
    held.append(conn)  # never read, never answer, never close
    if len(held) > 4096:
        held.pop(0).close()
