#!/usr/bin/env python3
"""Helpers for tests/limits/run: make hostile contexts fast, read image tars.

  check.py many ROOT DIRS FILES      DIRS directories of FILES empty files each
  check.py deep ROOT LEVELS          a chain of LEVELS directories "d", a file "f"
                                     holding "deep" at the bottom
  check.py long ROOT LENGTH          a file "ROOT/.../f..." whose path below ROOT
                                     is exactly LENGTH bytes, holding "long"
  check.py names ROOT                files whose names are hostile; each holds its
                                     own name
  check.py entries IMAGE.tar         prints the first layer's entries, one per
                                     line: repr(name bytes) size pax-keys data
  check.py names-verify IMAGE.tar    checks that the first layer holds data/ and
                                     the files of `names`, byte for byte
  check.py stream                    reads an image tar (manual layout) from
                                     stdin without storing it: checks every
                                     layer's DiffID and prints each entry as
                                     "name size pax-size zero-bytes"
  check.py truncated IMAGE.tar       succeeds when the tar ends before its end
                                     (a member cut short) and holds no
                                     manifest.json
  check.py run OUT ERR CMD...        runs CMD (stdout to OUT, stderr to ERR),
                                     prints "STATUS SECONDS PEAK-RSS-KIB"
"""
import hashlib
import json
import os
import resource
import subprocess
import sys
import tarfile
import time

NAMES = [
    b"new\nline",
    b"bad\xff\xfe",
    b"back\\slash",
    b"-dash",
    b"--help",
    b"tab\there",
    b" lead",
    b"\xc3\xa9t\xc3\xa9",
    b"esc\x1b[31m",
    b"n" * 255,
]


def make_many(root, dirs, files):
    os.makedirs(root)
    for d in range(dirs):
        path = os.path.join(root, "d%04d" % d)
        os.mkdir(path)
        fd = os.open(path, os.O_RDONLY)
        for f in range(files):
            os.close(os.open("f%04d" % f, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
        os.close(fd)


def chain(root, names, leaf, content):
    """Creates the directories names under root, one in the other (by
    descriptor: the path may be longer than PATH_MAX), and leaf in the last."""
    os.makedirs(root, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    for name in names:
        os.mkdir(name, dir_fd=fd)
        sub = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = sub
    out = os.open(leaf, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
    os.write(out, content)
    os.close(out)
    os.close(fd)


def make_long(root, length):
    names, used = [], 0
    while length - used > 255 + 1:  # room for "NAME/" and a leaf
        n = min(250, length - used - 1 - 10)
        names.append("p" * n)
        used += n + 1
    leaf = "f" * (length - used)
    assert 0 < len(leaf) <= 255 and used + len(leaf) == length
    chain(root, names, leaf, b"long")


def make_names(root):
    os.makedirs(root)
    for name in NAMES:
        with open(os.path.join(root.encode(), name), "wb") as f:
            f.write(name)


def layer_tar(image):
    outer = tarfile.open(image)
    manifest = json.load(outer.extractfile("manifest.json"))
    return outer.extractfile(manifest[0]["Layers"][0])


def entries(image):
    inner = tarfile.open(fileobj=layer_tar(image), encoding="utf-8", errors="surrogateescape")
    for m in inner:
        name = m.name.encode("utf-8", "surrogateescape")
        data = inner.extractfile(m).read() if m.isreg() else b""
        print(repr(name), m.size, ",".join(sorted(m.pax_headers)), repr(data[:40]))


def names_verify(image):
    inner = tarfile.open(fileobj=layer_tar(image), encoding="utf-8", errors="surrogateescape")
    got = []
    for m in inner:
        name = m.name.encode("utf-8", "surrogateescape")
        data = inner.extractfile(m).read() if m.isreg() else None
        got.append((name, data, m.pax_headers))
    want = [(b"data", None)] + [(b"data/" + n, n) for n in sorted(NAMES)]
    if [(n, d) for n, d, _ in got] != want:
        sys.exit("names differ:\n got  %r\n want %r" % ([(n, d) for n, d, _ in got], want))
    for name, _, pax in got:
        try:
            name.decode("utf-8")
            binary = False
        except UnicodeDecodeError:
            binary = True
        # a name that is not UTF-8 is written as it is, marked as binary
        if binary and pax.get("hdrcharset") != "BINARY":
            sys.exit("%r: no hdrcharset=BINARY record" % name)
    print("names verified:", len(got))


def stream():
    """A streaming read: headers, PAX records and byte counts, nothing kept."""
    zero = bytes(4 << 20)
    diff_ids, config = [], None
    outer = tarfile.open(fileobj=sys.stdin.buffer, mode="r|", bufsize=4 << 20)
    for m in outer:
        f = outer.extractfile(m)
        if not m.name.endswith(".tar"):
            data = f.read()
            if m.name == "config.json":
                config = json.loads(data)
            continue
        h = hashlib.sha256()

        class Tee:
            def read(self, n=-1):
                b = f.read(n)
                h.update(b)
                return b

        inner = tarfile.open(fileobj=Tee(), mode="r|", bufsize=4 << 20)
        for e in inner:
            n = zeros = 0
            if e.isreg():
                g = inner.extractfile(e)
                while True:
                    b = g.read(4 << 20)
                    if not b:
                        break
                    n += len(b)
                    if b == zero[: len(b)]:
                        zeros += len(b)
            print(e.name, e.size, e.pax_headers.get("size", "-"), n, zeros)
        while f.read(4 << 20):
            pass
        diff_ids.append("sha256:" + h.hexdigest())
    if config is None:
        sys.exit("no config.json in the stream")
    if config["rootfs"]["diff_ids"] != diff_ids:
        sys.exit("DiffIDs differ: config %s, layers %s" % (config["rootfs"]["diff_ids"], diff_ids))
    print("diff ids verified:", len(diff_ids))


def truncated(image):
    names = []
    try:
        with tarfile.open(image) as t:
            for m in t:
                names.append(m.name)
                if m.isreg():
                    f = t.extractfile(m)
                    while f.read(4 << 20):
                        pass
    except tarfile.ReadError as e:
        if "manifest.json" in names:
            sys.exit("cut short (%s), but with a manifest.json" % e)
        print("cut short:", e, "after", names)
        return
    sys.exit("a whole tar: %s" % names)


def run(out, err, cmd):
    t = time.monotonic()
    with open(out, "wb") as o, open(err, "wb") as e:
        status = subprocess.run(cmd, stdout=o, stderr=e).returncode
    took = time.monotonic() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(status, "%.1f" % took, rss)


def main():
    what, args = sys.argv[1], sys.argv[2:]
    if what == "many":
        make_many(args[0], int(args[1]), int(args[2]))
    elif what == "deep":
        chain(args[0], ["d"] * int(args[1]), "f", b"deep")
    elif what == "long":
        make_long(args[0], int(args[1]))
    elif what == "names":
        make_names(args[0])
    elif what == "entries":
        entries(args[0])
    elif what == "names-verify":
        names_verify(args[0])
    elif what == "stream":
        stream()
    elif what == "truncated":
        truncated(args[0])
    elif what == "run":
        run(args[0], args[1], args[2:])
    else:
        sys.exit("unknown command " + what)


if __name__ == "__main__":
    main()
