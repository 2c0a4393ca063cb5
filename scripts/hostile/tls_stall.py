# TLS server whose handshake stalls after the ServerHello (BENCHMARKS.md, issue 13): python3 tls_stall.py PORT
# relay to a real TLS server, forwarding only the server's first TLS record (ServerHello), then silence
import socket, sys, threading, ssl, time, subprocess, os
port = int(sys.argv[1])
# real tls backend
os.system("test -f k.pem || openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 2 2>/dev/null")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain("c.pem","k.pem")
b = socket.socket(); b.bind(("127.0.0.1",0)); b.listen(50); bport=b.getsockname()[1]
def backend():
    while True:
        c,_=b.accept()
        def h(c):
            try:
                t=ctx.wrap_socket(c, server_side=True); time.sleep(60)
            except Exception: pass
        threading.Thread(target=h,args=(c,),daemon=True).start()
threading.Thread(target=backend,daemon=True).start()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",port)); s.listen(50)
def h(c):
    u = socket.create_connection(("127.0.0.1",bport))
    u.sendall(c.recv(65536))
    buf=b""
    while len(buf)<5: buf+=u.recv(65536)
    n=int.from_bytes(buf[3:5],"big")
    while len(buf)<5+n: buf+=u.recv(65536)
    c.sendall(buf[:5+n]); time.sleep(60)
while True:
    c,_=s.accept(); threading.Thread(target=h,args=(c,),daemon=True).start()
