#!/usr/bin/python3
"""Verify a Kinetic proof chain document, offline, from proof/doc.go alone.

An independent implementation (Python standard library plus PyNaCl, Debian's
python3-nacl) of the format that proof/doc.go specifies: the document's
strict JSON, RFC 8785 canonical JSON (JCS), the hash links, the
domain-separated ed25519 signatures and the step order.

Usage: verify_chain.py PROOF.json [--partial]

On success it prints one JSON object (the job id, the provider key, the
number of steps, the anchor hash hash_7 and each step's hash and body)
and exits 0. On failure it prints "step N: REASON: detail" (N = 0 for the
document as a whole; REASON as in proof/doc.go, such as bad_hash) on
standard error and exits 1. Usage errors exit 2.
"""

import base64
import datetime
import decimal
import hashlib
import json
import re
import sys

import nacl.exceptions
import nacl.signing

MAX_DOCUMENT = 1 << 20
MAX_DEPTH = 64
MAX_NUMBER_LEN = 100
MAX_SAFE_INTEGER = (1 << 53) - 1
KINDS = ["job_received", "escrow_locked", "image_verified", "resources_allocated",
         "execution_started", "execution_finished", "output_hashed",
         "result_anchored", "payment_released"]
ANCHOR_INDEX = 7
SIGNING_PREFIX = b"kinetic/v1:proof\x00"
HEX64 = re.compile(r"[0-9a-f]{64}")
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


class Failure(Exception):
    """The first failure of a chain: its step position and reason."""

    def __init__(self, step, reason, detail):
        super().__init__(f"step {step}: {reason}: {detail}")
        self.step, self.reason = step, reason


class Number(str):
    """A JSON number, kept as its literal until it is canonicalized."""

    def __new__(cls, literal):
        if len(literal) > MAX_NUMBER_LEN:
            raise ValueError(f"number literal longer than {MAX_NUMBER_LEN} characters")
        return super().__new__(cls, literal)


# ---- strict JSON (I-JSON) --------------------------------------------------

def _pairs(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _constant(name):
    raise ValueError(f"{name} is not JSON")


def _check_strings_and_depth(value, depth):
    if isinstance(value, (dict, list)):
        depth += 1
        if depth > MAX_DEPTH:
            raise ValueError("nesting too deep")
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str):
            _check_string(key)
        _check_strings_and_depth(item, depth)
    if isinstance(value, str) and not isinstance(value, Number):
        _check_string(value)


def _check_string(s):
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise ValueError("lone surrogate")


def parse_document(data):
    if len(data) > MAX_DOCUMENT:
        raise Failure(0, "bad_encoding", f"document exceeds {MAX_DOCUMENT} bytes")
    try:
        text = data.decode("utf-8", errors="strict")
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=Number,
                           parse_float=Number, parse_constant=_constant)
        _check_strings_and_depth(value, 0)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Failure(0, "bad_encoding", f"invalid JSON: {err}") from None
    return value


# ---- RFC 8785 canonical JSON -----------------------------------------------

def _jcs_number(literal):
    if INTEGER.fullmatch(literal):
        n = int(literal)
        if abs(n) > MAX_SAFE_INTEGER:
            raise ValueError(f"integer {literal} is beyond +-(2^53-1)")
        return str(n)
    f = float(literal)
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError(f"number {literal} is not finite")
    if f == 0:
        return "0"
    sign = "-" if f < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript does.
    _, digits, exp = decimal.Decimal(repr(abs(f))).normalize().as_tuple()
    digits = "".join(map(str, digits))
    k, n = len(digits), exp + len(digits)  # value = 0.digits * 10^n
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _jcs_string(s):
    out = []
    for c in s:
        if c in _SHORT:
            out.append(_SHORT[c])
        elif ord(c) < 0x20:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def jcs(value):
    """The RFC 8785 form of a parsed JSON value, as UTF-8 bytes."""
    return _jcs(value).encode("utf-8")


def _jcs(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Number):
        return _jcs_number(value)
    if isinstance(value, int):
        return _jcs_number(str(value))
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(k) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise ValueError(f"unsupported value {value!r}")


# ---- the document ----------------------------------------------------------

def _fields(obj, step, what, keys):
    if not isinstance(obj, dict):
        raise Failure(step, "bad_encoding", f"{what} is not a JSON object")
    if set(obj) != set(keys):
        raise Failure(step, "bad_encoding", f"{what} has fields {sorted(obj)}, want {sorted(keys)}")
    return obj


def _string(obj, key, step):
    value = obj[key]
    if not isinstance(value, str) or isinstance(value, Number):
        raise Failure(step, "bad_encoding", f"field {key!r} is not a string")
    return value


def _integer(obj, key, step):
    value = obj[key]
    if not isinstance(value, Number) or not INTEGER.fullmatch(value) or abs(int(value)) >= 1 << 63:
        raise Failure(step, "bad_encoding", f"field {key!r} is not an integer literal (64-bit)")
    return int(value)


def _hex32(obj, key, step):
    value = _string(obj, key, step)
    if not HEX64.fullmatch(value):
        raise Failure(step, "bad_encoding", f"field {key!r} is not 64 lower-case hex digits")
    return bytes.fromhex(value)


def _base64(obj, key, step):
    value = _string(obj, key, step)
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = None
    if raw is None or base64.b64encode(raw).decode() != value:
        raise Failure(step, "bad_encoding", f"field {key!r} is not padded standard base64")
    return raw


def _time(value, step):
    if not isinstance(value, str) or isinstance(value, Number) or not TIME.fullmatch(value):
        raise Failure(step, "bad_encoding", f"field 'at' {value!r} is not RFC 3339 UTC whole seconds")
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Failure(step, "bad_encoding", f"field 'at' {value!r} is not a valid time") from None


def decode(doc):
    top = _fields(doc, 0, "document", ["version", "jobId", "provider", "steps"])
    if _integer(top, "version", 0) != 1:
        raise Failure(0, "bad_encoding", "unsupported version")
    job = _hex32(top, "jobId", 0)
    key = _base64(_fields(top["provider"], 0, "provider", ["publicKey"]), "publicKey", 0)
    if len(key) != 32:
        raise Failure(0, "bad_encoding", f"provider key has {len(key)} bytes, want 32")
    steps = top["steps"]
    if not isinstance(steps, list):
        raise Failure(0, "bad_encoding", "field 'steps' is not an array")
    if len(steps) > len(KINDS):
        raise Failure(len(KINDS) + 1, "bad_encoding", f"document holds {len(steps)} steps")
    out = []
    for pos, raw in enumerate(steps, 1):
        s = _fields(raw, pos, "step", ["index", "kind", "at", "body", "prev", "hash", "signature"])
        if not isinstance(s["body"], dict):
            raise Failure(pos, "bad_encoding", "field 'body' is not a JSON object")
        try:  # a body without a canonical form is malformed, whatever precedes it
            jcs(s["body"])
        except ValueError as err:
            raise Failure(pos, "bad_encoding", f"field 'body': {err}") from None
        out.append({
            "index": _integer(s, "index", pos), "kind": _string(s, "kind", pos),
            "at": s["at"], "time": _time(s["at"], pos), "body": s["body"],
            "prev": _hex32(s, "prev", pos), "hash": _hex32(s, "hash", pos),
            "signature": _base64(s, "signature", pos),
        })
    return job, key, out


# ---- verification ----------------------------------------------------------

def _check_place(steps, p):
    s = steps[p - 1]
    index, kind = s["index"], s["kind"]
    if not 1 <= index <= len(KINDS):
        raise Failure(p, "bad_encoding", f"index {index} is outside 1..9")
    if kind not in KINDS:
        raise Failure(p, "bad_encoding", f"unknown step kind {kind!r}")
    if KINDS[index - 1] != kind:
        raise Failure(p, "wrong_order", f"kind {kind} cannot have index {index}")
    if index < p:
        raise Failure(p, "duplicate", f"index {index} appears again")
    if index > p:
        if any(later["index"] == p for later in steps[p:]):
            raise Failure(p, "wrong_order", f"{kind} comes before {KINDS[p - 1]}")
        raise Failure(p, "missing_step", f"{KINDS[p - 1]} is missing")


def verify(job, key, steps, partial):
    verifier = nacl.signing.VerifyKey(key)
    prev = job
    for p, s in enumerate(steps, 1):
        _check_place(steps, p)
        if s["prev"] != prev:
            raise Failure(p, "bad_link", f"prev {s['prev'].hex()} is not hash_{p - 1} {prev.hex()}")
        try:
            content = jcs({"at": s["at"], "body": s["body"], "index": s["index"],
                           "jobId": job.hex(), "kind": s["kind"]})
        except ValueError as err:
            raise Failure(p, "bad_encoding", f"field 'body': {err}") from None
        digest = hashlib.sha256(s["prev"] + content).digest()
        if digest != s["hash"]:
            raise Failure(p, "bad_hash", f"recorded hash {s['hash'].hex()}, recomputed {digest.hex()}")
        if len(s["signature"]) != 64:
            raise Failure(p, "bad_signature", f"signature has {len(s['signature'])} bytes, want 64")
        try:
            verifier.verify(SIGNING_PREFIX + s["hash"], s["signature"])
        except nacl.exceptions.BadSignatureError:
            raise Failure(p, "bad_signature", "signature does not verify for the provider key") from None
        if p > 1 and s["time"] < steps[p - 2]["time"]:
            raise Failure(p, "wrong_order", f"time {s['at']} is before the previous step's")
        prev = s["hash"]
    if not partial and len(steps) < len(KINDS):
        n = len(steps) + 1
        raise Failure(n, "missing_step", f"chain ends after {n - 1} steps; {KINDS[n - 1]} is missing")


def main(argv):
    args = [a for a in argv[1:] if a != "--partial"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[4], file=sys.stderr)
        return 2
    with open(args[0], "rb") as f:
        data = f.read(MAX_DOCUMENT + 1)
    try:
        job, key, steps = decode(parse_document(data))
        verify(job, key, steps, "--partial" in argv[1:])
    except Failure as err:
        print(err, file=sys.stderr)
        return 1
    anchor = steps[ANCHOR_INDEX - 1]["hash"].hex() if len(steps) >= ANCHOR_INDEX else None
    print(json.dumps({
        "jobId": job.hex(),
        "publicKey": base64.b64encode(key).decode(),
        "steps": len(steps),
        "anchor": anchor,
        "hashes": [s["hash"].hex() for s in steps],
        "bodies": [json.loads(jcs(s["body"])) for s in steps],
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
