# TLS endpoint for BENCHMARKS.md (issue 13): python3 tls.py PORT [trickle]; needs c.pem/k.pem (leaf
# for IP 127.0.0.1) and ca.pem in the working directory.
import socket, sys, threading, ssl, time
port=int(sys.argv[1]); mode=sys.argv[2] if len(sys.argv)>2 else "ok"
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain("c.pem","k.pem"); ctx.set_alpn_protocols(["http/1.1"])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",port)); s.listen(50)
def h(c):
    try:
        t=ctx.wrap_socket(c, server_side=True)
        t.recv(65536)
        if mode=="ok":
            t.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"); time.sleep(1)
        else:
            t.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 10000000000\r\n\r\n")
            for i in range(600): t.sendall(b"x"); time.sleep(0.1)
    except Exception as e: pass
    c.close()
while True:
    c,_=s.accept(); threading.Thread(target=h,args=(c,),daemon=True).start()
