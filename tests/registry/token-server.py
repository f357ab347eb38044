#!/usr/bin/python3
"""token-server.py: the token service of a test registry (distribution's
token authentication, docs/spec/auth/token.md), for start-registry's `token` mode.

    token-server.py --port N|0 --port-file FILE --key KEY.pem --cert CERT.pem
                    --htpasswd FILE --issuer ISS --service SVC

Listens on 127.0.0.1 (port 0: one the kernel picks) and writes the port to
--port-file once it listens.

  GET  /token?service=SVC&scope=repository:NAME:pull,push[&scope=...]
       with Authorization: Basic (user and password checked against --htpasswd,
       bcrypt): 200 {"token", "access_token", "expires_in", "issued_at"};
  POST /token  (OAuth2 form: grant_type=password, username, password, service,
       scope; or grant_type=refresh_token with the refresh_token it gave): the
       same, with a refresh_token when access_type=offline.
  Without credentials, or with wrong ones: 401 {"errors":[{"code":"UNAUTHORIZED"}]}.
  A service other than SVC: 400.

The JWT is RS256, signed with --key; its header carries x5c (the certificate
--cert, the registry's rootcertbundle) and kid. Claims: iss, sub (the user),
aud (SVC), exp (+300 s), nbf, iat, jti and access: for each requested
repository scope the actions asked among pull, push, delete and "*"; the
`registry:catalog:*` scope too. Every request is logged on standard error,
one line: method, scopes, user, result; never a password or a token.
"""
import argparse
import base64
import http.server
import json
import os
import sys
import time
import urllib.parse

import bcrypt
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--htpasswd", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--service", required=True)
    return p.parse_args()


def libtrust_kid(pub):
    """The key ID distribution 2.8 (libtrust) gives a public key: SHA-256 of
    its DER SubjectPublicKeyInfo, first 240 bits, base32, in 12 groups of 4."""
    import hashlib

    der = pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i : i + 4] for i in range(0, 48, 4))


class State:
    def __init__(self, a):
        with open(a.key, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), None)
        with open(a.cert, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        self.x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        self.kid = libtrust_kid(cert.public_key())
        self.users = {}
        with open(a.htpasswd) as f:
            for line in f:
                line = line.strip()
                if ":" in line:
                    u, h = line.split(":", 1)
                    self.users[u] = h.encode()
        self.issuer = a.issuer
        self.service = a.service
        self.refresh = {}  # refresh token -> user
        self.count = 0

    def check(self, user, password):
        h = self.users.get(user)
        return h is not None and bcrypt.checkpw(password.encode(), h)

    def issue(self, user, scopes):
        access = []
        for s in scopes:
            parts = s.split(":")
            if len(parts) < 3:
                continue
            typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            allowed = [x for x in actions if x in ("pull", "push", "delete", "*")]
            if typ in ("repository", "registry") and allowed:
                access.append({"type": typ, "name": name, "actions": allowed})
        now = int(time.time())
        self.count += 1
        claims = {
            "iss": self.issuer,
            "sub": user,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": "sbtest-%d-%d" % (os.getpid(), self.count),
            "access": access,
        }
        headers = {"kid": self.kid, "x5c": self.x5c}
        token = jwt.encode(claims, self.key, algorithm="RS256", headers=headers)
        if isinstance(token, bytes):
            token = token.decode()
        return token, access


def make_handler(st):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # the default line may hold the query only
            pass

        def note(self, scopes, user, result):
            sys.stderr.write(
                "%s %s scopes=%s user=%s -> %s\n"
                % (time.strftime("%H:%M:%S"), self.command, ",".join(scopes) or "-", user or "-", result)
            )
            sys.stderr.flush()

        def reply(self, code, obj):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if code == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="scratchbuild-test-token"')
            self.end_headers()
            self.wfile.write(body)

        def grant(self, user, scopes, service, offline=False):
            if service != st.service:
                self.note(scopes, user, "400 unknown service")
                return self.reply(400, {"errors": [{"code": "UNSUPPORTED", "message": "unknown service"}]})
            token, access = st.issue(user, scopes)
            out = {
                "token": token,
                "access_token": token,
                "expires_in": 300,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            if offline:
                rt = base64.urlsafe_b64encode(os.urandom(18)).decode()
                st.refresh[rt] = user
                out["refresh_token"] = rt
            self.note(scopes, user, "200 %s" % json.dumps(access, separators=(",", ":")))
            self.reply(200, out)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            scopes = [s for v in q.get("scope", []) for s in v.split(" ") if s]
            if u.path != "/token":
                self.note(scopes, None, "404")
                return self.reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            user = None
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("basic "):
                try:
                    user, _, pw = base64.b64decode(auth[6:].strip()).decode().partition(":")
                except Exception:
                    user, pw = None, ""
                if user is not None and not st.check(user, pw):
                    self.note(scopes, user, "401 wrong password")
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user or password"}]})
            if user is None:
                self.note(scopes, None, "401 no credentials")
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "credentials required"}]})
            self.grant(user, scopes, q.get("service", [""])[0])

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0") or "0")
            form = urllib.parse.parse_qs(self.rfile.read(n).decode())
            f = lambda k: form.get(k, [""])[0]
            scopes = [s for v in form.get("scope", []) for s in v.split(" ") if s]
            gt = f("grant_type")
            if gt == "password":
                user = f("username")
                if not st.check(user, f("password")):
                    self.note(scopes, user, "401 wrong password")
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user or password"}]})
            elif gt == "refresh_token":
                user = st.refresh.get(f("refresh_token"))
                if user is None:
                    self.note(scopes, None, "401 unknown refresh token")
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "unknown refresh token"}]})
            else:
                self.note(scopes, None, "400 grant_type %r" % gt)
                return self.reply(400, {"errors": [{"code": "UNSUPPORTED", "message": "grant_type"}]})
            self.grant(user, scopes, f("service"), f("access_type") == "offline")

    return Handler


def main():
    a = parse_args()
    st = State(a)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(st))
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    sys.stderr.write("token-server listening on 127.0.0.1:%d\n" % srv.server_address[1])
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
