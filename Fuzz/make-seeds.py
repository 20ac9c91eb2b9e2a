#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/Seeds/TARGET/) from Fixtures/ and a few
hand-written cases. Run it again after adding fixtures; the seeds are committed."""
import hashlib
import json
import os
import shutil
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Fixtures")
SEEDS = os.path.join(ROOT, "Fuzz", "Seeds")


def write(target, name, data):
    folder = os.path.join(SEEDS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)


def varint(data, offset):
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, offset


def payload(obj):
    """The value codec payload of an object file (docs/FORMAT.md, "Objects")."""
    assert obj[:4] == b"FLO\x01"
    codec, digest_length = obj[4], obj[5]
    count, offset = varint(obj, 6)
    offset += count * digest_length
    _, offset = varint(obj, offset)
    if codec == 0:
        return obj[offset + 8:]
    return zlib.decompress(obj[offset:])


def main():
    shutil.rmtree(SEEDS, ignore_errors=True)
    for name in sorted(os.listdir(os.path.join(FIXTURES, "objects"))):
        if name.endswith(".object"):
            data = open(os.path.join(FIXTURES, "objects", name), "rb").read()
            write("object", name, data)
            write("value", name.replace(".object", ".payload"), payload(data))
    for name in sorted(os.listdir(os.path.join(FIXTURES, "manifests"))):
        data = open(os.path.join(FIXTURES, "manifests", name), "rb").read()
        if name.endswith(".manifest"):
            write("manifest", name, data)
            # Variants the fixtures lack: no result, and references without inline values.
            document = json.loads(data)
            write("manifest", name + "-no-result", json.dumps(dict(document, result=None)))
            bare = dict(document, arguments=[{k: v for k, v in a.items() if k != "value"} for a in document["arguments"]])
            if document.get("result"):
                bare["result"] = {"digest": document["result"]["digest"]}
            write("manifest", name + "-bare", json.dumps(bare, separators=(",", ":")))
        write("json", name, data)
    for name in sorted(os.listdir(os.path.join(FIXTURES, "digests"))):
        write("json", name, open(os.path.join(FIXTURES, "digests", name), "rb").read())
    for number, text in enumerate(["0", "-1.5e-10", '"\\ud83d\\ude00 \\u00e9"', "[[], {}, null, true, false]"]):
        write("json", "scalar-%d" % number, text)

    formats = [
        {"fleche_store": 1, "digest": "sha256", "compression": "zlib", "compression_level": 1,
         "inline_limit": 256, "destructure_depth": 1},
        {"fleche_store": 1, "digest": "xxh3-128", "compression": "none", "compression_level": 0,
         "inline_limit": 0, "destructure_depth": None},
    ]
    for number, form in enumerate(formats):
        write("format", "format-%d" % number, json.dumps(form, indent=2))

    configurations = {
        "file": '[default]\ncache = "local"\nmetadata = ["Runtime", "Environment"]\n\n'
                '[local]\ntemplate = "file"\nroot = "store"\nmax_size = 1000\neviction = "lru"\n',
        "stack": '[[layered]]\ncache = "local"\n[[layered]]\ntemplate = "memory"\n\n'
                 '[local]\ntemplate = "file"\nroot = "store"\ndigest = "xxh3-128"\nremaining_depth = "none"\n',
        "pool": '[everything]\npool = ["a", "b"]\n[a]\ntemplate = "void"\n[b]\nvalues = { type = "memory" }\n'
                'calls = { type = "memory" }\nread_only = true\n',
    }
    for name, text in configurations.items():
        write("toml", name, text)

    sha = hashlib.sha256(b"fleche").hexdigest()
    for number, text in enumerate([sha, sha.upper(), sha[:4], sha[:12], sha[:32], "3fa9", "zz", ""]):
        write("prefix", "prefix-%d" % number, text)


if __name__ == "__main__":
    main()
