"""Where a browser session's model lives and steps: in the server, or in a worker process.

A session asks its runner to build a model from its settings, to advance it some weeks, and
for the pictures of the result (a :class:`Frame`: counters, the maps and the charts as PNG).
:class:`LocalRunner` keeps the model in the web server's process (one user on a laptop).
:class:`PoolRunner` keeps it in one of a few worker processes (``binnenstad app --classroom``):
the web server only passes messages and pictures, so 30 sessions step on every core, none
blocks the server's thread, and a session's model never meets another's. The workers
(:class:`WorkerPool`, one per core by default) are started with ``spawn`` when the first
classroom session opens. Sessions whose browser is gone are dropped (:meth:`Runner.close`,
called when Solara ends the session), and a worker drops any model not used for
``reap_after_s`` seconds. A worker whose server has gone (killed, or ended without stopping
its pool) exits within ``poll_s`` seconds: no orphan keeps its memory. Called by
:mod:`sim.present.app.page`.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing as mp
import os
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.present.app.live import LiveCentre, Settings
from sim.present.app.render import ChartPainter, MapPainter

__all__ = ["Frame", "LocalRunner", "PoolRunner", "SessionModel", "WorkerPool", "pool"]

#: A worker drops a session's model after this many seconds without a request.
REAP_AFTER_S = 30 * 60
#: A worker waits this long for a request before it reaps, and checks that its server lives.
POLL_S = 30.0


@dataclass
class Frame:
    """What the page shows after an update.

    Attributes:
        labels: Each run's label (one, or two when comparing).
        counters: Each run's counters (:meth:`sim.present.app.live.Run.counters`).
        maps: Each run's map as PNG.
        charts: The charts as PNG.
        points: Weekly points drawn.
        running: Whether the horizon is still ahead.
        scenario: The scenario's name.
    """

    labels: list[str]
    counters: list[dict]
    maps: list[bytes]
    charts: bytes
    points: int
    running: bool
    scenario: str = ""
    describe: list[str] = field(default_factory=list)


class SessionModel:
    """A LiveCentre with its painters: what a runner holds for one session."""

    def __init__(self, settings: Settings, lang: str = "en", map_width_px: int = 900) -> None:
        from sim.present.i18n import language

        self.t = language(lang)
        self.model = LiveCentre(settings)
        runs = self.model.runs
        ref = max(float(r.model.footfall.baseline.max()) for r in runs)
        width = map_width_px if len(runs) == 1 else map_width_px // 2
        self.maps = [MapPainter(r.model, footfall_ref=ref,
                                pixels_per_cell=max(2, int(width // r.model.town.width)),
                                t=self.t)
                     for r in runs]
        self.charts = ChartPainter(list(zip(self.labels(), (r.model for r in runs),
                                            strict=True)), width_px=map_width_px,
                                   height_px=int(map_width_px * 0.55), t=self.t)
        self.last_used = time.monotonic()
        self._charts: tuple[bytes, int, float] | None = None  # PNG, points, when drawn

    def advance(self, weeks: int, charts_every_s: float = 0.0) -> Frame:
        """Step ``weeks`` weeks (fewer at the horizon) and draw once; the charts only if
        ``charts_every_s`` seconds have passed since they were last drawn (:meth:`frame`)."""
        self.last_used = time.monotonic()
        for _ in range(max(0, int(weeks))):
            if not self.model.running:
                break
            self.model.step()
        return self.frame(charts_every_s)

    def labels(self) -> list[str]:
        """Each run's label in the session's language."""
        model, t = self.model, self.t
        if not model.comparing:
            return [model.runs[0].label]
        choice = model.settings.compare
        items = {f"{section}[{i}]": item for section in ("interventions", "shocks")
                 for i, item in enumerate(getattr(model.scenario_run, section) or [])}
        what = (t.title(items[choice]) if choice in items else t.tr("all instruments"))
        return [t.tr("with {what}", what=what), t.tr("without {what}", what=what)]

    def frame(self, charts_every_s: float = 0.0) -> Frame:
        """The pictures of the current state. The charts are drawn again only when
        ``charts_every_s`` seconds have passed since the last time (0: always) or the run has
        ended; else the frame carries the same PNG and its number of points, which the page
        then does not send again. A classroom's playing sessions draw them every 2 s
        (:data:`sim.present.app.page.CHARTS_EVERY_S`): a chart a picture was a fifth of a
        worker's time and of the pictures sent (docs/classroom.md)."""
        runs = self.model.runs
        now = time.monotonic()
        if (self._charts is None or not self.model.running
                or now - self._charts[2] >= charts_every_s):
            self._charts = (self.charts.png(), self.charts.points(), now)
        return Frame(
            labels=self.labels(),
            counters=[r.counters() for r in runs],
            maps=[m.png() for m in self.maps],
            charts=self._charts[0],
            points=self._charts[1],
            running=bool(self.model.running),
            scenario=self.model.scenario_run.name,
            describe=[self.t.describe(item) for item in [
                *(self.model.scenario_run.interventions or []),
                *(self.model.scenario_run.shocks or [])]],
        )

    def csv(self) -> str:
        """Every reported week of every run so far, as CSV."""
        frames = []
        for run in self.model.runs:
            data = pd.DataFrame(run.model.datacollector.model_vars)
            data.insert(0, "run", run.label)
            frames.append(data)
        buf = io.StringIO()
        pd.concat(frames, ignore_index=True).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()


class LocalRunner:
    """The session's model in this process (the default app, one user)."""

    def __init__(self) -> None:
        self.session: SessionModel | None = None
        self.lock = threading.Lock()

    def build(self, settings: Settings, lang: str) -> Frame:
        with self.lock:
            self.session = SessionModel(settings, lang)
            return self.session.frame()

    def advance(self, weeks: int, charts_every_s: float = 0.0) -> Frame:
        with self.lock:
            return self.session.advance(weeks, charts_every_s)

    def csv(self) -> str:
        with self.lock:
            return self.session.csv()

    def close(self) -> None:
        self.session = None


# ------------------------------------------------------------------------ classroom
def _worker(requests: mp.Queue, replies: mp.Queue, reap_after_s: float, server: int,
            poll_s: float = POLL_S) -> None:
    """A worker process: holds the models of its sessions and answers requests in order;
    ends when told to, or when its server (process ``server``) is gone."""
    sessions: dict[str, SessionModel] = {}
    while True:
        try:
            message = requests.get(timeout=poll_s)
        except queue.Empty:
            message = None
            if os.getppid() != server:  # the server died or left without stopping us
                return
        now = time.monotonic()
        for key in [k for k, s in sessions.items() if now - s.last_used > reap_after_s]:
            del sessions[key]  # reaped: nobody asked for it for a long time
        if message is None:
            continue
        if message == "stop":
            return
        ident, session, op, args = message
        try:
            if op == "build":
                sessions[session] = SessionModel(*args)
                result: Any = sessions[session].frame()
            elif op == "advance":
                result = sessions[session].advance(*args)
            elif op == "csv":
                result = sessions[session].csv()
            elif op == "drop":
                result = sessions.pop(session, None) is not None
            elif op == "count":
                result = len(sessions)
            else:
                raise ValueError(f"unknown request {op!r}")
            replies.put((ident, True, result))
        except KeyError:
            replies.put((ident, False, "this session's model was closed after a long pause: "
                                       "press Reset"))
        except Exception as exc:  # a bad scenario: shown in the page, the worker goes on
            replies.put((ident, False, " ".join(f"{type(exc).__name__}: {exc}".split())))


class WorkerPool:
    """A few worker processes, each holding the models of some sessions.

    Args:
        workers: Processes (default: the CPUs available).
        reap_after_s: A worker drops a model not used for this long.
        poll_s: A worker without requests checks this often that the server still runs.
    """

    def __init__(self, workers: int | None = None, reap_after_s: float = REAP_AFTER_S,
                 poll_s: float = POLL_S) -> None:
        ctx = mp.get_context("spawn")  # the server has threads; fork would copy their locks
        n = workers or len(os.sched_getaffinity(0)) or 1
        self.replies: mp.Queue = ctx.Queue()
        self.requests = [ctx.Queue() for _ in range(n)]
        self.processes = [ctx.Process(target=_worker,
                                      args=(q, self.replies, reap_after_s, os.getpid(), poll_s),
                                      daemon=True, name=f"binnenstad-worker-{i}")
                          for i, q in enumerate(self.requests)]
        for p in self.processes:
            p.start()
        self.futures: dict[int, Future] = {}
        self.ids = itertools.count()
        self.load = [0] * n
        self.lock = threading.Lock()
        self.listener = threading.Thread(target=self._listen, daemon=True,
                                         name="binnenstad-replies")
        self.listener.start()

    def _listen(self) -> None:
        while True:
            ident, ok, result = self.replies.get()
            with self.lock:
                future = self.futures.pop(ident, None)
            if future is None:
                continue
            if ok:
                future.set_result(result)
            else:
                future.set_exception(RuntimeError(result))

    def assign(self) -> int:
        """The worker with the fewest sessions."""
        with self.lock:
            worker = min(range(len(self.load)), key=self.load.__getitem__)
            self.load[worker] += 1
            return worker

    def release(self, worker: int) -> None:
        with self.lock:
            self.load[worker] = max(0, self.load[worker] - 1)

    def call(self, worker: int, session: str, op: str, *args: Any, timeout: float = 300) -> Any:
        """Ask ``worker`` to do ``op`` for ``session`` and wait for the answer."""
        future: Future = Future()
        with self.lock:
            ident = next(self.ids)
            self.futures[ident] = future
        self.requests[worker].put((ident, session, op, args))
        return future.result(timeout=timeout)

    def stop(self) -> None:
        for q in self.requests:
            q.put("stop")
        for p in self.processes:
            p.join(timeout=5)


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def pool(workers: int | None = None) -> WorkerPool:
    """The server's worker pool, started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(workers)
        return _POOL


class PoolRunner:
    """The session's model in a worker process (``--classroom``)."""

    sessions = itertools.count()

    def __init__(self, workers: int | None = None) -> None:
        self.pool = pool(workers)
        self.worker = self.pool.assign()
        self.session = f"{os.getpid()}-{next(self.sessions)}"
        self.lock = threading.Lock()  # one request at a time per session

    def build(self, settings: Settings, lang: str) -> Frame:
        with self.lock:
            return self.pool.call(self.worker, self.session, "build", settings, lang)

    def advance(self, weeks: int, charts_every_s: float = 0.0) -> Frame:
        with self.lock:
            return self.pool.call(self.worker, self.session, "advance", weeks, charts_every_s)

    def csv(self) -> str:
        with self.lock:
            return self.pool.call(self.worker, self.session, "csv")

    def close(self) -> None:
        """Drop the model (the browser has gone)."""
        try:
            self.pool.call(self.worker, self.session, "drop", timeout=30)
        finally:
            self.pool.release(self.worker)
