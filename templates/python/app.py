"""{{name}}: a paybridge connector for a JSON REST payroll API, in Python.

A component that maps, diffs and plans; the host does everything else
(HTTP, auth, retries, the journal). The contract is wit/connector.wit, the
vendor guide paybridge's docs/connectors.md. This file wires the contract's
exports to the pure functions of mapping.py, through the error-to-log
wrapper `guarded`.
"""
import sys

import wit_world
from componentize_py_types import Err
from wit_world.imports import host, types

import mapping


class ToLog:
    """print() and sys.stderr as host log lines: built with --stub-wasi,
    the component has no console, and writing to one would crash it."""

    def __init__(self, level):
        self.level = level

    def write(self, text):
        if text.strip():
            host.log(self.level, text.rstrip())
        return len(text)

    def flush(self):
        pass


sys.stdout = ToLog(types.LogLevel.INFO)
sys.stderr = ToLog(types.LogLevel.WARN)


def guarded(export):
    """The error-to-log wrapper: an exception's type, message and line go
    to the host's log before the call fails, and the host puts that line
    in the error it reports. In read_next, whose answer is a result, the
    exception becomes a connector-error instead."""

    def call(*args):
        try:
            return export(*args)
        except Err:
            raise
        except Exception as e:
            # The innermost frame, read without touching files (the
            # traceback module would look for the source and crash).
            tb = e.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
            message = f"{export.__name__} failed: {type(e).__name__}: {e} ({where})"
            host.log(types.LogLevel.ERROR, message)
            if export.__name__ == "read_next":
                raise Err(types.ConnectorError("connector-failed", message))
            raise

    call.__name__ = export.__name__
    return call


class WitWorld(wit_world.WitWorld):
    """The component's exports."""

    @guarded
    def describe(self) -> types.Manifest:
        return mapping.manifest()

    @guarded
    def prepare(self, ctx, employees):
        return [mapping.prepare_one(e) for e in employees]

    @guarded
    def read_start(self, ctx):
        return [mapping.list_page(1)]

    @guarded
    def read_next(self, ctx, exchanges):
        step = types.ReadStep(learnt=[], company=[], more=[])
        for exchange in exchanges:
            learnt, next_page = mapping.parse_page(exchange)
            step.learnt.extend(learnt)
            if next_page is not None:
                step.more.append(mapping.list_page(next_page))
        return step

    @guarded
    def reconcile(self, ctx, company, items):
        return [mapping.reconcile_one(item) for item in items]

    @guarded
    def import_employees(self, ctx, current):
        # One-way: this connector only exports.
        return []
