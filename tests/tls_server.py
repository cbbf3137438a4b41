# A local HTTPS server for the TLS tests (sslfd.sh, gnutlskeys.sh): python's ssl module, one
# TLS version, answers GET PATH with "server says PATH". usage: PORT 1.2|1.3 CERT KEY; prints
# "ready" once it listens.
import http.server, ssl, sys
port, ver, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("server says %s\n" % self.path).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2 if ver == "1.2" else ssl.TLSVersion.TLSv1_3
s = http.server.HTTPServer(("127.0.0.1", port), H); s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("ready", flush=True); s.serve_forever()
