#!/usr/bin/env python3
"""Prints an image tar written by scratchbuild as stable text: the manifest, the
config, and every layer entry (path, type, mode, owner, size, content digest,
link target, mtime), plus the digest of the whole archive. Golden tests compare
this text with what they expect."""
import gzip
import hashlib
import io
import os
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


def layer_tar(blob, media):
    if media.endswith("+gzip"):
        return gzip.decompress(blob)
    return blob


def dump_index(files):
    """An OCI layout without manifest.json (several platforms): index.json,
    the index it names, and each platform's manifest, config and layers."""
    blob = lambda d: files["blobs/sha256/" + d.split(":")[1]]
    top = json.loads(files["index.json"])
    print("index.json: %s" % json.dumps(top))
    referenced = set()
    for desc in top["manifests"]:
        referenced.add(desc["digest"])
        index = json.loads(blob(desc["digest"]))
        print("index %s: %s" % (desc["digest"], json.dumps(index, indent=1)))
        for m in index["manifests"]:
            referenced.add(m["digest"])
            man = json.loads(blob(m["digest"]))
            cfg = blob(man["config"]["digest"])
            referenced.add(man["config"]["digest"])
            p = m["platform"]
            print("=== platform %s/%s%s" % (p["os"], p["architecture"],
                                          "/" + p["variant"] if "variant" in p else ""))
            print("manifest %s: %s" % (m["digest"], json.dumps(man, indent=1)))
            print("config: %s" % json.dumps(json.loads(cfg), indent=1))
            for i, layer in enumerate(man["layers"]):
                referenced.add(layer["digest"])
                tar = layer_tar(blob(layer["digest"]), layer["mediaType"])
                digest = "sha256:" + hashlib.sha256(tar).hexdigest()
                ok = digest == json.loads(cfg)["rootfs"]["diff_ids"][i]
                print("layer %d %s (diff_id %s)" % (i, layer["digest"],
                                                   "matches" if ok else "MISMATCH"))
                for line in entries(tar):
                    print(line)
    stored = set("sha256:" + n.split("/")[-1] for n in files if n.startswith("blobs/sha256/"))
    print("blobs: %d stored, each once; unreferenced: %s; missing: %s" % (
        len(stored), sorted(stored - referenced) or "none", sorted(referenced - stored) or "none"))


def read_dir(path):
    files, names = {}, []
    for root, dirs, fnames in os.walk(path):
        dirs.sort()
        for f in sorted(fnames):
            full = os.path.join(root, f)
            name = os.path.relpath(full, path)
            names.append(name)
            files[name] = open(full, "rb").read()
    return files, names


def main(path):
    if os.path.isdir(path):
        files, names = read_dir(path)
        print("directory: %s" % " ".join(sorted(names)))
    else:
        raw = open(path, "rb").read()
        print("archive sha256:%s" % hashlib.sha256(raw).hexdigest())
        files = {}
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as t:
            names = t.getnames()
            for m in t.getmembers():
                if m.isreg():
                    files[m.name] = t.extractfile(m).read()
        print("members: %s" % " ".join(names))
    if "manifest.json" not in files and "index.json" in files:
        dump_index(files)
        return
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
