# Hostile loopback servers for BENCHMARKS.md (issue 13): python3 plain.py MODE PORT, MODE one of
# ok, silent, 407, 403, connect200, connectgarbage, trickle, continue100 (endless 100 Continue),
# h2settings / h2ping (an HTTP/2 SETTINGS or PING flood), h2window (initial window 0, never
# updated), slow4 (an OTLP/HTTP receiver that holds every answer 4 s).
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(50)
def h(c):
    try:
        if mode == "silent":
            time.sleep(60)
        elif mode == "407":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\ncontent-length: 0\r\n\r\n")
            time.sleep(1)
        elif mode == "connect200":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            time.sleep(60)
        elif mode == "connectgarbage":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n")
            time.sleep(60)
        elif mode == "trickle":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 10000000000\r\n\r\n")
            for i in range(600):
                c.sendall(b"x"); time.sleep(0.1)
        elif mode == "continue100":
            c.recv(65536)
            for i in range(1200):
                c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"); time.sleep(0.05)
        elif mode in ("h2settings", "h2ping", "h2window"):
            c.recv(65536)
            if mode == "h2window":
                c.sendall(bytes([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0]))
                time.sleep(60)
            c.sendall(bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
            frame = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]) if mode == "h2settings" else bytes([0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
            for i in range(12000):
                c.sendall(frame); time.sleep(0.005)
        elif mode == "slow4":
            while True:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = c.recv(65536)
                    if not chunk:
                        raise EOFError
                    head += chunk
                top, _, rest = head.partition(b"\r\n\r\n")
                n = 0
                for line in top.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v.strip())
                while len(rest) < n:
                    chunk = c.recv(65536)
                    if not chunk:
                        raise EOFError
                    rest += chunk
                time.sleep(4)
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
        elif mode == "403":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            time.sleep(1)
        elif mode == "ok":
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            time.sleep(1)
    except Exception as e:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=h, args=(c,), daemon=True).start()
