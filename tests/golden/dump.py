#!/usr/bin/env python3
"""Prints an image tar written by scratchbuild as stable text: the manifest, the
config, and every layer entry (path, type, mode, owner, size, content digest,
link target, mtime), plus the digest of the whole archive. Golden tests compare
this text with what they expect."""
import hashlib
import io
import json
import sys
import tarfile

TYPES = {tarfile.REGTYPE: "file", tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink",
         tarfile.LNKTYPE: "hardlink"}


def entries(data):
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:",
                      encoding="utf-8", errors="surrogateescape") as t:
        for m in t.getmembers():
            kind = TYPES.get(m.type, "type-%r" % m.type)
            line = "  %-8s %05o %d:%d %s" % (kind, m.mode, m.uid, m.gid, ascii(m.name))
            if m.isreg():
                body = t.extractfile(m).read()
                line += " size=%d sha256=%s" % (m.size, hashlib.sha256(body).hexdigest()[:16])
            if m.issym() or m.islnk():
                line += " -> %s" % ascii(m.linkname)
            line += " mtime=%d" % m.mtime
            out.append(line)
    return out


def main(path):
    raw = open(path, "rb").read()
    print("archive sha256:%s" % hashlib.sha256(raw).hexdigest())
    files = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as t:
        names = t.getnames()
        for m in t.getmembers():
            files[m.name] = t.extractfile(m).read()
    print("members: %s" % " ".join(names))
    manifest = json.loads(files["manifest.json"])
    print("manifest: %s" % json.dumps(manifest, sort_keys=False))
    cfg_name = manifest[0]["Config"]
    cfg = files[cfg_name]
    print("image id: sha256:%s" % hashlib.sha256(cfg).hexdigest())
    print("config: %s" % json.dumps(json.loads(cfg), indent=1))
    for i, layer in enumerate(manifest[0]["Layers"]):
        digest = "sha256:" + hashlib.sha256(files[layer]).hexdigest()
        ok = digest == json.loads(cfg)["rootfs"]["diff_ids"][i]
        print("layer %s (%d bytes, diff_id %s)" % (layer, len(files[layer]),
                                                  "matches" if ok else "MISMATCH"))
        for line in entries(files[layer]):
            print(line)


if __name__ == "__main__":
    main(sys.argv[1])
