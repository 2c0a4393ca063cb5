# Hostile loopback servers for BENCHMARKS.md (issue 13): python3 plain.py MODE PORT, MODE one of
# ok, silent, 407, 403, connect200, connectgarbage, trickle.
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
