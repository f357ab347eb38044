#!/usr/bin/env python3
"""Compare two image tars: one from `docker save`, one from scratchbuild.

Usage: compare.py [--tag NAME:TAG] [--base BASE_TAR] DOCKER_TAR SCRATCHBUILD_TAR

Any tar with a manifest.json (docker-save legacy layout or scratchbuild's
manual layout) is accepted. Compared: the layers, entry by entry and in
order (path, type, mode, uid, gid, size, content SHA-256, link target),
and the config, field by field, except the top-level `created`, each
history entry's `created` and `rootfs.diff_ids` (so `architecture`, `os`
and `variant` are compared: the --platform cases rely on it). Each image's own diff_ids
must equal the SHA-256 of its uncompressed layer tars, and with --tag its
RepoTags must be exactly [NAME:TAG].

Exit status: 0 equal, 1 different, 2 error.
"""

import argparse
import hashlib
import io
import json
import posixpath
import sys
import tarfile

NAMES = ("docker", "scratchbuild")

TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.LNKTYPE: "hardlink",
    tarfile.SYMTYPE: "symlink",
    tarfile.DIRTYPE: "dir",
    tarfile.CHRTYPE: "chardev",
    tarfile.BLKTYPE: "blockdev",
    tarfile.FIFOTYPE: "fifo",
}

ENTRY_FIELDS = ("type", "mode", "uid", "gid", "size", "sha256", "link")


class CompareError(Exception):
    pass


def norm_path(path):
    """Layer paths as the filesystem sees them: no ./ or / around."""
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


def read_layer(data):
    """The entries of an uncompressed layer tar, in order, as dicts."""
    entries = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar:
            kind = TYPES.get(m.type, "unknown type %r" % m.type)
            digest = ""
            if kind == "file":
                digest = hashlib.sha256(tar.extractfile(m).read()).hexdigest()
            link = ""
            if kind == "hardlink":
                link = norm_path(m.linkname)
            elif kind == "symlink":
                link = m.linkname
            entries.append({
                "path": norm_path(m.name),
                "type": kind,
                "mode": m.mode & 0o7777,
                "uid": m.uid,
                "gid": m.gid,
                "size": m.size,
                "sha256": digest,
                "link": link,
            })
    return entries


class Image:
    def __init__(self, label, path):
        self.label = label
        try:
            outer = tarfile.open(path, mode="r:")
        except (OSError, tarfile.TarError) as e:
            raise CompareError("%s: cannot read %s: %s" % (label, path, e))
        with outer:
            files = {}
            links = {}
            for m in outer:
                if m.isfile():
                    files[norm_path(m.name)] = m
                elif m.issym():
                    # docker save writes a layer that repeats an earlier
                    # one as a symlink to it ("../<id>/layer.tar")
                    target = posixpath.normpath(posixpath.join(
                        posixpath.dirname(norm_path(m.name)), m.linkname))
                    links[norm_path(m.name)] = target

            def read(name):
                name = norm_path(name)
                for _ in range(8):
                    if name not in links:
                        break
                    name = links[name]
                member = files.get(name)
                if member is None:
                    raise CompareError("%s: %s has no %s" % (label, path, name))
                return outer.extractfile(member).read()

            try:
                manifest = json.loads(read("manifest.json"))
            except ValueError as e:
                raise CompareError("%s: manifest.json: %s" % (label, e))
            if (not isinstance(manifest, list) or len(manifest) != 1
                    or not isinstance(manifest[0], dict)
                    or not isinstance(manifest[0].get("Config"), str)
                    or not isinstance(manifest[0].get("Layers"), list)):
                raise CompareError("%s: manifest.json must list exactly one image, "
                                   "with a Config and Layers" % label)
            self.manifest = manifest[0]
            try:
                self.config = json.loads(read(self.manifest["Config"]))
            except ValueError as e:
                raise CompareError("%s: config: %s" % (label, e))
            if not isinstance(self.config, dict):
                raise CompareError("%s: the config is not a JSON object" % label)
            self.layer_digests = []
            self.layers = []
            for name in self.manifest["Layers"]:
                data = read(name)
                self.layer_digests.append("sha256:" + hashlib.sha256(data).hexdigest())
                try:
                    self.layers.append(read_layer(data))
                except tarfile.TarError as e:
                    raise CompareError("%s: layer %s: %s" % (label, name, e))


def fmt(field, value):
    if field == "mode":
        return "%04o" % value
    if value == "":
        return "(none)"
    return str(value)


def layer_titles(config, count):
    """'layer N (INSTRUCTION)' from the history entries that made layers."""
    steps = [h.get("created_by", "") for h in config.get("history") or []
             if not h.get("empty_layer")]
    titles = []
    for i in range(count):
        if len(steps) == count:
            step = steps[i]
            if step.endswith(" # buildkit"):
                step = step[:-len(" # buildkit")]
            titles.append("layer %d (%s)" % (i, step))
        else:
            titles.append("layer %d" % i)
    return titles


def compare_layer(title, a, b, out):
    a_paths = [e["path"] for e in a]
    b_paths = [e["path"] for e in b]
    for label, paths in zip(NAMES, (a_paths, b_paths)):
        seen = set()
        for p in paths:
            if p in seen:
                out.append("%s: %s: entry appears twice (%s)" % (title, p, label))
            seen.add(p)
    a_set, b_set = set(a_paths), set(b_paths)
    for p in a_paths:
        if p not in b_set:
            out.append("%s: %s: only in %s" % (title, p, NAMES[0]))
    for p in b_paths:
        if p not in a_set:
            out.append("%s: %s: only in %s" % (title, p, NAMES[1]))
    b_by_path = {e["path"]: e for e in b}
    for ea in a:
        eb = b_by_path.get(ea["path"])
        if eb is None:
            continue
        for field in ENTRY_FIELDS:
            if ea[field] != eb[field]:
                out.append("%s: %s: %s %s (%s) != %s (%s)" % (
                    title, ea["path"], field, fmt(field, ea[field]), NAMES[0],
                    fmt(field, eb[field]), NAMES[1]))
    a_common = [p for p in a_paths if p in b_set]
    b_common = [p for p in b_paths if p in a_set]
    for i, (pa, pb) in enumerate(zip(a_common, b_common)):
        if pa != pb:
            out.append("%s: entry order differs at common entry %d: %s (%s) vs %s (%s)" % (
                title, i, pa, NAMES[0], pb, NAMES[1]))
            break


def strip_config(config, inherited=0):
    """The config without the fields that legitimately differ: the
    history's own `created` times, but not those of the first `inherited`
    entries, which come from the base."""
    config = json.loads(json.dumps(config))
    config.pop("created", None)
    for h in (config.get("history") or [])[inherited:]:
        if isinstance(h, dict):
            h.pop("created", None)
    rootfs = config.get("rootfs")
    if isinstance(rootfs, dict):
        rootfs.pop("diff_ids", None)
    return config


def show(value):
    return json.dumps(value, sort_keys=True)


def compare_json(where, a, b, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            sub = "%s.%s" % (where, key) if where else key
            if key not in b:
                out.append("config: %s: %s (%s) != absent (%s)" % (sub, show(a[key]), NAMES[0], NAMES[1]))
            elif key not in a:
                out.append("config: %s: absent (%s) != %s (%s)" % (sub, NAMES[0], show(b[key]), NAMES[1]))
            else:
                compare_json(sub, a[key], b[key], out)
    elif isinstance(a, list) and isinstance(b, list) and any(
            isinstance(x, (dict, list)) for x in a + b):
        for i in range(max(len(a), len(b))):
            sub = "%s[%d]" % (where, i)
            if i >= len(b):
                out.append("config: %s: %s (%s) != absent (%s)" % (sub, show(a[i]), NAMES[0], NAMES[1]))
            elif i >= len(a):
                out.append("config: %s: absent (%s) != %s (%s)" % (sub, NAMES[0], show(b[i]), NAMES[1]))
            else:
                compare_json(sub, a[i], b[i], out)
    elif a != b or type(a) is not type(b):
        out.append("config: %s: %s (%s) != %s (%s)" % (where, show(a), NAMES[0], show(b), NAMES[1]))


def check_self(img, tag, out):
    diff_ids = (img.config.get("rootfs") or {}).get("diff_ids")
    if not isinstance(diff_ids, list) or len(diff_ids) != len(img.layer_digests):
        out.append("%s: rootfs.diff_ids %s do not match its %d layer tars" % (
            img.label, show(diff_ids), len(img.layer_digests)))
    else:
        for i, (want, got) in enumerate(zip(img.layer_digests, diff_ids)):
            if want != got:
                out.append("%s: rootfs.diff_ids[%d] %s != %s, the SHA-256 of layer %d" % (
                    img.label, i, got, want, i))
    if tag is not None and img.manifest.get("RepoTags") != [tag]:
        out.append("%s: manifest RepoTags %s != [%s]" % (
            img.label, show(img.manifest.get("RepoTags")), show(tag)))


def check_base(img, base, out):
    """img starts with base's layers and history, unchanged."""
    want = (base.config.get("rootfs") or {}).get("diff_ids") or []
    got = (img.config.get("rootfs") or {}).get("diff_ids") or []
    if got[:len(want)] != want:
        out.append("%s: its first %d DiffIDs are not the base's: %s != %s" % (
            img.label, len(want), show(got[:len(want)]), show(want)))
    want = base.config.get("history") or []
    got = img.config.get("history") or []
    for i, h in enumerate(want):
        if i >= len(got) or got[i] != h:
            out.append("%s: history[%d] %s != the base's %s" % (
                img.label, i, show(got[i]) if i < len(got) else "absent", show(h)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", help="the NAME:TAG both images must carry")
    parser.add_argument("--base", help="the base image tar both images start from")
    parser.add_argument("docker_tar")
    parser.add_argument("scratchbuild_tar")
    args = parser.parse_args()
    try:
        a = Image(NAMES[0], args.docker_tar)
        b = Image(NAMES[1], args.scratchbuild_tar)
        base = Image("base", args.base) if args.base else None
    except CompareError as e:
        print("compare.py: error: %s" % e, file=sys.stderr)
        return 2

    out = []
    check_self(a, args.tag, out)
    check_self(b, args.tag, out)
    inherited = 0
    if base is not None:
        check_base(a, base, out)
        check_base(b, base, out)
        inherited = len(base.config.get("history") or [])
    if len(a.layers) != len(b.layers):
        out.append("layers: %d (%s) != %d (%s)" % (len(a.layers), NAMES[0], len(b.layers), NAMES[1]))
    titles = layer_titles(a.config, len(a.layers))
    for title, la, lb in zip(titles, a.layers, b.layers):
        compare_layer(title, la, lb, out)
    compare_json("", strip_config(a.config, inherited), strip_config(b.config, inherited), out)

    if out:
        print("DIFFERENT: %s vs %s" % (args.docker_tar, args.scratchbuild_tar))
        for line in out:
            print("  " + line)
        return 1
    entries = sum(len(layer) for layer in a.layers)
    print("EQUAL: %d layers, %d entries, config equal" % (len(a.layers), entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
