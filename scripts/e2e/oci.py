#!/usr/bin/env python3
"""Writes a single-layer OCI image archive (an OCI layout in a tar), the form `ctr images import`
and `podman load` take. There is no registry here, so the e2e test builds its images itself.

    oci.py OUT.tar NAME [--entrypoint JSON] [--cmd JSON] [--file DEST=SRC[:MODE]]... [--link DEST=TARGET]...
           [--dir DEST]...

NAME is a full reference (registry/repo:tag); it goes in both annotations the two importers read.
"""
import argparse, hashlib, io, json, tarfile

EPOCH = 0  # fixed timestamps: the same inputs give the same image digest


def add(tar, info, data=None):
    info.mtime, info.uid, info.gid, info.uname, info.gname = EPOCH, 0, 0, "root", "root"
    tar.addfile(info, io.BytesIO(data) if data is not None else None)


def layer(files, links, dirs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        made = set()
        def parents(path):
            parts = path.strip("/").split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in made:
                    made.add(d)
                    info = tarfile.TarInfo(d); info.type = tarfile.DIRTYPE; info.mode = 0o755
                    add(tar, info)
        for d in dirs:
            parents(d.rstrip("/") + "/x")
        for dest, (src, mode) in files.items():
            parents(dest)
            with open(src, "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(dest.strip("/")); info.size = len(data); info.mode = mode
            add(tar, info, data)
        for dest, target in links.items():
            parents(dest)
            info = tarfile.TarInfo(dest.strip("/")); info.type = tarfile.SYMTYPE; info.linkname = target
            info.mode = 0o777
            add(tar, info)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out"); ap.add_argument("name")
    ap.add_argument("--entrypoint", type=json.loads, default=None)
    ap.add_argument("--cmd", type=json.loads, default=None)
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--link", action="append", default=[])
    ap.add_argument("--dir", action="append", default=[])
    a = ap.parse_args()
    files = {}
    for spec in a.file:
        dest, src = spec.split("=", 1)
        mode = 0o755
        if ":" in src:
            src, m = src.rsplit(":", 1); mode = int(m, 8)
        files[dest] = (src, mode)
    links = dict(spec.split("=", 1) for spec in a.link)

    blobs = {}
    def blob(data, media):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media, "digest": digest, "size": len(data)}
    def jsonblob(obj, media):
        return blob(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode(), media)

    tar_layer = layer(files, links, a.dir)
    layer_desc = blob(tar_layer, "application/vnd.oci.image.layer.v1.tar")
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
              "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
              "history": [{"created_by": "scripts/e2e/oci.py"}]}
    if a.entrypoint is not None: config["config"]["Entrypoint"] = a.entrypoint
    if a.cmd is not None: config["config"]["Cmd"] = a.cmd
    config_desc = jsonblob(config, "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [layer_desc]}
    manifest_desc = jsonblob(manifest, "application/vnd.oci.image.manifest.v1+json")
    manifest_desc["platform"] = {"architecture": "amd64", "os": "linux"}
    manifest_desc["annotations"] = {"io.containerd.image.name": a.name,
                                    "org.opencontainers.image.ref.name": a.name}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [manifest_desc]}

    with tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT) as out:
        d = tarfile.TarInfo("blobs"); d.type = tarfile.DIRTYPE; d.mode = 0o755; add(out, d)
        d = tarfile.TarInfo("blobs/sha256"); d.type = tarfile.DIRTYPE; d.mode = 0o755; add(out, d)
        for digest, data in blobs.items():
            info = tarfile.TarInfo("blobs/sha256/" + digest.split(":")[1]); info.size = len(data); info.mode = 0o644
            add(out, info, data)
        for name, obj in (("oci-layout", {"imageLayoutVersion": "1.0.0"}), ("index.json", index)):
            data = json.dumps(obj).encode()
            info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o644
            add(out, info, data)


if __name__ == "__main__":
    main()
