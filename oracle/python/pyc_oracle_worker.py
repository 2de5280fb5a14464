"""pyc-parity oracle worker: CPython 3.14 behind a JSON-lines protocol (version 1).

Started by the Rust client (crate `pyc-oracle`) as

    python3.14 -E -s -P -B -X utf8=0 pyc_oracle_worker.py --mode fork-server|fresh

with an otherwise empty environment plus PYTHONHASHSEED=0. The protocol is documented in
oracle/PROTOCOL.md. One request per line on stdin, one response per line on stdout.

Determinism rules (see shared/reference/cpython-314-compiler.md, section 3):
* marshal's FLAG_REF bits depend on refcounts and on which strings are already interned
  in the process. So before a `compile` request has compiled its source, this process has
  imported nothing beyond interpreter start-up and builtin C modules (_json, binascii,
  _imp, _warnings): no Python module is imported, no source is compiled.
* fork-server mode: the parent never compiles or imports; it forks one child per
  request, the child answers through a pipe, the parent relays the answer. The parent
  does build the `_ast` types once, as any `compile()` call's first step would
  (see serve_fork_server).
* fresh mode: the process answers exactly one request and exits.
The analysis requests (layers, stages, marshal_refs) import freely, but only inside the
child that serves them (pyc_oracle_layers.py).
"""

import sys
import os
import _imp
import _json
import binascii

PROTOCOL_VERSION = 1


class _JsonContext:
    """Settings object for the C JSON scanner (what json.JSONDecoder passes to it)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float
    memo = None


_scan = _json.make_scanner(_JsonContext())
_encode = _json.make_encoder(
    None, None, _json.encode_basestring_ascii, None, ":", ",", False, False, False
)


def _dumps(obj):
    return "".join(_encode(obj, 0)).encode("ascii") + b"\n"


def _clean(text):
    """A str that survives strict UTF-8 JSON decoders (no lone surrogates)."""
    if text is None:
        return None
    return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class _Capture:
    """Stands in for sys.stderr while compiling, to collect warning text."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass


def _describe_exception(err):
    info = {
        "type": type(err).__name__,
        "module": type(err).__module__,
        "message": _clean(err.msg if isinstance(err, SyntaxError) else str(err)),
        "str": _clean(str(err)),
    }
    for key in ("filename", "lineno", "offset", "end_lineno", "end_offset", "text"):
        value = getattr(err, key, None)
        info[key] = _clean(value) if isinstance(value, str) else value
    return info


def _parse_warnings(text, filename):
    """Splits the text CPython's warning machinery printed into records.

    Each record is `FILENAME:LINENO: CATEGORY: MESSAGE`, optionally followed by the
    source line indented by two spaces (when the file exists on disk).
    """
    records = []
    prefix = filename + ":"
    for line in text.split("\n"):
        if line.startswith(prefix):
            rest = line[len(prefix):]
            lineno, _, rest = rest.partition(": ")
            category, _, message = rest.partition(": ")
            if lineno.isdigit() and category.isidentifier():
                records.append(
                    {
                        "category": category,
                        "message": _clean(message),
                        "filename": _clean(filename),
                        "lineno": int(lineno),
                    }
                )
                continue
        if records and line and not line.startswith("  "):
            records[-1]["message"] += "\n" + _clean(line)
    return records


def op_compile(req):
    """Compiles exactly like py_compile.compile (importlib's source_to_code path).

    The code object is held in a local while marshalling, as py_compile does: that
    reference is what gives the top-level code object its FLAG_REF bit.
    """
    import _frozen_importlib_external as bootstrap_external  # already loaded at start-up
    import _warnings  # builtin

    source = binascii.a2b_base64(req["source"])
    filename = req["filename"]
    optimize = req.get("optimize", -1)
    mode = req.get("invalidation_mode", "timestamp")
    if mode not in ("timestamp", "checked-hash", "unchecked-hash"):
        raise ValueError("unknown invalidation_mode %r" % (mode,))
    # Report every warning occurrence, not just the first per location.
    _warnings.filters.insert(0, ("always", None, Warning, None, 0))
    capture = _Capture()
    saved_stderr = sys.stderr
    sys.stderr = capture
    try:
        loader = bootstrap_external.SourceFileLoader("<py_compile>", filename)
        code = loader.source_to_code(source, filename, _optimize=optimize)
    except Exception as err:
        sys.stderr = saved_stderr
        return {
            "status": "error",
            "exception": _describe_exception(err),
            "warnings": _parse_warnings("".join(capture.parts), filename),
        }
    finally:
        sys.stderr = saved_stderr
    if mode == "timestamp":
        data = bootstrap_external._code_to_timestamp_pyc(
            code, req.get("mtime", 0), req.get("source_size", len(source))
        )
    else:
        source_hash = _imp.source_hash(_imp.pyc_magic_number_token, source)
        data = bootstrap_external._code_to_hash_pyc(
            code, source_hash, mode == "checked-hash"
        )
    return {
        "status": "ok",
        "pyc": binascii.b2a_base64(bytes(data), newline=False).decode("ascii"),
        "warnings": _parse_warnings("".join(capture.parts), filename),
    }


def op_ast(req):
    """`ast.dump(ast.parse(source), include_attributes=True)`: the parser-level oracle."""
    import ast

    source = binascii.a2b_base64(req["source"])
    filename = req.get("filename", "<unknown>")
    try:
        tree = ast.parse(source, filename, feature_version=None)
    except Exception as err:
        return {"status": "error", "exception": _describe_exception(err)}
    return {"status": "ok", "dump": _clean(ast.dump(tree, include_attributes=True))}


def op_marshal_roundtrip(req):
    """`marshal.loads(data)`, then `marshal.dumps(value, version)` of what it loaded.

    While it is dumped, the root is held by the local `value` and by the call's argument
    (a strong LOAD_FAST inside `try`), every other object only by the references inside
    the loaded graph: FLAG_REF marks the root, the immortal singletons, interned strings,
    set items and objects referenced twice or more (PROTOCOL.md; calibrated by
    oracle/tests/marshal_roundtrip.rs, so keep this code's shape). `marshal` is a builtin
    module, loaded at start-up.
    """
    import marshal

    data = binascii.a2b_base64(req["data"])
    version = req.get("version", 5)
    if not isinstance(version, int) or isinstance(version, bool):
        raise TypeError("version must be an integer")
    try:
        value = marshal.loads(data)
    except Exception as err:
        return {"status": "load_error", "exception": _plain_exception(err)}
    type_name = type(value).__name__
    try:
        dumped = marshal.dumps(value, version)
    except Exception as err:
        return {"status": "dump_error", "type": type_name, "exception": _plain_exception(err)}
    return {
        "status": "ok",
        "type": type_name,
        "dumps": binascii.b2a_base64(dumped, newline=False).decode("ascii"),
    }


def _plain_exception(err):
    return {"type": type(err).__name__, "message": _clean(str(err))}


def _hello(mode):
    return {
        "hello": {
            "protocol": PROTOCOL_VERSION,
            "mode": mode,
            "python_version": "%d.%d.%d" % sys.version_info[:3],
            "version": _clean(sys.version),
            "magic": _imp.pyc_magic_number_token & 0xFFFF,
            "pid": os.getpid(),
        }
    }


def _analysis(op, req):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import pyc_oracle_layers

    return getattr(pyc_oracle_layers, "op_" + op)(req)


def handle(line):
    """Parses one request line and returns the response bytes. Never raises."""
    req_id = None
    try:
        req, end = _scan(line.decode("utf-8"), 0)
        if not isinstance(req, dict):
            raise ValueError("request must be a JSON object")
        req_id = req.get("id")
        op = req.get("op")
        if op == "compile":
            result = op_compile(req)
        elif op in ("layers", "stages", "marshal_refs"):
            try:
                result = _analysis(op, req)
            except Exception as err:
                kind = getattr(err, "kind", None)
                if kind is None:
                    raise
                error = {"kind": kind, "message": _clean(err.message)}
                error.update(getattr(err, "extra", {}))
                return _dumps({"id": req_id, "ok": False, "error": error})
        elif op == "ast":
            result = op_ast(req)
        elif op == "marshal_roundtrip":
            result = op_marshal_roundtrip(req)
        elif op == "ping":
            result = _hello(req.get("mode"))["hello"]
        elif op == "debug_hang":
            import time

            time.sleep(req.get("seconds", 3600))
            result = {}
        elif op == "debug_crash":
            os.abort()
        else:
            raise ValueError("unknown op %r" % (op,))
        return _dumps({"id": req_id, "ok": True, "result": result})
    except BaseException as err:
        error = {
            "kind": "bad_request" if isinstance(err, (ValueError, KeyError, TypeError)) else "internal",
            "message": _clean("%s: %s" % (type(err).__name__, err)),
        }
        return _dumps({"id": req_id, "ok": False, "error": error})


def serve_fork_server():
    """Parent loop: one forked child per request; the parent stays pristine."""
    # Run, once here, the lazy part of the first `compile()`: `builtin_compile_impl`
    # (Python/bltinmodule.c) calls `PyAST_Check(source)` before it looks at the source,
    # and the first such call builds the `_ast` node types (`get_ast_state` ->
    # `init_types`, Python/Python-ast.c): about 2 ms, most of a small request, that every
    # forked child would pay again. A non-source argument stops `compile()` right after
    # that check with a TypeError: nothing is parsed or compiled, no module is imported,
    # and what it interns (node type and field names) is what every child's own
    # `compile()` interns before it parses. No new name either (the worker's identifiers
    # are interned too: compiler/compile/src/startup_interned.rs lists them, with a drift
    # test). The fresh mode (the reference) skips this; oracle/tests/fork_vs_fresh.rs
    # checks that both give the same bytes.
    try:
        compile(None, "", "exec")
    except TypeError:
        pass
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                _write_all(write_fd, handle(line))
            finally:
                os._exit(0)
        os.close(write_fd)
        chunks = []
        while True:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
        data = b"".join(chunks)
        if not data.endswith(b"\n"):
            data = _dumps(
                {
                    "id": None,
                    "ok": False,
                    "error": {
                        "kind": "child_crashed",
                        "message": "request handler exited with wait status %d before answering" % status,
                    },
                }
            )
        _write_all(1, data)


def serve_fresh():
    """Answers exactly one request in this very process, then exits."""
    line = sys.stdin.buffer.readline()
    if line.strip():
        _write_all(1, handle(line))


def main():
    mode = "fork-server"
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--mode" and args[1] in ("fork-server", "fresh"):
        mode = args[1]
    elif args:
        sys.stderr.write("usage: pyc_oracle_worker.py [--mode fork-server|fresh]\n")
        sys.exit(2)
    _write_all(1, _dumps(_hello(mode)))
    if mode == "fresh":
        serve_fresh()
    else:
        serve_fork_server()


if __name__ == "__main__":
    main()
