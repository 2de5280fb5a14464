"""Layered analysis of CPython 3.14 .pyc files for the differential oracle.

This module is imported lazily by the oracle worker (in a forked child) and
exposes three request handlers plus the error type the worker understands:

``op_marshal_refs(req)``
    A pure-Python *walker* over marshal (version 5) data that mirrors
    ``r_object()`` in ``Python/marshal.c`` byte for byte: it reports every
    object header in stream order with its offset, FLAG_REF handling and the
    ref-table index CPython assigns to it.
``op_layers(req)``
    Unmarshals a .pyc (after the walker validated it) and reports, for every
    code object, its raw fields, decoded line/exception tables, the
    ``dis`` instruction list and the ``dis`` text.
``op_stages(req)``
    Runs the compiler's intermediate stages via ``_testinternalcapi``
    (codegen, then CFG optimisation) and reports the pseudo-instruction
    sequences.

Every value returned is JSON-clean: dicts with str keys, lists, str, int,
bool and None only (no floats, bytes or tuples).  Binary data is returned as
lowercase hex.  Output is deterministic: memory addresses are scrubbed and
set-like constants are ordered by their marshal bytes.

See ``oracle/PROTOCOL-analysis.md`` for the exact request/response schemas.
"""

import binascii
import contextlib
import dis
import io
import marshal
import os
import re
import struct
import sys
import types

__all__ = ["RequestError", "op_layers", "op_stages", "op_marshal_refs"]


# --------------------------------------------------------------------------
# Errors and request decoding
# --------------------------------------------------------------------------

class RequestError(Exception):
    """An error the worker turns into an error response.

    ``kind`` is a short machine-readable category (``"bad_request"``,
    ``"unmarshal"``, ``"syntax_error"``, ...), ``message`` a human readable
    text and ``extra`` a dict of additional JSON-clean values.
    """

    def __init__(self, kind, message, **extra):
        super().__init__(kind, message)
        self.kind = kind
        self.message = message
        self.extra = extra

    def __str__(self):
        return f"{self.kind}: {self.message}"


def _field(req, key, typ, what):
    """Return ``req[key]`` checked to be of type ``typ`` (bool is not int)."""
    if not isinstance(req, dict):
        raise RequestError("bad_request", "request must be an object")
    if key not in req:
        raise RequestError("bad_request", f"missing field {key!r}", field=key)
    value = req[key]
    ok = isinstance(value, typ)
    if typ is int and isinstance(value, bool):
        ok = False
    if not ok:
        raise RequestError("bad_request", f"field {key!r} must be {what}",
                           field=key)
    return value


def _b64_field(req, key):
    """Decode the base64 str field ``req[key]`` to bytes."""
    text = _field(req, key, str, "a base64 string")
    try:
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError) as exc:
        raise RequestError("bad_request", f"field {key!r} is not valid base64: {exc}",
                           field=key) from None


@contextlib.contextmanager
def _deep_recursion(limit=12000):
    """Temporarily raise the Python recursion limit.

    marshal allows nesting up to MAX_MARSHAL_STACK_DEPTH (2000) and the
    walker recurses once per nesting level (plus helper frames).
    """
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        if old < limit:
            sys.setrecursionlimit(old)


# --------------------------------------------------------------------------
# Deterministic text helpers
# --------------------------------------------------------------------------

_ADDR_RE = re.compile(r" at 0x[0-9a-fA-F]+")


def _scrub(text):
    """Replace memory addresses (`` at 0x7f...``) by `` at 0x?``."""
    return _ADDR_RE.sub(" at 0x?", text)


def _int_repr(value):
    """repr() of an int that never trips the int->str digit limit."""
    try:
        return repr(value)
    except ValueError:            # more than sys.int_info.default_max_str_digits
        return hex(value)


def _marshal_key(obj):
    """Sort key used by CPython's w_object for set/frozenset elements."""
    try:
        return marshal.dumps(obj)
    except ValueError:
        return b""


def _const_repr(obj):
    """Deterministic repr of a constant.

    Mirrors builtin repr() except that frozensets list their items ordered
    by marshal bytes (the order w_object writes them) and addresses are
    scrubbed; containers are rebuilt recursively so nested items get the
    same treatment.
    """
    if isinstance(obj, bool) or obj is None or obj is Ellipsis:
        return repr(obj)
    if isinstance(obj, int):
        return _int_repr(obj)
    if isinstance(obj, tuple):
        items = [_const_repr(x) for x in obj]
        if len(items) == 1:
            return "(" + items[0] + ",)"
        return "(" + ", ".join(items) + ")"
    if isinstance(obj, (frozenset, set)):
        name = type(obj).__name__
        if not obj:
            return name + "()"
        items = [_const_repr(x) for x in sorted(obj, key=_marshal_key)]
        return name + "({" + ", ".join(items) + "})"
    if isinstance(obj, slice):
        return "slice(%s, %s, %s)" % (_const_repr(obj.start),
                                      _const_repr(obj.stop),
                                      _const_repr(obj.step))
    if isinstance(obj, list):
        return "[" + ", ".join(_const_repr(x) for x in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(_const_repr(k) + ": " + _const_repr(v)
                               for k, v in obj.items()) + "}"
    return _scrub(repr(obj))


def _float_bits(value):
    return struct.pack("<d", value).hex()


# --------------------------------------------------------------------------
# .pyc header
# --------------------------------------------------------------------------

def _magic_number():
    import importlib.util
    return importlib.util.MAGIC_NUMBER


def _parse_header(data):
    """Decode the 16-byte .pyc header (importlib._bootstrap_external._classify_pyc).

    Returns the HeaderInfo dict.  Layout: magic (4), flags (uint32 LE), then
    either mtime + source size (flags bit 0 clear) or the 8-byte source hash
    (flags bit 0 set; bit 1 = check_source).
    """
    if len(data) < 16:
        raise RequestError("unmarshal",
                           f"pyc header truncated (need 16 bytes, got {len(data)})",
                           offset=len(data), type=None, object_offset=None)
    flags = int.from_bytes(data[4:8], "little")
    info = {
        "magic_hex": data[0:4].hex(),
        "magic_number": int.from_bytes(data[0:2], "little"),
        "magic_ok": data[0:4] == _magic_number(),
        "flags": flags,
        "mtime": None,
        "source_size": None,
        "source_hash_hex": None,
        "check_source": None,
    }
    if flags & 0b1:
        info["source_hash_hex"] = data[8:16].hex()
        info["check_source"] = bool(flags & 0b10)
    else:
        info["mtime"] = int.from_bytes(data[8:12], "little")
        info["source_size"] = int.from_bytes(data[12:16], "little")
    return info


# --------------------------------------------------------------------------
# Marshal walker (mirrors r_object() in Python/marshal.c, CPython 3.14)
# --------------------------------------------------------------------------

FLAG_REF = 0x80
MAX_MARSHAL_STACK_DEPTH = 2000          # non-Windows value in marshal.c
SIZE32_MAX = 0x7FFFFFFF
PYLONG_MARSHAL_SHIFT = 15

# Fields of a code object in stream order: ("i", name) is a raw int32
# (r_long), ("o", name) a nested object (r_object).  See TYPE_CODE in r_object.
_CODE_LAYOUT = (
    ("i", "argcount"), ("i", "posonlyargcount"), ("i", "kwonlyargcount"),
    ("i", "stacksize"), ("i", "flags"),
    ("o", "code"), ("o", "consts"), ("o", "names"),
    ("o", "localsplusnames"), ("o", "localspluskinds"),
    ("o", "filename"), ("o", "name"), ("o", "qualname"),
    ("i", "firstlineno"),
    ("o", "linetable"), ("o", "exceptiontable"),
)

_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_H16 = struct.Struct("<h")
_F64 = struct.Struct("<d")

# PyOS_string_to_double() as used by r_float_str(): the whole C string must
# be consumed; "inf"/"infinity"/"nan" are accepted case-insensitively.
_FLOAT_TEXT_RE = re.compile(
    rb"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rb"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])\Z")

_SUMMARY_MAX = 60


class _MObj:
    """A decoded marshal object: ``tag`` (kind), ``value`` and node index.

    ``value`` is the Python value for scalars, a list of _MObj for
    tuple/list/set/frozenset/slice, a list of (key, value) _MObj pairs for
    dict and a dict of field name -> int/_MObj for code.
    """

    __slots__ = ("tag", "value", "node")

    def __init__(self, tag, value, node):
        self.tag = tag
        self.value = value
        self.node = node


class _WalkError(Exception):
    def __init__(self, message, offset):
        super().__init__(message)
        self.message = message
        self.offset = offset


def _short_text(prefix, text):
    if len(text) > _SUMMARY_MAX:
        return prefix + repr(text[:_SUMMARY_MAX]) + "..."
    return prefix + repr(text)


class _MarshalWalker:
    """Re-implementation of the reading half of Python/marshal.c.

    The ``_r_*`` primitives mirror the C readers of the same name
    (r_byte, r_long, r_string, r_PyLong, r_float_str, r_float_bin); the
    ``_t_*`` handlers are the cases of the switch in r_object().  Ref indices
    are assigned exactly like ``r_ref`` / ``r_ref_reserve``: at the moment
    the type byte has been read and (for containers) before any child, so
    the numbering is pre-order.  Objects of the singleton types (N F T S .),
    NULL and refs never get an index even when FLAG_REF is set.
    """

    def __init__(self, data, start):
        self.data = data
        self.pos = start
        self.end = len(data)
        self.nodes = []
        # refs[i] is the _MObj registered under index i, or None while the
        # slot is only reserved (r_ref_reserve placeholder, Py_None in C).
        self.refs = []
        self.context = []            # stack of (type char, offset)
        self.last_offset = start     # type byte of the last completed object

    # -- primitive readers --------------------------------------------------

    def _fail(self, message, offset=None):
        raise _WalkError(message, self.pos if offset is None else offset)

    def _r_string(self, n):
        """r_string(): take n raw bytes."""
        p = self.pos
        if self.end - p < n:
            self._fail("marshal data too short", p)
        self.pos = p + n
        return self.data[p:p + n]

    def _r_byte(self):
        """r_byte(): one unsigned byte."""
        p = self.pos
        if p >= self.end:
            self._fail("EOF read where not expected", p)
        self.pos = p + 1
        return self.data[p]

    def _r_long(self):
        """r_long(): signed little-endian int32."""
        p = self.pos
        if self.end - p < 4:
            self._fail("marshal data too short", p)
        self.pos = p + 4
        return _I32.unpack_from(self.data, p)[0]

    def _r_float_str(self):
        """r_float_str(): length byte + text parsed by PyOS_string_to_double."""
        n = self._r_byte()
        start = self.pos
        raw = self._r_string(n)
        text = raw.split(b"\0", 1)[0]         # C string semantics
        if not _FLOAT_TEXT_RE.match(text):
            # PyOS_string_to_double's message: '%.200s' of the C string
            self._fail("could not convert string to float: '%s'"
                       % text[:200].decode("utf-8", "replace"), start)
        return float(text.decode("ascii"))

    def _r_float_bin(self):
        """r_float_bin(): 8-byte IEEE double, little-endian."""
        p = self.pos
        self._r_string(8)
        return _F64.unpack_from(self.data, p)[0]

    def _r_pylong(self):
        """r_PyLong(): signed count of 15-bit digits, least significant first."""
        n = self._r_long()
        if n < -SIZE32_MAX or n > SIZE32_MAX:
            self._fail("bad marshal data (long size out of range)", self.pos - 4)
        # n == 0: C computes one top digit with zero shorts in it (integer
        # division/remainder truncate toward zero), reads nothing -> 0.
        count = abs(n)
        value = 0
        for j in range(count):
            p = self.pos
            if self.end - p < 2:
                self._fail("marshal data too short", p)
            self.pos = p + 2
            md = _H16.unpack_from(self.data, p)[0]
            if md < 0:                     # > PyLong_MARSHAL_BASE after sign-ext.
                self._fail("bad marshal data (digit out of range in long)", p)
            if j == count - 1 and md == 0:
                self._fail("bad marshal data (unnormalized long data)", p)
            value |= md << (j * PYLONG_MARSHAL_SHIFT)
        return -value if n < 0 else value

    # -- r_object -----------------------------------------------------------

    def _new_node(self, offset, code, flag, depth, field):
        node = {
            "offset": offset,
            "end_offset": offset + 1,
            "type": chr(code),
            "code": code,
            "flag_ref": bool(flag),
            "ref_index": None,
            "ref_target": None,
            "depth": depth,
            "field": field,
            "summary": "",
        }
        self.nodes.append(node)
        return node

    def _ref_append(self, node, obj):
        """r_ref(): register a finished object at the next index."""
        node["ref_index"] = len(self.refs)
        self.refs.append(obj)

    def _ref_reserve(self, node):
        """r_ref_reserve(): reserve the next index before reading children."""
        idx = len(self.refs)
        if idx >= 0x7FFFFFFE:
            self._fail("bad marshal data (index list too large)")
        node["ref_index"] = idx
        self.refs.append(None)
        return idx

    def read_object(self, depth=0, field=None):
        """r_object(): read one object; returns an _MObj or None for NULL."""
        offset = self.pos
        if offset >= self.end:
            self._fail("EOF read where object expected", offset)
        raw = self.data[offset]
        self.pos = offset + 1
        if depth + 1 > MAX_MARSHAL_STACK_DEPTH:
            self._fail("recursion limit exceeded", offset)
        flag = raw & FLAG_REF
        code = raw & ~FLAG_REF & 0xFF
        node_index = len(self.nodes)
        node = self._new_node(offset, code, flag, depth, field)
        self.context.append((chr(code), offset))
        handler = _DISPATCH.get(code)
        if handler is None:
            self._fail("bad marshal data (unknown type code)", offset)
        obj = handler(self, node, flag, depth)
        if obj is not None and obj.node is None:
            obj.node = node_index
        node["end_offset"] = self.pos
        self.context.pop()
        self.last_offset = offset        # type byte of the object just read
        return obj

    # -- per-type handlers (cases of the switch in r_object) ----------------

    def _t_null(self, node, flag, depth):
        node["summary"] = "NULL"
        return None

    def _singleton(tag, value, summary):
        def handler(self, node, flag, depth):
            node["summary"] = summary
            return _MObj(tag, value, None)
        handler.__name__ = "_t_" + tag
        return handler

    _t_none = _singleton("none", None, "None")
    _t_false = _singleton("bool", False, "False")
    _t_true = _singleton("bool", True, "True")
    _t_stopiter = _singleton("stopiter", StopIteration, "StopIteration")
    _t_ellipsis = _singleton("ellipsis", Ellipsis, "Ellipsis")
    del _singleton

    def _finish_scalar(self, node, flag, tag, value, summary):
        obj = _MObj(tag, value, None)
        node["summary"] = summary
        if flag:
            self._ref_append(node, obj)
        return obj

    def _t_int(self, node, flag, depth):
        v = self._r_long()
        return self._finish_scalar(node, flag, "int", v, "int %d" % v)

    def _t_int64(self, node, flag, depth):
        p = self.pos
        self._r_string(8)
        v = _I64.unpack_from(self.data, p)[0]
        return self._finish_scalar(node, flag, "int", v, "int %d" % v)

    def _t_long(self, node, flag, depth):
        v = self._r_pylong()
        text = _int_repr(v)
        if len(text) > _SUMMARY_MAX:
            text = text[:_SUMMARY_MAX] + "..."
        return self._finish_scalar(node, flag, "int", v, "long " + text)

    def _t_float(self, node, flag, depth):
        v = self._r_float_str()
        return self._finish_scalar(node, flag, "float", v, "float " + repr(v))

    def _t_binary_float(self, node, flag, depth):
        v = self._r_float_bin()
        return self._finish_scalar(node, flag, "float", v, "float " + repr(v))

    def _t_complex(self, node, flag, depth):
        re_ = self._r_float_str()
        im = self._r_float_str()
        v = complex(re_, im)
        return self._finish_scalar(node, flag, "complex", v, "complex " + repr(v))

    def _t_binary_complex(self, node, flag, depth):
        re_ = self._r_float_bin()
        im = self._r_float_bin()
        v = complex(re_, im)
        return self._finish_scalar(node, flag, "complex", v, "complex " + repr(v))

    def _t_string(self, node, flag, depth):
        n = self._r_long()
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (bytes object size out of range)", self.pos - 4)
        v = self._r_string(n)
        return self._finish_scalar(node, flag, "bytes", v,
                                   _short_text("bytes[%d] " % n, v))

    def _read_ascii(self, node, flag, n):
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (string size out of range)", self.pos - 4)
        # PyUnicode_FromKindAndData(1BYTE_KIND): really latin-1, unchecked.
        v = self._r_string(n).decode("latin-1")
        return self._finish_scalar(node, flag, "str", v, _short_text("str ", v))

    def _t_ascii(self, node, flag, depth):
        return self._read_ascii(node, flag, self._r_long())

    def _t_short_ascii(self, node, flag, depth):
        return self._read_ascii(node, flag, self._r_byte())

    def _t_unicode(self, node, flag, depth):
        n = self._r_long()
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (string size out of range)", self.pos - 4)
        start = self.pos
        raw = self._r_string(n)
        try:
            v = raw.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            self._fail(str(exc), start + exc.start)
        return self._finish_scalar(node, flag, "str", v, _short_text("str ", v))

    def _read_sequence(self, node, flag, depth, tag, n, what):
        """Shared body of TYPE_TUPLE / TYPE_SMALL_TUPLE / TYPE_LIST."""
        obj = _MObj(tag, [], None)
        node["summary"] = "%s[%d]" % (tag, n)
        if flag:
            self._ref_append(node, obj)          # R_REF before the items
        items = obj.value
        for _ in range(n):
            item = self.read_object(depth + 1)
            if item is None:
                self._fail("NULL object in marshal data for " + what, self.last_offset)
            items.append(item)
        return obj

    def _t_tuple(self, node, flag, depth):
        n = self._r_long()
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (tuple size out of range)", self.pos - 4)
        return self._read_sequence(node, flag, depth, "tuple", n, "tuple")

    def _t_small_tuple(self, node, flag, depth):
        n = self._r_byte()
        return self._read_sequence(node, flag, depth, "tuple", n, "tuple")

    def _t_list(self, node, flag, depth):
        n = self._r_long()
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (list size out of range)", self.pos - 4)
        return self._read_sequence(node, flag, depth, "list", n, "list")

    def _t_dict(self, node, flag, depth):
        obj = _MObj("dict", [], None)
        if flag:
            self._ref_append(node, obj)
        pairs = obj.value
        while True:                  # key/value pairs until a NULL key (or value)
            key = self.read_object(depth + 1)
            if key is None:
                break
            val = self.read_object(depth + 1)
            if val is None:
                break
            msg = _unhashable_message(key, "dict key")
            if msg:
                self._fail(msg, self.last_offset)
            pairs.append((key, val))
        node["summary"] = "dict[%d]" % len(pairs)
        return obj

    def _t_set(self, node, flag, depth):
        frozen = node["code"] == ord(">")
        tag = "frozenset" if frozen else "set"
        n = self._r_long()
        if n < 0 or n > SIZE32_MAX:
            self._fail("bad marshal data (set size out of range)", self.pos - 4)
        obj = _MObj(tag, [], None)
        node["summary"] = "%s[%d]" % (tag, n)
        if n == 0 and frozen:                   # frozenset() singleton path
            if flag:
                self._ref_append(node, obj)
            return obj
        idx = None
        if flag:
            if frozen:
                idx = self._ref_reserve(node)   # delayed registration
            else:
                self._ref_append(node, obj)
        for _ in range(n):
            item = self.read_object(depth + 1)
            if item is None:
                self._fail("NULL object in marshal data for set", self.last_offset)
            msg = _unhashable_message(item, "set element")
            if msg:
                self._fail(msg, self.last_offset)
            obj.value.append(item)
        if idx is not None:
            self.refs[idx] = obj                # r_ref_insert
        return obj

    def _t_code(self, node, flag, depth):
        idx = self._ref_reserve(node) if flag else None
        fields = {}
        node["summary"] = "code"
        for kind, name in _CODE_LAYOUT:
            if kind == "i":
                fields[name] = self._r_long()
            else:
                value = self.read_object(depth + 1, "co_" + name)
                if value is None:
                    self._fail("NULL object in marshal data for code object",
                               self.last_offset)
                fields[name] = value
        obj = _MObj("code", fields, None)
        name = fields["name"]
        node["summary"] = "code " + (name.value if name.tag == "str" else "?")
        self._validate_code(fields, node["offset"])
        if idx is not None:
            self.refs[idx] = obj
        return obj

    def _validate_code(self, f, offset):
        """_PyCode_Validate() in Objects/codeobject.c."""
        def bad(what):
            self._fail("bad argument to internal function (code object: %s)"
                       % what, offset)
        if f["argcount"] < f["posonlyargcount"] or f["posonlyargcount"] < 0:
            bad("argcount")
        if f["kwonlyargcount"] < 0:
            bad("kwonlyargcount")
        if f["stacksize"] < 0:
            bad("stacksize")
        if f["flags"] < 0:
            bad("flags")
        for name, tag in (("code", "bytes"), ("consts", "tuple"),
                          ("names", "tuple"), ("localsplusnames", "tuple"),
                          ("localspluskinds", "bytes"), ("name", "str"),
                          ("qualname", "str"), ("filename", "str"),
                          ("linetable", "bytes"), ("exceptiontable", "bytes")):
            if f[name].tag != tag:
                bad("co_%s is %s, expected %s" % (name, f[name].tag, tag))
        kinds = f["localspluskinds"].value
        if len(f["localsplusnames"].value) != len(kinds):
            bad("len(co_localsplusnames) != len(co_localspluskinds)")
        if len(f["code"].value) % 2:
            self._fail("code: co_code is malformed", offset)
        nlocals = sum(1 for k in kinds if k & CO_FAST_LOCAL)
        flags = f["flags"]
        nplain = (nlocals - f["argcount"] - f["kwonlyargcount"]
                  - bool(flags & 0x04) - bool(flags & 0x08))
        if nplain < 0:
            self._fail("code: co_varnames is too small", offset)
        # _PyCode_New(): intern_strings() on co_names and co_localsplusnames
        for name in ("names", "localsplusnames"):
            if any(x.tag != "str" for x in f[name].value):
                self._fail("non-string found in code slot", offset)

    def _t_ref(self, node, flag, depth):
        n = self._r_long()
        node["ref_target"] = n
        if n < 0 or n >= len(self.refs) or self.refs[n] is None:
            self._fail("bad marshal data (invalid reference)", self.pos - 4)
        target = self.refs[n]
        node["summary"] = "ref %d" % n
        return target

    def _t_slice(self, node, flag, depth):
        idx = self._ref_reserve(node) if flag else None
        node["summary"] = "slice"
        parts = []
        for _ in range(3):
            item = self.read_object(depth + 1)
            if item is None:
                # TYPE_SLICE returns NULL *without* an exception: the
                # container decides (error, or end of a dict).
                node["summary"] = "slice (NULL part)"
                return None
            parts.append(item)
        obj = _MObj("slice", parts, None)
        if idx is not None:
            self.refs[idx] = obj
        return obj


def _unhashable(mobj):
    """Type name of the unhashable object that makes ``mobj`` unhashable
    (what PySet_Add / PyDict_SetItem would report), or None if hashable."""
    tag = mobj.tag
    if tag in ("list", "dict", "set"):
        return tag
    if tag in ("tuple", "slice"):
        for x in mobj.value:
            bad = _unhashable(x)
            if bad is not None:
                return bad
    return None


def _unhashable_message(mobj, role):
    """The TypeError text of CPython 3.14 for an unhashable set item/dict key."""
    bad = _unhashable(mobj)
    if bad is None:
        return None
    return "cannot use '%s' as a %s (unhashable type: '%s')" % (mobj.tag, role, bad)


_DISPATCH = {ord(c): fn for c, fn in {
    "0": _MarshalWalker._t_null,
    "N": _MarshalWalker._t_none,
    "F": _MarshalWalker._t_false,
    "T": _MarshalWalker._t_true,
    "S": _MarshalWalker._t_stopiter,
    ".": _MarshalWalker._t_ellipsis,
    "i": _MarshalWalker._t_int,
    "I": _MarshalWalker._t_int64,
    "f": _MarshalWalker._t_float,
    "g": _MarshalWalker._t_binary_float,
    "x": _MarshalWalker._t_complex,
    "y": _MarshalWalker._t_binary_complex,
    "l": _MarshalWalker._t_long,
    "s": _MarshalWalker._t_string,
    "t": _MarshalWalker._t_unicode,
    "u": _MarshalWalker._t_unicode,
    "a": _MarshalWalker._t_ascii,
    "A": _MarshalWalker._t_ascii,
    "z": _MarshalWalker._t_short_ascii,
    "Z": _MarshalWalker._t_short_ascii,
    "(": _MarshalWalker._t_tuple,
    ")": _MarshalWalker._t_small_tuple,
    "[": _MarshalWalker._t_list,
    "{": _MarshalWalker._t_dict,
    "<": _MarshalWalker._t_set,
    ">": _MarshalWalker._t_set,
    "c": _MarshalWalker._t_code,
    "r": _MarshalWalker._t_ref,
    ":": _MarshalWalker._t_slice,
    # '?' (TYPE_UNKNOWN) is only ever *written* (for unmarshallable
    # objects); r_object() rejects it like any unknown code.
}.items()}


def _walk(data, header):
    """Walk ``data`` (a whole .pyc if ``header``) and return
    ``(walker, root_mobj, header_info)``.  Raises RequestError("unmarshal").
    """
    info = _parse_header(data) if header else None
    walker = _MarshalWalker(data, 16 if header else 0)
    try:
        with _deep_recursion():
            root = walker.read_object()
        if root is None:
            # read_object(): a NULL at top level is an error
            walker.pos = walker.nodes[0]["offset"]
            walker.context.append(("0", walker.pos))
            walker._fail("NULL object in marshal data for object")
        if walker.pos != walker.end:
            walker.context.clear()
            walker._fail("trailing data (%d bytes after the root object)"
                         % (walker.end - walker.pos))
    except _WalkError as exc:
        ctx = walker.context[-1] if walker.context else (None, None)
        raise RequestError("unmarshal", exc.message, offset=exc.offset,
                           type=ctx[0], object_offset=ctx[1]) from None
    return walker, root, info


def op_marshal_refs(req):
    """Walk marshal data and list every object header.

    req: ``{"data": base64, "header": bool}``.  See PROTOCOL-analysis.md.
    """
    data = _b64_field(req, "data")
    header = _field(req, "header", bool, "a boolean")
    walker, _root, info = _walk(data, header)
    return {
        "nodes": walker.nodes,
        "ref_count": len(walker.refs),
        "end_offset": walker.pos,
        "header": info,
    }


# --------------------------------------------------------------------------
# Code-object tables
# --------------------------------------------------------------------------

# Include/internal/pycore_code.h (3.14): _PyLocals_Kind bits
CO_FAST_ARG_POS = 0x02
CO_FAST_ARG_KW = 0x04
CO_FAST_ARG_VAR = 0x08
CO_FAST_HIDDEN = 0x10
CO_FAST_LOCAL = 0x20
CO_FAST_CELL = 0x40
CO_FAST_FREE = 0x80

_KIND_BITS = (
    (CO_FAST_ARG_POS, "arg_pos"),
    (CO_FAST_ARG_KW, "arg_kw"),
    (CO_FAST_ARG_VAR, "arg_var"),
    (CO_FAST_HIDDEN, "hidden"),
    (CO_FAST_LOCAL, "local"),
    (CO_FAST_CELL, "cell"),
    (CO_FAST_FREE, "free"),
)


def _kind_name(kind):
    """Name a localsplus kind byte, bits ascending, joined with '|'."""
    parts = []
    rest = kind
    for bit, name in _KIND_BITS:
        if kind & bit:
            parts.append(name)
            rest &= ~bit
    for b in range(8):
        if rest & (1 << b):
            parts.append("0x%02x" % (1 << b))
    return "|".join(parts) if parts else "0x00"


def _flag_names(flags):
    """co_flags bits ascending: dis.COMPILER_FLAG_NAMES or '0x...'."""
    names = []
    bit = 1
    while bit <= flags:
        if flags & bit:
            names.append(dis.COMPILER_FLAG_NAMES.get(bit, "0x%x" % bit))
        bit <<= 1
    return names


# Location codes (Include/cpython/code.h _PyCodeLocationInfoKind)
_LOC_NONE = 15
_LOC_LONG = 14
_LOC_NO_COLUMNS = 13
_LOC_ONE_LINE0 = 10


def decode_linetable(table, firstlineno):
    """Decode co_linetable (Objects/locations.md).

    Mirrors advance_with_locations() / read_varint() / read_signed_varint()
    in Objects/codeobject.c, the inverse of write_location_info_entry() in
    Python/assemble.c.  Returns ``(entries, error)``; ``error`` is None or a
    message when the table is malformed (decoding stops there).
    """
    entries = []
    line = firstlineno
    n = len(table)
    pos = 0

    def varint():
        nonlocal pos
        if pos >= n:
            raise IndexError
        b = table[pos]
        pos += 1
        val = b & 63
        shift = 0
        while b & 64:
            if pos >= n:
                raise IndexError
            b = table[pos]
            pos += 1
            shift += 6
            val |= (b & 63) << shift
        return val

    def svarint():
        u = varint()
        return -(u >> 1) if u & 1 else u >> 1

    while pos < n:
        start = pos
        first = table[pos]
        if not first & 0x80:
            return entries, "byte 0x%02x at %d does not start an entry" % (first, start)
        pos += 1
        code = (first >> 3) & 15
        units = (first & 7) + 1
        try:
            if code == _LOC_NONE:
                entry = ("none", None, None, None, None)
            elif code == _LOC_LONG:
                line += svarint()
                end_line = line + varint()
                col = varint() - 1
                end_col = varint() - 1
                entry = ("long", line, end_line,
                         None if col < 0 else col, None if end_col < 0 else end_col)
            elif code == _LOC_NO_COLUMNS:
                line += svarint()
                entry = ("no_column", line, line, None, None)
            elif code >= _LOC_ONE_LINE0:
                line += code - _LOC_ONE_LINE0
                if pos + 2 > n:
                    raise IndexError
                col, end_col = table[pos], table[pos + 1]
                pos += 2
                entry = ("one_line%d" % (code - _LOC_ONE_LINE0), line, line, col, end_col)
            else:
                if pos >= n:
                    raise IndexError
                second = table[pos]
                pos += 1
                col = (code << 3) | ((second >> 4) & 7)
                entry = ("short%d" % code, line, line, col, col + (second & 15))
        except IndexError:
            return entries, "truncated entry at %d" % start
        kind, l0, l1, c0, c1 = entry
        entries.append({"kind": kind, "code": code, "units": units,
                        "line": l0, "end_line": l1, "col": c0, "end_col": c1})
    return entries, None


def decode_exceptiontable(table):
    """Decode co_exceptiontable (Objects/exception_handling_notes.txt).

    Mirrors get_exception_handler()/parse_varint() in Python/ceval.c and
    the writer assemble_emit_exception_table_entry() in Python/assemble.c:
    big-endian 6-bit groups, 0x40 = continuation, 0x80 marks an entry's
    first byte; fields start, size, target, depth<<1|lasti.  Values are in
    code units.  Returns ``(entries, error)``.
    """
    entries = []
    n = len(table)
    pos = 0

    def varint():
        nonlocal pos
        if pos >= n:
            raise IndexError
        b = table[pos]
        pos += 1
        val = b & 63
        while b & 64:
            if pos >= n:
                raise IndexError
            b = table[pos]
            pos += 1
            val = (val << 6) | (b & 63)
        return val

    while pos < n:
        start_pos = pos
        if not table[pos] & 0x80:
            return entries, "byte 0x%02x at %d does not start an entry" % (table[pos], pos)
        try:
            start = varint()
            size = varint()
            target = varint()
            dl = varint()
        except IndexError:
            return entries, "truncated entry at %d" % start_pos
        entries.append({"start": start, "end": start + size, "target": target,
                        "depth": dl >> 1, "lasti": bool(dl & 1)})
    return entries, None


# --------------------------------------------------------------------------
# Code-object traversal and naming
# --------------------------------------------------------------------------

def _child_codes(code):
    """Code objects directly in co_consts (also inside nested tuples), in order."""
    out = []

    def scan(items):
        for item in items:
            if isinstance(item, types.CodeType):
                out.append(item)
            elif isinstance(item, tuple):
                scan(item)
    scan(code.co_consts)
    return out


def _sibling_paths(parent_path, codes):
    """Paths for sibling code objects: parent/name, parent/name#2, ..."""
    seen = {}
    paths = []
    for c in codes:
        k = seen.get(c.co_name, 0) + 1
        seen[c.co_name] = k
        name = c.co_name if k == 1 else "%s#%d" % (c.co_name, k)
        paths.append(parent_path + "/" + name)
    return paths


def _code_tree(root):
    """Pre-order list of (code, path); each code object listed once."""
    result = []
    seen = set()

    def visit(code, path):
        seen.add(id(code))
        result.append((code, path))
        kids = [c for c in _child_codes(code) if id(c) not in seen]
        # dedupe identical objects among siblings (keep first occurrence)
        uniq, ids = [], set()
        for c in kids:
            if id(c) not in ids:
                ids.add(id(c))
                uniq.append(c)
        for c, p in zip(uniq, _sibling_paths(path, uniq)):
            if id(c) not in seen:
                visit(c, p)
    visit(root, root.co_name)
    return result


def _pair_code_mobjs(code, mobj, pairs):
    """Pair loaded code objects with walker _MObj (parallel walk of consts)."""
    if mobj is None or mobj.tag != "code":
        return
    if id(code) in pairs:
        return
    pairs[id(code)] = mobj

    def scan(items, mitems):
        for item, mitem in zip(items, mitems):
            if isinstance(item, types.CodeType):
                _pair_code_mobjs(item, mitem, pairs)
            elif isinstance(item, tuple) and mitem.tag == "tuple":
                scan(item, mitem.value)
    consts = mobj.value["consts"]
    scan(code.co_consts, consts.value if consts.tag == "tuple" else [])


def _const_info(obj, paths):
    """Const dict for one constant (see PROTOCOL-analysis.md)."""
    info = {"type": type(obj).__name__, "repr": _const_repr(obj)}
    if isinstance(obj, bool):
        pass
    elif isinstance(obj, float):
        info["bits"] = _float_bits(obj)
    elif isinstance(obj, complex):
        info["bits"] = [_float_bits(obj.real), _float_bits(obj.imag)]
    elif isinstance(obj, tuple):
        info["items"] = [_const_info(x, paths) for x in obj]
    elif isinstance(obj, (frozenset, set)):
        info["items"] = [_const_info(x, paths)
                         for x in sorted(obj, key=_marshal_key)]
    elif isinstance(obj, slice):
        info["items"] = [_const_info(x, paths)
                         for x in (obj.start, obj.stop, obj.step)]
    elif isinstance(obj, types.CodeType):
        info["path"] = paths.get(id(obj))
    return info


def _repr_fixups(code):
    """(builtin repr, deterministic repr) pairs for constants that differ.

    dis prints constants with builtin repr(), whose frozenset item order
    depends on the string hash seed; these pairs rewrite such reprs into the
    marshal-ordered form of _const_repr().  Longest first.
    """
    fix = {}
    for c in code.co_consts:
        if isinstance(c, (tuple, frozenset)):
            builtin = _scrub(repr(c))
            mine = _const_repr(c)
            if builtin != mine:
                fix[builtin] = mine
    return sorted(fix.items(), key=lambda kv: -len(kv[0]))


def _apply_fixups(text, fixups):
    for old, new in fixups:
        text = text.replace(old, new)
    return text


def _dis_text(code, fixups=()):
    """dis text of one code object (no recursion), addresses scrubbed."""
    buf = io.StringIO()
    dis.dis(code, file=buf, depth=0)
    return _apply_fixups(_scrub(buf.getvalue()), fixups)


def _instructions(code, fixups=()):
    out = []
    for ins in dis.get_instructions(code):
        pos = ins.positions
        out.append({
            "offset": ins.offset,
            "opcode": ins.opcode,
            "opname": ins.opname,
            "arg": ins.arg,
            "argval": _scrub(_const_repr(ins.argval)),
            "argrepr": _apply_fixups(_scrub(ins.argrepr), fixups),
            "positions": [pos.lineno, pos.end_lineno, pos.col_offset,
                          pos.end_col_offset] if pos is not None
                         else [None, None, None, None],
            "line": ins.line_number,
            "starts_line": bool(ins.starts_line),
            "is_jump_target": bool(ins.is_jump_target),
            "cache_count": dis._get_cache_size(ins.opname),
        })
    return out


def _code_obj(code, path, mobj, paths):
    """CodeObj dict for one code object."""
    if mobj is not None:
        fields_m = mobj.value
        lp_names = [x.value for x in fields_m["localsplusnames"].value]
        lp_kinds = list(fields_m["localspluskinds"].value)
    else:                       # not reachable for walker-validated input
        lp_names, lp_kinds = None, None
    linetable = code.co_linetable
    exctable = code.co_exceptiontable
    loc, loc_err = decode_linetable(linetable, code.co_firstlineno)
    exc, exc_err = decode_exceptiontable(exctable)
    fields = {
        "co_argcount": code.co_argcount,
        "co_posonlyargcount": code.co_posonlyargcount,
        "co_kwonlyargcount": code.co_kwonlyargcount,
        "co_stacksize": code.co_stacksize,
        "co_flags": code.co_flags,
        "co_flags_names": _flag_names(code.co_flags),
        "co_firstlineno": code.co_firstlineno,
        "co_name": code.co_name,
        "co_qualname": code.co_qualname,
        "co_filename": code.co_filename,
        "co_consts": [_const_info(c, paths) for c in code.co_consts],
        "co_names": list(code.co_names),
        "co_localsplusnames": lp_names,
        "co_localspluskinds": lp_kinds,
        "co_localspluskinds_names": (None if lp_kinds is None
                                     else [_kind_name(k) for k in lp_kinds]),
        "co_nlocals": code.co_nlocals,
        "co_code_hex": code.co_code.hex(),
        "co_linetable_hex": linetable.hex(),
        "co_exceptiontable_hex": exctable.hex(),
        "co_linetable": loc,
        "co_linetable_error": loc_err,
        "co_exceptiontable": exc,
        "co_exceptiontable_error": exc_err,
    }
    dis_error = None
    try:
        fixups = _repr_fixups(code)
        instructions = _instructions(code, fixups)
        text = _dis_text(code, fixups)
    except Exception as e:      # malformed bytecode from a compiler under test
        instructions = []
        text = ""
        dis_error = "%s: %s" % (type(e).__name__, _scrub(str(e)))
    return {"path": path, "fields": fields, "instructions": instructions,
            "dis": text, "dis_error": dis_error}


def _mobj_type_name(mobj):
    return {"none": "NoneType", "stopiter": "type"}.get(mobj.tag, mobj.tag)


def op_layers(req):
    """Unmarshal a .pyc and describe every code object.

    req: ``{"pyc": base64, "header": bool}``.  See PROTOCOL-analysis.md.
    """
    data = _b64_field(req, "pyc")
    header = _field(req, "header", bool, "a boolean")
    _walker, root_m, info = _walk(data, header)
    payload = data[16:] if header else data
    try:
        root = marshal.loads(payload)
    except Exception as e:
        raise RequestError("unmarshal", "%s: %s" % (type(e).__name__, e),
                           offset=None, type=None, object_offset=None) from None
    result = {"header": info, "root_type": _mobj_type_name(root_m),
              "code_objects": [], "dis": ""}
    if not isinstance(root, types.CodeType):
        return result
    with _deep_recursion():
        tree = _code_tree(root)
        paths = {id(c): p for c, p in tree}
        pairs = {}
        _pair_code_mobjs(root, root_m, pairs)
        objs = [_code_obj(c, p, pairs.get(id(c)), paths) for c, p in tree]
    result["code_objects"] = objs
    result["dis"] = "".join("Disassembly of %s:\n%s\n" % (o["path"], o["dis"])
                            for o in objs)
    return result


# --------------------------------------------------------------------------
# Compiler stages (_testinternalcapi)
# --------------------------------------------------------------------------

def _opnames():
    import _opcode_metadata
    names = {}
    for name, op in _opcode_metadata.opmap.items():
        names.setdefault(op, name)
    return names


def _stage_instrs(raw, opnames):
    """SInstr dicts from InstructionSequence.get_instructions() tuples.

    Each tuple is (opcode, oparg|None, lineno, end_lineno, col, end_col)
    (inst_seq_get_instructions() in Python/instruction_sequence.c, after
    _PyInstructionSequence_ApplyLabelMap, so jump/handler args are indices
    into the same list).
    """
    import _opcode
    out = []
    targets = set()
    for t in raw:
        if not isinstance(t, tuple) or len(t) != 6:
            raise RequestError("internal", "unexpected instruction item %r" % (t,))
        op, arg = t[0], t[1]
        if arg is not None and (_opcode.has_jump(op) or _opcode.has_exc(op)):
            targets.add(arg)
        out.append({"opcode": op, "opname": opnames.get(op, "<%d>" % op),
                    "arg": arg, "location": [t[2], t[3], t[4], t[5]]})
    for i, ins in enumerate(out):
        ins["is_target"] = i in targets
    return out


def _positions_set(code):
    """Distinct located positions of a code object.

    Positions without columns are skipped: the assembler's prefix
    instructions (RETURN_GENERATOR, MAKE_CELL, ...) get (firstlineno,
    firstlineno, None, None) and do not exist in the codegen sequence.
    """
    return {p for p in code.co_positions()
            if p[0] is not None and p[2] is not None}


def _seq_signature(raw):
    """(first RESUME line or None, set of locations) of a codegen sequence."""
    resume = dis.opmap["RESUME"]
    first = None
    locs = set()
    for t in raw:
        if first is None and t[0] == resume:
            first = t[2]
        if t[2] is not None and t[2] >= 0:
            locs.add((t[2], t[3], t[4] if t[4] >= 0 else None,
                      t[5] if t[5] >= 0 else None))
    return first, locs


def _seq_matches(sig, code):
    """Whether a nested codegen sequence plausibly compiled to ``code``."""
    first, locs = sig
    if first != code.co_firstlineno:
        return False
    final = _positions_set(code)
    if not final:
        return True
    return len(final & locs) * 10 >= len(final) * 9


def _align(sigs, codes):
    """Order-preserving alignment of sequences to candidate code objects.

    Returns a list (one per sequence) of candidate index or None.  Greedy
    forward and backward alignments are computed; a sequence is mapped only
    when both agree (otherwise it is considered unsure).
    """
    def greedy(order_s, order_c):
        res = {}
        ci = 0
        for si in order_s:
            for k in range(ci, len(order_c)):
                if _seq_matches(sigs[si], codes[order_c[k]]):
                    res[si] = order_c[k]
                    ci = k + 1
                    break
        return res
    s_idx = list(range(len(sigs)))
    c_idx = list(range(len(codes)))
    fwd = greedy(s_idx, c_idx)
    bwd = greedy(s_idx[::-1], c_idx[::-1])
    return [fwd.get(i) if fwd.get(i) is not None and fwd.get(i) == bwd.get(i)
            else None for i in s_idx]


def _align_units(raws, codes):
    """Map nested codegen sequences (their raw instruction lists) to codes.

    Sequences with identical instruction lists compile to equal code
    objects, which the compiler's constant cache merges into a single
    co_consts entry (3.14 compiles the generator expression of
    ``any()/all()/tuple()`` calls twice: inlined fast path plus fallback).
    Such duplicates are aligned once and all map to the same code object.
    """
    first_of = {}
    uniq = []
    rep = []
    for raw in raws:
        key = tuple(raw)
        if key not in first_of:
            first_of[key] = len(uniq)
            uniq.append(raw)
        rep.append(first_of[key])
    mapping = _align([_seq_signature(r) for r in uniq], codes)
    return [mapping[u] for u in rep]


def op_stages(req):
    """Codegen and CFG-optimised instruction sequences of a source file.

    req: ``{"source": base64, "filename": str, "optimize": int}``.
    See PROTOCOL-analysis.md.

    The ``_testinternalcapi`` calls run in a forked child process: in
    CPython 3.14.10 ``compiler_codegen`` corrupts the heap (a list is freed
    twice; later allocations crash in PyList_New) whenever the module has
    module-level annotations, i.e. whenever the deferred module
    ``__annotate__`` is generated into a temporary sequence and injected at
    ANNOTATIONS_PLACEHOLDER.  The child serialises its JSON-clean result
    with marshal over a pipe and leaves with ``os._exit`` so no corrupted
    state reaches this process; a child killed by a signal is retried.
    """
    global stage_child_failures
    source = _b64_field(req, "source")
    filename = _field(req, "filename", str, "a string")
    optimize = _field(req, "optimize", int, "an integer")
    if not hasattr(os, "fork"):
        return _stages_guarded(source, filename, optimize)
    last = None
    for _attempt in range(_STAGE_ATTEMPTS):
        status, payload = _run_forked(_stages_guarded, source, filename, optimize)
        if status == "ok":
            return payload
        if status == "error":
            kind, message, extra = payload
            raise RequestError(kind, message, **extra)
        stage_child_failures += 1
        last = payload
    raise RequestError("internal", "compiler-stage child process failed %d times: %s"
                       % (_STAGE_ATTEMPTS, last))


_STAGE_ATTEMPTS = 3
stage_child_failures = 0        # children that died (diagnostics only)


def _run_forked(fn, *args):
    """Run ``fn(*args)`` in a forked child; return (status, payload).

    status is "ok" (payload = result), "error" (payload = (kind, message,
    extra) of a RequestError) or "died" (payload = description).
    """
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # child
        code = 0
        try:
            os.close(rfd)
            try:
                out = ("ok", fn(*args))
            except RequestError as e:
                out = ("error", (e.kind, e.message, e.extra))
            except BaseException as e:
                out = ("error", ("internal", "%s: %s" % (type(e).__name__, e), {}))
            data = marshal.dumps(out)
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
            os.close(wfd)
        except BaseException:
            code = 70
        finally:
            os._exit(code)
    os.close(wfd)
    chunks = []
    try:
        while True:
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        _pid, wstatus = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if os.WIFEXITED(wstatus) and os.WEXITSTATUS(wstatus) == 0 and data:
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError) as e:
            return "died", "unreadable result from child: %s" % e
    if os.WIFSIGNALED(wstatus):
        return "died", "killed by signal %d" % os.WTERMSIG(wstatus)
    return "died", "exit status %d" % os.waitstatus_to_exitcode(wstatus)


def _stages_guarded(source, filename, optimize):
    """op_stages body: parse, codegen, optimize_cfg, build the units.

    Compiler warnings (SyntaxWarning etc.) are silenced: they would go to
    stderr and, under ``-W error``, turn into exceptions.
    """
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _stages_body(source, filename, optimize)


def _stages_body(source, filename, optimize):
    import ast
    import _testinternalcapi

    try:
        tree = ast.parse(source, filename)
        seq, md = _testinternalcapi.compiler_codegen(tree, filename, optimize, 0)
    except SyntaxError as e:
        raise RequestError("syntax_error", str(e.msg), lineno=e.lineno,
                           offset=e.offset, end_lineno=e.end_lineno,
                           end_offset=e.end_offset) from None
    except (ValueError, TypeError, RecursionError, MemoryError) as e:
        raise RequestError("compile_error", "%s: %s" % (type(e).__name__, e)) from None
    try:
        units = _stage_units(_testinternalcapi, seq, md, source, filename, optimize)
    finally:
        # No InstructionSequence may survive to interpreter finalisation
        # (that crashes too); lists from get_nested() are already released.
        md = None
        seq = None
    return {"units": units}


def _stage_units(capi, seq, md, source, filename, optimize):
    """Build the ``units`` list of op_stages from one codegen result."""
    opnames = _opnames()

    # Reference compile for paths and nlocals (same source, same optimize).
    try:
        root_code = compile(source, filename, "exec", dont_inherit=True,
                            optimize=optimize)
    except Exception:
        root_code = None
    # compile.c passes len(u_varnames) == co_nlocals of the unit.
    nlocals = root_code.co_nlocals if root_code is not None else 0

    # Codegen output must be read before optimize_cfg.
    top_raw = seq.get_instructions()
    codegen_consts = list(md["consts"])
    cfg_consts = list(md["consts"])          # optimize_cfg rewrites it in place
    try:
        cfg_raw = capi.optimize_cfg(seq, cfg_consts, nlocals).get_instructions()
    except (ValueError, TypeError, SystemError) as e:
        raise RequestError("cfg_error", "%s: %s" % (type(e).__name__, e)) from None

    root_path = root_code.co_name if root_code is not None else "<module>"
    units = [{
        "path": root_path,
        "path_certain": root_code is not None,
        "tree_index": [],
        "codegen": _stage_instrs(top_raw, opnames),
        "cfg": _stage_instrs(cfg_raw, opnames),
        "consts": [_const_repr(c) for c in codegen_consts],
        "cfg_consts": [_const_repr(c) for c in cfg_consts],
        "nlocals": nlocals,
    }]

    def visit(owner, parent_code, parent_path, tree_index):
        """Append units for the nested sequences of ``owner``, recursively."""
        nested = owner.get_nested()
        if not nested:
            return
        raws = [s.get_instructions() for s in nested]
        if parent_code is not None:
            kids = []
            for c in _child_codes(parent_code):
                if all(c is not k for k in kids):
                    kids.append(c)
            kid_paths = _sibling_paths(parent_path, kids)
            mapping = _align_units(raws, kids)
        else:
            kids, kid_paths, mapping = [], [], [None] * len(nested)
        for k, raw in enumerate(raws):
            m = mapping[k]
            if m is None:
                path = "%s/<nested>#%d" % (parent_path, k + 1)
                code = None
            else:
                path, code = kid_paths[m], kids[m]
            idx = tree_index + [k]
            units.append({
                "path": path,
                "path_certain": m is not None,
                "tree_index": idx,
                "codegen": _stage_instrs(raw, opnames),
                "cfg": None,
                "consts": [],
                "cfg_consts": None,
                "nlocals": None,
            })
            visit(nested[k], code, path, idx)

    with _deep_recursion():
        visit(seq, root_code, root_path, [])
    return units
