"""Benchmark worker processes, driven over pipes (``speed.py``).

speed.py times each engine in its own long-lived process, driven over pipes with
one JSON object per line: the parent writes {"cmd": NAME, "args": {...}}, the
worker answers {"ok": true, "result": ...} or {"ok": false, "error": "..."}. The
worker's own stdout is redirected to stderr so that library output never mixes
with the answers. This module imports nothing but the standard library: the
Keras worker runs under another interpreter, without torch or skfer.
"""

import json
import os
import subprocess
import sys


def serve(handlers):
    """Answer requests on stdin with ``handlers[cmd](**args)`` until ``quit``/EOF."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request["cmd"] == "quit":
            break
        try:
            result = handlers[request["cmd"]](**request.get("args", {}))
            answer = {"ok": True, "result": result}
        except Exception as exc:  # reported to the parent, which decides
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
    answers.close()


class WorkerError(RuntimeError):
    """A benchmark worker failed to start or answered with an error."""


class Worker:
    """The parent's end of one :func:`serve` process.

    Parameters
    ----------
    name : str
        Label for messages.
    command : list of str
        The worker's command line.
    env : dict or None
        Extra environment variables.
    """

    def __init__(self, name, command, env=None):
        self.name = name
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the worker's messages go to the parent's stderr
            text=True,
            bufsize=1,
            env={**os.environ, **(env or {})},
        )

    def call(self, cmd, **args):
        """Send one request and wait for its answer (``WorkerError`` on failure)."""
        try:
            self.proc.stdin.write(json.dumps({"cmd": cmd, "args": args}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"{self.name}: worker exited ({exc})") from exc
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(
                f"{self.name}: worker exited (code {self.proc.wait()}) during {cmd!r}"
            )
        answer = json.loads(line)
        if not answer["ok"]:
            raise WorkerError(f"{self.name}: {cmd} failed: {answer['error']}")
        return answer["result"]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=60)
            except Exception:
                self.proc.kill()
                self.proc.wait()


def timed_best(candidates, run):
    """Warm up and time ``run(candidate)`` for each candidate; the fastest one.

    ``run`` returns images/s; each candidate runs twice and the second is kept
    (the first compiles, traces, allocates). Returns ``(best, {candidate: rate})``.
    """
    rates = {}
    for c in candidates:
        run(c)
        rates[c] = run(c)
    best = max(rates, key=rates.get)
    return best, {str(k): v for k, v in rates.items()}
