#!/usr/bin/env python3
"""Base images that Docker and skopeo do not write by themselves (make-base).

  base-tools.py index OUT TAG LAYOUT...
      an OCI layout OUT whose index.json holds one image index, tagged TAG,
      listing the one manifest of each LAYOUT (skopeo's oci: layouts) with
      its platform (from its config); every blob copied over.
  base-tools.py whiteout OUT.tar NAME:TAG
      a `docker save` (legacy layout) tar of a two-layer image made by hand:
      the second layer removes a file (.wh.gone), a file in a directory
      (data/.wh.old) and makes a directory opaque (opq/.wh..wh..opq), which
      Docker cannot make without RUN.
  base-tools.py hostile IN.tar OUT.tar KIND
      IN (a docker save tar) made bad, for the error tests (run-base-errors):
      KIND dotdot, absolute or hardlink-out adds a layer whose one entry
      escapes the root ("../escaped", "/abs", a hard link to
      "../../etc/shadow"); wrong-diffid changes a byte of a file in the first
      layer (the tar stays valid, its DiffID no longer matches); not-json
      makes the config a JSON text cut short.
"""

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

INDEX = "application/vnd.oci.image.index.v1+json"


def blob_path(layout, digest):
    algo, hexpart = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexpart)


def read_json(path):
    with open(path, "rb") as f:
        return json.load(f)


def put_blob(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return digest


def make_index(out, tag, layouts):
    os.makedirs(os.path.join(out, "blobs", "sha256"))
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    manifests = []
    for layout in layouts:
        for name in os.listdir(os.path.join(layout, "blobs", "sha256")):
            dst = os.path.join(out, "blobs", "sha256", name)
            if not os.path.exists(dst):
                shutil.copyfile(os.path.join(layout, "blobs", "sha256", name), dst)
        index = read_json(os.path.join(layout, "index.json"))
        if len(index["manifests"]) != 1:
            sys.exit("base-tools.py: %s: expected one manifest" % layout)
        desc = dict(index["manifests"][0])
        desc.pop("annotations", None)
        manifest = read_json(blob_path(layout, desc["digest"]))
        config = read_json(blob_path(layout, manifest["config"]["digest"]))
        platform = {"architecture": config["architecture"], "os": config["os"]}
        if config.get("variant"):
            platform["variant"] = config["variant"]
        desc["platform"] = platform
        manifests.append(desc)
    data = json.dumps({"schemaVersion": 2, "mediaType": INDEX,
                       "manifests": manifests}, separators=(",", ":")).encode()
    digest = put_blob(out, data)
    top = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [{
        "mediaType": INDEX, "digest": digest, "size": len(data),
        "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(top, f, separators=(",", ":"))


MTIME = 1704067200  # 2024-01-01T00:00:00Z


def layer(entries):
    """An uncompressed layer tar: (name, kind, mode, uid, gid, content)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, mode, uid, gid, content in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.uid, info.gid = uid, gid
            info.mtime = MTIME
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = content
                tar.addfile(info)
            else:
                data = content.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_whiteout(out, tag):
    first = layer([
        ("etc/", "dir", 0o755, 0, 0, None),
        ("etc/passwd", "file", 0o644, 0, 0,
         "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000::/data:/sbin/nologin\n"),
        ("etc/group", "file", 0o644, 0, 0, "root:x:0:\napp:x:1000:\n"),
        ("gone", "file", 0o644, 0, 0, "removed by the second layer\n"),
        ("data/", "dir", 0o750, 1000, 1000, None),
        ("data/keep", "file", 0o640, 1000, 1000, "kept\n"),
        ("data/old", "file", 0o600, 1000, 1000, "removed by the second layer\n"),
        ("data/link", "symlink", 0o777, 0, 0, "keep"),
        ("opq/", "dir", 0o755, 0, 0, None),
        ("opq/hidden", "file", 0o644, 0, 0, "hidden by the opaque directory\n"),
        ("opq/sub/", "dir", 0o755, 0, 0, None),
        ("opq/sub/deep", "file", 0o644, 0, 0, "hidden too\n"),
    ])
    second = layer([
        (".wh.gone", "file", 0o644, 0, 0, ""),
        ("data/", "dir", 0o750, 1000, 1000, None),
        ("data/.wh.old", "file", 0o644, 0, 0, ""),
        ("data/new", "file", 0o644, 1000, 1000, "added by the second layer\n"),
        ("opq/", "dir", 0o711, 0, 0, None),
        ("opq/.wh..wh..opq", "file", 0o644, 0, 0, ""),
        ("opq/fresh", "file", 0o644, 0, 0, "the opaque directory's only file\n"),
    ])
    layers = [first, second]
    diff_ids = ["sha256:" + hashlib.sha256(data).hexdigest() for data in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": "app",
            "Env": ["PATH=/usr/bin:/bin", "APP_MODE=whiteout"],
            "WorkingDir": "/data",
            "Cmd": ["/app"],
            "Labels": {"made.by": "base-tools.py"},
        },
        "created": "2024-01-01T00:00:00Z",
        "history": [
            {"created": "2024-01-01T00:00:00Z", "created_by": "base-tools.py: first layer"},
            {"created": "2024-01-01T00:00:00Z", "created_by": "base-tools.py: whiteouts",
             "comment": "made by hand"},
            {"created": "2024-01-01T00:00:00Z", "created_by": "USER app", "empty_layer": True},
        ],
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    config_data = json.dumps(config, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_data).hexdigest() + ".json"
    files = [(config_name, config_data)]
    names = []
    for i, data in enumerate(layers):
        name = "%s/layer.tar" % hashlib.sha256(("layer%d" % i).encode() + data).hexdigest()
        names.append(name)
        files.append((name, data))
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": names}]
    files.append(("manifest.json", json.dumps(manifest, separators=(",", ":")).encode()))
    with tarfile.open(out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))


def read_save(path):
    """A docker save tar's members, in order: [(TarInfo, bytes)]."""
    members = []
    with tarfile.open(path, mode="r:") as tar:
        for m in tar:
            data = tar.extractfile(m).read() if m.isfile() else None
            members.append((m, data))
    return members


def write_save(path, members):
    with tarfile.open(path, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for m, data in members:
            if data is not None:
                m.size = len(data)
            tar.addfile(m, io.BytesIO(data) if data is not None else None)


def hostile_layer(kind):
    """A layer tar whose one entry escapes the root."""
    name, link = {"dotdot": ("../escaped", None), "absolute": ("/abs", None),
                  "hardlink-out": ("etc/shadow-link", "../../etc/shadow")}[kind]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.mtime = MTIME
        info.mode = 0o644
        if link:
            info.type = tarfile.LNKTYPE
            info.linkname = link
            tar.addfile(info)
        else:
            data = b"out of the root\n"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_hostile(src, out, kind):
    members = read_save(src)
    by_name = {m.name: i for i, (m, _) in enumerate(members)}
    manifest = json.loads(members[by_name["manifest.json"]][1])
    image = manifest[0]
    old_config = members[by_name[image["Config"]]][1]
    config_data = old_config
    config = json.loads(config_data)
    if kind in ("dotdot", "absolute", "hardlink-out"):
        data = hostile_layer(kind)
        layer_name = "hostile-%s/layer.tar" % kind
        info = tarfile.TarInfo(layer_name)
        info.mode = 0o644
        info.mtime = MTIME
        members.insert(by_name["manifest.json"], (info, data))
        by_name = {m.name: i for i, (m, _) in enumerate(members)}
        image["Layers"].append(layer_name)
        config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(data).hexdigest())
        config["history"].append({"created": "2024-01-01T00:00:00Z",
                                  "created_by": "base-tools.py hostile " + kind})
        config_data = json.dumps(config, separators=(",", ":")).encode()
    elif kind == "wrong-diffid":
        i = by_name[image["Layers"][0]]
        layer_data = members[i][1]
        pos = layer_data.index(b"root:x:0:0:")
        members[i] = (members[i][0], layer_data[:pos] + b"ROOT" + layer_data[pos + 4:])
    elif kind == "not-json":
        config_data = config_data[:len(config_data) // 2]
    else:
        sys.exit("base-tools.py: unknown kind %s" % kind)
    if config_data is not old_config:
        i = by_name[image["Config"]]
        image["Config"] = hashlib.sha256(config_data).hexdigest() + ".json"
        members[i][0].name = image["Config"]
        members[i] = (members[i][0], config_data)
    i = by_name["manifest.json"]
    members[i] = (members[i][0], json.dumps(manifest, separators=(",", ":")).encode())
    write_save(out, members)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "hostile":
        make_hostile(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 5 and sys.argv[1] == "index":
        make_index(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "whiteout":
        make_whiteout(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
